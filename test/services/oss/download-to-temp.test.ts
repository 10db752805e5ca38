import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadToTemp, type DownloadRequest } from '../../../services/oss/download-to-temp';
import { DownloadError } from '../../../services/oss/storage-errors';
import { tableLookup } from '../../support/host-lookup';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The upstream: a real HTTP server on 127.0.0.1 whose routes each test sets, counting what reaches it. */
interface Upstream {
  readonly port: number;
  routes: Record<string, Handler>;
  readonly requested: string[];
  connections: number;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const requested: string[] = [];
  let upstream: Upstream | null = null;
  const server: Server = createServer((req, res) => {
    requested.push(`${req.headers.host ?? ''}${req.url ?? ''}`);
    const handler = upstream?.routes[(req.url ?? '').split('?')[0] ?? ''];
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('connection', () => {
    if (upstream) upstream.connections += 1;
  });
  upstream = {
    port: (server.address() as AddressInfo).port,
    routes: {},
    requested,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return upstream;
}

const redirectTo =
  (location: string, status = 302): Handler =>
  (_req, res) => {
    res.writeHead(status, { location }).end();
  };

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof DownloadError)) throw new Error(`expected a DownloadError, got ${String(error)}`);
  return error;
}

describe('downloadToTemp', () => {
  let upstream: Upstream;
  let tmpDir: string;
  const base = (): string => `http://127.0.0.1:${upstream.port}`;
  const tempFiles = (): Promise<string[]> => readdir(tmpDir);
  // The upstream listens on loopback, so the policy is the development one; what it still refuses is the point.
  const request = (overrides: Partial<DownloadRequest> = {}): DownloadRequest => ({
    addressPolicy: { allowPrivate: true },
    tmpDir,
    jobId: 'job7',
    ext: 'mp4',
    ...overrides,
  });

  beforeEach(async () => {
    upstream = await startUpstream();
    tmpDir = await mkdtemp(join(tmpdir(), 'download-to-temp-'));
  });
  afterEach(async () => {
    await upstream.close();
    await rm(tmpDir, { recursive: true, force: true });
  });

  it('follows redirects, each hop resolved on its own, and keeps the bytes of the last', async () => {
    const body = Buffer.from('the video bytes');
    upstream.routes['/first'] = redirectTo(`http://files.test:${upstream.port}/second`);
    upstream.routes['/second'] = redirectTo('/final', 307);
    upstream.routes['/final'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length }).end(body);
    };
    const lookup = tableLookup({ 'cdn.test': ['127.0.0.1'], 'files.test': ['127.0.0.1'] });

    const temp = await downloadToTemp(
      `http://cdn.test:${upstream.port}/first?sig=s3cr3t`,
      request({ addressPolicy: { allowPrivate: true, lookup } }),
    );

    expect(await readFile(temp.path)).toEqual(body);
    expect(temp).toMatchObject({ size: body.length, contentType: 'video/mp4' });
    // files.test twice: the relative hop to /final is a new URL and is resolved again.
    expect(lookup.asked).toEqual(['cdn.test', 'files.test', 'files.test']);
    expect(upstream.requested).toEqual([
      `cdn.test:${upstream.port}/first?sig=s3cr3t`,
      `files.test:${upstream.port}/second`,
      `files.test:${upstream.port}/final`,
    ]);
  });

  describe('the address policy', () => {
    it.each([
      ['a literal', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
      ['a host name resolving to it', 'http://metadata.test/latest/meta-data/'],
    ])(
      'refuses a redirect chain ending at the metadata service (%s), and leaves no temp file',
      async (_label, metadataUrl) => {
        upstream.routes['/a'] = redirectTo('/b');
        upstream.routes['/b'] = redirectTo(metadataUrl);
        const lookup = tableLookup({ 'metadata.test': ['169.254.169.254'] });

        const error = await failure(
          downloadToTemp(`${base()}/a`, request({ addressPolicy: { allowPrivate: true, lookup } })),
        );

        expect(error.failure).toBe('address-refused');
        expect(error.retryable).toBe(false);
        expect(error.status).toBeNull();
        expect(error.cause).toMatchObject({ name: 'OutboundAddressError', reason: 'non-public-address' });
        expect(error.message).toMatch(/^download refused: download redirect (address|host) /);
        expect(upstream.requested).toEqual([`127.0.0.1:${upstream.port}/a`, `127.0.0.1:${upstream.port}/b`]);
        expect(await tempFiles()).toEqual([]);
      },
    );

    it('refuses a loopback URL outright without the development switch, before connecting', async () => {
      upstream.routes['/file'] = (_req, res) => res.end('bytes');
      const error = await failure(
        downloadToTemp(`${base()}/file`, request({ addressPolicy: { allowPrivate: false } })),
      );
      expect(error.failure).toBe('address-refused');
      expect(error.message).toBe('download refused: download address 127.0.0.1 is not a public address');
      expect(upstream.connections).toBe(0);
      expect(await tempFiles()).toEqual([]);
    });

    it('refuses a host name resolving to a private address without the development switch', async () => {
      upstream.routes['/file'] = (_req, res) => res.end('bytes');
      const lookup = tableLookup({ 'cdn.example.com': ['10.0.0.5'] });
      const error = await failure(
        downloadToTemp(
          `http://cdn.example.com:${upstream.port}/file`,
          request({ addressPolicy: { allowPrivate: false, lookup } }),
        ),
      );
      expect(error.failure).toBe('address-refused');
      expect(error.message).not.toContain('10.0.0.5');
      expect(upstream.connections).toBe(0);
      expect(await tempFiles()).toEqual([]);
    });

    it('counts a host that does not resolve as retryable: DNS failures can pass', async () => {
      const error = await failure(
        downloadToTemp(
          'https://cdn.example.com/file',
          request({ addressPolicy: { allowPrivate: false, lookup: tableLookup({}) } }),
        ),
      );
      expect(error.failure).toBe('address-refused');
      expect(error.retryable).toBe(true);
      expect(error.cause).toMatchObject({ reason: 'unresolvable' });
      expect(await tempFiles()).toEqual([]);
    });

    it('refuses more redirects than allowed', async () => {
      upstream.routes['/r0'] = redirectTo('/r1');
      upstream.routes['/r1'] = redirectTo('/r2');
      upstream.routes['/r2'] = redirectTo('/r3');
      upstream.routes['/r3'] = (_req, res) => res.end('never reached');
      const error = await failure(downloadToTemp(`${base()}/r0`, request({ maxRedirects: 2 })));
      expect(error.failure).toBe('too-many-redirects');
      expect(error.retryable).toBe(false);
      expect(upstream.requested).toHaveLength(3);
      expect(await tempFiles()).toEqual([]);
    });
  });

  describe('the size bound', () => {
    it('refuses a body whose declared length is over the limit, before reading it', async () => {
      upstream.routes['/big'] = (_req, res) => {
        res.writeHead(200, { 'content-length': 5_000 }).end(Buffer.alloc(5_000));
      };
      const error = await failure(downloadToTemp(`${base()}/big`, request({ maxBytes: 4_096 })));
      expect(error.failure).toBe('too-large');
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`download of ${base()}/big is 5000 bytes, over the 4096-byte limit`);
      expect(await tempFiles()).toEqual([]);
    });

    it('stops a body of undeclared length once it passes the limit', async () => {
      let written = 0;
      upstream.routes['/stream'] = (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        // Chunked, no length: only counting the bytes can stop it.
        const timer = setInterval(() => {
          written += 1_024;
          res.write(Buffer.alloc(1_024));
        }, 1);
        res.on('close', () => clearInterval(timer));
      };
      const error = await failure(downloadToTemp(`${base()}/stream`, request({ maxBytes: 8_192 })));
      expect(error.failure).toBe('too-large');
      expect(error.message).toBe(`download of ${base()}/stream exceeds the 8192-byte limit`);
      expect(written).toBeGreaterThan(8_192);
      expect(await tempFiles()).toEqual([]);
    });

    it('keeps a body of exactly the limit', async () => {
      upstream.routes['/exact'] = (_req, res) => res.end(Buffer.alloc(4_096, 7));
      const temp = await downloadToTemp(`${base()}/exact`, request({ maxBytes: 4_096 }));
      expect(temp.size).toBe(4_096);
    });
  });

  describe('the time bound', () => {
    it('ends a download that trickles past the whole-download deadline, though never idle', async () => {
      upstream.routes['/slow'] = (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        const timer = setInterval(() => res.write('x'), 20);
        res.on('close', () => clearInterval(timer));
      };
      const started = Date.now();
      const error = await failure(
        downloadToTemp(`${base()}/slow?sig=s3cr3t`, request({ timeoutMs: 400, idleTimeoutMs: 5_000 })),
      );
      const elapsed = Date.now() - started;
      expect(error.failure).toBe('timed-out');
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(`download of ${base()}/slow took longer than 400 ms`);
      expect(elapsed).toBeGreaterThanOrEqual(400);
      expect(elapsed).toBeLessThan(3_000);
      expect(await tempFiles()).toEqual([]);
    });

    it('counts the redirects against the same deadline', async () => {
      upstream.routes['/hop'] = (_req, res) => {
        setTimeout(() => res.writeHead(302, { location: '/hop' }).end(), 150);
      };
      const error = await failure(
        downloadToTemp(`${base()}/hop`, request({ timeoutMs: 400, maxRedirects: 10 })),
      );
      expect(error.failure).toBe('timed-out');
      expect(upstream.requested.length).toBeLessThanOrEqual(4);
      expect(await tempFiles()).toEqual([]);
    });

    it('ends a connection that goes silent before the deadline', async () => {
      upstream.routes['/stall'] = (_req, res) => {
        res.writeHead(200);
        res.write('a little');
      };
      const error = await failure(
        downloadToTemp(`${base()}/stall`, request({ timeoutMs: 10_000, idleTimeoutMs: 200 })),
      );
      expect(error.failure).toBe('timed-out');
      expect(error.message).toBe(`download of ${base()}/stall was silent for 200 ms`);
      expect(error.retryable).toBe(true);
      expect(await tempFiles()).toEqual([]);
    });

    it('says cancelled, not timed out, when the activity is cancelled', async () => {
      upstream.routes['/slow'] = (_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'), 20);
        res.on('close', () => clearInterval(timer));
      };
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(), 100);
      const error = await failure(
        downloadToTemp(`${base()}/slow`, request({ timeoutMs: 5_000, signal: cancel.signal })),
      );
      expect(error.failure).toBe('cancelled');
      expect(error.retryable).toBe(false);
      expect(await tempFiles()).toEqual([]);
    });
  });
});
