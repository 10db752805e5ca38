import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { AccountPool, leaseOutcomeForAction, type LeaseOutcome } from '../../activities/accounts';
import { JimengClient, JimengError } from '../../activities/jimeng';
import { startJimengSimulator, type JimengSimulator } from '../../dev/jimeng-sim/simulator';
import { clearAccounts, insertAccount, readAccount } from '../support/accounts';
import { migratedTestDatabase } from '../support/database';

/**
 * The pool, the real client and the simulator together: what the generation activities will do, minus
 * Temporal. The simulator counts every call it receives per session, which is the proof that the pool
 * kept its promises.
 */
describe('account pool against the Jimeng simulator', () => {
  let sequelize: Sequelize;
  let sim: JimengSimulator;
  let client: JimengClient;
  let now: Date;
  let accounts: AccountPool;

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    sim = await startJimengSimulator({ port: 0, seed: 11, imageLatencyMs: 1 });
    client = new JimengClient({ baseUrls: { default: sim.url }, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await clearAccounts(sequelize);
    await sequelize.close();
    await sim.close();
  });
  beforeEach(async () => {
    await clearAccounts(sequelize);
    sim.admin.reset();
    now = new Date('2026-11-23T04:00:00.000Z');
    accounts = new AccountPool({
      sequelize,
      logger: pino({ level: 'silent' }),
      now: () => now,
      rateLimitCooldownMs: 300_000,
    });
  });

  /** One generation attempt as the activity will make it: lease, call, release with the outcome. */
  async function attempt(): Promise<{ accountId: string; outcome: LeaseOutcome } | null> {
    const lease = await accounts.lease({ capability: 'image' });
    if (!lease) return null;
    const account = await readAccount(sequelize, lease.accountId);
    let outcome: LeaseOutcome = 'success';
    try {
      await client.generateImages(
        { id: account.id, sessionId: account.session_id, siteType: lease.siteType },
        { prompt: 'a cat' },
      );
    } catch (err) {
      if (!JimengError.is(err)) throw err;
      outcome = leaseOutcomeForAction(err.action);
    }
    await accounts.release(lease.token, outcome);
    return { accountId: lease.accountId, outcome };
  }

  const callsOf = (sessionId: string) => sim.admin.counters().bySession[sessionId]?.total ?? 0;

  it('calls no account while it cools down after a rate limit, and uses it again afterwards', async () => {
    const a = await insertAccount(sequelize, { session_id: 'session-a', priority: 9 });
    await insertAccount(sequelize, { session_id: 'session-b' });
    await insertAccount(sequelize, { session_id: 'session-c' });
    sim.admin.injectFault({ kind: 'http_429', sessionId: 'session-a', count: 1 });

    const first = await attempt();
    expect(first).toEqual({ accountId: a, outcome: 'rate_limited' });
    for (let i = 0; i < 10; i++) {
      now = new Date(now.getTime() + 20_000); // 200 s in all: still inside the 300 s cooldown
      const r = await attempt();
      expect(r?.outcome).toBe('success');
      expect(r?.accountId).not.toBe(a);
    }
    expect(callsOf('session-a')).toBe(1);
    expect(callsOf('session-b') + callsOf('session-c')).toBe(10);
    expect(Math.abs(callsOf('session-b') - callsOf('session-c'))).toBeLessThanOrEqual(1); // least recently used

    now = new Date(now.getTime() + 101_000);
    expect(await attempt()).toEqual({ accountId: a, outcome: 'success' });
    expect(callsOf('session-a')).toBe(2);
  });

  it('stops calling an account whose quota ran out or whose session died, and never calls a banned one again', async () => {
    await insertAccount(sequelize, { session_id: 'session-q', priority: 3 });
    await insertAccount(sequelize, { session_id: 'session-i', priority: 2 });
    await insertAccount(sequelize, { session_id: 'session-x', priority: 1 });
    await insertAccount(sequelize, { session_id: 'session-ok' });
    sim.admin.registerSession({ sessionId: 'session-q', remainingQuota: 0 });
    sim.admin.registerSession({ sessionId: 'session-i', state: 'invalid' });
    sim.admin.registerSession({ sessionId: 'session-x', state: 'banned' });

    const outcomes = [];
    for (let i = 0; i < 8; i++) {
      now = new Date(now.getTime() + 1000);
      outcomes.push((await attempt())?.outcome);
    }
    expect(outcomes).toEqual(['quota_exhausted', 'session_invalid', 'banned', ...Array(5).fill('success')]);
    expect([callsOf('session-q'), callsOf('session-i'), callsOf('session-x'), callsOf('session-ok')]).toEqual(
      [1, 1, 1, 5],
    );
  });
});
