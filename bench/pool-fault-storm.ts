/**
 * The account pool under a fault storm from the Jimeng simulator, against a baseline in the same run.
 *
 *   node dist/bench/pool-fault-storm.js [requests=200] [accounts=40] [concurrency=8]
 *
 * Faults (global, seeded): 30% HTTP 429, 5% "account banned". Each request retries on another account
 * up to 6 times. Pool: leases from jimeng_accounts (MariaDB, database <MYSQL_DATABASE>_bench), releases
 * with the classified outcome, 2 s cooldown. Baseline: what the proxy itself does with a token list, a
 * random pick per call with no memory of failures. Reported: successes, calls per account, and calls
 * that went to an account already known to be banned or still cooling down.
 */
import pino from 'pino';
import { QueryTypes } from 'sequelize';
import { AccountPool, leaseOutcomeForAction, type LeaseOutcome } from '../activities/accounts';
import { JimengClient, JimengError } from '../activities/jimeng';
import { openBenchDatabase } from './bench-database';
import { startJimengSimulator } from '../dev/jimeng-sim/simulator';

const [requests = 200, accountCount = 40, concurrency = 8] = process.argv.slice(2).map(Number);
const MAX_ATTEMPTS = 6;
const COOLDOWN_MS = 2000;

interface Tally {
  succeeded: number;
  failed: number;
  calls: number;
  callsToKnownBanned: number;
  callsDuringCooldown: number;
  outcomes: Record<string, number>;
  callsPerAccount: Map<string, number>;
  ms: number;
}

const newTally = (): Tally => ({
  succeeded: 0,
  failed: 0,
  calls: 0,
  callsToKnownBanned: 0,
  callsDuringCooldown: 0,
  outcomes: {},
  callsPerAccount: new Map(),
  ms: 0,
});

async function runConcurrently(n: number, worker: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await worker(next++);
    }),
  );
}

async function main(): Promise<void> {
  const sequelize = await openBenchDatabase(concurrency * 2);

  const sim = await startJimengSimulator({ port: 0, seed: 7, imageLatencyMs: 5, dailyQuota: 10_000 });
  const client = new JimengClient({ baseUrls: { default: sim.url }, timeoutMs: 10_000 });
  const sessions = Array.from({ length: accountCount }, (_, i) => `storm-${String(i).padStart(2, '0')}`);
  // The dice of the simulator's rate faults are per call; the upstream's refusals are not. A banned account
  // stays banned, and a rate-limited one keeps refusing until its window has passed: modelled here so
  // that a strategy that ignores what it learnt pays for it, as it would against Jimeng.
  const bannedSessions = new Set<string>();
  const refusingUntil = new Map<string, number>();
  const call = async (sessionId: string): Promise<LeaseOutcome> => {
    if ((refusingUntil.get(sessionId) ?? 0) > Date.now()) {
      sim.admin.injectFault({ kind: 'http_429', sessionId, count: 1, retryAfterMs: COOLDOWN_MS });
    }
    const outcome = await callOnce(sessionId);
    if (outcome === 'banned' && !bannedSessions.has(sessionId)) {
      bannedSessions.add(sessionId);
      sim.admin.registerSession({ sessionId, state: 'banned' });
    }
    if (outcome === 'rate_limited' && !((refusingUntil.get(sessionId) ?? 0) > Date.now())) {
      refusingUntil.set(sessionId, Date.now() + COOLDOWN_MS);
    }
    return outcome;
  };
  const callOnce = async (sessionId: string): Promise<LeaseOutcome> => {
    try {
      await client.generateImages({ sessionId, siteType: 0 }, { prompt: 'storm' });
      return 'success';
    } catch (err) {
      if (!JimengError.is(err)) throw err;
      return leaseOutcomeForAction(err.action);
    }
  };

  const storm = () => {
    sim.admin.reset();
    bannedSessions.clear();
    refusingUntil.clear();
    for (const s of sessions)
      sim.admin.registerSession({ sessionId: s, rateLimit: { maxRequests: 100_000, windowMs: 1000 } });
    sim.admin.injectFault({ kind: 'banned', rate: 0.05 });
    sim.admin.injectFault({ kind: 'http_429', rate: 0.3, retryAfterMs: COOLDOWN_MS });
  };
  /** One upstream call, counted the same way for both strategies. */
  const measuredCall = async (t: Tally, sessionId: string): Promise<LeaseOutcome> => {
    t.calls++;
    t.callsPerAccount.set(sessionId, (t.callsPerAccount.get(sessionId) ?? 0) + 1);
    if (bannedSessions.has(sessionId)) t.callsToKnownBanned++;
    if ((refusingUntil.get(sessionId) ?? 0) > Date.now()) t.callsDuringCooldown++;
    const outcome = await call(sessionId);
    t.outcomes[outcome] = (t.outcomes[outcome] ?? 0) + 1;
    return outcome;
  };
  // Baseline: random pick per call, no memory (the proxy's own behaviour).
  storm();
  const baseline = newTally();
  let started = performance.now();
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  await runConcurrently(requests, async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = await measuredCall(baseline, sessions[Math.floor(random() * sessions.length)]!);
      if (outcome === 'success') return void baseline.succeeded++;
    }
    baseline.failed++;
  });
  baseline.ms = performance.now() - started;

  // The pool.
  storm();
  await sequelize.query('DELETE FROM jimeng_account_leases');
  await sequelize.query('DELETE FROM jimeng_account_waiters');
  await sequelize.query('DELETE FROM jimeng_accounts');
  for (const [i, s] of sessions.entries()) {
    await sequelize.query('INSERT INTO jimeng_accounts (id, jimeng_account, session_id) VALUES (?, ?, ?)', {
      replacements: [`storm-${i}`, s, s],
    });
  }
  const pool = new AccountPool({
    sequelize,
    logger: pino({ level: 'silent' }),
    now: () => new Date(),
    rateLimitCooldownMs: COOLDOWN_MS,
  });
  const tally = newTally();
  started = performance.now();
  await runConcurrently(requests, async (i) => {
    const tried: string[] = [];
    const deadline = Date.now() + 15_000;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && Date.now() < deadline;) {
      const lease = await pool.lease({ capability: 'image', excludeAccountIds: tried, holder: `bench-${i}` });
      if (!lease) {
        // Every usable account is busy or resting: wait (a workflow sleeps a durable timer here).
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      attempt++;
      tried.push(lease.accountId);
      const rows = await sequelize.query<{ session_id: string }>(
        'SELECT session_id FROM jimeng_accounts WHERE id = ?',
        {
          replacements: [lease.accountId],
          type: QueryTypes.SELECT,
        },
      );
      const outcome = await measuredCall(tally, rows[0]!.session_id);
      await pool.release(lease.token, outcome);
      if (outcome === 'success') return void tally.succeeded++;
    }
    tally.failed++;
  });
  tally.ms = performance.now() - started;

  const simCounts = sim.admin.counters().bySession;
  const report = (name: string, t: Tally) =>
    `| ${name} | ${t.succeeded}/${requests} | ${t.calls} | ${JSON.stringify(t.outcomes)} | ${t.callsToKnownBanned} | ${t.callsDuringCooldown} | ${(requests / (t.ms / 1000)).toFixed(1)} |`;
  console.log(
    `requests=${requests} accounts=${accountCount} concurrency=${concurrency} faults: 30% 429, 5% banned\n`,
  );
  console.log(
    '| strategy | succeeded | upstream calls | outcomes | calls to known-banned | calls while cooling | requests/s |',
  );
  console.log('|---|---|---|---|---|---|---|');
  console.log(report('baseline: random pick (proxy)', baseline));
  console.log(report('account pool', tally));
  console.log('\nPool run, calls per account as the simulator counted them (session: calls):');
  console.log(sessions.map((s) => `${s.slice(-2)}:${simCounts[s]?.total ?? 0}`).join(' '));
  const simTotal = sessions.reduce((n, s) => n + (simCounts[s]?.total ?? 0), 0);
  console.log(`simulator total ${simTotal}, driver total ${tally.calls}`);
  await sim.close();
  await sequelize.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
