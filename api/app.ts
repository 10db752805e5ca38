import Router from '@koa/router';
import { Client, type Connection } from '@temporalio/client';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import { DEFAULT_PRICING, type PricingTable } from '../domain/pricing';
import type { HostLookup } from '../services/outbound/outbound-address-policy';
import { DEFAULT_RATE_LIMIT_COOLDOWN_MS } from '../services/accounts/account-eligibility';
import { accountRoutes } from './accounts/account-routes';
import { authenticate, requireScope } from './auth/authentication';
import { rateLimit } from './auth/rate-limit';
import { generationRoutes } from './generations/generation-routes';
import { renderDocsPage } from './http/docs-page';
import { jsonBody, DEFAULT_BODY_LIMIT_BYTES } from './http/json-body';
import { ApiMetrics } from './http/metrics';
import { openApiDocument } from './http/openapi';
import { poolAvailability } from './http/pool-gauges';
import { requestId } from './http/request-id';
import { mountRoutes, type AnyRoute } from './http/route';
import { idempotency } from './idempotency/idempotency';
import { pointsRoutes } from './points/points-routes';
import { problemDetails } from './problem';
import { healthRouter } from './routes/health';
import { TaskStore } from './tasks/task-store';
import { taskRoutes } from './tasks/task-routes';

export interface ApiSettings {
  namespace: string;
  taskQueue: string;
  pricing: PricingTable;
  /** Callback and image URLs may name private hosts (development). */
  allowPrivateUrls: boolean;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  /** Snowflake node of this API process (task and account ids). */
  nodeId: number;
  /** QUOTA_TIME_ZONE: new accounts' first daily quota reset. */
  quotaTimeZone: string;
  /** ACCOUNT_RATE_LIMIT_COOLDOWN_MS, as the worker's pool uses it: the pool gauge counts what it would lease. */
  rateLimitCooldownMs: number;
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
}

const DEFAULTS: ApiSettings = {
  namespace: 'default',
  taskQueue: 'jimeng-flow',
  pricing: DEFAULT_PRICING,
  allowPrivateUrls: false,
  rateLimitPerMinute: 600,
  bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
  nodeId: 10,
  quotaTimeZone: 'Asia/Shanghai',
  rateLimitCooldownMs: DEFAULT_RATE_LIMIT_COOLDOWN_MS,
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
  return [
    ...generationRoutes({
      sequelize: deps.sequelize,
      client,
      tasks,
      taskQueue: settings.taskQueue,
      pricing: settings.pricing,
      allowPrivateUrls: settings.allowPrivateUrls,
      ...(deps.hostLookup ? { hostLookup: deps.hostLookup } : {}),
      nodeId: settings.nodeId,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    }),
    ...taskRoutes({ client, tasks }),
    ...accountRoutes({
      sequelize: deps.sequelize,
      client,
      taskQueue: settings.taskQueue,
      quotaTimeZone: settings.quotaTimeZone,
      nodeId: settings.nodeId,
    }),
    ...pointsRoutes({ sequelize: deps.sequelize, client, taskQueue: settings.taskQueue }),
  ];
}

/** The Koa application without a listening socket: main.ts listens, tests use it in-process. */
export function createApp(deps: ApiDependencies): Koa {
  const settings = { ...DEFAULTS, ...deps.settings };
  const metrics = deps.metrics ?? new ApiMetrics();
  deps = { ...deps, metrics };
  const app = new Koa();
  app.proxy = true;
  // Errors are rendered by problemDetails; Koa's default handler would print them a second time.
  app.silent = true;
  app.use(requestId(deps.logger));
  // Outside problemDetails, so a request that failed is counted with the status it was answered with.
  app.use(metrics.middleware());
  app.use(problemDetails(deps.logger));
  app.use(jsonBody(settings.bodyLimitBytes));

  const health = healthRouter({ sequelize: deps.sequelize, temporal: deps.temporal });
  app.use(health.routes()).use(health.allowedMethods());

  const routes = apiRoutes(deps);
  const document = openApiDocument(routes, API_INFO);
  const router = new Router();
  const docsPage = renderDocsPage(document);
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  // Unauthenticated like /healthz, for Prometheus; it shows counts and pool sizes, nothing about callers.
  router.get('/metrics', async (ctx) => {
    ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
    ctx.body = metrics.render([
      await poolAvailability(deps.sequelize, new Date(), settings.rateLimitCooldownMs),
    ]);
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = docsPage;
  });
  mountRoutes(router, routes, {
    caller: [
      authenticate({ sequelize: deps.sequelize, logger: deps.logger }),
      rateLimit({ requestsPerMinute: settings.rateLimitPerMinute }),
      idempotency({ sequelize: deps.sequelize }),
    ],
    admin: [requireScope('admin')],
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
