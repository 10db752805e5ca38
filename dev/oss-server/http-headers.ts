import type { IncomingHttpHeaders } from 'node:http';

/** One header's value; repeated headers are joined the way Node joins them (", "). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `x-oss-meta-*` request headers as user metadata (name without the prefix). */
export function userMetaFromHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-oss-meta-'))
      meta[name.slice('x-oss-meta-'.length)] = headerValue(headers, name) ?? '';
  }
  return meta;
}
