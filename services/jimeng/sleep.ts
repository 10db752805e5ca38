/**
 * Waiting as the client does it between video polls; injected so polling can be tested without real waiting.
 * Resolves after `ms`, or rejects with an Error named 'AbortError' when the signal fires first (or already has).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const timerSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    const abortError = (): Error => Object.assign(new Error('sleep cancelled'), { name: 'AbortError' });
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
