import {
  DEVELOPMENT_CALLBACK_SECRET_KEY,
  parseCallbackSecretKey,
} from '../services/callbacks/callback-secret-cipher';
import { ISOLATION_LEVELS } from '../db/connection';
import { MAX_NODE_ID } from '../db/ids/snowflake';
import { DEFAULT_DOWNLOAD_MAX_BYTES, DEFAULT_DOWNLOAD_TIMEOUT_MS } from '../services/oss/download-to-temp';

/**
 * Every environment variable the processes read, declared once: parsed and validated here at start-up,
 * and rendered into README's configuration table and .env.example by scripts/gen-config-docs.ts.
 */

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Parser<T> = (raw: string) => T;

export interface Setting<T> {
  env: string;
  /** Other names accepted for the same value (seed 003 names two for each OSS key). */
  aliases?: readonly string[];
  /** Undefined = required. */
  default?: string;
  secret?: boolean;
  /** The default is for development only: with NODE_ENV=production the process refuses to start on it. */
  developmentDefault?: boolean;
  doc: string;
  parse: Parser<T>;
}

const text: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
};
const port: Parser<number> = (raw) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535)
    throw new Error(`must be a port number (1-65535), got "${raw}"`);
  return n;
};
const positiveInt: Parser<number> = (raw) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) throw new Error(`must be a positive integer, got "${raw}"`);
  return n;
};
const nonNegativeInt: Parser<number> = (raw) => {
  if (!/^\d+$/.test(raw)) throw new Error(`must be a whole number of 0 or more, got "${raw}"`);
  return Number(raw);
};
/** Empty: none given (leased from MySQL); else a snowflake node id, 0 included. */
const optionalNodeId: Parser<number | undefined> = (raw) => {
  if (raw.trim() === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > MAX_NODE_ID)
    throw new Error(`must be empty or a node id from 0 to ${MAX_NODE_ID}, got "${raw}"`);
  return Number(raw);
};
/** false/0: no proxy is trusted; true: one; N: N. */
const proxyHops: Parser<number> = (raw) => {
  if (raw === 'false') return 0;
  if (raw === 'true') return 1;
  if (!/^\d+$/.test(raw)) throw new Error(`must be false, true or a number of proxies, got "${raw}"`);
  return Number(raw);
};
const hostPort: Parser<string> = (raw) => {
  if (!/^[\w.-]+:\d{1,5}$/.test(raw)) throw new Error(`must be host:port, got "${raw}"`);
  return raw;
};
const httpUrl: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
};
const optionalHttpUrl: Parser<string | undefined> = (raw) => (raw.trim() === '' ? undefined : httpUrl(raw));
const optionalPath: Parser<string | undefined> = (raw) => {
  if (raw.trim() === '') return undefined;
  if (!raw.startsWith('/')) throw new Error(`must be an absolute path, got "${raw}"`);
  return raw;
};
const jsonObject: Parser<string> = (raw) => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error('must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('must be a JSON object');
  return raw;
};
const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!(values as string[]).includes(raw))
      throw new Error(`must be one of ${values.join(', ')}, got "${raw}"`);
    return raw as T;
  };
const bool: Parser<boolean> = (raw) => {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`must be true or false, got "${raw}"`);
};
const timeZone: Parser<string> = (raw) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: raw });
  } catch {
    throw new Error(`must be an IANA time zone such as Asia/Shanghai, got "${raw}"`);
  }
  return raw;
};

export const settings = {
  nodeEnv: {
    env: 'NODE_ENV',
    default: 'development',
    doc:
      "'production' refuses to start on the development default of any setting marked so below, naming each, " +
      'and stops signing callbacks with CALLBACK_SIGNING_SECRET',
    parse: text,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    default: 'info',
    doc: 'pino log level',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  mysqlHost: { env: 'MYSQL_HOST', default: '127.0.0.1', doc: 'MySQL / MariaDB host', parse: text },
  mysqlPort: { env: 'MYSQL_PORT', default: '3306', doc: 'MySQL / MariaDB port', parse: port },
  mysqlUser: { env: 'MYSQL_USER', default: 'jimeng', doc: 'database user', parse: text },
  mysqlPassword: {
    env: 'MYSQL_PASSWORD',
    default: 'jimeng',
    secret: true,
    developmentDefault: true,
    doc: 'database password',
    parse: text,
  },
  mysqlDatabase: { env: 'MYSQL_DATABASE', default: 'jimeng_flow', doc: 'database name', parse: text },
  mysqlPoolMax: {
    env: 'MYSQL_POOL_MAX',
    default: '10',
    doc: "connections per process; a worker's concurrency follows it (WORKER_ACTIVITIES_PER_CONNECTION)",
    parse: positiveInt,
  },
  mysqlIsolationLevel: {
    env: 'MYSQL_ISOLATION_LEVEL',
    default: 'REPEATABLE-READ',
    doc:
      'transaction isolation of every database session, set when it connects: REPEATABLE-READ (MySQL 8 ' +
      "and MariaDB's default) or READ-COMMITTED; the code is correct and tested under both",
    parse: oneOf(...ISOLATION_LEVELS),
  },
  temporalAddress: {
    env: 'TEMPORAL_ADDRESS',
    default: '127.0.0.1:7233',
    doc: 'Temporal frontend (gRPC) host:port',
    parse: hostPort,
  },
  temporalNamespace: {
    env: 'TEMPORAL_NAMESPACE',
    default: 'default',
    doc: 'Temporal namespace',
    parse: text,
  },
  temporalTaskQueue: {
    env: 'TEMPORAL_TASK_QUEUE',
    default: 'jimeng-flow',
    doc: 'task queue the worker polls and the API starts workflows on',
    parse: text,
  },
  temporalUiUrl: {
    env: 'TEMPORAL_UI_URL',
    default: 'http://127.0.0.1:8233',
    doc: 'Temporal Web UI, printed for operators',
    parse: httpUrl,
  },
  temporalSchedules: {
    env: 'TEMPORAL_SCHEDULES',
    default: 'true',
    doc: 'the worker creates or updates the maintenance Schedules at start (false for extra workers and tests)',
    parse: bool,
  },
  apiHost: { env: 'API_HOST', default: '127.0.0.1', doc: 'address the API listens on', parse: text },
  apiPort: { env: 'API_PORT', default: '3000', doc: 'API port', parse: port },
  apiRateLimitPerMinute: {
    env: 'API_RATE_LIMIT_PER_MINUTE',
    default: '600',
    doc: 'requests per minute per API key (429 with Retry-After beyond it)',
    parse: positiveInt,
  },
  apiRateLimitPerAddressPerMinute: {
    env: 'API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE',
    default: '1200',
    doc:
      'requests per minute per client address, counted before the API key is checked (429 with Retry-After ' +
      'beyond it); the keys of one backend behind one address share it',
    parse: positiveInt,
  },
  apiTrustProxy: {
    env: 'API_TRUST_PROXY',
    default: 'false',
    doc:
      "whose X-Forwarded-For the API believes for the client's address (the address rate limit's subject): " +
      "false, nobody's (the socket's address); N (true is 1), the N reverse proxies in front of it, each " +
      'appending the address it saw',
    parse: proxyHops,
  },
  apiHeadersTimeoutMs: {
    env: 'API_HEADERS_TIMEOUT_MS',
    default: '10000',
    doc:
      'how long a client may take to send the request line and headers (408 and the connection closed ' +
      'beyond it)',
    parse: positiveInt,
  },
  apiRequestTimeoutMs: {
    env: 'API_REQUEST_TIMEOUT_MS',
    default: '30000',
    doc:
      'how long a client may take to send a whole request, headers and body (408 beyond it; at least ' +
      'API_HEADERS_TIMEOUT_MS); the time to answer is not counted, so a `Prefer: wait` of up to 60 s is not cut',
    parse: positiveInt,
  },
  apiKeepAliveTimeoutMs: {
    env: 'API_KEEP_ALIVE_TIMEOUT_MS',
    default: '5000',
    doc:
      'how long an idle keep-alive connection waits for its next request (behind a load balancer, keep it ' +
      "above the balancer's idle timeout, so the balancer is the one that closes)",
    parse: positiveInt,
  },
  apiMetricsRefreshMs: {
    env: 'API_METRICS_REFRESH_MS',
    default: '15000',
    doc:
      'how often the API reads the pool gauges of /metrics from MySQL; a scrape answers the last values and ' +
      'their age (jimeng_pool_gauges_age_seconds) without a query',
    parse: positiveInt,
  },
  apiNodeId: {
    env: 'API_NODE_ID',
    default: '',
    doc:
      'snowflake node id (0-1023) this API process mints task and account ids with; empty: one leased from ' +
      'MySQL (node_id_leases) that no other live process holds, renewed while the process runs and freed ' +
      'when it stops; set: that one, which the process still leases, refusing to start while another holds it',
    parse: optionalNodeId,
  },
  apiDrainDelayMs: {
    env: 'API_DRAIN_DELAY_MS',
    default: '5000',
    doc:
      'on SIGTERM, /readyz answers 503 at once and `Prefer: wait` requests answer with the task as it stands; ' +
      'new connections are still accepted for this long, so load balancers see the 503 and stop sending, ' +
      "then the server stops accepting and closes idle keep-alive connections (set it above the balancer's " +
      'health-check interval times its unhealthy threshold; in Kubernetes it stands in for a preStop sleep)',
    parse: nonNegativeInt,
  },
  apiShutdownTimeoutMs: {
    env: 'API_SHUTDOWN_TIMEOUT_MS',
    default: '25000',
    doc:
      'on SIGTERM, how long open requests may take to finish before the process cuts them, lets go of their ' +
      'Idempotency-Key claims (a retry runs again instead of a 409) and exits; keep it a few seconds below the ' +
      "deployment's termination grace period (Kubernetes terminationGracePeriodSeconds, 30 s by default; " +
      'compose stop_grace_period, 10 s by default)',
    parse: positiveInt,
  },
  apiPublicUrl: {
    env: 'API_PUBLIC_URL',
    default: '',
    doc: 'URL callers use to reach the API (defaults to http://API_HOST:API_PORT)',
    parse: optionalHttpUrl,
  },
  jimengBaseUrl: {
    env: 'JIMENG_BASE_URL',
    default: 'http://127.0.0.1:8790',
    doc: 'Jimeng proxy base URL (default: the local simulator, dev/jimeng-sim)',
    parse: httpUrl,
  },
  // 90 s covers an image call: the proxy answers when its 10 s polls see the job end, about 30 s for a
  // text-to-image and 60 s for a composition (dev/jimeng-sim/latency.ts, reference section 5). A video call
  // (minutes) does not fit any grace a deploy would wait for: it is handed to another worker.
  workerShutdownGraceMs: {
    env: 'WORKER_SHUTDOWN_GRACE_MS',
    default: '90000',
    doc:
      'on SIGTERM, how long running activities may finish (an image call, ~30-60 s) before they are cancelled ' +
      'and handed to another worker; the platform must wait longer before it kills the process: Kubernetes ' +
      'terminationGracePeriodSeconds and compose stop_grace_period at least this plus 30 s (120 s by default)',
    parse: nonNegativeInt,
  },
  workerHealthFile: {
    env: 'WORKER_HEALTH_FILE',
    default: '',
    doc:
      'a file the worker rewrites every 5 s while it polls both of its task queues, and removes when it stops; ' +
      '`node dist/scripts/worker-health.js` exits 0 while the file is at most 30 s old (the compose ' +
      'healthcheck). Empty: no file',
    parse: optionalPath,
  },
  workerActivitiesPerConnection: {
    env: 'WORKER_ACTIVITIES_PER_CONNECTION',
    default: '5',
    doc:
      'remote activities a worker runs at once per database connection (MYSQL_POOL_MAX x this; a generation ' +
      'call holds no connection while the proxy works); local activities get half the pool, workflow tasks ' +
      'twice that (worker/worker-concurrency.ts)',
    parse: positiveInt,
  },
  jimengVideoRoute: {
    env: 'JIMENG_VIDEO_ROUTE',
    default: 'sync',
    doc:
      "how videos are made: 'sync', the proxy's POST /v1/videos/generations held open until the video exists; " +
      "'async-fork', a fork's POST /v1/async/videos/generations + GET /v1/async/tasks/:id (not in iptag/jimeng-api)",
    parse: oneOf('sync', 'async-fork'),
  },
  jimengVideoPollIntervalMs: {
    env: 'JIMENG_VIDEO_POLL_INTERVAL_MS',
    default: '20000',
    doc: 'async-fork only: how often a video task is polled (the proxy itself polls Jimeng every 20 s)',
    parse: positiveInt,
  },
  ossEndpoint: {
    env: 'OSS_ENDPOINT',
    default: 'http://localhost:8791',
    doc: 'OSS endpoint (default: the local OSS server, dev/oss-server); e.g. https://oss-cn-hangzhou.aliyuncs.com',
    parse: httpUrl,
  },
  ossRegion: { env: 'OSS_REGION', default: 'oss-cn-hangzhou', doc: 'OSS region', parse: text },
  ossBucket: {
    env: 'OSS_BUCKET',
    default: 'jimeng-flow',
    doc: 'OSS bucket for generated outputs',
    parse: text,
  },
  ossAccessKey: {
    env: 'OSS_ACCESS_KEY',
    aliases: ['OSS_ACCESS_KEY_ID'],
    default: 'dev-access-key',
    developmentDefault: true,
    doc: 'OSS access key id',
    parse: text,
  },
  ossSecret: {
    env: 'OSS_SECRET',
    aliases: ['OSS_ACCESS_KEY_SECRET'],
    default: 'dev-access-secret',
    secret: true,
    developmentDefault: true,
    doc: 'OSS access key secret',
    parse: text,
  },
  ossBaseUrl: {
    env: 'OSS_BASE_URL',
    default: '',
    doc: 'CDN base URL for output links (optional)',
    parse: optionalHttpUrl,
  },
  pointsPricing: {
    env: 'POINTS_PRICING',
    default: '{}',
    doc: 'JSON over the default prices (README, Points), e.g. {"imagePerCall":{"2k":5}}',
    parse: jsonObject,
  },
  quotaTimeZone: {
    env: 'QUOTA_TIME_ZONE',
    default: 'Asia/Shanghai',
    doc: "time zone of the accounts' daily quota reset (00:30)",
    parse: timeZone,
  },
  accountRateLimitCooldownMs: {
    env: 'ACCOUNT_RATE_LIMIT_COOLDOWN_MS',
    default: '300000',
    doc: 'how long an account capability rests after risk control (-2001 ret 1019, -4, 4013) or a 429 before it is leased again (ms)',
    parse: positiveInt,
  },
  callbackSigningSecret: {
    env: 'CALLBACK_SIGNING_SECRET',
    default: 'dev-callback-secret',
    secret: true,
    developmentDefault: true,
    doc:
      'the legacy HMAC-SHA256 key every tenant shared before per-tenant callback secrets: outside production ' +
      'it signs the callbacks of tenants without a secret of their own; the backfill keeps it signing next to ' +
      'their new secret while they switch (README, Callbacks)',
    parse: text,
  },
  callbackSecretEncryptionKey: {
    env: 'CALLBACK_SECRET_ENCRYPTION_KEY',
    default: DEVELOPMENT_CALLBACK_SECRET_KEY,
    secret: true,
    developmentDefault: true,
    doc:
      "AES-256-GCM key (32 bytes in base64: openssl rand -base64 32) the tenants' callback secrets are stored " +
      'under; the API and the worker need the same one',
    parse: parseCallbackSecretKey,
  },
  outboundAllowPrivate: {
    env: 'OUTBOUND_ALLOW_PRIVATE',
    aliases: ['CALLBACK_ALLOW_PRIVATE'],
    default: 'false',
    doc:
      'let callbacks, output downloads and reference images reach loopback and private addresses, never ' +
      'link-local or cloud metadata ones (README, Outbound address policy); development only: the dev ' +
      'stack and the tests set it, their simulator serves outputs on 127.0.0.1',
    parse: bool,
  },
  outputDownloadMaxBytes: {
    env: 'OUTPUT_DOWNLOAD_MAX_BYTES',
    default: String(DEFAULT_DOWNLOAD_MAX_BYTES),
    doc:
      'largest output the worker downloads (bytes); the longest video any model makes is 15 s, and 1080p at ' +
      '100 Mbit/s (several times a 1080p H.264 web encode) is 188 MB, so 256 MiB holds it with room and ' +
      "bounds what a bad URL can write to the worker's disk",
    parse: positiveInt,
  },
  outputDownloadTimeoutMs: {
    env: 'OUTPUT_DOWNLOAD_TIMEOUT_MS',
    default: String(DEFAULT_DOWNLOAD_TIMEOUT_MS),
    doc:
      'longest one output download may take, redirects included (ms); 5 min moves the largest allowed ' +
      'output at 1 MB/s, a slow cross-border link, and leaves most of the 15 min of storeOutputs for the upload',
    parse: positiveInt,
  },
} as const satisfies Record<string, Setting<unknown>>;

type Settings = typeof settings;
export type Config = { readonly [K in keyof Settings]: ReturnType<Settings[K]['parse']> };

/** Reads every setting, collecting all problems so one start-up names every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [string, Setting<unknown>][]) {
    const names = [setting.env, ...(setting.aliases ?? [])];
    const found = names.find((n) => env[n] !== undefined);
    const raw = found !== undefined ? env[found] : setting.default;
    if (raw === undefined) {
      problems.push(`${setting.env} is required (${setting.doc})`);
      continue;
    }
    try {
      out[key] = setting.parse(raw);
    } catch (err) {
      // The value itself is not echoed for secrets.
      const reason = setting.secret ? 'is malformed' : (err as Error).message;
      problems.push(`${found ?? setting.env} ${reason}`);
    }
  }
  if (out.nodeEnv === 'production') problems.push(...developmentDefaultsIn(env));
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Config;
}

/**
 * The settings left at (or set to) a default the repository publishes: in production anyone could read the
 * database, OSS or callback secrets they stand for. Named, never echoed.
 */
function developmentDefaultsIn(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const setting of Object.values(settings) as Setting<unknown>[]) {
    if (!setting.developmentDefault) continue;
    const found = [setting.env, ...(setting.aliases ?? [])].find((n) => env[n] !== undefined);
    const raw = found !== undefined ? env[found] : setting.default;
    if (raw === setting.default) {
      problems.push(
        `${found ?? setting.env} is the development default, which NODE_ENV=production refuses: set your own`,
      );
    }
  }
  return problems;
}

export function apiPublicUrl(config: Config): string {
  return config.apiPublicUrl ?? `http://${config.apiHost}:${config.apiPort}`;
}
