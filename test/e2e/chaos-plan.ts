import { Prng } from '../../dev/jimeng-sim/prng';

/*
 * What a chaos run does and when, decided up front from a seed: the jobs (kind, owner, project, storyboard,
 * submit time, whether the caller cancels it or asks twice) and the disasters (worker kills, a database
 * restart, OSS failures, accounts banned, logged out or withdrawn). Pure, so the same seed gives the same run
 * and a unit test can hold the schedule to what the issue asks for.
 */

export type ChaosVariant = 'short' | 'long';

export interface ChaosSize {
  readonly jobs: number;
  /** Jobs are submitted over this window; disasters happen inside it. */
  readonly submitWindowMs: number;
  readonly users: number;
  readonly projects: number;
  readonly accounts: number;
}

export const CHAOS_SIZES: Readonly<Record<ChaosVariant, ChaosSize>> = {
  short: { jobs: 60, submitWindowMs: 40_000, users: 3, projects: 4, accounts: 14 },
  long: { jobs: 300, submitWindowMs: 180_000, users: 5, projects: 8, accounts: 24 },
};

export type JobKind = 'image' | 'composition' | 'video';

export interface PlannedJob {
  readonly index: number;
  readonly kind: JobKind;
  readonly user: number;
  readonly project: string;
  readonly storyboard: string;
  readonly submitAtMs: number;
  /** The caller cancels this long after its submission (the job may have finished by then). */
  readonly cancelAfterMs?: number;
  /** The caller sends the same request again (another Idempotency-Key) right after: it must attach. */
  readonly duplicate: boolean;
  readonly callback: boolean;
  /** Video length in seconds. */
  readonly duration?: number;
}

export type ChaosEvent =
  | { readonly atMs: number; readonly kind: 'kill-worker' }
  /** Slows the next OSS PUTs and kills the worker while one of them is in flight. */
  | { readonly atMs: number; readonly kind: 'kill-worker-during-upload' }
  | { readonly atMs: number; readonly kind: 'restart-database'; readonly downMs: number }
  /** The next PUTs fail: `error500` of them answer 500, `reset` of them lose the connection. */
  | {
      readonly atMs: number;
      readonly kind: 'oss-failures';
      readonly error500: number;
      readonly reset: number;
    }
  /** The upstream bans the account for good. */
  | { readonly atMs: number; readonly kind: 'ban-account'; readonly account: number }
  /** The account's login expires. */
  | { readonly atMs: number; readonly kind: 'expire-session'; readonly account: number }
  /** An operator deactivates the account through the API. */
  | { readonly atMs: number; readonly kind: 'withdraw-account'; readonly account: number };

/** Per-account limits in the simulator; a few accounts have a small daily quota that runs out mid-run. */
export interface PlannedAccount {
  readonly index: number;
  readonly dailyQuota: number;
  /** One synchronous job at a time: the pool leases an account's image capability to one job. */
  readonly maxConcurrent: number;
  readonly rateLimit: { readonly maxRequests: number; readonly windowMs: number };
}

/** Faults the simulator injects with a probability on every call of their scope. */
export interface PlannedFault {
  readonly kind:
    | 'http_429'
    | 'content_policy'
    | 'http_5xx'
    | 'slow'
    | 'connection_reset'
    | 'malformed_body'
    | 'task_failure';
  readonly rate: number;
  /** Generation calls only (the default: every protocol call, polls included). */
  readonly generationOnly: boolean;
  readonly delayMs?: number;
  readonly retryAfterMs?: number;
}

/** Faults for the next `count` calls of their scope from the start: each kind surely fires, whatever the dice. */
export interface PlannedBurst {
  readonly kind: 'http_429' | 'content_policy' | 'task_failure' | 'malformed_body' | 'slow' | 'http_5xx';
  readonly count: number;
  readonly delayMs?: number;
}

/** One-shot faults on one account: the first matching call gets them. */
export interface PlannedAccountFault {
  readonly kind: 'quota_exhausted' | 'session_invalid' | 'banned';
  readonly account: number;
}

export interface ChaosPlan {
  readonly variant: ChaosVariant;
  readonly seed: number;
  readonly size: ChaosSize;
  readonly jobs: readonly PlannedJob[];
  readonly events: readonly ChaosEvent[];
  readonly accounts: readonly PlannedAccount[];
  readonly faults: readonly PlannedFault[];
  readonly accountFaults: readonly PlannedAccountFault[];
  readonly bursts: readonly PlannedBurst[];
}

export const VIDEO_DURATIONS = [5, 10] as const;

export function chaosPlan(variant: ChaosVariant, seed: number): ChaosPlan {
  const size = CHAOS_SIZES[variant];
  const prng = new Prng(seed);
  const window = size.submitWindowMs;

  const jobs: PlannedJob[] = [];
  for (let index = 0; index < size.jobs; index++) {
    const roll = prng.next();
    const kind: JobKind = roll < 0.6 ? 'image' : roll < 0.75 ? 'composition' : 'video';
    const cancel = prng.next() < 0.08;
    jobs.push({
      index,
      kind,
      user: prng.int(size.users),
      project: `chaos-p${prng.int(size.projects)}`,
      storyboard: `sb-${index}`,
      submitAtMs: Math.floor((index / size.jobs) * window * 0.9 + prng.int(500)),
      ...(cancel ? { cancelAfterMs: 50 + prng.int(1500) } : {}),
      duplicate: prng.next() < 0.06,
      callback: prng.next() < 0.75,
      ...(kind === 'video' ? { duration: VIDEO_DURATIONS[prng.int(VIDEO_DURATIONS.length)] } : {}),
    });
  }

  // Accounts 0-2 carry the account-level disasters, 3-5 run out of quota, the rest are healthy.
  const accounts: PlannedAccount[] = Array.from({ length: size.accounts }, (_, index) => ({
    index,
    dailyQuota: index >= 3 && index <= 5 ? 3 + prng.int(3) : 10_000,
    maxConcurrent: 1,
    rateLimit: { maxRequests: 40, windowMs: 10_000 },
  }));

  const at = (share: number): number => Math.floor(window * share + prng.int(Math.floor(window / 20)));
  const events: ChaosEvent[] = [
    { atMs: at(0.2), kind: 'kill-worker' },
    { atMs: at(0.3), kind: 'oss-failures', error500: 3, reset: 2 },
    { atMs: at(0.35), kind: 'ban-account', account: 0 },
    { atMs: at(0.45), kind: 'restart-database', downMs: 3000 },
    { atMs: at(0.5), kind: 'expire-session', account: 1 },
    { atMs: at(0.6), kind: 'kill-worker-during-upload' },
    { atMs: at(0.7), kind: 'oss-failures', error500: 3, reset: 3 },
    { atMs: at(0.75), kind: 'withdraw-account', account: 2 },
  ];
  if (variant === 'long') {
    events.push(
      { atMs: at(0.85), kind: 'kill-worker' },
      { atMs: at(0.9), kind: 'oss-failures', error500: 5, reset: 5 },
    );
  }
  events.sort((a, b) => a.atMs - b.atMs);

  const faults: PlannedFault[] = [
    { kind: 'http_429', rate: 0.04, generationOnly: true, retryAfterMs: 1000 },
    { kind: 'content_policy', rate: 0.04, generationOnly: true },
    { kind: 'task_failure', rate: 0.08, generationOnly: true },
    { kind: 'http_5xx', rate: 0.03, generationOnly: false },
    { kind: 'slow', rate: 0.05, generationOnly: false, delayMs: 1500 },
    { kind: 'connection_reset', rate: 0.02, generationOnly: false },
    { kind: 'malformed_body', rate: 0.02, generationOnly: false },
  ];
  const accountFaults: PlannedAccountFault[] = [
    { kind: 'quota_exhausted', account: 6 },
    { kind: 'session_invalid', account: 7 },
    { kind: 'banned', account: 8 },
  ];

  const bursts: PlannedBurst[] = [
    // The 4 % rate of 429s can draw none in a short run (a CI run did): one surely comes.
    { kind: 'http_429', count: 1 },
    { kind: 'content_policy', count: 2 },
    { kind: 'task_failure', count: 1 },
    { kind: 'malformed_body', count: 1 },
    { kind: 'slow', count: 2, delayMs: 1500 },
    { kind: 'http_5xx', count: 1 },
  ];

  return { variant, seed, size, jobs, events, accounts, faults, accountFaults, bursts };
}
