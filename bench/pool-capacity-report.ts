/** What bench/pool-capacity.ts prints: the setup and its ideal, the two sides' table, their diagnostics. */
import { countTotal, listed, type Counts } from './counts';
import { imageGenerationCalls } from './image-generation-calls';
import { capacityOverRun, type PoolCapacity } from './pool-capacity-model';
import type { Figures, SideRun } from './pool-capacity-figures';
import { asPercent, inSeconds } from './pool-capacity-format';
import { ACCOUNTS, FORK_EXTENSIONS, JOBS, LATENCY_MS, LIMITS, POOL } from './pool-capacity-setup';

export function printSetup(capacity: PoolCapacity, ideal: { makespanMs: number; completed: number }): void {
  console.log(
    `pool: ${ACCOUNTS} accounts, each: image call ${LATENCY_MS / 1000} s, maxConcurrent ${LIMITS.maxConcurrent}, ` +
      `rate limit ${LIMITS.rateLimit.maxRequests} per ${LIMITS.rateLimit.windowMs / 1000} s, quota ${LIMITS.dailyQuota}/day`,
  );
  console.log(
    FORK_EXTENSIONS
      ? 'simulator: fork extensions (the rate window answers HTTP 429 + Retry-After)'
      : "simulator: the proxy's answers (the rate window answers -2001 risk control, ret 1019, no Retry-After)",
  );
  console.log(
    `theoretical capacity: ${capacity.jobsPerMinute.toFixed(1)} jobs/min (bound by ${capacity.boundBy}), ` +
      `quota for ${capacity.quotaJobs} jobs; burst of ${JOBS}: ideal makespan ${inSeconds(ideal.makespanMs)} s for ${ideal.completed} jobs\n`,
  );
}

/** A count with its parts, when there are any: `5 (busy 3, rate_limited 2)`. */
const withParts = (counts: Counts): string =>
  `${countTotal(counts)}${countTotal(counts) ? ` (${listed(counts)})` : ''}`;

function row(f: Figures): string {
  const perMin = f.completed / (f.makespanMs / 60_000);
  const cap = capacityOverRun(POOL, f.makespanMs);
  return (
    `| ${f.label} | ${f.completed}/${JOBS} | ${f.failed}${f.failed ? ` (${listed(f.failureCodes)})` : ''} | ${inSeconds(f.makespanMs)} | ` +
    `${perMin.toFixed(1)} | ${asPercent(perMin / cap)} | ${asPercent(f.accountTime.generating)} | ` +
    `${imageGenerationCalls(f.counters)} | ${withParts(f.counters.refusals)} | ${withParts(f.counters.callsAfterRefusal)} |`
  );
}

export function printComparison(platform: SideRun, baseline: SideRun): void {
  console.log(
    '| strategy | completed | failed (codes) | makespan s | jobs/min (makespan) | % of capacity | ' +
      'account-time generating while work waited | generation calls | refusals | wasted calls (after refusal) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  console.log(row(platform.figures));
  console.log(row(baseline.figures));
  console.log('\nplatform:');
  for (const line of platform.diagnostics) console.log(`- ${line}`);
  console.log('\nbaseline:');
  for (const line of baseline.diagnostics) console.log(`- ${line}`);
  // The platform should make none: when it does, the evidence.
  const wasted = platform.figures.counters.callsAfterRefusalLog;
  if (wasted.length > 0) {
    console.log('\nplatform, first calls after a refusal (session, reason, ms since the account was told):');
    for (const c of wasted.slice(0, 10))
      console.log(`- ${c.sessionId} ${c.reason} +${c.atMs - c.toldAtMs} ms`);
  }
}
