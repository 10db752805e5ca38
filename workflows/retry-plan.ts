import { backoffDelayMs } from './backoff';

/** The classified actions of a failed Jimeng call (services/jimeng/error-actions.ts), as the workflow sees them. */
export const FAILURE_ACTIONS = [
  'retry_same_account',
  'retry_other_account',
  'retry_once_other_account',
  'cool_down_account',
  'account_exhausted',
  'account_invalid',
  'account_banned',
  'switch_site',
  'fail_permanently',
] as const;
export type FailureAction = (typeof FAILURE_ACTIONS)[number];

export interface FailedAttempt {
  action: FailureAction;
  /** Retries already made for this job (0 after the first failure). */
  retriesSoFar: number;
  /** Earlier failures of this job that were `retry_once_other_account` (unexplained), this one not counted. */
  unexplainedSoFar?: number;
  /** max_retry_count of the account that failed. */
  maxRetryCount: number;
  /** The upstream's Retry-After, when it sent one. */
  retryAfterMs?: number;
  /** Site of the failed attempt, and the sites the job may use (best first). */
  site: number;
  sites: readonly number[];
}

export type RetryDecision =
  | { kind: 'fail'; reason: 'permanent' | 'retries_exhausted' | 'no_other_site' | 'unexplained_again' }
  | {
      kind: 'retry';
      /** Durable timer before the next attempt; 0 = go on at once. */
      delayMs: number;
      /** Leave the failed account out of the next lease. */
      excludeAccount: boolean;
      /**
       * Prefer another account for the next lease, but take this one again when no other is free: the failure
       * was not the account's (the proxy's path to Jimeng, an unexplained answer), so a pool of one still works.
       */
      avoidAccount?: boolean;
      /** Sites for the next lease; differs from the input when the site was the problem. */
      sites: number[];
      siteSwitched: boolean;
    };

/**
 * What a generation does after a failed attempt. Pure, so every branch is unit-tested and a replay computes
 * the same decision:
 * - content policy and bad requests never improve on retry: fail at once (no charge kept, no wasted calls);
 * - a transient upstream failure waits the backoff and tries again, on any account;
 * - the proxy failing to reach Jimeng waits the backoff and tries another account if one is free (its path may
 *   work), this one otherwise;
 * - an unexplained failure tries once more, at once, on another account if one is free; a second one fails the job;
 * - a rate limit waits the backoff (or the upstream's Retry-After when longer) and moves to another account,
 *   because the pool cools that one down;
 * - an account that is out of quota, logged out or banned is switched at once: the next account is not
 *   affected by this one's problem, so waiting would only add latency;
 * - a model the site does not serve moves to the next site at once.
 * Every retry counts against max_retry_count of the account that failed: a bounded job, whichever branch.
 */
export function planRetry(failed: FailedAttempt): RetryDecision {
  if (failed.action === 'fail_permanently') return { kind: 'fail', reason: 'permanent' };
  if (failed.retriesSoFar >= failed.maxRetryCount) return { kind: 'fail', reason: 'retries_exhausted' };
  const retry = failed.retriesSoFar + 1;
  const sites = [...failed.sites];
  switch (failed.action) {
    case 'retry_same_account':
      return {
        kind: 'retry',
        delayMs: backoffDelayMs(retry),
        excludeAccount: false,
        sites,
        siteSwitched: false,
      };
    case 'retry_other_account':
      return {
        kind: 'retry',
        delayMs: backoffDelayMs(retry),
        excludeAccount: false,
        avoidAccount: true,
        sites,
        siteSwitched: false,
      };
    case 'retry_once_other_account':
      if ((failed.unexplainedSoFar ?? 0) >= 1) return { kind: 'fail', reason: 'unexplained_again' };
      return {
        kind: 'retry',
        delayMs: 0,
        excludeAccount: false,
        avoidAccount: true,
        sites,
        siteSwitched: false,
      };
    case 'cool_down_account':
      return {
        kind: 'retry',
        delayMs: Math.max(backoffDelayMs(retry), failed.retryAfterMs ?? 0),
        excludeAccount: true,
        sites,
        siteSwitched: false,
      };
    case 'account_exhausted':
    case 'account_invalid':
    case 'account_banned':
      return { kind: 'retry', delayMs: 0, excludeAccount: true, sites, siteSwitched: false };
    case 'switch_site': {
      const others = sites.filter((s) => s !== failed.site);
      if (others.length === 0) return { kind: 'fail', reason: 'no_other_site' };
      return { kind: 'retry', delayMs: 0, excludeAccount: true, sites: others, siteSwitched: true };
    }
  }
}

/**
 * Waits while no account is free. Not a failure of any account, so it does not spend max_retry_count: a burst
 * larger than the pool queues here. Short waits (the pool frees an account within one generation), capped
 * so that a saturated pool is re-checked often, until the job's queue deadline.
 */
export const NO_ACCOUNT_WAIT_CAP_MS = 15_000;

export function noAccountDelayMs(waitsSoFar: number): number {
  return Math.min(backoffDelayMs(waitsSoFar + 1), NO_ACCOUNT_WAIT_CAP_MS);
}

/**
 * The same wait once a release wakes the longest-waiting job (jimeng_account_waiters): the timer is only the
 * fallback for accounts that come back without a release (a cooldown ending, the daily refresh, an operator),
 * so it grows on to a minute and a queue of hundreds of jobs does not keep polling the pool.
 */
export const WOKEN_NO_ACCOUNT_WAIT_CAP_MS = 60_000;

export function noAccountFallbackMs(waitsSoFar: number): number {
  return Math.min(backoffDelayMs(waitsSoFar + 1), WOKEN_NO_ACCOUNT_WAIT_CAP_MS);
}
