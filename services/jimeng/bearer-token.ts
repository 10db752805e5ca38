import { parseProxyUrl } from '../../domain/jimeng/proxy-url';

/*
 * The bearer value the Jimeng proxy reads: `[<proxy URL>@][<region>-]<session id>` (iptag/jimeng-api v1.9.6,
 * src/api/controllers/core.ts:95-109 cuts the proxy URL at the last `@`, then core.ts:110-118 reads the region
 * prefix). Session ids never hold an `@` (sessionIdProblem), so the `@` added here is always that last one.
 */

/** No proxy: the column is NULL, or empty (written by hand). */
const hasProxy = (proxyUrl: string | null | undefined): proxyUrl is string =>
  typeof proxyUrl === 'string' && proxyUrl !== '';

/** `tokenPrefix` is the site's region prefix (`us-`, …, `''` for CN); the session id is already checked. */
export function bearerTokenOf(tokenPrefix: string, sessionId: string, proxyUrl?: string | null): string {
  return `${hasProxy(proxyUrl) ? `${proxyUrl}@` : ''}${tokenPrefix}${sessionId}`;
}

/** Why the account's proxy URL cannot be sent (it holds credentials, so the reason never quotes it). */
export function proxyUrlProblemOf(proxyUrl: unknown): string | undefined {
  if (proxyUrl === undefined || proxyUrl === null || proxyUrl === '') return undefined;
  const parsed = parseProxyUrl(proxyUrl);
  return parsed.ok ? undefined : `the account's proxy URL is not usable: ${parsed.problem}`;
}

/**
 * What of the proxy URL must be redacted wherever the session id is: the URL, and its part after the scheme
 * (socket and agent errors print `user:password@host:port` without it). Not the password alone: a secret's
 * mask shows its last 4 characters (maskSecret), which of a password would be a quarter of a short one.
 */
export function proxySecretsOf(proxyUrl: unknown): string[] {
  if (typeof proxyUrl !== 'string' || !hasProxy(proxyUrl)) return [];
  const authority = proxyUrl.replace(/^[A-Za-z0-9]+:\/\//, '');
  return authority === proxyUrl ? [proxyUrl] : [proxyUrl, authority];
}
