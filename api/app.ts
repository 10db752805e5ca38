import Koa from 'koa';
import type { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import { problemDetails } from './problem';
import { healthRouter } from './routes/health';

export interface ApiDependencies {
  sequelize: Sequelize;
  temporal: Connection;
  logger: Logger;
}

/** The Koa application without a listening socket: main.ts listens, tests use it in-process. */
export function createApp(deps: ApiDependencies): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors are rendered by problemDetails; Koa's default handler would print them a second time.
  app.silent = true;
  app.use(problemDetails(deps.logger));
  const health = healthRouter({ sequelize: deps.sequelize, temporal: deps.temporal });
  app.use(health.routes()).use(health.allowedMethods());
  return app;
}
