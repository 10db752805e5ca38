import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Middleware } from 'koa';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port: suites never collide on a port. */
export async function listen(app: Koa): Promise<RunningServer> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The API's body handling as the middleware under test expects it: the raw bytes in ctx.state.rawBody,
 * the parsed JSON (if any) in ctx.state.body.
 */
export function rawJsonBody(): Middleware {
  return async (ctx, next) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    ctx.state.rawBody = raw;
    ctx.state.body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
    await next();
  };
}

export type ApiCallInit = RequestInit & {
  /** Bearer key; null sends none; undefined uses the caller's default key. */
  key?: string | null;
  /** Sent as the JSON body. */
  json?: unknown;
};

/** A fetch bound to one API: a default key, JSON bodies serialised and typed as such. */
export function apiCaller(baseUrl: () => string, defaultKey: () => string) {
  return (path: string, init: ApiCallInit = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? defaultKey()}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${baseUrl()}${path}`, {
      ...init,
      headers,
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  };
}
