import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { Lease } from '../../activities/accounts';
import type { ImageGenerationRequest } from '../../domain/jimeng';
import { readAccount } from '../support/accounts';
import { GenerationFixture } from './generation-fixture';

/*
 * The account's state is checked and written at the moment of the call, not a workflow task later: the chaos
 * suite caught a video submitted to an account another job had just found banned, because the ban reached
 * jimeng_accounts only when that job released its lease.
 */
describe('account state at the moment of the call (activities over MariaDB and the simulator)', () => {
  const f = new GenerationFixture();
  let activities: ReturnType<typeof createActivities>;
  beforeAll(async () => {
    await f.start({ inProcessWorker: false });
    activities = createActivities(f.dependencies());
  }, 120_000);
  afterAll(() => f.close());
  beforeEach(() => f.reset());

  let activityIds = 0;
  const leaseOf = async (capability: 'image' | 'video'): Promise<Lease> => {
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
  };

  const generate = (lease: Lease) =>
    new MockActivityEnvironment().run(activities.generateImages, {
      taskId: '1',
      lease,
      siteSwitchCount: 0,
      call: { prompt: 'a harbour at dawn', model: 'jimeng-4.5' } as ImageGenerationRequest,
      composition: false,
    });

  it('looks at the account before calling it again after a lost attempt: exhausted or banned, it is marked and not called', async () => {
    const retry = (lease: Lease) =>
      new MockActivityEnvironment({ attempt: 2 }).run(activities.generateImages, {
        taskId: '1',
        lease,
        siteSwitchCount: 0,
        call: { prompt: 'a harbour at dawn', model: 'jimeng-4.5' } as ImageGenerationRequest,
        composition: false,
      });
    const cases = [
      { sim: { remainingQuota: 0 }, column: 'image_generation_status', value: 0 },
      { sim: { state: 'banned' as const }, column: 'account_status', value: 2 },
    ];
    for (const c of cases) {
      await f.reset();
      const account = await f.account();
      f.sim.admin.registerSession({ sessionId: account.sessionId, ...c.sim });
      const error = await retry(await leaseOf('image')).catch((e: unknown) => e);
      expect((error as ApplicationFailure).type).toBe('AccountWithdrawn');
      expect(f.sim.admin.counters().bySession[account.sessionId]?.byEndpoint).not.toHaveProperty(
        'POST /v1/images/generations',
      );
      expect((await readAccount(f.sequelize, account.id))[c.column as 'account_status']).toBe(c.value);
    }
    // A first attempt, or a retry on an account with credits, calls as usual.
    await f.reset();
    await f.account();
    expect(await retry(await leaseOf('image'))).toHaveLength(4);
  });

  it('does not call an account banned or switched off after it was leased: AccountWithdrawn instead', async () => {
    for (const change of ['account_status = 2', 'account_status = 1', 'image_generation_status = 0']) {
      await f.reset();
      const account = await f.account();
      const lease = await leaseOf('image');
      await f.sequelize.query(`UPDATE jimeng_accounts SET ${change} WHERE id = ?`, {
        replacements: [account.id],
      });
      const error = await generate(lease).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).type).toBe('AccountWithdrawn');
      expect(f.sim.admin.counters().total).toBe(0);
    }
  });

  it('writes what a refusal says about the account at once, while the lease is still held', async () => {
    const account = await f.account();
    const lease = await leaseOf('image');
    f.sim.admin.injectFault({ kind: 'banned', sessionId: account.sessionId, count: 1 });
    const error = await generate(lease).catch((e: unknown) => e);
    expect((error as ApplicationFailure).type).toBe('JimengError.account_banned');
    expect((await readAccount(f.sequelize, account.id)).account_status).toBe(2);
    // Its video capability is not handed out meanwhile.
    expect(await leaseOf('video').catch((e: unknown) => e)).toEqual(new Error('no lease'));
    await activities.releaseAccount({ token: lease.token, result: 'account_banned' });
    expect((await readAccount(f.sequelize, account.id)).account_status).toBe(2);
  });
});
