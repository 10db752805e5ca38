import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import {
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isLinkLocalOrMetadataAddress, isLocalHostName, isPublicAddress } from '../../domain/public-address';

/**
 * Where the platform may send a request to a URL it was given: callbacks (the caller's URL), output downloads
 * (the URLs the Jimeng proxy returns, and every redirect they lead to) and reference images (the caller's URLs,
 * handed to the proxy). The processes that make these requests sit inside our network: without this rule a URL
 * could make them reach the cloud metadata service, the database or an admin port (SSRF).
 *
 * The host is resolved once and every answer must be public; the request then connects to exactly the checked
 * addresses, so a DNS answer that changes between check and connect (rebinding) cannot slip a private address
 * through. A redirect is a new URL and is checked like the first.
 */

export type OutboundAddressRefusal =
  'invalid-url' | 'scheme' | 'credentials' | 'local-host-name' | 'non-public-address' | 'unresolvable';

export class OutboundAddressError extends Error {
  override readonly name = 'OutboundAddressError';

  constructor(
    readonly reason: OutboundAddressRefusal,
    /** Whether the refused address came from DNS (the host is a name) rather than from the URL itself. */
    readonly resolved: boolean,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Every address a host name resolves to; injectable so tests never depend on real DNS. */
export type HostLookup = (hostname: string) => Promise<string[]>;

export interface OutboundAddressPolicy {
  /**
   * Loopback and private networks may be reached: local development and tests, whose receivers and stand-ins
   * listen on 127.0.0.1. Link-local and cloud metadata addresses stay refused. Production leaves this false.
   */
  readonly allowPrivate: boolean;
  /** Default: node:dns, bounded to a few seconds so a stalled resolver cannot hold a request open. */
  readonly lookup?: HostLookup;
}

export interface CheckedUrl {
  readonly url: URL;
  /** What the host is or resolves to; the only addresses a request to this URL may connect to. */
  readonly addresses: readonly string[];
}

const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Checks `raw` against the policy. `subject` names the URL in messages ("callback", "download"); messages carry
 * the host, never the query (tokens) nor the addresses a name resolved to (our internal DNS is nobody's business).
 */
export async function checkOutboundUrl(
  raw: string | URL,
  policy: OutboundAddressPolicy,
  subject: string,
): Promise<CheckedUrl> {
  return checkParsed(typeof raw === 'string' ? parseUrl(raw, undefined, subject) : raw, policy, subject);
}

/** Where a redirect from `from` leads, checked like any URL before anything connects to it. */
export async function checkRedirectTarget(
  from: URL,
  location: string,
  policy: OutboundAddressPolicy,
  subject: string,
): Promise<CheckedUrl> {
  return checkParsed(parseUrl(location, from, subject), policy, subject);
}

/** The URL as it may appear in messages and logs: the query (and fragment) often holds a token. */
export function redactOutboundUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export interface CheckedRequestOptions {
  readonly method: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly signal?: AbortSignal;
}

/**
 * An http(s) request to a checked URL that can only connect to its checked addresses: the lookup it is given
 * answers with them (never a second DNS answer), and it takes no pooled socket (one opened for another request
 * may lead to an address this one did not check). Host and SNI still name the URL's host.
 */
export function requestCheckedUrl(
  checked: CheckedUrl,
  options: CheckedRequestOptions,
  onResponse: (response: IncomingMessage) => void,
): ClientRequest {
  const send = checked.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return send(
    checked.url,
    {
      method: options.method,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      lookup: pinnedLookup(checked.addresses),
      agent: false,
    },
    onResponse,
  );
}

/**
 * A LookupFunction that answers with the checked addresses only, in the shape net.connect asked for. It answers
 * on a later turn, as dns.lookup does: a socket's 'lookup' event then reaches listeners attached after connect().
 */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const entries: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) }));
  return (hostname, options, callback) => {
    const family = familyOf(options.family);
    const usable = family === 0 ? entries : entries.filter((entry) => entry.family === family);
    const first = usable[0];
    setImmediate(() => {
      if (first === undefined) {
        const error: NodeJS.ErrnoException = new Error(`no checked IPv${family} address for ${hostname}`);
        error.code = 'ENOTFOUND';
        callback(error, '');
      } else if (options.all === true) {
        // With autoSelectFamily (Node's default since 20) net asks for all addresses and tries each in turn.
        callback(null, usable);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

async function checkParsed(url: URL, policy: OutboundAddressPolicy, subject: string): Promise<CheckedUrl> {
  // file:, gopher: and friends reach things no HTTP request should: local files, raw TCP.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundAddressError(
      'scheme',
      false,
      `${subject} URL must be http or https, not ${url.protocol}`,
    );
  }
  // They would be sent as Basic auth on every request and end up in logs.
  if (url.username !== '' || url.password !== '') {
    throw new OutboundAddressError(
      'credentials',
      false,
      `${subject} URL ${redactOutboundUrl(url)} must not carry user name or password`,
    );
  }

  const host = bareHost(url);
  // Refused by name before resolving: the answer is loopback anyway, and a lookup would only add latency.
  if (!policy.allowPrivate && isLocalHostName(host.endsWith('.') ? host.slice(0, -1) : host)) {
    throw new OutboundAddressError('local-host-name', false, `${subject} host ${host} is the local machine`);
  }
  const literal = isIP(host) !== 0;
  const addresses = literal ? [host] : await resolve(host, policy.lookup ?? lookupAll, subject);
  const allowed = policy.allowPrivate
    ? (address: string) => !isLinkLocalOrMetadataAddress(address)
    : isPublicAddress;
  if (!addresses.every(allowed)) {
    let message: string;
    if (policy.allowPrivate) {
      const what = 'a link-local or cloud metadata address';
      message = literal
        ? `${subject} address ${host} is ${what}`
        : `${subject} host ${host} resolves to ${what}`;
    } else {
      message = literal
        ? `${subject} address ${host} is not a public address`
        : `${subject} host ${host} resolves to a non-public address`;
    }
    throw new OutboundAddressError('non-public-address', !literal, message);
  }
  return { url, addresses };
}

function parseUrl(raw: string, base: URL | undefined, subject: string): URL {
  try {
    return new URL(raw, base);
  } catch {
    // The input is not echoed: it may hold a token and is not a URL we could redact.
    throw new OutboundAddressError('invalid-url', false, `${subject} URL is not a valid absolute URL`);
  }
}

/** The host as an address or name, without an IPv6 literal's brackets; URL has already lower-cased it. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

async function resolve(host: string, lookup: HostLookup, subject: string): Promise<string[]> {
  let found: string[];
  try {
    found = await lookup(host);
  } catch (error) {
    throw new OutboundAddressError(
      'unresolvable',
      true,
      `${subject} host ${host} did not resolve (${errorCodeOf(error) ?? 'lookup failed'})`,
      { cause: error },
    );
  }
  const addresses = [...new Set(found)];
  // Anything but IP literals would be resolved again at connect time, outside this check.
  if (addresses.length === 0 || !addresses.every((address) => isIP(address) !== 0)) {
    throw new OutboundAddressError(
      'unresolvable',
      true,
      `${subject} host ${host} resolved to no usable address`,
    );
  }
  return addresses;
}

async function lookupAll(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`lookup of ${host} timed out`), { code: 'ETIMEOUT' })),
      LOOKUP_TIMEOUT_MS,
    );
  });
  try {
    const found = await Promise.race([dnsLookup(host, { all: true, verbatim: true }), timeout]);
    return found.map((entry) => entry.address);
  } finally {
    clearTimeout(timer);
  }
}

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function familyOf(family: number | 'IPv4' | 'IPv6' | undefined): number {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}
