import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import Koa from 'koa';
import { createHttpServer, type ServerTimeouts } from '../../../api/http/http-server';

/** Writes `chunks` to a fresh connection, `pauseMs` apart; resolves with what came back and when it closed. */
function slowClient(
  port: number,
  chunks: string[],
  pauseMs: number,
): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const writeFrom = (i: number) => {
      if (i >= chunks.length || socket.destroyed) return;
      socket.write(chunks[i]!);
      timer = setTimeout(() => writeFrom(i + 1), pauseMs);
    };
    socket.once('connect', () => writeFrom(0));
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.once('error', reject);
  });
}

describe("the API's HTTP server", () => {
  const timeouts: ServerTimeouts = { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 300 };
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx) => {
      // The whole body is read before answering, as the API's body reader does.
      await new Promise((r) => ctx.req.resume().once('end', r));
      // An answer that takes longer than the request timeout, as a `Prefer: wait` long poll does.
      if (ctx.path === '/slow') await new Promise((r) => setTimeout(r, 1500));
      ctx.body = { ok: true };
    });
    server = createHttpServer(app, timeouts);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('answers 408 and closes the connection of a client that does not finish its headers in time', async () => {
    // Three header lines, 300 ms apart: past the 400 ms headers timeout.
    const { text, closedAfterMs } = await slowClient(
      port,
      ['GET / HTTP/1.1\r\n', 'Host: localhost\r\n', 'X-Slow: 1\r\n', 'X-Slower: 2\r\n', '\r\n'],
      300,
    );
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(2000);
  });

  it('answers 408 to a client whose body does not arrive within the request timeout', async () => {
    const head =
      'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n';
    // Headers at once, then a byte every 300 ms: the whole request takes past 800 ms.
    const { text, closedAfterMs } = await slowClient(port, [head, '{', '"', 'a', '"', ':', '1'], 300);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(2500);
  });

  it('lets an answer take longer than the request timeout once the request is in', async () => {
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/slow`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThan(timeouts.requestTimeoutMs);
  });

  it('closes an idle kept-alive connection after the keep-alive timeout', async () => {
    const { text, closedAfterMs } = await slowClient(port, ['GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'], 0);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toMatch(/Keep-Alive: timeout=0/i);
    expect(closedAfterMs).toBeGreaterThanOrEqual(timeouts.keepAliveTimeoutMs - 50);
    expect(closedAfterMs).toBeLessThan(1500);
  });

  it('refuses timeouts that cannot work together', () => {
    const app = new Koa();
    expect(() =>
      createHttpServer(app, { headersTimeoutMs: 2000, requestTimeoutMs: 1000, keepAliveTimeoutMs: 100 }),
    ).toThrow(RangeError);
    expect(() =>
      createHttpServer(app, { headersTimeoutMs: 0, requestTimeoutMs: 1000, keepAliveTimeoutMs: 100 }),
    ).toThrow(RangeError);
  });
});
