import type { Middleware, ParameterizedContext } from 'koa';
import type { ResponseSpec } from '../http/route';
import { Problem } from '../problem';
import { principalOf } from './authentication';

/**
 * Whose bucket a request takes from. `address`: the client's IP (ctx.ip: the socket's address unless the app
 * trusts a proxy), for the requests before authentication, so floods of bad keys are stopped before they cost
 * a lookup; `key`: the authenticated API key, so one tenant's runaway client does not slow another's.
 */
export type RateLimitSubject = 'address' | 'key';

export interface RateLimitOptions {
  by: RateLimitSubject;
  /** The sustained rate each subject gets. */
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

/** What the limit answers instead of the route, for the document. */
export function rateLimitResponses(by: RateLimitSubject): Record<number, ResponseSpec> {
  return {
    429: {
      description:
        by === 'address'
          ? 'Too many requests from this address (counted before the key is checked); see Retry-After'
          : 'Too many requests with this API key; see Retry-After',
    },
  };
}

const SUBJECT_NAME: Record<RateLimitSubject, string> = { address: 'address', key: 'API key' };

/**
 * A token bucket per subject (address or API key), in this process's memory: with several API processes each
 * enforces the limit alone, which is what a per-process guard against a runaway client needs, and costs no
 * round trip. Answers 429 with Retry-After when the bucket is empty.
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const { requestsPerMinute, by } = options;
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

  const subjectOf = (ctx: ParameterizedContext): string => (by === 'address' ? ctx.ip : principalOf(ctx).id);

  return async (ctx, next) => {
    const bucket = bucketFor(subjectOf(ctx), now().getTime());
    ctx.set('RateLimit-Limit', String(capacity));
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / tokensPerMs / 1000));
      ctx.set('RateLimit-Remaining', '0');
      ctx.set('Retry-After', String(retryAfterSeconds));
      throw new Problem(
        429,
        'Too Many Requests',
        `the limit is ${requestsPerMinute} requests per minute per ${SUBJECT_NAME[by]} (bursts of ${capacity}); retry in ${retryAfterSeconds} s`,
      );
    }
    bucket.tokens -= 1;
    ctx.set('RateLimit-Remaining', String(Math.floor(bucket.tokens)));
    await next();
  };
}
