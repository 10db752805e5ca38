/**
 * What bench/pool-capacity.ts runs with: its command-line options, the pool's accounts and their limits, and the
 * simulator both sides call. Read once, when the bench starts.
 */
import { ONE_CREDIT_PER_IMAGE_CALL, uniformLatency, type BenchSimulatorOptions } from './bench-simulator';
import type { AccountLimits } from './pool-capacity-model';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
};
const FULL = args.includes('--full');
export const FORK_EXTENSIONS = args.includes('--fork-extensions');
/** The burst: jobs present at once. */
export const JOBS = option('--jobs', FULL ? 1000 : 100);
/** The time scale: how long one image call takes upstream. */
export const LATENCY_MS = option('--latency-ms', 10_000);
export const ACCOUNTS = 20;
/** The naive client's workers: as many as the calls the platform can have in flight. */
export const BASELINE_CLIENTS = option('--baseline-clients', ACCOUNTS);
/** Concurrent clients sending the platform's POSTs. */
export const POSTERS = option('--posters', 32);
export const BASELINE_RETRIES = 3;
export const BASELINE_RETRY_DELAY_MS = 1000;
/** How often the simulator is asked which accounts have a call in flight. */
export const SAMPLE_MS = 100;
/** The LLM-Red-Team README's free credits a day, as the simulator's default. */
const DAILY_QUOTA = 66;
const RATE_WINDOW_MS = 60_000;

export const LIMITS: AccountLimits = {
  latencyMs: LATENCY_MS,
  maxConcurrent: 1,
  rateLimit: { maxRequests: Math.floor(RATE_WINDOW_MS / LATENCY_MS) + 2, windowMs: RATE_WINDOW_MS },
  dailyQuota: DAILY_QUOTA,
};
export const POOL: readonly AccountLimits[] = Array.from({ length: ACCOUNTS }, () => LIMITS);

/** An account's limits as the simulator registers a session with them. */
export function simulatorLimits(): Pick<AccountLimits, 'maxConcurrent' | 'rateLimit' | 'dailyQuota'> {
  return { maxConcurrent: LIMITS.maxConcurrent, rateLimit: LIMITS.rateLimit, dailyQuota: LIMITS.dailyQuota };
}

/**
 * Both simulators: every call takes L (the proxy's retry pause and timeout are never spent: no upstream faults
 * here), one credit per call, the proxy's answers unless --fork-extensions.
 */
export const SIMULATOR: BenchSimulatorOptions = {
  latency: uniformLatency(LATENCY_MS, { retryDelayMs: 5_000, upstreamTimeoutMs: 45_000 }),
  dailyQuota: DAILY_QUOTA,
  creditCosts: ONE_CREDIT_PER_IMAGE_CALL,
  forkExtensions: FORK_EXTENSIONS,
};
