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

/** A request header a route (or a guard in front of it) reads, for the document. */
export interface HeaderSpec {
  name: string;
  description: string;
  required?: boolean;
  /** What the reader accepts; a plain string when absent. */
  schema?: z.ZodType<string>;
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
  /** Headers the handler reads, for the document (Prefer, If-Match); a guard's come from the guard. */
  headers?: HeaderSpec[];
  responses: Record<number, ResponseSpec>;
  /**
   * False for a POST whose answer must never be stored to be replayed (it shows a secret once): no
   * Idempotency-Key is taken, and the document does not offer one.
   */
  replayable?: boolean;
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

/**
 * A middleware in front of routes, declared with what it may answer instead of them: mountRoutes() puts it in
 * the chain of every route it `covers`, and the OpenAPI document lists its answers and headers on the same
 * routes, so what a route can answer is derived from the chain that runs, not copied by hand.
 */
export interface Guard {
  middleware: Middleware;
  responses: Record<number, ResponseSpec>;
  /** Request headers it reads. */
  headers?: HeaderSpec[];
  covers(route: AnyRoute): boolean;
}

/** The guards in front of one route, in the order they run. */
export function guardsOf(route: AnyRoute, guards: readonly Guard[]): Guard[] {
  return guards.filter((guard) => guard.covers(route));
}

/** What validation answers for a route with params, query or body: a 422 naming each invalid field. */
export function validationResponses(route: AnyRoute): Record<number, ResponseSpec> {
  const parts = [route.params && 'path', route.query && 'query', route.body && 'body'].filter(Boolean);
  if (parts.length === 0) return {};
  return { 422: { description: `Invalid ${parts.join(', ')} (each field named in \`errors\`)` } };
}

/** A path without parameters names one resource; one with parameters, each value they can take. */
export const isLiteralPath = (path: string): boolean => !path.includes(':');

/**
 * Mounts routes on a router: the guards that cover each, then validation, then the handler. A literal path
 * is its own resource even where a parameter path matches it too (`/v1/accounts/import` is not the account
 * "import"): literal routes come first, and a parameter route steps aside on a literal route's path, so a
 * method the literal path lacks is answered 405 for it (allowed-methods.ts), not by the parameter route.
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], guards: readonly Guard[]): void {
  const literal = routes.filter((route) => isLiteralPath(route.path));
  const literalPaths = new Set(literal.map((route) => route.path));
  for (const route of [...literal, ...routes.filter((r) => !isLiteralPath(r.path))]) {
    const chain: Middleware[] = isLiteralPath(route.path)
      ? []
      : [
          async (ctx, next) => {
            if (!literalPaths.has(ctx.path)) await next();
          },
        ];
    chain.push(...guardsOf(route, guards).map((guard) => guard.middleware));
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
