import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Callback signatures, in Stripe's scheme so receivers can reuse what they know:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The timestamp is inside the signed text, so
 * a captured request cannot be replayed later with a fresh timestamp; the receiver bounds how old it may be.
 * While a tenant's secret rotates, the header carries one `v1=` per secret (the newest first), so a receiver
 * holding either the old or the new secret verifies the same request.
 */

export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,15}$/;

/** `secrets`: one, or several newest first (a rotation's overlap window): one v1 entry each, in that order. */
export function signCallback(secrets: string | readonly string[], timestamp: number, body: string): string {
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  if (keys.length === 0) throw new RangeError('callback needs at least one secret');
  // An empty key makes the HMAC computable by anyone, which would look signed while proving nothing.
  if (keys.some((key) => key === '')) throw new RangeError('callback secret must not be empty');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('callback timestamp must be a non-negative integer number of seconds');
  }
  return [`t=${timestamp}`, ...keys.map((key) => `v1=${hmacHex(key, timestamp, body)}`)].join(',');
}

/**
 * True when `header` carries a v1 signature of `body` by `secret`, made within `toleranceSeconds` of
 * `nowSeconds` (either side: a receiver's clock may run behind ours). Any matching v1 entry among several is
 * enough, as Stripe does, so the sender can sign with an old and a new secret while they rotate. A receiver
 * switching secrets may pass both of its own (`[new, old]`): any of them matching is enough. Never throws on
 * malformed input: a receiver should answer 400, not crash.
 */
export function verifyCallbackSignature(
  secret: string | readonly string[],
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const keys = (typeof secret === 'string' ? [secret] : secret).filter((key) => key !== '');
  if (keys.length === 0) return false;
  const parsed = parseSignatureHeader(header);
  if (parsed === null) return false;
  if (!(Math.abs(nowSeconds - parsed.timestamp) <= toleranceSeconds)) return false;

  // Every pair is compared, with no early exit, so timing does not reveal which one matched.
  let matched = false;
  for (const key of keys) {
    const expected = Buffer.from(hmacHex(key, parsed.timestamp, body), 'hex');
    for (const candidate of parsed.signatures) {
      if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) matched = true;
    }
  }
  return matched;
}

interface ParsedSignatureHeader {
  readonly timestamp: number;
  readonly signatures: readonly string[];
}

function parseSignatureHeader(header: string): ParsedSignatureHeader | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      // Two timestamps make it ambiguous which one was signed.
      if (timestamp !== null || !TIMESTAMP.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1' && SIGNATURE_HEX.test(value)) {
      // Only well-formed digests: timingSafeEqual needs equal lengths. Unknown schemes are ignored.
      signatures.push(value);
    }
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}
