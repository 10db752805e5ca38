import Router from '@koa/router';
import { checkReadiness, type ReadinessDependencies } from '../readiness';

/** Liveness says the process runs; readiness says it can serve, naming the dependency that cannot. */
export function healthRouter(deps: ReadinessDependencies): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const readiness = await checkReadiness(deps);
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = { status: readiness.ready ? 'ready' : 'not ready', ...readiness.checks };
  });
  return router;
}
