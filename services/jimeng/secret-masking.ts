/*
 * Session ids are bearer credentials for a paid account. They must never reach an error message, a log line
 * or a serialised failure (Temporal stores failures in workflow history, which operators can read).
 */

const MASK = '****';
/** Below this length the last four characters are too large a share of the secret to show. */
const MIN_LENGTH_TO_HINT = 12;

/** A stable, non-reversible hint for logs: `****` plus the last 4 characters of a long enough secret. */
export function maskSecret(secret: string): string {
  return secret.length >= MIN_LENGTH_TO_HINT ? `${MASK}${secret.slice(-4)}` : MASK;
}

/**
 * Removes every occurrence of the given secrets from text that came from elsewhere (server messages, socket
 * errors), plus anything that looks like a bearer token, whoever it belongs to.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a prefixed token is replaced whole before its bare session id is.
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(maskSecret(secret));
  }
  return out.replace(/(bearer\s+)[^\s,;"']+/gi, `$1${MASK}`);
}
