import { createHash } from 'node:crypto';

/**
 * The task id a request with an Idempotency-Key gets: derived from the owner and the key, so a retry of a
 * request whose answer was lost (a 5xx after the workflow was admitted, a dropped connection) names the same
 * task and finds it, instead of starting, and charging, a second generation once the first has finished.
 * 60 bits of SHA-256 as a decimal string: the shape of the snowflake ids (at most 19 digits), and no collision
 * in practice.
 */
export function idempotentTaskId(owner: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${owner}\n${idempotencyKey}`).digest('hex');
  return BigInt(`0x${digest.slice(0, 15)}`).toString();
}
