import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { AccountPool } from '../../../services/accounts/account-pool';
import { leaseOutcomeForAction, type LeaseOutcome } from '../../../services/accounts/lease-outcome';
import { JimengClient } from '../../../services/jimeng/client';
import { JimengError } from '../../../services/jimeng/jimeng-error';
import {
  JimengErrorAction,
  JimengErrorReason,
  type JimengErrorAction as Action,
} from '../../../services/jimeng/error-actions';
import type { FaultSpec } from '../../../dev/jimeng-sim/faults';
import {
  startJimengSimulator,
  type JimengSimulator,
  type JimengSimulatorOptions,
} from '../../../dev/jimeng-sim/simulator';
import { clearAccounts, insertAccount, readAccount } from '../../support/accounts';
import { migratedTestDatabase } from '../../support/database';

const IMAGE_CALLS = 'POST /v1/images/generations';
const SESSION_CHECKS = 'POST /token/check';

/** A simulator and a client pointed at it. */
interface Stand {
  sim: JimengSimulator;
  client: JimengClient;
}

/**
 * The pool, the real client and the simulator together: what the generation activities will do, minus
 * Temporal. The simulator counts every call it receives per session, which is the proof that the pool
 * kept its promises. The simulator answers as the proxy does (iptag/jimeng-api v1.9.6); the fork-only
 * answers (HTTP 429, a ban text) are in their own block with `forkExtensions: true`. Both simulators run on the
 * test's clock, so what they remember about refusals (callsAfterRefusal) follows the pool's time.
 */
describe('account pool against the Jimeng simulator', () => {
  let sequelize: Sequelize;
  let proxy: Stand;
  let now = new Date('2026-11-23T04:00:00.000Z');
  let accounts: AccountPool;

  const startStand = async (options: Partial<JimengSimulatorOptions> = {}): Promise<Stand> => {
    const sim = await startJimengSimulator({
      port: 0,
      seed: 11,
      latency: { imageMs: 1, compositionMs: 1, videoMs: 1, retryDelayMs: 1, upstreamTimeoutMs: 1 },
      now: () => now.getTime(),
      ...options,
    });
    return { sim, client: new JimengClient({ baseUrls: { default: sim.url }, timeoutMs: 5000 }) };
  };

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    proxy = await startStand();
  });
  afterAll(async () => {
    await clearAccounts(sequelize);
    await sequelize.close();
    await proxy.sim.close();
  });
  beforeEach(async () => {
    await clearAccounts(sequelize);
    proxy.sim.admin.reset();
    now = new Date('2026-11-23T04:00:00.000Z');
    accounts = new AccountPool({
      sequelize,
      logger: pino({ level: 'silent' }),
      now: () => now,
      rateLimitCooldownMs: 300_000,
    });
  });

  /**
   * One generation attempt as the activity will make it: lease, call, release with the outcome. The proxy's
   * answer for a dead session (a TypeError on the credits it could not read) is only a suspicion: like the
   * activity, the attempt asks /token/check, and a session that is not live makes the account invalid.
   */
  async function attempt({ client }: Stand): Promise<{ accountId: string; outcome: LeaseOutcome } | null> {
    const lease = await accounts.lease({ capability: 'image' });
    if (!lease) return null;
    const row = await readAccount(sequelize, lease.accountId);
    const account = { id: row.id, sessionId: row.session_id, siteType: lease.siteType };
    let outcome: LeaseOutcome = 'success';
    try {
      await client.generateImages(account, { prompt: 'a cat' });
    } catch (err) {
      if (!JimengError.is(err)) throw err;
      let action: Action = err.action;
      if (err.reason === JimengErrorReason.SESSION_SUSPECT && !(await client.checkSession(account)))
        action = JimengErrorAction.ACCOUNT_INVALID;
      outcome = leaseOutcomeForAction(action);
    }
    await accounts.release(lease.token, outcome);
    return { accountId: lease.accountId, outcome };
  }

  const callsOf = ({ sim }: Stand, sessionId: string, endpoint = IMAGE_CALLS): number =>
    sim.admin.counters().bySession[sessionId]?.byEndpoint[endpoint] ?? 0;

  /**
   * The first call to session-a is refused as `refusal` says; the pool rests it for its 300 s cooldown and uses
   * it again afterwards.
   */
  async function coolsDownAndComesBack(stand: Stand, refusal: FaultSpec): Promise<void> {
    const a = await insertAccount(sequelize, { session_id: 'session-a', priority: 9 });
    await insertAccount(sequelize, { session_id: 'session-b' });
    await insertAccount(sequelize, { session_id: 'session-c' });
    stand.sim.admin.injectFault(refusal);

    const first = await attempt(stand);
    expect(first).toEqual({ accountId: a, outcome: 'rate_limited' });
    for (let i = 0; i < 10; i++) {
      now = new Date(now.getTime() + 20_000); // 200 s in all: still inside the 300 s cooldown
      const r = await attempt(stand);
      expect(r?.outcome).toBe('success');
      expect(r?.accountId).not.toBe(a);
    }
    expect(callsOf(stand, 'session-a')).toBe(1);
    expect(callsOf(stand, 'session-b') + callsOf(stand, 'session-c')).toBe(10);
    // least recently used
    expect(Math.abs(callsOf(stand, 'session-b') - callsOf(stand, 'session-c'))).toBeLessThanOrEqual(1);

    now = new Date(now.getTime() + 101_000);
    expect(await attempt(stand)).toEqual({ accountId: a, outcome: 'success' });
    expect(callsOf(stand, 'session-a')).toBe(2);
    expect(stand.sim.admin.counters().callsAfterRefusal).toEqual({});
  }

  it('calls no account while it cools down after risk control (-2001 shark not pass, 1019), and uses it again afterwards', async () => {
    // The proxy's only rate signal: the upstream's risk control, with no hint of how long (no Retry-After). The
    // simulator is told to count calls within the pool's 300 s as calls after the refusal.
    await coolsDownAndComesBack(proxy, {
      kind: 'risk_control',
      ret: '1019',
      sessionId: 'session-a',
      count: 1,
      cooldownMs: 300_000,
    });
  });

  it('stops calling an account whose quota ran out or whose session died (a banned session answers as a dead one)', async () => {
    const q = await insertAccount(sequelize, { session_id: 'session-q', priority: 3 });
    const i = await insertAccount(sequelize, { session_id: 'session-i', priority: 2 });
    const x = await insertAccount(sequelize, { session_id: 'session-x', priority: 1 });
    await insertAccount(sequelize, { session_id: 'session-ok' });
    // No credits and today's claim already made: -2009 "积分不足且无法自动收取…".
    proxy.sim.admin.registerSession({ sessionId: 'session-q', remainingQuota: 0 });
    // Both answer -1000 "Cannot read properties of undefined (reading 'gift_credit')" and /token/check false.
    proxy.sim.admin.registerSession({ sessionId: 'session-i', state: 'invalid' });
    proxy.sim.admin.registerSession({ sessionId: 'session-x', state: 'banned' });

    const outcomes = [];
    for (let n = 0; n < 8; n++) {
      now = new Date(now.getTime() + 1000);
      outcomes.push((await attempt(proxy))?.outcome);
    }
    expect(outcomes).toEqual([
      'quota_exhausted',
      'session_invalid',
      'session_invalid',
      ...Array(5).fill('success'),
    ]);
    expect(
      ['session-q', 'session-i', 'session-x', 'session-ok'].map((s) => callsOf(proxy, s, IMAGE_CALLS)),
    ).toEqual([1, 1, 1, 5]);
    // The suspicion checked once per dead session, never for the others.
    expect(
      ['session-q', 'session-i', 'session-x', 'session-ok'].map((s) => callsOf(proxy, s, SESSION_CHECKS)),
    ).toEqual([0, 1, 1, 0]);
    expect(await readAccount(sequelize, q)).toMatchObject({ image_generation_status: 0 });
    for (const dead of [i, x])
      expect(await readAccount(sequelize, dead)).toMatchObject({
        image_generation_status: 0,
        video_generation_status: 0,
      });
    expect(proxy.sim.admin.counters().callsAfterRefusal).toEqual({});
  });

  describe('against a fork (forkExtensions: true: HTTP 429 + Retry-After, a ban text)', () => {
    let fork: Stand;
    beforeAll(async () => {
      fork = await startStand({ forkExtensions: true });
    });
    afterAll(() => fork.sim.close());
    beforeEach(() => fork.sim.admin.reset());

    it('calls no account while it cools down after an HTTP 429, and uses it again afterwards', async () => {
      await coolsDownAndComesBack(fork, { kind: 'http_429', sessionId: 'session-a', count: 1 });
    });

    it('never calls a banned account again: the ban text bans it for good', async () => {
      const x = await insertAccount(sequelize, { session_id: 'session-x', priority: 1 });
      await insertAccount(sequelize, { session_id: 'session-ok' });
      fork.sim.admin.registerSession({ sessionId: 'session-x', state: 'banned' });

      const outcomes = [];
      for (let n = 0; n < 4; n++) {
        now = new Date(now.getTime() + 1000);
        outcomes.push((await attempt(fork))?.outcome);
      }
      expect(outcomes).toEqual(['banned', 'success', 'success', 'success']);
      expect([callsOf(fork, 'session-x'), callsOf(fork, 'session-ok')]).toEqual([1, 3]);
      expect(callsOf(fork, 'session-x', SESSION_CHECKS)).toBe(0);
      expect((await readAccount(sequelize, x)).account_status).toBe(2);
      expect(fork.sim.admin.counters().callsAfterRefusal).toEqual({});
    });
  });
});
