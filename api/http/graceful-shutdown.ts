import type { Server } from 'node:http';
import type { Drain } from './drain';
import type { InFlightClaims } from '../idempotency/in-flight-claims';

export interface ShutdownLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface GracefulShutdownOptions {
  server: Server;
  drain: Drain;
  inFlightClaims: InFlightClaims;
  /** API_DRAIN_DELAY_MS: from the signal until the server stops accepting connections. */
  drainDelayMs: number;
  /** API_SHUTDOWN_TIMEOUT_MS: from the signal until open requests are cut. */
  timeoutMs: number;
  logger: ShutdownLogger;
  /** Lets go of what the process holds once no request runs: gauges, the node id lease, connections. */
  closeResources: () => Promise<void>;
  exit: (code: number) => void;
}

/**
 * How long letting go may take once the deadline has cut the requests: a database that does not answer must
 * not keep the process past its grace period (the claims and the lease then lapse by themselves).
 */
const RELEASE_BOUND_MS = 3000;

/**
 * The API's stop, in order: readiness answers 503 and `Prefer: wait` requests answer at once (Drain); after
 * drainDelayMs, long enough for the load balancers to see the 503, the server stops accepting connections
 * and closes the idle kept-alive ones; the requests still open finish, each closing its connection; then
 * the resources are let go and the process exits 0. At timeoutMs the requests still open are cut: their
 * Idempotency-Key claims are let go first, so a client's retry runs again instead of meeting a 409. A second
 * signal cuts at once. Returns the signal handler.
 */
export function gracefulShutdown(options: GracefulShutdownOptions): (signal: string) => void {
  const { server, drain, inFlightClaims, drainDelayMs, timeoutMs, logger } = options;
  if (drainDelayMs >= timeoutMs)
    throw new RangeError('the drain delay must be shorter than the shutdown timeout');
  let stage: 'running' | 'draining' | 'stopping' = 'running';
  const timers: NodeJS.Timeout[] = [];

  const stop = async (cut: boolean): Promise<void> => {
    if (stage === 'stopping') return;
    stage = 'stopping';
    for (const timer of timers) clearTimeout(timer);
    if (cut) {
      const released = await bounded(inFlightClaims.releaseAll());
      server.closeAllConnections();
      logger.warn({ claimsReleased: released ?? 'unknown' }, 'api shutdown deadline: open requests cut');
    }
    await bounded(options.closeResources());
    logger.info({}, 'api stopped');
    options.exit(0);
  };

  return (signal) => {
    if (stage !== 'running') {
      logger.warn({ signal }, 'api stopping now: a second signal cuts the open requests');
      void stop(true);
      return;
    }
    stage = 'draining';
    drain.begin();
    logger.info({ signal, drainDelayMs, timeoutMs }, 'api draining');
    timers.push(
      setTimeout(() => {
        server.close(() => void stop(false));
        server.closeIdleConnections();
      }, drainDelayMs),
      setTimeout(() => void stop(true), timeoutMs),
    );
  };
}

/** The promise's value, or undefined if it takes longer than RELEASE_BOUND_MS (or fails). */
async function bounded<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), RELEASE_BOUND_MS);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
