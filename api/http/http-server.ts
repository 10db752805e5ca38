import { createServer, type Server } from 'node:http';
import type Koa from 'koa';

export interface ServerTimeouts {
  /** Until the request line and headers are in. */
  headersTimeoutMs: number;
  /** Until the whole request, body included, is in; the handler's time after that is not counted. */
  requestTimeoutMs: number;
  /** How long an idle kept-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
}

/**
 * The API's HTTP server, with the timeouts that keep slow or idle clients from holding connections: a client
 * that does not finish sending its request in time gets a 408 and its connection closed. Neither timeout
 * counts the time to answer, so a long-polling answer (`Prefer: wait`, up to 60 s) is never cut by them.
 */
export function createHttpServer(app: Koa, timeouts: ServerTimeouts): Server {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = timeouts;
  for (const [name, value] of Object.entries(timeouts)) {
    if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`${name} must be a positive integer`);
  }
  if (headersTimeoutMs > requestTimeoutMs)
    throw new RangeError('the headers timeout must not be longer than the request timeout');
  return createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node looks for expired requests on this period (30 s unless told), so a shorter timeout would be
      // enforced up to 30 s late; a quarter of the shorter one keeps it within a quarter of its value.
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 4))),
    },
    app.callback(),
  );
}
