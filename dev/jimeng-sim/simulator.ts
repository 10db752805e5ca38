import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin, simulatorAdmin, type SimulatorAdmin } from './admin-api';
import { DEFAULT_CREDIT_COSTS, checkCreditCosts, type CreditCostTable } from './credits';
import { sendJson } from './http-messages';
import { checkLatency, resolveLatency, type Latency, type LatencyOptions } from './latency';
import { handleProtocol } from './protocol-router';
import type { RateLimit } from './sessions';
import { SimulatorState } from './simulator-state';

/*
 * A stand-in for the Jimeng reverse proxy (iptag/jimeng-api v1.9.6, commit addf0f0) on loopback. By default it
 * answers as that proxy does: its routes only, its validation order and texts, HTTP 200 with `{ code, message,
 * data: null }` for every error, its silent substitutions, its credit read and daily claim, its partial results.
 * `forkExtensions` adds what forks of it add (the `/v1/async` video pair, 429 + Retry-After, a ban text). An
 * admin API under `/__admin/` shapes accounts and injects faults. See README.md in this folder, which maps each
 * behaviour to the proxy's source line and to the test that holds it, and lists the file that holds each part.
 * Paths in the comments of this folder are relative to /work/shared/reference/jimeng-api-v1.9.6/.
 */

export interface JimengSimulatorOptions {
  /** 0 = any free port. */
  readonly port?: number;
  readonly host?: string;
  /** Seeds every random choice: fault dice, token picks, ids, image colours. */
  readonly seed?: number;
  /** How long calls take (defaults: the realistic figures in latency.ts). */
  readonly latency?: LatencyOptions;
  /** Legacy: `latency.imageMs` (and `compositionMs` unless given). */
  readonly imageLatencyMs?: number;
  /** Legacy: `latency.videoMs`. */
  readonly videoDurationMs?: number;
  /** Images per normal text-to-image call (upstream gives 4). */
  readonly imagesPerCall?: number;
  /** Defaults for sessions that are auto-created or registered without these fields. */
  readonly dailyQuota?: number;
  readonly rateLimit?: RateLimit;
  /** Credits a job costs (placeholders by default, see credits.ts). */
  readonly creditCosts?: CreditCostTable;
  /** Unknown sessions: created with defaults (true) or answered as a dead session (false). */
  readonly autoCreateSessions?: boolean;
  /** Fork behaviour the proxy does not have: the /v1/async pair, 429 + Retry-After, a ban text. */
  readonly forkExtensions?: boolean;
  /** Clock for quota days, rate windows and fork-mode video progress. */
  readonly now?: () => number;
}

export interface JimengSimulator {
  readonly url: string;
  readonly port: number;
  readonly admin: SimulatorAdmin;
  readonly forkExtensions: boolean;
  close(): Promise<void>;
}

export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  seed: 1,
  imagesPerCall: 4,
  /** The LLM-Red-Team README's 66 free credits a day. */
  dailyQuota: 66,
  rateLimit: { maxRequests: 120, windowMs: 60_000 },
  forkExtensions: false,
} as const;

function checkOptions(o: JimengSimulatorOptions): void {
  const nonNegative: (keyof JimengSimulatorOptions)[] = [
    'port',
    'imageLatencyMs',
    'videoDurationMs',
    'dailyQuota',
  ];
  for (const k of nonNegative) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
      throw new Error(`jimeng simulator: ${k} must be a non-negative integer`);
  }
  if (o.imagesPerCall !== undefined && (!Number.isInteger(o.imagesPerCall) || o.imagesPerCall < 1))
    throw new Error('jimeng simulator: imagesPerCall must be at least 1');
  if (o.creditCosts !== undefined) checkCreditCosts(o.creditCosts);
}

export async function startJimengSimulator(options: JimengSimulatorOptions = {}): Promise<JimengSimulator> {
  checkOptions(options);
  const latency: Latency = resolveLatency(options.latency, options);
  checkLatency(latency);
  const fork = options.forkExtensions ?? SIMULATOR_DEFAULTS.forkExtensions;
  const state = new SimulatorState({
    seed: options.seed ?? SIMULATOR_DEFAULTS.seed,
    now: options.now ?? Date.now,
    latency,
    imagesPerCall: options.imagesPerCall ?? SIMULATOR_DEFAULTS.imagesPerCall,
    costs: options.creditCosts ?? DEFAULT_CREDIT_COSTS,
    fork,
    sessionDefaults: {
      dailyQuota: options.dailyQuota ?? SIMULATOR_DEFAULTS.dailyQuota,
      rateLimit: options.rateLimit ?? SIMULATOR_DEFAULTS.rateLimit,
    },
    autoCreateSessions: options.autoCreateSessions ?? true,
  });
  const admin = simulatorAdmin(state);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const handled =
      url.pathname === '/__admin' || url.pathname.startsWith('/__admin/')
        ? handleAdmin(admin, req, res, url)
        : handleProtocol(state, req, res, url);
    handled.catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      sendJson(res, 500, {
        code: -1000,
        message: `simulator bug: ${error instanceof Error ? error.message : String(error)}`,
        data: null,
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? SIMULATOR_DEFAULTS.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  state.baseUrl = `http://${host}:${address.port}`;

  return {
    url: state.baseUrl,
    port: address.port,
    admin,
    forkExtensions: fork,
    close: () =>
      new Promise<void>((resolve) => {
        state.cancelTimers();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
