/**
 * What a pool of Jimeng accounts can do at best, from the limits the upstream puts on each account. Pure, so
 * the benchmark's yardstick is unit-tested (test/bench/pool-capacity-model.test.ts).
 *
 * An account with a synchronous image latency L, at most C calls at once, at most R calls per window W and Q
 * credits a day can finish at most
 *
 *   min(60_000 / L × C, R × 60_000 / W)   jobs per minute
 *
 * (back-to-back calls, C at a time, or the rate limit, whichever is tighter), and never more than Q jobs in
 * all. The pool's capacity is the sum over its accounts; over a run of T minutes it is further capped by the
 * total quota: min(sum of rates, sum of Q / T).
 */

export interface AccountLimits {
  /** How long one synchronous image call takes upstream. */
  readonly latencyMs: number;
  /** Calls the account serves at once (the platform leases one image job per account: 1). */
  readonly maxConcurrent: number;
  readonly rateLimit: { readonly maxRequests: number; readonly windowMs: number };
  /** Generation calls the account may make today (one credit each). */
  readonly dailyQuota: number;
}

/** The account's own ceiling in jobs per minute: concurrency over latency, or its rate limit. */
export function accountJobsPerMinute(a: AccountLimits): number {
  const byLatency = (60_000 / a.latencyMs) * a.maxConcurrent;
  const byRate = (a.rateLimit.maxRequests * 60_000) / a.rateLimit.windowMs;
  return Math.min(byLatency, byRate);
}

export interface PoolCapacity {
  /** Sum over the accounts of accountJobsPerMinute: the steady ceiling while quota lasts. */
  readonly jobsPerMinute: number;
  /** Jobs the pool can do at all today (sum of quotas). */
  readonly quotaJobs: number;
  /** Which limit binds per account, for the report. */
  readonly boundBy: 'latency' | 'rate' | 'mixed';
}

export function poolCapacity(accounts: readonly AccountLimits[]): PoolCapacity {
  let jobsPerMinute = 0;
  let quotaJobs = 0;
  const bounds = new Set<'latency' | 'rate'>();
  for (const a of accounts) {
    jobsPerMinute += accountJobsPerMinute(a);
    quotaJobs += a.dailyQuota;
    const byLatency = (60_000 / a.latencyMs) * a.maxConcurrent;
    bounds.add(byLatency <= (a.rateLimit.maxRequests * 60_000) / a.rateLimit.windowMs ? 'latency' : 'rate');
  }
  const boundBy = bounds.size === 1 ? [...bounds][0]! : 'mixed';
  return { jobsPerMinute, quotaJobs, boundBy };
}

/** The capacity over a run of `runMs`: the rate ceiling, unless the total quota runs out first. */
export function capacityOverRun(accounts: readonly AccountLimits[], runMs: number): number {
  const { jobsPerMinute, quotaJobs } = poolCapacity(accounts);
  return Math.min(jobsPerMinute, quotaJobs / (runMs / 60_000));
}

/**
 * The shortest time in which the pool can finish a burst of `jobs` present at time 0, and how many it can
 * finish at all: each job goes, greedily, to the account where it can start soonest, given that account's
 * concurrency (a call starts when one of its C slots is free), sliding rate window (the call R places back
 * must be at least W old) and quota. With identical latency-bound accounts this is ceil(jobs / (n × C)) × L;
 * it also accounts for the ramp and the tail a per-minute rate does not see.
 */
export function idealBurst(
  accounts: readonly AccountLimits[],
  jobs: number,
): { makespanMs: number; completed: number } {
  const starts: number[][] = accounts.map(() => []);
  const ends: number[][] = accounts.map(() => []);
  let makespanMs = 0;
  let completed = 0;
  for (let j = 0; j < jobs; j++) {
    let best = -1;
    let bestStart = Infinity;
    for (const [i, a] of accounts.entries()) {
      const s = starts[i]!;
      const k = s.length;
      if (k >= a.dailyQuota) continue;
      let start = 0;
      // Slot: the call C places back must have ended (calls on one account end in the order they start).
      if (k >= a.maxConcurrent) start = Math.max(start, ends[i]![k - a.maxConcurrent]!);
      // Window: a call is admitted while fewer than R calls started in (now - W, now].
      if (k >= a.rateLimit.maxRequests)
        start = Math.max(start, s[k - a.rateLimit.maxRequests]! + a.rateLimit.windowMs);
      if (start < bestStart) {
        bestStart = start;
        best = i;
      }
    }
    if (best < 0) break; // every account is out of quota
    const end = bestStart + accounts[best]!.latencyMs;
    starts[best]!.push(bestStart);
    ends[best]!.push(end);
    makespanMs = Math.max(makespanMs, end);
    completed++;
  }
  return { makespanMs, completed };
}
