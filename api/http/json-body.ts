import type { Middleware } from 'koa';
import { Problem } from '../problem';

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Reads a JSON request body once, with a size limit: the raw bytes stay in ctx.state.rawBody (idempotency
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
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) throw tooLarge(limitBytes);
      chunks.push(chunk);
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
