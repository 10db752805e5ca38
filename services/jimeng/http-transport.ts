import http from 'node:http';
import https from 'node:https';
import { CALL_DEADLINE_CODE } from './error-classification';

/*
 * node:http rather than global fetch: fetch (undici) gives up waiting for response headers after 300 s by
 * default and cannot be configured without the undici package, while a synchronous image call may legitimately
 * take 15 minutes. Here the only deadline is the one the caller passes.
 */

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whole-exchange deadline: connect, send, wait, read. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** A body beyond this is cut off and reported as a failure (b64 videos can be large). */
  readonly maxResponseBytes: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/**
 * Sends one request. Rejects with an Error whose `code` or `name` names the failure (ETIMEDOUT, ECONNRESET,
 * AbortError, …) so error-classification's transportFailureOf can read it; any transport may be injected as long
 * as it does the same.
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

function codedError(message: string, code: string, name = 'Error'): Error {
  const error = new Error(message) as Error & { code: string };
  error.code = code;
  error.name = name;
  return error;
}

export const nodeHttpTransport: HttpTransport = (request) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(request.url);
    const lib = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      fn();
    };

    const req = lib.request(url, { method: request.method, headers: request.headers });
    const fail = (error: Error): void => {
      finish(() => reject(error));
      req.destroy();
    };
    const timer = setTimeout(
      () =>
        fail(
          codedError(
            `no complete response within ${request.timeoutMs} ms`,
            CALL_DEADLINE_CODE,
            'TimeoutError',
          ),
        ),
      request.timeoutMs,
    );
    const onAbort = (): void =>
      fail(codedError('request cancelled by the caller', 'ABORT_ERR', 'AbortError'));
    if (request.signal?.aborted) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (error) => finish(() => reject(error)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) {
          fail(codedError(`response larger than ${request.maxResponseBytes} bytes`, 'ERESPONSETOOLARGE'));
          return;
        }
        chunks.push(chunk);
      });
      // A connection dropped mid-body shows up as 'aborted' + 'error' (ECONNRESET) on the response.
      res.on('error', (error) => finish(() => reject(error)));
      res.on('aborted', () =>
        finish(() => reject(codedError('connection closed before the response ended', 'ECONNRESET'))),
      );
      res.on('end', () => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        finish(() =>
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
    });
    req.end(request.body);
  });
