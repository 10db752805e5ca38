import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyCallbackSignature } from '../../services/callbacks/callback-signature';

export interface ReceivedCallback {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly taskId: string;
}

/** A tenant's receiver on loopback: records every callback, answers 204, verifies as a receiver would. */
export interface CallbackReceiver {
  /** The callback_url for tasks of `tenant` (the path names it, so tests can tell receivers apart). */
  urlFor(tenant: string): string;
  readonly received: ReceivedCallback[];
  /** The callback of `taskId`, once it has arrived (up to `timeoutMs`). */
  callbackOf(taskId: string, timeoutMs?: number): Promise<ReceivedCallback>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let taskId = '';
      try {
        taskId = String((JSON.parse(body) as { task_id?: unknown }).task_id ?? '');
      } catch {
        // Recorded all the same: the test decides what an unreadable body means.
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, taskId });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    urlFor: (tenant) => `http://127.0.0.1:${port}/hooks/${encodeURIComponent(tenant)}`,
    async callbackOf(taskId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find((r) => r.taskId === taskId);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no callback for task ${taskId} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether `secret` verifies the callback as the receiver would check it now (README, Callbacks). */
export function verifies(callback: ReceivedCallback, secret: string): boolean {
  return verifyCallbackSignature(
    secret,
    String(callback.headers['x-jimeng-signature'] ?? ''),
    callback.body,
    Date.now() / 1000,
  );
}

/** How many v1 signatures the callback carries: two during a rotation's overlap window. */
export function signatureCount(callback: ReceivedCallback): number {
  return String(callback.headers['x-jimeng-signature'] ?? '')
    .split(',')
    .filter((part) => part.trim().startsWith('v1=')).length;
}
