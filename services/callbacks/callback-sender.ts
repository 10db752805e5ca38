import type { OutgoingHttpHeaders } from 'node:http';
import {
  OutboundAddressError,
  checkOutboundUrl,
  redactOutboundUrl,
  requestCheckedUrl,
  type CheckedUrl,
  type HostLookup,
} from '../outbound/outbound-address-policy';
import { signCallback } from './callback-signature';

export interface CallbackRequest {
  readonly url: string;
  /** Stable across retries, so the receiver can drop a delivery it has already processed. */
  readonly eventId: string;
  readonly payload: object;
  /** The tenant's signing secrets, newest first: two during a rotation's overlap window, one otherwise. */
  readonly secrets: readonly string[];
  /** Only for local development and tests; see OutboundAddressPolicy. */
  readonly allowPrivate: boolean;
  /** Budget for the whole exchange, connect to last body byte; default 10 s. */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  /** Resolver for the address check; default node:dns. Tests inject one to avoid real DNS. */
  readonly lookup?: HostLookup;
}

export interface CallbackDelivery {
  readonly status: number;
  readonly delivered: true;
}

export class CallbackDeliveryError extends Error {
  override readonly name = 'CallbackDeliveryError';

  constructor(
    message: string,
    /** Whether another attempt could succeed; the caller's retry policy should honour it. */
    readonly retryable: boolean,
    /** The receiver's HTTP status, when it answered. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const CALLBACK_USER_AGENT = 'jimeng-flow-callbacks/1';
const DEFAULT_TIMEOUT_MS = 10_000;
// The body is read only so the exchange ends cleanly; a receiver streaming more is cut off, not waited for.
const MAX_RESPONSE_BYTES = 64 * 1024;
// Statuses that mean "not now" rather than "no": the request timed out, came too early, or was throttled.
const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);
const HEADER_VALUE = /^[\x21-\x7e]{1,200}$/;

/**
 * POSTs the final result of a task to the caller's callback URL, signed so the receiver can tell it came
 * from us. Resolves only on 2xx; every failure is a CallbackDeliveryError saying whether a retry can help.
 * Messages carry the URL's origin and path only, never its query (callback tokens) nor the secret.
 */
export async function sendCallback(request: CallbackRequest): Promise<CallbackDelivery> {
  const body = serialise(request.payload);
  if (!HEADER_VALUE.test(request.eventId)) {
    throw new CallbackDeliveryError('callback event id must be 1-200 printable ASCII characters', false);
  }
  if (request.secrets.length === 0 || request.secrets.some((secret) => secret === '')) {
    throw new CallbackDeliveryError('callback secret is missing or empty', false);
  }

  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new CallbackDeliveryError('callback timeout must be a positive number of milliseconds', false);
  }

  let checked: CheckedUrl;
  try {
    checked = await checkOutboundUrl(
      request.url,
      { allowPrivate: request.allowPrivate, ...(request.lookup ? { lookup: request.lookup } : {}) },
      'callback',
    );
  } catch (error) {
    if (!(error instanceof OutboundAddressError)) throw error;
    // A DNS failure may be passing; a refused address stays refused however often we ask.
    const options = { cause: error };
    throw new CallbackDeliveryError(
      `callback refused: ${error.message}`,
      error.reason === 'unresolvable',
      undefined,
      options,
    );
  }

  const timestamp = Math.floor((request.now ?? (() => new Date()))().getTime() / 1000);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new CallbackDeliveryError('callback clock returned an invalid date', false);
  }
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body, 'utf8'),
    'user-agent': CALLBACK_USER_AGENT,
    'x-jimeng-event-id': request.eventId,
    'x-jimeng-timestamp': String(timestamp),
    'x-jimeng-signature': signCallback(request.secrets, timestamp, body),
  };
  const status = await post(checked, headers, body, timeoutMs);
  return { status: outcomeOf(status, checked.url), delivered: true };
}

/** Serialised once: the bytes signed must be the bytes sent. */
function serialise(payload: object): string {
  let body: string | undefined;
  try {
    body = JSON.stringify(payload);
  } catch (error) {
    throw new CallbackDeliveryError(
      `callback payload is not serialisable as JSON: ${error instanceof Error ? error.message : String(error)}`,
      false,
    );
  }
  // JSON.stringify yields undefined when a toJSON() returns undefined.
  if (typeof body !== 'string')
    throw new CallbackDeliveryError('callback payload serialises to nothing', false);
  return body;
}

/** Resolves with the receiver's status once its response is over, rejects only when there is none. */
function post(
  checked: CheckedUrl,
  headers: OutgoingHttpHeaders,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const where = redactOutboundUrl(checked.url);
  return new Promise((resolve, reject) => {
    let status: number | null = null;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      outcome();
    };

    const req = requestCheckedUrl(checked, { method: 'POST', headers }, (response) => {
      const answered = response.statusCode ?? 0;
      status = answered;
      let received = 0;
      // The status decides the outcome; whatever happens to the body afterwards does not change it.
      const done = (): void => settle(() => resolve(answered));
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) {
          done();
          response.destroy();
        }
      });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });

    // One budget for the whole exchange: an idle timeout would let a receiver trickling bytes hold the
    // activity forever.
    const deadline = setTimeout(() => {
      const answered = status;
      if (answered !== null) {
        settle(() => resolve(answered));
      } else {
        settle(() =>
          reject(new CallbackDeliveryError(`callback to ${where} timed out after ${timeoutMs} ms`, true)),
        );
      }
      req.destroy();
    }, timeoutMs);

    req.on('error', (error: NodeJS.ErrnoException) => {
      // Node's connection errors name the address and port, not the path or query; the code is enough.
      const detail = error.code ?? error.message;
      settle(() =>
        reject(
          new CallbackDeliveryError(`callback to ${where} failed: ${detail}`, true, undefined, {
            cause: error,
          }),
        ),
      );
    });
    req.end(body, 'utf8');
  });
}

function outcomeOf(status: number, url: URL): number {
  if (status >= 200 && status < 300) return status;
  const where = redactOutboundUrl(url);
  if (status >= 300 && status < 400) {
    // Following would send the signed result to an address nobody checked; the Location is not logged
    // either, it may hold a token.
    throw new CallbackDeliveryError(
      `callback to ${where} answered HTTP ${status}, a redirect, which is not followed`,
      false,
      status,
    );
  }
  const retryable = status >= 500 || RETRYABLE_CLIENT_STATUSES.has(status);
  // Other 4xx: the receiver rejects this delivery, and would reject the same bytes again.
  throw new CallbackDeliveryError(`callback to ${where} answered HTTP ${status}`, retryable, status);
}
