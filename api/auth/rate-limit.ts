import type { Middleware } from 'koa';
import { Problem } from '../problem';
import type { ApiKeyPrincipal } from './authentication';

export interface RateLimitOptions {
  /** The sustained rate each API key gets. */
  requestsPerMinute: number;
  /** How many requests may come at once after a quiet spell; defaults to requestsPerMinute. */
  burst?: number;
  now?: () => Date;
  /** Upper bound of clients tracked at once; the least recently seen beyond it are forgotten. */
  maxBuckets?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const DEFAULT_MAX_BUCKETS = 100_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * A token bucket per API key (per address before authentication), in this process's memory: with several
 * API processes each enforces the limit alone, which is what a per-process guard against a runaway client
 * needs, and costs no round trip. Answers 429 with Retry-After when the bucket is empty.
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const { requestsPerMinute } = options;
  const capacity = options.burst ?? requestsPerMinute;
  if (!(requestsPerMinute > 0) || !Number.isFinite(requestsPerMinute)) {
    throw new RangeError(`requestsPerMinute must be a positive number, got ${requestsPerMinute}`);
  }
  if (!(capacity >= 1) || !Number.isFinite(capacity)) {
    throw new RangeError(`burst must be at least 1, got ${capacity}`);
  }
  const now = options.now ?? (() => new Date());
  const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
  const tokensPerMs = requestsPerMinute / 60_000;
  // Map order is recency order (every use re-inserts): the first bucket is the least recently seen.
  const buckets = new Map<string, Bucket>();
  let lastSweep = now().getTime();

  function refilled(bucket: Bucket, at: number): number {
    return Math.min(capacity, bucket.tokens + Math.max(0, at - bucket.updatedAt) * tokensPerMs);
  }

  /** A full bucket says nothing a new one would not: dropping idle ones is what keeps memory small. */
  function sweep(at: number): void {
    lastSweep = at;
    for (const [id, bucket] of buckets) if (refilled(bucket, at) >= capacity) buckets.delete(id);
  }

  function bucketFor(id: string, at: number): Bucket {
    if (at - lastSweep >= SWEEP_INTERVAL_MS) sweep(at);
    const existing = buckets.get(id);
    if (existing) {
      buckets.delete(id);
    } else if (buckets.size >= maxBuckets) {
      // Many clients at once: forgetting the least recently seen one (O(1)) beats scanning on every request.
      buckets.delete(buckets.keys().next().value!);
    }
    const bucket = { tokens: existing ? refilled(existing, at) : capacity, updatedAt: at };
    buckets.set(id, bucket);
    return bucket;
  }

  return async (ctx, next) => {
    const principal = ctx.state.apiKey as ApiKeyPrincipal | undefined;
    const bucket = bucketFor(principal ? `key:${principal.id}` : `ip:${ctx.ip}`, now().getTime());
    ctx.set('RateLimit-Limit', String(capacity));
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / tokensPerMs / 1000));
      ctx.set('RateLimit-Remaining', '0');
      ctx.set('Retry-After', String(retryAfterSeconds));
      throw new Problem(
        429,
        'Too Many Requests',
        `the limit is ${requestsPerMinute} requests per minute (bursts of ${capacity}); retry in ${retryAfterSeconds} s`,
      );
    }
    bucket.tokens -= 1;
    ctx.set('RateLimit-Remaining', String(Math.floor(bucket.tokens)));
    await next();
  };
}
