import { chaosPlan, CHAOS_SIZES, type ChaosVariant } from './chaos-plan';

describe('the chaos schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(chaosPlan('short', 7)).toEqual(chaosPlan('short', 7));
    expect(chaosPlan('short', 8).jobs).not.toEqual(chaosPlan('short', 7).jobs);
  });

  it.each<ChaosVariant>(['short', 'long'])(
    '%s: kills the worker twice or more (once during uploads), restarts MariaDB once, fails OSS PUTs',
    (variant) => {
      const plan = chaosPlan(variant, 20261123);
      const kinds = plan.events.map((e) => e.kind);
      expect(
        kinds.filter((k) => k === 'kill-worker' || k === 'kill-worker-during-upload').length,
      ).toBeGreaterThanOrEqual(2);
      expect(kinds.filter((k) => k === 'kill-worker-during-upload')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'restart-database')).toHaveLength(1);
      expect(kinds).toEqual(
        expect.arrayContaining(['oss-failures', 'ban-account', 'expire-session', 'withdraw-account']),
      );
      const times = plan.events.map((e) => e.atMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(Math.max(...times)).toBeLessThan(plan.size.submitWindowMs);
    },
  );

  it.each<ChaosVariant>(['short', 'long'])(
    '%s: mixes images, compositions and videos from several users and projects, some cancelled or sent twice',
    (variant) => {
      const plan = chaosPlan(variant, 20261123);
      expect(plan.jobs).toHaveLength(CHAOS_SIZES[variant].jobs);
      for (const kind of ['image', 'composition', 'video'])
        expect(plan.jobs.some((j) => j.kind === kind)).toBe(true);
      expect(new Set(plan.jobs.map((j) => j.user)).size).toBe(CHAOS_SIZES[variant].users);
      expect(new Set(plan.jobs.map((j) => j.project)).size).toBeGreaterThan(1);
      expect(plan.jobs.some((j) => j.cancelAfterMs !== undefined)).toBe(true);
      expect(plan.jobs.some((j) => j.duplicate)).toBe(true);
      expect(plan.jobs.some((j) => j.callback) && plan.jobs.some((j) => !j.callback)).toBe(true);
      expect(new Set(plan.jobs.map((j) => j.storyboard)).size).toBe(plan.jobs.length);
      expect(plan.jobs.every((j) => j.submitAtMs < plan.size.submitWindowMs)).toBe(true);
    },
  );

  it('hurts some accounts and leaves most of the pool healthy', () => {
    const plan = chaosPlan('short', 20261123);
    const hurt = new Set<number>([
      ...plan.accountFaults.map((f) => f.account),
      ...plan.events.flatMap((e) => ('account' in e ? [e.account] : [])),
      ...plan.accounts.filter((a) => a.dailyQuota < 100).map((a) => a.index),
    ]);
    expect(hurt.size).toBeGreaterThanOrEqual(6);
    expect(plan.accounts.length - hurt.size).toBeGreaterThanOrEqual(plan.accounts.length / 3);
    expect(new Set(plan.accountFaults.map((f) => f.kind))).toEqual(
      new Set(['quota_exhausted', 'session_invalid', 'banned']),
    );
  });
});
