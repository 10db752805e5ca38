import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

const CALLER_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Every request gets an id: the caller's X-Request-Id when it is a sane token, else a new UUID. It is echoed
 * in the response and on every log line of the request, so a caller's report finds our logs. One access log
 * line per request: method, route path, status, duration; never headers or bodies (they carry keys).
 */
export function requestId(logger: Logger): Middleware {
  return async (ctx, next) => {
    const given = ctx.get('X-Request-Id');
    const id = CALLER_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ requestId: id });
    ctx.set('X-Request-Id', id);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      (ctx.state.log as Logger).info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    }
  };
}
