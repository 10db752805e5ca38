import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isLocalHostName, isPublicAddress } from '../../domain/public-address';

/**
 * Callback URLs come from callers, and the worker that POSTs to them sits inside our network: without
 * these checks a caller could make it reach the cloud metadata service, the database or an admin port
 * (SSRF). The check resolves the host once; the sender then connects to exactly these addresses, so a DNS
 * answer that changes between check and connect (rebinding) cannot slip a private address through.
 */

export type CallbackAddressRefusal =
  'invalid-url' | 'scheme' | 'credentials' | 'local-host-name' | 'non-public-address' | 'unresolvable';

export class CallbackAddressError extends Error {
  override readonly name = 'CallbackAddressError';

  constructor(
    readonly reason: CallbackAddressRefusal,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Every address a host name resolves to; injectable so tests never depend on real DNS. */
export type HostLookup = (hostname: string) => Promise<string[]>;

export interface CallbackUrlOptions {
  /** Local development and tests post to receivers on 127.0.0.1; production must leave this false. */
  readonly allowPrivate: boolean;
  readonly lookup?: HostLookup;
}

export interface CheckedCallbackUrl {
  readonly url: URL;
  /** What the host is or resolves to; the only addresses the sender may connect to. */
  readonly addresses: string[];
}

export async function checkCallbackUrl(raw: string, opts: CallbackUrlOptions): Promise<CheckedCallbackUrl> {
  const url = parseUrl(raw);
  // file:, gopher: and friends reach things no HTTP receiver should: local files, raw TCP.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CallbackAddressError('scheme', `callback URL must be http or https, not ${url.protocol}`);
  }
  // They would be sent as Basic auth on every attempt and end up in logs; receivers verify the signature.
  if (url.username !== '' || url.password !== '') {
    throw new CallbackAddressError(
      'credentials',
      `callback URL ${redactCallbackUrl(url)} must not carry user name or password`,
    );
  }

  const host = bareHost(url);
  // Refused by name before resolving: the answer is loopback anyway, and a lookup would only add latency.
  if (!opts.allowPrivate && isLocalHostName(host.endsWith('.') ? host.slice(0, -1) : host)) {
    throw new CallbackAddressError('local-host-name', `callback host ${host} is the local machine`);
  }
  const literal = isIP(host) !== 0;
  const addresses = literal ? [host] : await resolve(host, opts.lookup ?? lookupAll);
  if (!opts.allowPrivate && !addresses.every(isPublicAddress)) {
    // The resolved addresses stay out of the message: it may reach the caller, who should not learn what
    // our internal DNS answers.
    throw new CallbackAddressError(
      'non-public-address',
      literal
        ? `callback address ${host} is not a public address`
        : `callback host ${host} resolves to a non-public address`,
    );
  }
  return { url, addresses };
}

/** The URL as it may appear in messages and logs: the query (and fragment) of a callback URL often holds a token. */
export function redactCallbackUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    // The input is not echoed: it may hold a token and is not a URL we could redact.
    throw new CallbackAddressError('invalid-url', 'callback URL is not a valid absolute URL');
  }
}

/** The host as an address or name, without an IPv6 literal's brackets; URL has already lower-cased it. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

async function resolve(host: string, lookup: HostLookup): Promise<string[]> {
  let found: string[];
  try {
    found = await lookup(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code ?? 'lookup failed';
    throw new CallbackAddressError('unresolvable', `callback host ${host} did not resolve (${code})`, {
      cause: error,
    });
  }
  const addresses = [...new Set(found)];
  // Anything but IP literals would be resolved again at connect time, outside this check.
  if (addresses.length === 0 || !addresses.every((address) => isIP(address) !== 0)) {
    throw new CallbackAddressError('unresolvable', `callback host ${host} resolved to no usable address`);
  }
  return addresses;
}

async function lookupAll(host: string): Promise<string[]> {
  const found = await dnsLookup(host, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
}
