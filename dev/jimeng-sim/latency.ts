/*
 * How long the proxy takes to answer. Every generation call is synchronous: the proxy submits, polls the
 * upstream until the job ends and only then answers (reference section 1 and 5), so a call lasts about as long
 * as the upstream job, rounded up to the proxy's next poll.
 *
 * Defaults, for benchmarks that should feel the real thing:
 * - images 30 s: the proxy polls every 10 s (src/api/controllers/images.ts:436-442); the proxy README gives no
 *   typical figure for text-to-image, only "up to 15 minutes" at peak (README.md:806-808);
 * - compositions 60 s: "typically 30 seconds to 5 minutes" (README.md:335), same 10 s polls (images.ts:232-238);
 * - videos 185 s: the proxy waits 5 s, then polls every 20 s (src/api/controllers/videos.ts:866-879), and a job
 *   takes minutes ("up to 20 minutes" at peak, README.md:808; queues over 5 min in iptag #76): 5 s + 9 polls;
 * - retries: the proxy retries a failed upstream call (network error or HTTP >= 400) 3 times, 5 s apart
 *   (RETRY_CONFIG, src/api/consts/common.ts:120-123; core.ts:337-404), and each attempt may run to its 45 s
 *   timeout (core.ts:350). Faults that go through those retries (http_5xx, upstream_transport) take that long.
 * Tests pass short values (see `latency` in JimengSimulatorOptions).
 */

export interface LatencyOptions {
  /** A text-to-image call, from arrival to answer. */
  readonly imageMs?: number;
  /** An image-to-image call. */
  readonly compositionMs?: number;
  /** A video call (the synchronous route), or how long a fork-mode async task runs. */
  readonly videoMs?: number;
  /** The proxy's pause between retries of one upstream call. */
  readonly retryDelayMs?: number;
  /** The proxy's timeout for one upstream call. */
  readonly upstreamTimeoutMs?: number;
}

export type Latency = Required<LatencyOptions>;

export const REALISTIC_LATENCY: Latency = {
  imageMs: 30_000,
  compositionMs: 60_000,
  videoMs: 185_000,
  retryDelayMs: 5_000,
  upstreamTimeoutMs: 45_000,
};

/** Retries of one call (core.ts:334, MAX_RETRY_COUNT 3). */
export const UPSTREAM_RETRIES = 3;

export function resolveLatency(
  latency: LatencyOptions | undefined,
  legacy: { imageLatencyMs?: number; videoDurationMs?: number },
): Latency {
  const imageMs = latency?.imageMs ?? legacy.imageLatencyMs ?? REALISTIC_LATENCY.imageMs;
  return {
    imageMs,
    compositionMs:
      latency?.compositionMs ?? latency?.imageMs ?? legacy.imageLatencyMs ?? REALISTIC_LATENCY.compositionMs,
    videoMs: latency?.videoMs ?? legacy.videoDurationMs ?? REALISTIC_LATENCY.videoMs,
    retryDelayMs: latency?.retryDelayMs ?? REALISTIC_LATENCY.retryDelayMs,
    upstreamTimeoutMs: latency?.upstreamTimeoutMs ?? REALISTIC_LATENCY.upstreamTimeoutMs,
  };
}

export function checkLatency(l: Latency): void {
  for (const [k, v] of Object.entries(l)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new Error(`jimeng simulator: latency.${k} must be a non-negative integer`);
  }
}
