import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/create-activities';
import type { Lease } from '../../services/accounts/account-pool';
import type { ImageGenerationRequest } from '../../domain/jimeng/requests';
import { readAccount, type AccountRow } from '../support/accounts';
import { GenerationFixture } from './generation-fixture';

/*
 * The account's state is checked and written at the moment of the call, not a workflow task later: the chaos
 * suite caught a video submitted to an account another job had just found banned, because the ban reached
 * jimeng_accounts only when that job released its lease.
 *
 * The simulator answers as the proxy (iptag/jimeng-api v1.9.6) does, which has no ban signal: a banned session
 * answers as a dead one (-1000 "Cannot read properties of undefined (reading 'gift_credit')", /token/check
 * false) and a ban during a call as a login that died (-2002 "[登录失效]: login error…"), so the account is marked
 * invalid (both capabilities unavailable). The ban text only a fork sends is in the last block, against a
 * simulator with `forkExtensions: true`.
 */

type Columns = Partial<
  Pick<AccountRow, 'account_status' | 'image_generation_status' | 'video_generation_status'>
>;
/** Both capabilities unavailable until an operator gives it a new session (lease-outcome.ts: session_invalid). */
const INVALID: Columns = { account_status: 0, image_generation_status: 0, video_generation_status: 0 };

const call = { prompt: 'a harbour at dawn', model: 'jimeng-4.5' } as ImageGenerationRequest;

/** The activities of one fixture, run one by one in mock activity environments. */
function activitiesOf(f: GenerationFixture) {
  let activities: ReturnType<typeof createActivities>;
  let activityIds = 0;
  return {
    init: () => {
      activities = createActivities(f.dependencies());
    },
    get activities() {
      return activities;
    },
    leaseOf: async (capability: 'image' | 'video'): Promise<Lease> => {
      // Each lease its own activity: retries of one activity share its lease (the same request key).
      const env = new MockActivityEnvironment({ activityId: `lease-${++activityIds}` });
      const lease = await env.run(activities.leaseAccount, {
        type: capability,
        sites: [0],
        excludeAccountIds: [],
        holder: 'test',
      });
      if (!lease) throw new Error('no lease');
      return lease as Lease;
    },
    generate: (lease: Lease, attempt = 1) =>
      new MockActivityEnvironment({ attempt }).run(activities.generateImages, {
        taskId: '1',
        lease,
        siteSwitchCount: 0,
        call,
        composition: false,
      }),
  };
}

/**
 * A refusal on the call is written to the account while the lease is still held: the other capability is not
 * handed out meanwhile, and the release does not undo it.
 */
async function writesTheRefusalAtOnce(
  f: GenerationFixture,
  a: ReturnType<typeof activitiesOf>,
  expected: { type: string; columns: Columns; release: 'account_invalid' | 'account_banned' },
): Promise<void> {
  const account = await f.account();
  const lease = await a.leaseOf('image');
  f.sim.admin.injectFault({ kind: 'banned', sessionId: account.sessionId, count: 1 });
  const error = await a.generate(lease).catch((e: unknown) => e);
  expect((error as ApplicationFailure).type).toBe(expected.type);
  expect(await readAccount(f.sequelize, account.id)).toMatchObject(expected.columns);
  // Its video capability is not handed out meanwhile.
  expect(await a.leaseOf('video').catch((e: unknown) => e)).toEqual(new Error('no lease'));
  await a.activities.releaseAccount({ token: lease.token, result: expected.release });
  expect(await readAccount(f.sequelize, account.id)).toMatchObject(expected.columns);
}

describe('account state at the moment of the call (activities over MariaDB and the simulator)', () => {
  const f = new GenerationFixture();
  const a = activitiesOf(f);
  beforeAll(async () => {
    await f.start({ inProcessWorker: false });
    a.init();
  }, 120_000);
  afterAll(() => f.close());
  beforeEach(() => f.reset());

  it('looks at the account before calling it again after a lost attempt: exhausted or dead, it is marked and not called', async () => {
    const cases: Array<{
      sim: { remainingQuota: number } | { state: 'invalid' | 'banned' };
      columns: Columns;
    }> = [
      // /token/points reads a total of 0 (today's claim already made): the image capability is exhausted.
      {
        sim: { remainingQuota: 0 },
        columns: { account_status: 0, image_generation_status: 0, video_generation_status: 1 },
      },
      // /token/points answers the dead session's -1000 TypeError, /token/check { live: false }.
      { sim: { state: 'invalid' }, columns: INVALID },
      { sim: { state: 'banned' }, columns: INVALID },
    ];
    for (const c of cases) {
      await f.reset();
      const account = await f.account();
      f.sim.admin.registerSession({ sessionId: account.sessionId, ...c.sim });
      const error = await a.generate(await a.leaseOf('image'), 2).catch((e: unknown) => e);
      expect({ case: c.sim, type: (error as ApplicationFailure).type }).toEqual({
        case: c.sim,
        type: 'AccountWithdrawn',
      });
      expect(f.sim.admin.counters().bySession[account.sessionId]?.byEndpoint).not.toHaveProperty(
        'POST /v1/images/generations',
      );
      expect(await readAccount(f.sequelize, account.id)).toMatchObject(c.columns);
    }
    // A first attempt, or a retry on an account with credits, calls as usual.
    await f.reset();
    await f.account();
    expect(await a.generate(await a.leaseOf('image'), 2)).toHaveLength(4);
  });

  it('does not call an account banned or switched off after it was leased: AccountWithdrawn instead', async () => {
    for (const change of ['account_status = 2', 'account_status = 1', 'image_generation_status = 0']) {
      await f.reset();
      const account = await f.account();
      const lease = await a.leaseOf('image');
      await f.sequelize.query(`UPDATE jimeng_accounts SET ${change} WHERE id = ?`, {
        replacements: [account.id],
      });
      const error = await a.generate(lease).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).type).toBe('AccountWithdrawn');
      expect(f.sim.admin.counters().total).toBe(0);
    }
  });

  it('writes what a refusal says about the account at once, while the lease is still held (a ban: the login dies, -2002)', async () => {
    await writesTheRefusalAtOnce(f, a, {
      type: 'JimengError.account_invalid',
      columns: INVALID,
      release: 'account_invalid',
    });
  });

  describe('against a fork (forkExtensions: true: the ban text)', () => {
    const fork = new GenerationFixture();
    const forkActivities = activitiesOf(fork);
    beforeAll(async () => {
      await fork.start({ inProcessWorker: false, forkExtensions: true });
      forkActivities.init();
    }, 120_000);
    afterAll(() => fork.close());
    beforeEach(() => fork.reset());

    it('writes a ban at once, while the lease is still held: account_status banned', async () => {
      await writesTheRefusalAtOnce(fork, forkActivities, {
        type: 'JimengError.account_banned',
        columns: { account_status: 2 },
        release: 'account_banned',
      });
    });
  });
});
