import type { Middleware } from 'koa';

/**
 * The API process's shutdown, as the requests see it: once it begins (SIGTERM, api/http/graceful-shutdown.ts)
 * /readyz answers 503, every answer closes its connection so the client's next request opens one to another
 * process, and long waits (`Prefer: wait`) stop waiting and answer with what they have.
 */
export class Drain {
  private readonly controller = new AbortController();

  get draining(): boolean {
    return this.controller.signal.aborted;
  }

  /** Aborted when the drain begins. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  begin(): void {
    this.controller.abort();
  }
}

/** Answers while draining say `Connection: close`: a kept-alive connection is not reused for the next request. */
export function closeConnectionsWhileDraining(drain: Drain): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (drain.draining) ctx.set('Connection', 'close');
    }
  };
}
