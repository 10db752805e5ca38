import {
  noAccountDelayMs,
  noAccountFallbackMs,
  planRetry,
  type FailedAttempt,
} from '../../workflows/retry-plan';

const base: FailedAttempt = {
  action: 'retry_same_account',
  retriesSoFar: 0,
  maxRetryCount: 4,
  site: 0,
  sites: [0, 4],
};

describe('what a generation does after a failed attempt', () => {
  it('fails at once on content policy and bad requests, whatever budget is left', () => {
    expect(planRetry({ ...base, action: 'fail_permanently' })).toEqual({ kind: 'fail', reason: 'permanent' });
  });

  it('a transient upstream failure waits the 3-5-10-15 s schedule on any account, then gives up', () => {
    const waits = [0, 1, 2, 3].map((retriesSoFar) => planRetry({ ...base, retriesSoFar }));
    expect(waits).toEqual(
      [3000, 5000, 10000, 15000].map((delayMs) => ({
        kind: 'retry',
        delayMs,
        excludeAccount: false,
        sites: [0, 4],
        siteSwitched: false,
      })),
    );
    expect(planRetry({ ...base, retriesSoFar: 4 })).toEqual({ kind: 'fail', reason: 'retries_exhausted' });
  });

  it('the proxy failing to reach Jimeng waits the schedule and prefers another account (this one if none is free)', () => {
    const waits = [0, 1, 2].map((retriesSoFar) =>
      planRetry({ ...base, action: 'retry_other_account', retriesSoFar }),
    );
    expect(waits).toEqual(
      [3000, 5000, 10000].map((delayMs) => ({
        kind: 'retry',
        delayMs,
        excludeAccount: false,
        avoidAccount: true,
        sites: [0, 4],
        siteSwitched: false,
      })),
    );
    expect(planRetry({ ...base, action: 'retry_other_account', retriesSoFar: 4 })).toEqual({
      kind: 'fail',
      reason: 'retries_exhausted',
    });
  });

  it('an unexplained failure is tried once more at once, on another account if one is free, and a second one fails the job', () => {
    expect(planRetry({ ...base, action: 'retry_once_other_account', unexplainedSoFar: 0 })).toEqual({
      kind: 'retry',
      delayMs: 0,
      excludeAccount: false,
      avoidAccount: true,
      sites: [0, 4],
      siteSwitched: false,
    });
    expect(
      planRetry({ ...base, action: 'retry_once_other_account', retriesSoFar: 1, unexplainedSoFar: 1 }),
    ).toEqual({ kind: 'fail', reason: 'unexplained_again' });
    // Other failures in between do not count as unexplained ones.
    expect(
      planRetry({ ...base, action: 'retry_once_other_account', retriesSoFar: 3, unexplainedSoFar: 0 }),
    ).toMatchObject({ kind: 'retry', avoidAccount: true });
  });

  it('follows the longer table when an account allows more retries', () => {
    expect(planRetry({ ...base, retriesSoFar: 6, maxRetryCount: 12 })).toMatchObject({ delayMs: 120_000 });
    expect(planRetry({ ...base, retriesSoFar: 11, maxRetryCount: 12 })).toMatchObject({ delayMs: 900_000 });
  });

  it('a rate limit waits the schedule, or the upstream Retry-After when longer, and leaves the account', () => {
    expect(planRetry({ ...base, action: 'cool_down_account' })).toMatchObject({
      delayMs: 3000,
      excludeAccount: true,
    });
    expect(planRetry({ ...base, action: 'cool_down_account', retryAfterMs: 8000 })).toMatchObject({
      delayMs: 8000,
    });
  });

  it.each(['account_exhausted', 'account_invalid', 'account_banned'] as const)(
    '%s switches account without waiting',
    (action) => {
      expect(planRetry({ ...base, action })).toEqual({
        kind: 'retry',
        delayMs: 0,
        excludeAccount: true,
        sites: [0, 4],
        siteSwitched: false,
      });
    },
  );

  it('a site problem moves to the remaining sites at once, and fails when none is left', () => {
    expect(planRetry({ ...base, action: 'switch_site' })).toEqual({
      kind: 'retry',
      delayMs: 0,
      excludeAccount: true,
      sites: [4],
      siteSwitched: true,
    });
    expect(planRetry({ ...base, action: 'switch_site', site: 4, sites: [4] })).toEqual({
      kind: 'fail',
      reason: 'no_other_site',
    });
  });

  it('every branch spends the same retry budget', () => {
    for (const action of ['cool_down_account', 'account_invalid', 'switch_site'] as const)
      expect(planRetry({ ...base, action, retriesSoFar: 4 })).toEqual({
        kind: 'fail',
        reason: 'retries_exhausted',
      });
  });

  it('waits for a free account briefly and often: the schedule capped at 15 s, never failing the budget', () => {
    expect([0, 1, 2, 3, 4, 10].map(noAccountDelayMs)).toEqual([3000, 5000, 10000, 15000, 15000, 15000]);
  });

  it('once releases wake the queue, keeps the timer only as a fallback: the same start, growing to a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(noAccountFallbackMs)).toEqual([
      3000, 5000, 10000, 15000, 30000, 60000, 60000, 60000,
    ]);
  });
});
