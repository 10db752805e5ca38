import { createHash, randomBytes } from 'node:crypto';

/**
 * The shape of our keys: a recognisable `jf_` prefix (secret scanners and operators spot it) and 32 random
 * bytes in base64url, 43 characters. Anything else is refused before the database is asked.
 */
const API_KEY_PATTERN = /^jf_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 10;
const MASK_LENGTH = 7;

export interface GeneratedApiKey {
  /** Shown to the operator once, then only its hash exists. */
  key: string;
  /** What operators see to tell keys apart: `jf_` and 7 random characters, too few to matter. */
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const key = `jf_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, PREFIX_LENGTH), hash: hashApiKey(key) };
}

/**
 * SHA-256 hex. A slow password hash would buy nothing: a key carries 256 random bits, so a leaked hash
 * cannot be reversed by guessing, and a fast hash keeps the lookup cheap on every request.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isWellFormedApiKey(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}

/** What logs may say about a key, whatever the caller sent: its first characters, never enough to use it. */
export function maskApiKey(key: string): string {
  return `${key.slice(0, MASK_LENGTH)}…`;
}
