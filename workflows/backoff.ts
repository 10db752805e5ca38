/**
 * The wait before each retry of a generation on an account, as durable timers sleep it.
 *
 * Seed 002 (jimeng_accounts.max_retry_count): "the code defaults to backoff 3-5-10-15; write more so I can
 * raise the retry count later and know the waits". The first four are the seed's; after them the waits
 * roughly double up to a cap of 15 minutes, so that raising max_retry_count to 12 spans about an hour of
 * an upstream outage, which is how long users report Jimeng incidents lasting. Pure and deterministic:
 * workflows call it, and a replay must compute the same waits.
 *
 *   retry  1  2  3   4   5   6    7    8    9    10   11   12 ...
 *   wait   3s 5s 10s 15s 30s 60s  2m   5m   10m  15m  15m  15m
 */
export const BACKOFF_SECONDS: readonly number[] = [3, 5, 10, 15, 30, 60, 120, 300, 600, 900];
export const BACKOFF_CAP_SECONDS = 900;

/** Wait before retry number `retry` (1 = the first retry, after the first failure). */
export function backoffDelayMs(retry: number): number {
  if (!Number.isInteger(retry) || retry < 1)
    throw new RangeError(`retry must be an integer >= 1, got ${retry}`);
  return (BACKOFF_SECONDS[retry - 1] ?? BACKOFF_CAP_SECONDS) * 1000;
}

/** Every wait an account with this max_retry_count can go through, in order. */
export function backoffSchedule(maxRetryCount: number): number[] {
  const retries = Math.max(0, Math.floor(maxRetryCount));
  return Array.from({ length: retries }, (_, i) => backoffDelayMs(i + 1));
}
