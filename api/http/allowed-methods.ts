import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { Problem } from '../problem';

/**
 * A path the router knows, asked with a method none of its routes has, answers 405 with `Allow` listing the
 * methods it has (whatever the method: TRACE, PUT, PROPFIND alike); OPTIONS answers 204 with the same `Allow`.
 * A path the router does not know stays a 404. A literal path's methods are its own routes' only, where a
 * parameter path matches it too. Mount it right before the router's routes.
 */
export function allowedMethods(router: Router): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const layers = router.match(ctx.path, ctx.method).path;
    // The literal path's routes, where there are any: parameter routes step aside there (route.ts).
    const literal = layers.filter((layer) => layer.paramNames.length === 0);
    const methods = new Set((literal.length > 0 ? literal : layers).flatMap((layer) => layer.methods));
    if (methods.size === 0) return;
    methods.add('OPTIONS');
    const allow = [...methods].join(', ');
    ctx.set('Allow', allow);
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      return;
    }
    throw new Problem(405, 'Method Not Allowed', `${ctx.path} answers ${allow}, not ${ctx.method}`);
  };
}
