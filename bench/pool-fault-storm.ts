/**
 * The account pool under a fault storm from the Jimeng simulator, against a baseline in the same run.
 *
 *   node dist/bench/pool-fault-storm.js [requests=200] [accounts=40] [concurrency=8] [--fork-extensions]
 *
 * The simulator answers as the real proxy does (iptag/jimeng-api v1.9.6). Faults (global, seeded, per generation
 * call; bench/storm-faults.ts): 30% risk control (-2001 `[请求失败]: shark not pass (错误码: 1019)`, no
 * Retry-After), 5% a ban, which the proxy cannot tell from a dead login (-2002 `[登录失效]: login error…` on the
 * call that kills the session, then -1000 `Cannot read properties of undefined (reading 'gift_credit')` on every
 * later call), 5% the proxy's own connection to the upstream timing out after its retries (-1000 `timeout of
 * 45000ms exceeded`, not the account's fault). A session stays dead, and an account that answered risk control
 * keeps answering it for 2 s: a strategy that ignores what it learnt pays for it, as it would against Jimeng.
 * `--fork-extensions`: the storm these figures had before the simulator followed the proxy (a fork's HTTP 429 +
 * Retry-After, 30%, and its ban text, 5%).
 *
 * Each request tries up to 6 upstream calls. Pool: leases from jimeng_accounts (MariaDB, database
 * <MYSQL_DATABASE>_bench), releases with the classified outcome, 2 s cooldown; a dead-session answer is checked
 * with /token/check before the account is marked, as the generation activities do. Baseline: what the proxy
 * itself does with a token list, a random pick per call with no memory of failures. Reported: successes, the
 * answers, the calls that went to an account known dead or still inside its risk-control window (the driver's
 * view), and the simulator's refusals and calls after a refusal (its view: the wasted calls).
 */
import pino from 'pino';
import { QueryTypes } from 'sequelize';
import { AccountPool } from '../services/accounts/account-pool';
import { leaseOutcomeForAction, type LeaseOutcome } from '../services/accounts/lease-outcome';
import { JimengClient } from '../services/jimeng/client';
import { JimengError } from '../services/jimeng/jimeng-error';
import { JimengErrorAction, JimengErrorReason } from '../services/jimeng/error-actions';
import { startJimengSimulator } from '../dev/jimeng-sim/simulator';
import type { CountersSnapshot } from '../dev/jimeng-sim/counters';
import { openBenchDatabase } from './bench-database';
import { ONE_CREDIT_PER_IMAGE_CALL, type BenchSimulatorOptions } from './bench-simulator';
import { countTotal } from './counts';
import { imageGenerationCalls } from './image-generation-calls';
import { runConcurrently } from './run-concurrently';
import { seededRandom } from './seeded-random';
import { STORM_COOLDOWN_MS, stillRefusingFault, stormFaults, type StormMode } from './storm-faults';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const [requests = 200, accountCount = 40, concurrency = 8] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number);
const MODE: StormMode = flags.includes('--fork-extensions') ? 'fork' : 'proxy';
const MAX_ATTEMPTS = 6;

/**
 * Time scale 1 ms : 6 s of the real proxy: an image 5 ms (30 s), its retry pause 1 ms (5 s), its per-call
 * timeout 8 ms (45 s), so a transport timeout (4 timeouts and 3 pauses) costs 35 ms, seven images' time.
 */
const SIMULATOR: BenchSimulatorOptions = {
  seed: 7,
  latency: { imageMs: 5, compositionMs: 5, videoMs: 5, retryDelayMs: 1, upstreamTimeoutMs: 8 },
  dailyQuota: 10_000,
  creditCosts: ONE_CREDIT_PER_IMAGE_CALL,
  forkExtensions: MODE === 'fork',
};

interface Tally {
  succeeded: number;
  failed: number;
  calls: number;
  callsToKnownDead: number;
  callsWhileRefusing: number;
  sessionChecks: number;
  /** Answers by what they meant (the client's reason), `success` for a success. */
  answers: Record<string, number>;
  ms: number;
  counters?: CountersSnapshot;
}

const newTally = (): Tally => ({
  succeeded: 0,
  failed: 0,
  calls: 0,
  callsToKnownDead: 0,
  callsWhileRefusing: 0,
  sessionChecks: 0,
  answers: {},
  ms: 0,
});

/** Counts as JSON, `0` when there are none. */
const listedAsJson = (o: Readonly<Record<string, number>>): string =>
  Object.keys(o).length === 0 ? '0' : JSON.stringify(o);

async function main(): Promise<void> {
  const sequelize = await openBenchDatabase(concurrency * 2);

  const sim = await startJimengSimulator({ port: 0, ...SIMULATOR });
  const client = new JimengClient({ baseUrls: { default: sim.url }, timeoutMs: 10_000 });
  const sessions = Array.from({ length: accountCount }, (_, i) => `storm-${String(i).padStart(2, '0')}`);
  // The simulator keeps a killed session dead by itself. The dice of its risk-control faults are per call; the
  // upstream's risk control is not: an account that answered it keeps answering it for a while, modelled here.
  const deadSessions = new Set<string>();
  const refusingUntil = new Map<string, number>();
  const refusing = (sessionId: string): boolean => (refusingUntil.get(sessionId) ?? 0) > Date.now();

  /** One generation call: the answer's meaning, and what it tells the pool. */
  const call = async (sessionId: string): Promise<{ answer: string; error?: JimengError }> => {
    if (refusing(sessionId)) sim.admin.injectFault(stillRefusingFault(MODE, sessionId));
    let result: { answer: string; error?: JimengError };
    try {
      await client.generateImages({ sessionId, siteType: 0 }, { prompt: 'storm' });
      result = { answer: 'success' };
    } catch (err) {
      if (!JimengError.is(err)) throw err;
      result = { answer: err.reason, error: err };
    }
    const reason = result.error?.reason;
    if (reason === JimengErrorReason.SESSION_EXPIRED || reason === JimengErrorReason.ACCOUNT_BANNED)
      deadSessions.add(sessionId);
    if (result.error?.action === JimengErrorAction.COOL_DOWN_ACCOUNT && !refusing(sessionId))
      refusingUntil.set(sessionId, Date.now() + STORM_COOLDOWN_MS);
    return result;
  };

  const storm = () => {
    sim.admin.reset();
    deadSessions.clear();
    refusingUntil.clear();
    for (const s of sessions)
      sim.admin.registerSession({ sessionId: s, rateLimit: { maxRequests: 100_000, windowMs: 1000 } });
    for (const fault of stormFaults(MODE)) sim.admin.injectFault(fault);
  };
  /** One upstream call, counted the same way for both strategies. */
  const measuredCall = async (
    t: Tally,
    sessionId: string,
  ): Promise<{ answer: string; error?: JimengError }> => {
    t.calls++;
    if (deadSessions.has(sessionId)) t.callsToKnownDead++;
    if (refusing(sessionId)) t.callsWhileRefusing++;
    const result = await call(sessionId);
    t.answers[result.answer] = (t.answers[result.answer] ?? 0) + 1;
    return result;
  };

  // Baseline: random pick per call, no memory (the proxy's own behaviour).
  storm();
  const baseline = newTally();
  let started = performance.now();
  const random = seededRandom(12345);
  await runConcurrently(requests, concurrency, async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { answer } = await measuredCall(baseline, sessions[Math.floor(random() * sessions.length)]!);
      if (answer === 'success') return void baseline.succeeded++;
    }
    baseline.failed++;
  });
  baseline.ms = performance.now() - started;
  baseline.counters = sim.admin.counters();

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
    rateLimitCooldownMs: STORM_COOLDOWN_MS,
  });
  const tally = newTally();
  /** Why the pool's failed requests failed: their answers in order (the retry budget is MAX_ATTEMPTS calls). */
  const failures: string[] = [];
  const attemptsLeft = (seen: readonly string[]) => seen.length < MAX_ATTEMPTS;
  /**
   * What the release tells the pool. A dead-session answer (the credit read's TypeError) is a hint: the session
   * is asked, and only a session that is not live is marked (generation-activities.ts, confirmedFailure).
   */
  const outcomeOf = async (sessionId: string, error: JimengError | undefined): Promise<LeaseOutcome> => {
    if (error === undefined) return 'success';
    if (error.reason === JimengErrorReason.SESSION_SUSPECT) {
      tally.sessionChecks++;
      const live = await client.checkSession({ sessionId, siteType: 0 }).catch(() => true);
      if (!live) return 'session_invalid';
    }
    return leaseOutcomeForAction(error.action);
  };
  started = performance.now();
  await runConcurrently(requests, concurrency, async (i) => {
    const tried: string[] = [];
    const seen: string[] = [];
    const deadline = Date.now() + 15_000;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && Date.now() < deadline;) {
      const lease = await pool.lease({ capability: 'image', excludeAccountIds: tried, holder: `bench-${i}` });
      if (!lease) {
        // Every usable account is busy or resting: wait (a workflow waits for a release or a timer here).
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      attempt++;
      tried.push(lease.accountId);
      const rows = await sequelize.query<{ session_id: string }>(
        'SELECT session_id FROM jimeng_accounts WHERE id = ?',
        { replacements: [lease.accountId], type: QueryTypes.SELECT },
      );
      const sessionId = rows[0]!.session_id;
      const { answer, error } = await measuredCall(tally, sessionId);
      seen.push(answer);
      const outcome = await outcomeOf(sessionId, error);
      await pool.release(lease.token, outcome);
      if (outcome === 'success') return void tally.succeeded++;
    }
    tally.failed++;
    failures.push(`request ${i}: ${seen.join(', ')}${attemptsLeft(seen) ? ' (deadline)' : ''}`);
  });
  tally.ms = performance.now() - started;
  tally.counters = sim.admin.counters();

  const simCounts = tally.counters.bySession;
  const report = (name: string, t: Tally) =>
    `| ${name} | ${t.succeeded}/${requests} | ${t.calls} | ${JSON.stringify(t.answers)} | ` +
    `${countTotal(t.counters!.callsAfterRefusal)} ${listedAsJson(t.counters!.callsAfterRefusal)} | ${t.callsToKnownDead} | ` +
    `${t.callsWhileRefusing} | ${t.sessionChecks} | ${(requests / (t.ms / 1000)).toFixed(1)} |`;
  console.log(
    `requests=${requests} accounts=${accountCount} concurrency=${concurrency} simulator: ${
      MODE === 'fork' ? 'fork extensions' : "the proxy's answers"
    }; faults: ${stormFaults(MODE)
      .map((f) => `${Math.round((f.rate ?? 0) * 100)}% ${f.kind}`)
      .join(', ')}\n`,
  );
  console.log(
    '| strategy | succeeded | upstream calls | answers | wasted calls (simulator: calls after refusal) | ' +
      'calls to a known-dead session | calls inside a refusal window | session checks | requests/s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  console.log(report('baseline: random pick (proxy)', baseline));
  console.log(report('account pool', tally));
  console.log('\nPool run, generation calls per account as the simulator counted them (session: calls):');
  const generationCalls = (s: string) => imageGenerationCalls(simCounts[s]);
  console.log(sessions.map((s) => `${s.slice(-2)}:${generationCalls(s)}`).join(' '));
  const simTotal = sessions.reduce((n, s) => n + generationCalls(s), 0);
  console.log(`simulator total ${simTotal}, driver total ${tally.calls}`);
  for (const f of failures) console.log(`pool, failed ${f}`);
  for (const [name, t] of [
    ['baseline', baseline],
    ['pool', tally],
  ] as const) {
    // The still-refusing answers inside a window are the driver's (stillRefusingFault): not among these.
    console.log(
      `${name}: simulator refusals ${listedAsJson(t.counters!.refusals)}; faults fired ${listedAsJson(t.counters!.faultsFired)}`,
    );
  }
  await sim.close();
  await sequelize.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
