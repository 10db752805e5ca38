import { Context } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating every `everyMs`. Heartbeats are how Temporal notices a killed worker within
 * the heartbeat timeout instead of the whole start-to-close timeout, and how a cancellation reaches a running
 * activity. `beat` rides along (extending the account lease); its failures are logged by the caller, never fatal:
 * the lease's own expiry is the backstop.
 */
export async function withHeartbeat<T>(
  everyMs: number,
  beat: () => Promise<unknown>,
  work: () => Promise<T>,
): Promise<T> {
  let beating: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    heartbeat();
    beating ??= beat()
      .catch(() => undefined)
      .finally(() => {
        beating = null;
      });
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await beating;
  }
}

/** A local activity (run inside a workflow task) has nothing to heartbeat to: Temporal watches its workflow task. */
export function heartbeat(details?: unknown): void {
  const context = Context.current();
  if (!context.info.isLocal) context.heartbeat(details);
}
