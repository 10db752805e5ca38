import type { Middleware } from 'koa';
import { Problem } from '../problem';
import type { ResponseSpec } from './route';

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;

/** What jsonBody() answers instead of the route, for the document. */
export function jsonBodyResponses(limitBytes: number): Record<number, ResponseSpec> {
  return {
    400: { description: 'The body is not valid JSON' },
    413: { description: `The body is larger than ${limitBytes} bytes` },
    415: { description: 'The body is not application/json' },
  };
}

/**
 * A request answered before its body was read (refused by the rate limit or authentication, or too large)
 * closes its connection: otherwise the server would go on reading, and throwing away, whatever the client
 * still sends, so that the connection could carry another request.
 */
export function closeIfBodyUnread(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (!ctx.req.complete) ctx.set('Connection', 'close');
    }
  };
}

/**
 * Reads a JSON request body once, with a size limit (mount it after authentication: an unknown caller's body
 * is never read): the raw bytes stay in ctx.state.rawBody (idempotency
 * hashes them), the parsed value in ctx.state.body. Bodies larger than the limit are refused as they stream in
 * (413), not after being buffered whole.
 */
export function jsonBody(limitBytes = DEFAULT_BODY_LIMIT_BYTES): Middleware {
  return async (ctx, next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method)) return next();
    const declared = Number(ctx.get('Content-Length') || '0');
    if (declared > limitBytes) throw tooLarge(limitBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limitBytes) throw tooLarge(limitBytes);
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof Problem) throw err;
      // The client went away or ran out of the request timeout (the server has answered 408 itself): not an
      // error of ours to log, and nobody is left to read an answer.
      throw new Problem(408, 'Request Timeout', 'the body did not arrive whole');
    }
    const raw = Buffer.concat(chunks);
    ctx.state.rawBody = raw;
    if (raw.length === 0) {
      ctx.state.body = undefined;
      return next();
    }
    if (!ctx.is('application/json', 'application/*+json'))
      throw new Problem(415, 'Unsupported Media Type', 'send the body as application/json');
    try {
      ctx.state.body = JSON.parse(raw.toString('utf8')) as unknown;
    } catch (err) {
      throw new Problem(400, 'Bad Request', `the body is not valid JSON: ${(err as Error).message}`, [
        { field: 'body', reason: 'malformed JSON' },
      ]);
    }
    return next();
  };
}

function tooLarge(limit: number): Problem {
  return new Problem(413, 'Content Too Large', `the body must be at most ${limit} bytes`);
}
