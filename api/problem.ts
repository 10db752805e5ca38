import type { Middleware } from 'koa';
import type { Logger } from 'pino';

/** One field that failed validation, named as the caller sent it (`body.prompt`, `query.limit`). */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** An RFC 9457 problem: thrown anywhere in a request, rendered once by problemDetails(). */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors: readonly FieldProblem[] = [],
    readonly type = 'about:blank',
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Renders every error as application/problem+json; unexpected ones are logged and hidden from callers. */
export function problemDetails(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new Problem(404, 'Not Found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const problem =
        err instanceof Problem
          ? err
          : isHttpError(err)
            ? new Problem(err.status, err.message)
            : new Problem(500, 'Internal Server Error', 'the error was logged; retry later');
      if (!(err instanceof Problem) && problem.status >= 500)
        logger.error({ err, path: ctx.path }, 'request failed');
      ctx.status = problem.status;
      ctx.type = PROBLEM_CONTENT_TYPE;
      ctx.body = {
        type: problem.type,
        title: problem.title,
        status: problem.status,
        ...(problem.detail ? { detail: problem.detail } : {}),
        ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
        instance: ctx.path,
      };
    }
  };
}

function isHttpError(err: unknown): err is { status: number; message: string; expose?: boolean } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { status?: unknown }).status === 'number' &&
    (err as { status: number }).status >= 400 &&
    (err as { status: number }).status < 500
  );
}
