/**
 * The baseline of bench/pool-capacity.ts: the naive client, on a simulator of its own with the same accounts and
 * limits. K workers each take the next job; an attempt picks a random account; a failed attempt, whatever the
 * error (risk control, which names no wait, included), is retried up to BASELINE_RETRIES times 1 s apart, with
 * no cooldown and no memory of refusals. It only makes the upstream call: no uploads, no bookkeeping.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { JimengClient } from '../services/jimeng/client';
import { JimengError } from '../services/jimeng/jimeng-error';
import { startJimengSimulator } from '../dev/jimeng-sim/simulator';
import { accountTime } from './account-time';
import { listed, tally } from './counts';
import { InFlightSampler } from './in-flight-sampler';
import type { SideRun } from './pool-capacity-figures';
import { asPercent, inSeconds } from './pool-capacity-format';
import {
  ACCOUNTS,
  BASELINE_CLIENTS,
  BASELINE_RETRIES,
  BASELINE_RETRY_DELAY_MS,
  JOBS,
  LATENCY_MS,
  SAMPLE_MS,
  SIMULATOR,
  simulatorLimits,
} from './pool-capacity-setup';
import { runConcurrently } from './run-concurrently';
import { seededRandom } from './seeded-random';

/**
 * A failure's code as the tables show it: the proxy's code with the upstream ret its message names
 * (`-2001/1019` risk control, `-2007/5001` too many jobs on the account), or the client's own (`HTTP_429`).
 */
function codeOf(err: JimengError): string {
  return err.upstreamCode === undefined ? err.code : `${err.code}/${err.upstreamCode}`;
}

export async function runNaiveClient(): Promise<SideRun> {
  const sim = await startJimengSimulator({ port: 0, ...SIMULATOR });
  const sessions = Array.from({ length: ACCOUNTS }, () => `naive-${randomUUID()}`);
  for (const sessionId of sessions) sim.admin.registerSession({ sessionId, ...simulatorLimits() });
  const client = new JimengClient({ baseUrls: { default: sim.url }, timeoutMs: 3 * LATENCY_MS + 30_000 });
  const random = seededRandom(12345);

  const results: { ok: boolean; code?: string; finalAt: number }[] = [];
  const attemptCodes: string[] = [];
  /** One job: attempts on random accounts until one succeeds or the retries are spent; the last error's code. */
  const attemptJob = async (): Promise<string | undefined> => {
    let code: string | undefined;
    for (let attempts = 0; attempts <= BASELINE_RETRIES; attempts++) {
      if (attempts > 0) await sleep(BASELINE_RETRY_DELAY_MS);
      const sessionId = sessions[Math.floor(random() * sessions.length)]!;
      try {
        await client.generateImages({ sessionId, siteType: 0 }, { prompt: 'pool capacity benchmark' });
        code = undefined;
        attemptCodes.push('ok');
        break;
      } catch (err) {
        if (!JimengError.is(err)) throw err;
        code = codeOf(err);
        attemptCodes.push(code);
      }
    }
    return code;
  };

  const sampler = new InFlightSampler(sim, sessions, SAMPLE_MS);
  sim.admin.resetCounters();
  sampler.start();
  const t0 = Date.now();
  let queueEmptyAt = t0;
  await runConcurrently(JOBS, BASELINE_CLIENTS, async (i) => {
    // The last job taken: from now on no job is queued.
    if (i === JOBS - 1) queueEmptyAt = Date.now();
    const code = await attemptJob();
    results.push({ ok: code === undefined, ...(code === undefined ? {} : { code }), finalAt: Date.now() });
  });
  sampler.stop();
  const counters = sim.admin.counters();
  await sim.close();
  const time = accountTime(sampler, ACCOUNTS, (t) => t < queueEmptyAt, null);
  return {
    figures: {
      label: `baseline: naive client (${BASELINE_CLIENTS} workers, random account, ${BASELINE_RETRIES} retries)`,
      completed: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok).length,
      failureCodes: tally(results.filter((r) => !r.ok).map((r) => r.code!)),
      makespanMs: Math.max(...results.map((r) => r.finalAt)) - t0,
      counters,
      accountTime: time,
    },
    diagnostics: [
      `attempts: ${attemptCodes.length} (${listed(tally(attemptCodes))})`,
      `while jobs were queued (${inSeconds(time.windowMs)} s): account-time generating ${asPercent(time.generating)}, free ${asPercent(time.free)}`,
    ],
  };
}
