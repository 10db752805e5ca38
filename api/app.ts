import Router from '@koa/router';
import { Client, type Connection } from '@temporalio/client';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import { DEFAULT_PRICING, type PricingTable } from '../domain/pricing';
import type { HostLookup } from '../services/outbound/outbound-address-policy';
import { accountRoutes } from './accounts/account-routes';
import { AUTHENTICATION_RESPONSES, authenticate, requireScope, scopeResponses } from './auth/authentication';
import { rateLimit, rateLimitResponses } from './auth/rate-limit';
import { generationRoutes } from './generations/generation-routes';
import type { IdSource } from '../db/ids/snowflake';
import { allowedMethods } from './http/allowed-methods';
import { closeConnectionsWhileDraining, type Drain } from './http/drain';
import { apiIds } from './http/snowflake-ids';
import type { InFlightClaims } from './idempotency/in-flight-claims';
import { renderDocsPage } from './http/docs-page';
import { closeIfBodyUnread, jsonBody, jsonBodyResponses, DEFAULT_BODY_LIMIT_BYTES } from './http/json-body';
import { ApiMetrics, type Gauge } from './http/metrics';
import { openApiDocument } from './http/openapi';
import { requestId } from './http/request-id';
import { mountRoutes, type AnyRoute, type Guard } from './http/route';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_RESPONSES, idempotency } from './idempotency/idempotency';
import { pointsRoutes } from './points/points-routes';
import { apiKeyRoutes } from './api-keys/api-key-routes';
import { callbackSecretRoutes } from './callback-secrets/callback-secret-routes';
import {
  CallbackSecretCipher,
  DEVELOPMENT_CALLBACK_SECRET_KEY,
  parseCallbackSecretKey,
} from '../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../services/callbacks/tenant-callback-secrets';
import { problemDetails } from './problem';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { TaskStore } from './tasks/task-store';
import { taskRoutes } from './tasks/task-routes';

export interface ApiSettings {
  namespace: string;
  taskQueue: string;
  pricing: PricingTable;
  /** Callback and image URLs may name private hosts (development). */
  allowPrivateUrls: boolean;
  /** Per API key, after authentication. */
  rateLimitPerMinute: number;
  /** Per client address, before authentication. */
  rateLimitPerAddressPerMinute: number;
  /**
   * API_TRUST_PROXY: how many reverse proxies' X-Forwarded-For entries are believed for the client's address
   * (0: none, the socket's address is the client's).
   */
  trustedProxies: number;
  bodyLimitBytes: number;
  /** QUOTA_TIME_ZONE: new accounts' first daily quota reset. */
  quotaTimeZone: string;
  /** CALLBACK_SECRET_ENCRYPTION_KEY: seals the callback secrets the admin routes make (the worker opens them). */
  callbackSecretKey: Buffer;
}

export interface ApiDependencies {
  sequelize: Sequelize;
  temporal: Connection;
  logger: Logger;
  settings?: Partial<ApiSettings>;
  /** Shared with the routes that count what they start; one per process. */
  metrics?: ApiMetrics;
  /** Resolves callback and reference image hosts at admission (default node:dns); tests answer from a table. */
  hostLookup?: HostLookup;
  /** Gauges /metrics shows, read in the background by their owner (main.ts: the pool gauges). */
  gauges?: { gauges(): Gauge[] };
  /** The clock of the rate limits and the API key cache (tests move it). */
  now?: () => Date;
  /**
   * Mints task and account ids: main.ts's leased node id (services/ids/node-id-leases.ts). Without one, a
   * request that needs a fresh id answers 503.
   */
  ids?: IdSource;
  /** The process's shutdown (main.ts begins it on SIGTERM): readiness, `Prefer: wait`, kept-alive connections. */
  drain?: Drain;
  /** The Idempotency-Key claims of running requests, let go if the shutdown deadline cuts them. */
  inFlightClaims?: InFlightClaims;
}

const DEFAULTS: ApiSettings = {
  namespace: 'default',
  taskQueue: 'jimeng-flow',
  pricing: DEFAULT_PRICING,
  allowPrivateUrls: false,
  rateLimitPerMinute: 600,
  rateLimitPerAddressPerMinute: 1200,
  trustedProxies: 0,
  bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
  quotaTimeZone: 'Asia/Shanghai',
  callbackSecretKey: parseCallbackSecretKey(DEVELOPMENT_CALLBACK_SECRET_KEY),
};

export const API_INFO = {
  title: 'jimeng-flow',
  version: '1',
  description:
    'Jimeng image and video generations as durable workflows: ask, get a task at once, follow it (poll, ' +
    '`Prefer: wait`, or a signed callback), cancel it, read the OSS URLs of its outputs.',
};

/** Every route of the API, declared once: mounted below and listed in /openapi.json. */
export function apiRoutes(deps: ApiDependencies): AnyRoute[] {
  const settings = { ...DEFAULTS, ...deps.settings };
  const client = new Client({ connection: deps.temporal, namespace: settings.namespace });
  const tasks = new TaskStore(deps.sequelize);
  const ids = apiIds(deps.ids);
  const callbackSecrets = new TenantCallbackSecrets({
    sequelize: deps.sequelize,
    cipher: new CallbackSecretCipher(settings.callbackSecretKey),
  });
  return [
    ...generationRoutes({
      sequelize: deps.sequelize,
      client,
      tasks,
      taskQueue: settings.taskQueue,
      pricing: settings.pricing,
      allowPrivateUrls: settings.allowPrivateUrls,
      ...(deps.hostLookup ? { hostLookup: deps.hostLookup } : {}),
      ids,
      ...(deps.drain ? { stopWaiting: deps.drain.signal } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    }),
    ...taskRoutes({ client, tasks }),
    ...accountRoutes({
      sequelize: deps.sequelize,
      client,
      taskQueue: settings.taskQueue,
      quotaTimeZone: settings.quotaTimeZone,
      ids,
    }),
    ...pointsRoutes({ sequelize: deps.sequelize, client, taskQueue: settings.taskQueue }),
    ...apiKeyRoutes({ sequelize: deps.sequelize, callbackSecrets }),
    ...callbackSecretRoutes({ callbackSecrets }),
  ];
}

const KEYED: ReadonlySet<string> = new Set(['caller', 'admin']);
const WITH_BODY: ReadonlySet<string> = new Set(['post', 'patch']);

/**
 * What runs in front of the routes, in order, and which routes each covers. Nothing reads a body before the
 * caller is known and within its limits: the address limit, then the key, then its scope and its own limit.
 */
export function routeGuards(deps: ApiDependencies): Guard[] {
  const settings = { ...DEFAULTS, ...deps.settings };
  const clock = deps.now ? { now: deps.now } : {};
  return [
    {
      middleware: rateLimit({
        by: 'address',
        requestsPerMinute: settings.rateLimitPerAddressPerMinute,
        ...clock,
      }),
      responses: rateLimitResponses('address'),
      covers: (route) => KEYED.has(route.scope),
    },
    {
      middleware: authenticate({ sequelize: deps.sequelize, logger: deps.logger, ...clock }),
      responses: AUTHENTICATION_RESPONSES,
      covers: (route) => KEYED.has(route.scope),
    },
    {
      middleware: requireScope('admin'),
      responses: scopeResponses('admin'),
      covers: (route) => route.scope === 'admin',
    },
    {
      middleware: rateLimit({ by: 'key', requestsPerMinute: settings.rateLimitPerMinute, ...clock }),
      responses: rateLimitResponses('key'),
      covers: (route) => KEYED.has(route.scope),
    },
    {
      middleware: jsonBody(settings.bodyLimitBytes),
      responses: jsonBodyResponses(settings.bodyLimitBytes),
      covers: (route) => WITH_BODY.has(route.method),
    },
    {
      middleware: idempotency({
        sequelize: deps.sequelize,
        ...(deps.inFlightClaims ? { inFlight: deps.inFlightClaims } : {}),
      }),
      responses: IDEMPOTENCY_RESPONSES,
      headers: [IDEMPOTENCY_KEY_HEADER],
      covers: (route) => KEYED.has(route.scope) && route.method === 'post' && route.replayable !== false,
    },
  ];
}

/** The Koa application without a listening socket: main.ts listens, tests use it in-process. */
export function createApp(deps: ApiDependencies): Koa {
  const settings = { ...DEFAULTS, ...deps.settings };
  const metrics = deps.metrics ?? new ApiMetrics();
  deps = { ...deps, metrics };
  const app = new Koa();
  // Off by default: behind no proxy, X-Forwarded-For is whatever the client wrote, and ctx.ip (the address
  // rate limit's subject) must be the socket's. With N proxies, the last N entries are theirs.
  app.proxy = settings.trustedProxies > 0;
  app.maxIpsCount = settings.trustedProxies;
  // Errors are rendered by problemDetails; Koa's default handler would print them a second time.
  app.silent = true;
  app.use(requestId(deps.logger));
  if (deps.drain) app.use(closeConnectionsWhileDraining(deps.drain));
  // Outside problemDetails, so a request that failed is counted with the status it was answered with.
  app.use(metrics.middleware());
  app.use(problemDetails(deps.logger));
  app.use(closeIfBodyUnread());

  const routes = [
    ...healthRoutes({
      sequelize: deps.sequelize,
      temporal: deps.temporal,
      logger: deps.logger,
      ...(deps.ids ? { ids: deps.ids } : {}),
      ...(deps.drain ? { drain: deps.drain } : {}),
    }),
    ...metricsRoutes({ metrics, ...(deps.gauges ? { gauges: deps.gauges } : {}) }),
    ...apiRoutes(deps),
  ];
  const guards = routeGuards(deps);
  const document = openApiDocument(routes, guards, API_INFO);
  const router = new Router();
  const docsPage = renderDocsPage(document);
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = docsPage;
  });
  mountRoutes(router, routes, guards);
  app.use(allowedMethods(router)).use(router.routes());
  return app;
}
