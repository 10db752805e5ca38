import {
  accountJobsPerMinute,
  capacityOverRun,
  idealBurst,
  poolCapacity,
  type AccountLimits,
} from '../../bench/pool-capacity-model';

const account = (over: Partial<AccountLimits> = {}): AccountLimits => ({
  latencyMs: 10_000,
  maxConcurrent: 1,
  rateLimit: { maxRequests: 8, windowMs: 60_000 },
  dailyQuota: 66,
  ...over,
});

describe('accountJobsPerMinute', () => {
  it('is concurrency over latency when the rate limit is looser', () => {
    expect(accountJobsPerMinute(account())).toBe(6);
    expect(
      accountJobsPerMinute(account({ maxConcurrent: 2, rateLimit: { maxRequests: 100, windowMs: 60_000 } })),
    ).toBe(12);
  });

  it('is the rate limit when that is tighter', () => {
    expect(accountJobsPerMinute(account({ rateLimit: { maxRequests: 3, windowMs: 60_000 } }))).toBe(3);
    expect(accountJobsPerMinute(account({ rateLimit: { maxRequests: 1, windowMs: 30_000 } }))).toBe(2);
  });
});

describe('poolCapacity', () => {
  it('sums the accounts and their quotas and says which limit binds', () => {
    const pool = Array.from({ length: 20 }, () => account());
    expect(poolCapacity(pool)).toEqual({ jobsPerMinute: 120, quotaJobs: 1320, boundBy: 'latency' });
    const mixed = [account(), account({ rateLimit: { maxRequests: 2, windowMs: 60_000 } })];
    expect(poolCapacity(mixed)).toEqual({ jobsPerMinute: 8, quotaJobs: 132, boundBy: 'mixed' });
  });

  it('is capped by the total quota over a long run', () => {
    const pool = Array.from({ length: 20 }, () => account({ dailyQuota: 10 }));
    expect(capacityOverRun(pool, 60_000)).toBe(120);
    // 200 jobs of quota over 4 minutes: 50 a minute, below the 120 the accounts could run.
    expect(capacityOverRun(pool, 4 * 60_000)).toBe(50);
  });
});

describe('idealBurst', () => {
  it('is ceil(jobs / accounts) x latency for identical latency-bound accounts', () => {
    const pool = Array.from({ length: 20 }, () => account());
    expect(idealBurst(pool, 20)).toEqual({ makespanMs: 10_000, completed: 20 });
    expect(idealBurst(pool, 21)).toEqual({ makespanMs: 20_000, completed: 21 });
    expect(idealBurst(pool, 1000)).toEqual({ makespanMs: 500_000, completed: 1000 });
  });

  it('waits for the sliding rate window', () => {
    // 1 s calls, at most 2 per 10 s: calls at 0 and 1 s, then at 10 and 11 s.
    const limited = [account({ latencyMs: 1000, rateLimit: { maxRequests: 2, windowMs: 10_000 } })];
    expect(idealBurst(limited, 4)).toEqual({ makespanMs: 12_000, completed: 4 });
  });

  it('runs C calls at once and stops at the quota', () => {
    const pool = [
      account({ maxConcurrent: 2, rateLimit: { maxRequests: 100, windowMs: 60_000 }, dailyQuota: 3 }),
    ];
    expect(idealBurst(pool, 5)).toEqual({ makespanMs: 20_000, completed: 3 });
  });
});
