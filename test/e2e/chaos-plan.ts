import { Prng } from '../../dev/jimeng-sim/prng';

/*
 * What a chaos run does and when, decided up front from a seed: the jobs (kind, owner, project, storyboard,
 * submit time, whether the caller cancels it or asks twice) and the disasters (worker stops and kills, a database
 * restart, OSS failures, accounts banned, logged out or withdrawn). Pure, so the same seed gives the same run
 * and a unit test can hold the schedule to what the issue asks for.
 */

export type ChaosVariant = 'short' | 'long';

/** How long the pool rests a capability after risk control: the worker's ACCOUNT_RATE_LIMIT_COOLDOWN_MS. */
export const CHAOS_COOLDOWN_MS = 5000;

/**
 * The workers' WORKER_SHUTDOWN_GRACE_MS: longer than an image or composition call at the run's latencies
 * (300 ms), shorter than a video call (3 s) held by a slow fault, so a SIGTERM sees both outcomes.
 */
export const CHAOS_WORKER_GRACE_MS = 1500;

export interface ChaosSize {
  readonly jobs: number;
  /** Jobs are submitted over this window; disasters happen inside it. */
  readonly submitWindowMs: number;
  readonly users: number;
  readonly projects: number;
  readonly accounts: number;
  /** Worker processes on one task queue, as on hosts of their own. */
  readonly workers: number;
  /** API processes behind one address, as behind a load balancer: requests alternate between them. */
  readonly apis: number;
}

export const CHAOS_SIZES: Readonly<Record<ChaosVariant, ChaosSize>> = {
  short: { jobs: 60, submitWindowMs: 40_000, users: 3, projects: 4, accounts: 14, workers: 2, apis: 2 },
  long: { jobs: 300, submitWindowMs: 180_000, users: 5, projects: 8, accounts: 24, workers: 2, apis: 2 },
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
  /** A deploy stops worker `worker` (SIGTERM: its grace, then exit) and starts it again. */
  | { readonly atMs: number; readonly kind: 'stop-worker'; readonly worker: number }
  /** Worker `worker` dies (SIGKILL) and starts again. */
  | { readonly atMs: number; readonly kind: 'kill-worker'; readonly worker: number }
  /**
   * A deploy stops API process `api` (SIGTERM: it drains, then exits) and starts it again; requests meanwhile
   * go to the other.
   */
  | { readonly atMs: number; readonly kind: 'restart-api'; readonly api: number }
  /** Slows the next OSS PUTs and kills (SIGKILL) the worker whose PUT is in flight. */
  | { readonly atMs: number; readonly kind: 'kill-worker-during-upload' }
  | { readonly atMs: number; readonly kind: 'restart-database'; readonly downMs: number }
  /** The next PUTs fail: `error500` of them answer 500, `reset` of them lose the connection. */
  | {
      readonly atMs: number;
      readonly kind: 'oss-failures';
      readonly error500: number;
      readonly reset: number;
    }
  /**
   * The upstream bans the account for good. The proxy has no ban signal (it answers a banned session as a dead
   * one), so the pool can only learn that the session no longer serves.
   */
  | { readonly atMs: number; readonly kind: 'ban-account'; readonly account: number }
  /** The account's login expires. */
  | { readonly atMs: number; readonly kind: 'expire-session'; readonly account: number }
  /** An operator deactivates the account through the API. */
  | { readonly atMs: number; readonly kind: 'withdraw-account'; readonly account: number };

/**
 * Per-account limits in the simulator; a few accounts have a small daily credit quota that runs out mid-run.
 * Credits (the simulator's table, dev/jimeng-sim/credits.ts): an image or composition at 2k costs 1, a video
 * 2 a second at 720p (jimeng-video-3.5-pro sends no resolution), so 10 for 5 s and 20 for 10 s.
 */
export interface PlannedAccount {
  readonly index: number;
  readonly dailyQuota: number;
  /**
   * Two synchronous jobs at a time: the pool leases an account's image and video capabilities apart, one job
   * each, and a video is one synchronous call held open until the video exists (POST /v1/videos/generations).
   */
  readonly maxConcurrent: number;
  /**
   * The upstream's window of generation calls; over it the proxy answers risk control (-2001 … (错误码: 1019)),
   * with no hint of how long. The window is no longer than the pool's cooldown, so a rested account is let back
   * only once the window has room.
   */
  readonly rateLimit: { readonly maxRequests: number; readonly windowMs: number };
}

/**
 * Fault kinds of the simulator in its default mode, where it answers as the real proxy does (no 429, no ban
 * text, no async video routes: dev/jimeng-sim/README.md).
 */
export type PlannedFaultKind =
  /** -2001 `[请求失败]: … (错误码: <ret>)`: the upstream's rate limiting, ret 1019, -4 or 4013. */
  | 'risk_control'
  | 'content_policy'
  /** The upstream answered 5xx to the proxy's 4 tries: the proxy's HTTP 200 envelope after its retries. */
  | 'http_5xx'
  /** A gateway in front of the proxy answering an HTML 5xx page. */
  | 'gateway_5xx'
  /** The proxy's own upstream call failed below HTTP (socket hang up, ECONNRESET, …): -1000 with the text. */
  | 'upstream_transport'
  /** The CN content check refused a composition's input image: -2007 `图片上传失败: 图片内容检测未通过…`. */
  | 'input_image_refused'
  /** An image job that ended with fewer images than asked: the proxy returns those. */
  | 'partial_result'
  | 'slow'
  | 'connection_reset'
  | 'malformed_body'
  | 'task_failure';

/** Faults the simulator injects with a probability on every call of their scope. */
export interface PlannedFault {
  readonly kind: PlannedFaultKind;
  readonly rate: number;
  /** Generation calls only (the default: every protocol call, token checks and credit reads included). */
  readonly generationOnly: boolean;
  /** Only this route (the kind's own scope otherwise). */
  readonly route?: 'image' | 'composition' | 'video';
  readonly delayMs?: number;
  /** risk_control: the upstream ret. */
  readonly ret?: '1019' | '-4' | '4013';
  /**
   * risk_control: how long the simulator counts later calls as calls after the refusal. The proxy gives no
   * Retry-After, so this is what the pool promises: its cooldown (CHAOS_COOLDOWN_MS).
   */
  readonly cooldownMs?: number;
  /** upstream_transport: which axios error. */
  readonly error?: 'socket_hang_up' | 'econnreset' | 'etimedout' | 'timeout';
}

/** Faults for the next `count` calls of their scope from the start: each kind surely fires, whatever the dice. */
export interface PlannedBurst {
  readonly kind: PlannedFaultKind;
  readonly count: number;
  readonly route?: 'image' | 'composition' | 'video';
  readonly delayMs?: number;
  readonly ret?: '1019' | '-4' | '4013';
  readonly cooldownMs?: number;
}

/**
 * One-shot faults on one account: the first matching call gets them. `banned` answers as `session_invalid`
 * does (the proxy has no ban signal, dev/jimeng-sim/README.md), so the account ends as a dead session, not banned.
 */
export interface PlannedAccountFault {
  readonly kind: 'quota_exhausted' | 'session_invalid' | 'banned' | 'credits_claim_failed';
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
    // Each user is a tenant of its own (chaos-driver.ts) and a project belongs to one tenant: a user's
    // projects are its own, drawn in the same order as before so a seed plans the same run.
    const user = prng.int(size.users);
    jobs.push({
      index,
      kind,
      user,
      project: `chaos-u${user}-p${prng.int(size.projects)}`,
      storyboard: `sb-${index}`,
      submitAtMs: Math.floor((index / size.jobs) * window * 0.9 + prng.int(500)),
      ...(cancel ? { cancelAfterMs: 50 + prng.int(1500) } : {}),
      duplicate: prng.next() < 0.06,
      callback: prng.next() < 0.75,
      ...(kind === 'video' ? { duration: VIDEO_DURATIONS[prng.int(VIDEO_DURATIONS.length)] } : {}),
    });
  }

  // Accounts 0-2 carry the account-level disasters, 3-5 run out of credits (10-15: one 5 s video and a few
  // images, or ten-odd images; a 10 s video, 20 credits, is refused), the rest are healthy. Every account may
  // take 4 generation calls in 5 s (the window no longer than the pool's cooldown, CHAOS_COOLDOWN_MS).
  const accounts: PlannedAccount[] = Array.from({ length: size.accounts }, (_, index) => ({
    index,
    dailyQuota: index >= 3 && index <= 5 ? 10 + prng.int(6) : 10_000,
    maxConcurrent: 2,
    rateLimit: { maxRequests: 4, windowMs: 5000 },
  }));

  const at = (share: number): number => Math.floor(window * share + prng.int(Math.floor(window / 20)));
  const events: ChaosEvent[] = [
    { atMs: at(0.2), kind: 'stop-worker', worker: 0 },
    { atMs: at(0.3), kind: 'oss-failures', error500: 3, reset: 2 },
    { atMs: at(0.35), kind: 'ban-account', account: 0 },
    { atMs: at(0.45), kind: 'restart-database', downMs: 3000 },
    { atMs: at(0.5), kind: 'expire-session', account: 1 },
    { atMs: at(0.6), kind: 'kill-worker-during-upload' },
    { atMs: at(0.7), kind: 'oss-failures', error500: 3, reset: 3 },
    { atMs: at(0.75), kind: 'withdraw-account', account: 2 },
    // At a fixed share of the window: no draw, so the seeds' other draws stay as they were.
    { atMs: Math.floor(window * 0.4), kind: 'restart-api', api: 0 },
  ];
  if (variant === 'long') {
    events.push(
      { atMs: at(0.85), kind: 'kill-worker', worker: 1 },
      { atMs: at(0.9), kind: 'oss-failures', error500: 5, reset: 5 },
    );
  }
  events.sort((a, b) => a.atMs - b.atMs);

  const cooldownMs = CHAOS_COOLDOWN_MS;
  const faults: PlannedFault[] = [
    // The upstream's risk control in its three rets; no Retry-After, so the pool's cooldown is the promise.
    { kind: 'risk_control', rate: 0.02, generationOnly: true, ret: '1019', cooldownMs },
    { kind: 'risk_control', rate: 0.01, generationOnly: true, ret: '-4', cooldownMs },
    { kind: 'risk_control', rate: 0.01, generationOnly: true, ret: '4013', cooldownMs },
    { kind: 'content_policy', rate: 0.04, generationOnly: true },
    { kind: 'task_failure', rate: 0.08, generationOnly: true, route: 'video' },
    { kind: 'input_image_refused', rate: 0.05, generationOnly: true, route: 'composition' },
    { kind: 'partial_result', rate: 0.05, generationOnly: true, route: 'image' },
    { kind: 'upstream_transport', rate: 0.02, generationOnly: true, error: 'socket_hang_up' },
    { kind: 'http_5xx', rate: 0.03, generationOnly: false },
    { kind: 'gateway_5xx', rate: 0.02, generationOnly: false },
    { kind: 'slow', rate: 0.05, generationOnly: false, delayMs: 1500 },
    { kind: 'connection_reset', rate: 0.02, generationOnly: false },
    { kind: 'malformed_body', rate: 0.02, generationOnly: false },
  ];
  const accountFaults: PlannedAccountFault[] = [
    { kind: 'quota_exhausted', account: 6 },
    { kind: 'session_invalid', account: 7 },
    { kind: 'banned', account: 8 },
    // Out of credits and the daily claim refused (-2009 / -2008 积分不足且无法自动收取…): on a low-quota account.
    { kind: 'credits_claim_failed', account: 5 },
  ];

  const bursts: PlannedBurst[] = [
    // Rates can draw none of a kind in a short run (a CI run drew no rate limit): each kind surely comes once.
    { kind: 'risk_control', count: 1, route: 'image', ret: '4013', cooldownMs },
    { kind: 'content_policy', count: 2, route: 'image' },
    { kind: 'task_failure', count: 1, route: 'video' },
    { kind: 'input_image_refused', count: 1, route: 'composition' },
    { kind: 'partial_result', count: 1, route: 'image' },
    { kind: 'upstream_transport', count: 1, route: 'image' },
    { kind: 'malformed_body', count: 1 },
    { kind: 'slow', count: 2, delayMs: 1500 },
    { kind: 'http_5xx', count: 1, route: 'image' },
    { kind: 'gateway_5xx', count: 1, route: 'image' },
  ];

  return { variant, seed, size, jobs, events, accounts, faults, accountFaults, bursts };
}
