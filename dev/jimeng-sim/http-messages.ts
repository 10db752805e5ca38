import type http from 'node:http';
import type { ProxyFailure } from './proxy-text';

/*
 * The raw HTTP both of the simulator's faces share, the proxy protocol and the admin API: reading a request
 * body, writing a JSON answer, and the proxy's failure envelope.
 */

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The proxy's error shape: always HTTP 200 (FailureBody.ts:11-25, Body.ts:21-27). */
export function sendFailure(res: http.ServerResponse, answer: ProxyFailure): void {
  sendJson(res, 200, { code: answer.code, message: answer.message, data: null });
}

/** The body as text, or undefined when it is larger than the simulator reads. */
export function readRaw(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
