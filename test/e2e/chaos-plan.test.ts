import { parseFaultSpec } from '../../dev/jimeng-sim/faults';
import { CHAOS_COOLDOWN_MS, chaosPlan, CHAOS_SIZES, type ChaosVariant } from './chaos-plan';

describe('the chaos schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(chaosPlan('short', 7)).toEqual(chaosPlan('short', 7));
    expect(chaosPlan('short', 8).jobs).not.toEqual(chaosPlan('short', 7).jobs);
  });

  it.each<ChaosVariant>(['short', 'long'])(
    '%s: on two workers and two APIs, SIGTERMs a worker and an API, SIGKILLs a worker during uploads, restarts MariaDB once, fails OSS PUTs',
    (variant) => {
      const plan = chaosPlan(variant, 20261123);
      expect(plan.size).toMatchObject({ workers: 2, apis: 2 });
      const kinds = plan.events.map((e) => e.kind);
      expect(kinds.filter((k) => k === 'stop-worker')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'restart-api')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'kill-worker-during-upload')).toHaveLength(1);
      for (const e of plan.events) if ('worker' in e) expect(e.worker).toBeLessThan(plan.size.workers);
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
      // A project belongs to one tenant, and each user is a tenant of its own: no project has two users.
      const usersOfProject = new Map<string, Set<number>>();
      for (const j of plan.jobs)
        usersOfProject.set(j.project, (usersOfProject.get(j.project) ?? new Set()).add(j.user));
      expect([...usersOfProject.values()].filter((users) => users.size > 1)).toEqual([]);
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
      new Set(['quota_exhausted', 'session_invalid', 'banned', 'credits_claim_failed']),
    );
  });

  it.each<ChaosVariant>(['short', 'long'])(
    '%s: asks only for what the real proxy does (the simulator in default mode takes every fault)',
    (variant) => {
      const plan = chaosPlan(variant, 20261123);
      for (const f of [...plan.faults, ...plan.bursts, ...plan.accountFaults]) {
        const { kind } = f;
        const spec = {
          kind,
          ...('rate' in f ? { rate: f.rate } : { count: 'count' in f ? f.count : 1 }),
          ...('delayMs' in f && f.delayMs !== undefined ? { delayMs: f.delayMs } : {}),
          ...('ret' in f && f.ret !== undefined ? { ret: f.ret } : {}),
          ...('cooldownMs' in f && f.cooldownMs !== undefined ? { cooldownMs: f.cooldownMs } : {}),
        };
        expect(() => parseFaultSpec(spec, { forkExtensions: false })).not.toThrow();
      }
      expect(plan.faults.some((f) => f.kind === 'risk_control')).toBe(true);
      // The pool rests a capability CHAOS_COOLDOWN_MS after risk control: no window or remembered risk control
      // may outlast it, or a call the pool rightly makes would count as one after a refusal.
      for (const a of plan.accounts) expect(a.rateLimit.windowMs).toBeLessThanOrEqual(CHAOS_COOLDOWN_MS);
      for (const f of [...plan.faults, ...plan.bursts])
        if (f.kind === 'risk_control') expect(f.cooldownMs).toBe(CHAOS_COOLDOWN_MS);
    },
  );

  it('leaves the small quotas enough for one 5 s video (10 credits) and not for a 10 s one', () => {
    const plan = chaosPlan('long', 20261123);
    for (const a of plan.accounts.filter((x) => x.dailyQuota < 100)) {
      expect(a.dailyQuota).toBeGreaterThanOrEqual(10);
      expect(a.dailyQuota).toBeLessThan(20);
    }
  });
});
