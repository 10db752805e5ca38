/*
 * An account's outbound proxy. The Jimeng proxy reads it from the bearer token, `<proxy URL>@<token>`
 * (iptag/jimeng-api v1.9.6, src/api/controllers/core.ts:95-109): a token that starts with http://, https://,
 * socks://, socks4:// or socks5:// (any letter case, core.ts:97) is cut at its LAST `@`, and the part before
 * goes to https-proxy-agent or socks-proxy-agent (core.ts:326-330). The API and the client both check a URL
 * here, so a value the proxy would misread is refused when it is written and, should one reach the table by
 * hand, before it is sent.
 */

/** Our bound, not the column's (attr3 is TEXT): the whole bearer token travels in one header line. */
export const PROXY_URL_MAX_LENGTH = 1024;

/** The schemes core.ts:97 recognises; anything else would be taken for part of the session id. */
const SCHEME = /^(https?|socks[45]?):\/\//i;
/**
 * One character of RFC 3986 userinfo without the comma (the proxy splits the Authorization header on commas,
 * core.ts:649).
 */
const USERINFO_CHARACTER = "(?:[A-Za-z0-9\\-._~!$&'()*+;=:]|%[0-9A-Fa-f]{2})";
const USERINFO = new RegExp(`^${USERINFO_CHARACTER}+$`);
/** A DNS name or IPv4 address, or a bracketed IPv6 address. */
const HOST =
  '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\]';
/** The host, then the port, and nothing after it. */
const HOST_PORT = new RegExp(`^(?<host>${HOST}):(?<port>[0-9]{1,5})$`);

/**
 * The grammar parseProxyUrl() accepts, as one pattern for the API's document (JSON Schema patterns take no
 * flags, so the schemes are spelled in both cases; ports 1-65535 without leading zeros, a little stricter than
 * the parser). Nothing it matches is refused; the length bound is PROXY_URL_MAX_LENGTH.
 */
export const PROXY_URL_PATTERN =
  '^(?:[Hh][Tt][Tt][Pp][Ss]?|[Ss][Oo][Cc][Kk][Ss][45]?)://' +
  `(?:${USERINFO_CHARACTER}+@)?(?:${HOST}):` +
  '(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$';

export interface ProxyUrlParts {
  /** As written (the proxy compares it without regard to case). */
  readonly scheme: string;
  /** Whether a `user:password@` precedes the host. */
  readonly hasCredentials: boolean;
  readonly host: string;
  readonly port: number;
}

export type ParsedProxyUrl =
  | { readonly ok: true; readonly parts: ProxyUrlParts }
  /** Why, never the value: the value holds credentials. */
  | { readonly ok: false; readonly problem: string };

const refused = (problem: string): ParsedProxyUrl => ({ ok: false, problem });

/** `scheme://[user:password@]host:port`, with nothing the proxy's token grammar would read otherwise. */
export function parseProxyUrl(value: unknown): ParsedProxyUrl {
  if (typeof value !== 'string' || value === '') return refused('the proxy URL is empty');
  if (value.length > PROXY_URL_MAX_LENGTH)
    return refused(`the proxy URL must be at most ${PROXY_URL_MAX_LENGTH} characters`);
  // The proxy trims the token (core.ts:96) and a header carries ASCII only.
  if (!/^[\x21-\x7e]+$/.test(value)) return refused('the proxy URL must be printable ASCII without spaces');
  if (value.includes(','))
    return refused('the proxy URL must not contain a comma: the proxy splits the bearer token on commas');
  const scheme = SCHEME.exec(value);
  if (!scheme)
    return refused('the proxy URL must start with http://, https://, socks://, socks4:// or socks5://');
  const rest = value.slice(scheme[0].length);
  // One `@` at most, the end of the credentials: an `@` after it (in a path, say) would make the proxy's own
  // log masking (core.ts:320) and the URL parsers disagree about where the credentials end.
  const at = rest.split('@');
  if (at.length > 2)
    return refused(
      'the proxy URL must contain at most one @, after user:password (write an @ in them as %40)',
    );
  const [userinfo, hostPort] = at.length === 2 ? [at[0]!, at[1]!] : [undefined, at[0]!];
  if (userinfo !== undefined && !USERINFO.test(userinfo))
    return refused(
      "the user:password of the proxy URL may hold letters, digits, -._~!$&'()*+;=: and %XX escapes only",
    );
  const target = HOST_PORT.exec(hostPort);
  if (!target?.groups)
    return refused('the proxy URL must be scheme://[user:password@]host:port, with nothing after the port');
  const port = Number(target.groups.port);
  if (port < 1 || port > 65_535) return refused('the port of the proxy URL must be 1-65535');
  return {
    ok: true,
    parts: { scheme: scheme[1]!, hasCredentials: userinfo !== undefined, host: target.groups.host!, port },
  };
}

/** The proxy URL's problem, or undefined when it is one the proxy reads as meant. */
export function proxyUrlProblem(value: unknown): string | undefined {
  const parsed = parseProxyUrl(value);
  return parsed.ok ? undefined : parsed.problem;
}

/** Stands for the credentials in a masked URL: not ASCII, so a masked URL sent back is refused, not stored. */
const HIDDEN = '…';

/**
 * Which proxy, never how to log in to it: `socks5://…@host:1080`, the credentials replaced. A stored value
 * this module would refuse (written by hand) shows as `…` alone: its parts cannot be told apart safely.
 */
export function maskProxyUrl(value: string): string {
  const parsed = parseProxyUrl(value);
  if (!parsed.ok) return HIDDEN;
  const { scheme, hasCredentials, host, port } = parsed.parts;
  return `${scheme}://${hasCredentials ? `${HIDDEN}@` : ''}${host}:${port}`;
}
