/**
 * The Jimeng simulator options a benchmark gives in full. The simulator's defaults are the real proxy's
 * (dev/jimeng-sim/README.md: images 30 s, videos 185 s, the proxy's 5 s retry pauses, its credit table), chosen
 * for tests that should feel the real thing; a benchmark's figures must not move when one of them changes, so
 * every latency, the credits and the mode are spelled out by the bench itself.
 */
import type { CreditCostTable } from '../dev/jimeng-sim/credits';
import type { Latency } from '../dev/jimeng-sim/latency';
import type { JimengSimulatorOptions } from '../dev/jimeng-sim/simulator';

export interface BenchSimulatorOptions extends Omit<
  JimengSimulatorOptions,
  'latency' | 'imageLatencyMs' | 'videoDurationMs' | 'dailyQuota' | 'creditCosts' | 'forkExtensions'
> {
  /** Every route's time and the proxy's retry pause and timeout (spent only by http_5xx / upstream_transport). */
  readonly latency: Latency;
  /** Credits one daily claim grants, for sessions registered without their own. */
  readonly dailyQuota: number;
  readonly creditCosts: CreditCostTable;
  /** false: the proxy's own answers (risk control -2001 without Retry-After, no ban text); true: a fork's. */
  readonly forkExtensions: boolean;
}

/**
 * Every call takes `callMs` (images, compositions, videos); the proxy's retry pause and per-call timeout as
 * given, 0 by default (for benches without upstream faults they are never spent).
 */
export function uniformLatency(
  callMs: number,
  proxy: { retryDelayMs: number; upstreamTimeoutMs: number } = { retryDelayMs: 0, upstreamTimeoutMs: 0 },
): Latency {
  return { imageMs: callMs, compositionMs: callMs, videoMs: callMs, ...proxy };
}

/**
 * One credit per image call whatever the model and resolution (two per second of video): what
 * bench/pool-capacity-model.ts assumes ("one credit each"), so `dailyQuota` is the jobs an account can do a day.
 */
export const ONE_CREDIT_PER_IMAGE_CALL: CreditCostTable = {
  imagePerCall: { '1k': 1, '2k': 1, '4k': 1 },
  videoPerSecond: { '720p': 2, '1080p': 2 },
  modelMultipliers: {},
};
