import type { Context } from 'koa';
import { Problem } from '../problem';

/**
 * Answers that carry a secret shown once (a new API key, a new callback secret). The idempotency middleware
 * keeps the answer of a POST sent with Idempotency-Key in MySQL for a day, to replay it: that would keep the
 * secret there in plain text, so these routes are not `replayable` (the middleware leaves them alone). A
 * caller sending a key anyway expects a retry to be safe, which it is not here (a retry makes a second key or
 * rotates again): it is refused before anything is made. The answer that does carry a secret tells every
 * cache to keep nothing.
 */
export function refuseStoredReplay(ctx: Context): void {
  if (ctx.get('Idempotency-Key') === '') return;
  throw new Problem(
    400,
    'Bad Request',
    'this route answers with a secret shown once, and answers are replayed from storage under an ' +
      'Idempotency-Key: send the request without one',
    [{ field: 'header.Idempotency-Key', reason: 'not accepted where the answer holds a secret' }],
  );
}

export function answerWithSecret(ctx: Context, status: number, body: object): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.status = status;
  ctx.body = body;
}

export const IDEMPOTENCY_KEY_REFUSED = {
  400: {
    description: 'Sent with an Idempotency-Key: refused, the answer holds a secret that is never stored',
  },
};
