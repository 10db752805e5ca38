import type Router from '@koa/router';
import type { RouterMiddleware } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { parseOrProblem } from './validation';

export type Scope = 'public' | 'caller' | 'admin';
export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json (application/problem+json for 4xx/5xx). */
  contentType?: string;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * One route, declared once: the router mounts it with validation of params, query and body from these
 * schemas, and the OpenAPI document is generated from the same declaration, so the two cannot disagree.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Koa path syntax: /v1/tasks/:id */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  scope: Scope;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Headers the route reads, for the document (Idempotency-Key, Prefer). */
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: Context, input: RouteInput<P, Q, B>) => Promise<void>;
}

/** Keeps the schemas' types flowing into the handler; a plain identity at run time. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}

// A route list mixes routes of different input types; the handler is only ever called with its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

export interface ScopeGuards {
  /** Any valid API key, then what applies per key (rate limit, idempotency). */
  caller: Middleware[];
  /** An admin key (after the caller guards). */
  admin: Middleware[];
}

/** Mounts routes on a router: the scope's guard, then validation, then the handler. */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], guards: ScopeGuards): void {
  for (const route of routes) {
    const chain: Middleware[] = [];
    if (route.scope === 'caller') chain.push(...guards.caller);
    if (route.scope === 'admin') chain.push(...guards.caller, ...guards.admin);
    chain.push(async (ctx) => {
      const params = route.params ? parseOrProblem(route.params, 'params', ctx.params) : {};
      const query = route.query ? parseOrProblem(route.query, 'query', ctx.query) : {};
      const body = route.body ? parseOrProblem(route.body, 'body', ctx.state.body ?? {}) : undefined;
      await route.handler(ctx as Context, { params, query, body });
    });
    router.register(route.path, [route.method.toUpperCase()], chain as RouterMiddleware[], {
      name: route.operationId,
    });
  }
}

/** /v1/tasks/:id → /v1/tasks/{id} */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

export const bearerSecurity = { ApiKey: [] as string[] };

export { z };
