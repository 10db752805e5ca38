import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CALLBACK_USER_AGENT,
  CallbackDeliveryError,
  sendCallback,
  type CallbackRequest,
} from '../../../services/callbacks/callback-sender';
import { OutboundAddressError, type HostLookup } from '../../../services/outbound/outbound-address-policy';
import { verifyCallbackSignature } from '../../../services/callbacks/callback-signature';

const SECRET = 'whsec_sender_test_secret';
const NOW = new Date('2024-05-01T00:00:00.000Z');
const NOW_SECONDS = 1_714_521_600;
const PAYLOAD = { taskId: 'task-42', status: 'succeeded', outputs: [{ url: 'https://cdn.example/a.png' }] };

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Respond = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on 127.0.0.1 that records every request and every connection it sees. */
interface Receiver {
  readonly port: number;
  readonly received: Received[];
  connections: number;
  url(path?: string): string;
  close(): Promise<void>;
}

async function startReceiver(respond: Respond): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      respond(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    port,
    received,
    connections: 0,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => {
    receiver.connections += 1;
  });
  return receiver;
}

const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Respond =>
  (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

function request(overrides: Partial<CallbackRequest> & Pick<CallbackRequest, 'url'>): CallbackRequest {
  return {
    eventId: 'evt_task-42_final',
    payload: PAYLOAD,
    secrets: [SECRET],
    allowPrivate: true,
    timeoutMs: 5_000,
    now: () => NOW,
    ...overrides,
  };
}

async function failure(req: CallbackRequest): Promise<CallbackDeliveryError> {
  const error: unknown = await sendCallback(req).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof CallbackDeliveryError)) {
    throw new Error(`expected a CallbackDeliveryError, got ${String(error)}`);
  }
  return error;
}

describe('sendCallback', () => {
  let receiver: Receiver | null = null;
  afterEach(async () => {
    await receiver?.close();
    receiver = null;
  });

  describe('delivery', () => {
    it('POSTs the JSON payload once, with event id, timestamp and a signature the receiver can verify', async () => {
      receiver = await startReceiver(answer(200, '{"ok":true}'));
      const result = await sendCallback(request({ url: receiver.url('/hooks/done?token=abc&x=1') }));

      expect(result).toEqual({ status: 200, delivered: true });
      expect(receiver.received).toHaveLength(1);
      const [got] = receiver.received as [Received];
      expect(got.method).toBe('POST');
      expect(got.url).toBe('/hooks/done?token=abc&x=1');
      expect(got.body).toBe(JSON.stringify(PAYLOAD));
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['content-length']).toBe(String(Buffer.byteLength(got.body)));
      expect(got.headers['user-agent']).toBe(CALLBACK_USER_AGENT);
      expect(got.headers['user-agent']).toBe('jimeng-flow-callbacks/1');
      expect(got.headers['x-jimeng-event-id']).toBe('evt_task-42_final');
      expect(got.headers['x-jimeng-timestamp']).toBe(String(NOW_SECONDS));

      const signature = got.headers['x-jimeng-signature'];
      expect(typeof signature).toBe('string');
      expect(signature).toMatch(new RegExp(`^t=${NOW_SECONDS},v1=[0-9a-f]{64}$`));
      expect(verifyCallbackSignature(SECRET, signature as string, got.body, NOW_SECONDS)).toBe(true);
      expect(verifyCallbackSignature('whsec_wrong', signature as string, got.body, NOW_SECONDS)).toBe(false);
      expect(verifyCallbackSignature(SECRET, signature as string, got.body, NOW_SECONDS + 301)).toBe(false);
    });

    it('sends non-ASCII payloads as UTF-8, byte for byte what was signed', async () => {
      receiver = await startReceiver(answer(200));
      const payload = { prompt: '即梦：一只猫 — café' };
      await sendCallback(request({ url: receiver.url(), payload }));
      const [got] = receiver.received as [Received];
      expect(got.body).toBe(JSON.stringify(payload));
      expect(got.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(payload), 'utf8')));
      expect(
        verifyCallbackSignature(SECRET, String(got.headers['x-jimeng-signature']), got.body, NOW_SECONDS),
      ).toBe(true);
    });

    it('signs with every secret it is given, newest first, so a receiver holding either verifies', async () => {
      receiver = await startReceiver(answer(204));
      await sendCallback(request({ url: receiver.url(), secrets: [SECRET, 'whsec_sender_old_secret'] }));
      const [got] = receiver.received as [Received];
      const signature = String(got.headers['x-jimeng-signature']);
      expect(signature).toMatch(new RegExp(`^t=${NOW_SECONDS},v1=[0-9a-f]{64},v1=[0-9a-f]{64}$`));
      expect(verifyCallbackSignature(SECRET, signature, got.body, NOW_SECONDS)).toBe(true);
      expect(verifyCallbackSignature('whsec_sender_old_secret', signature, got.body, NOW_SECONDS)).toBe(true);
      expect(verifyCallbackSignature('whsec_wrong', signature, got.body, NOW_SECONDS)).toBe(false);
    });

    it('uses the current time when no clock is injected', async () => {
      receiver = await startReceiver(answer(200));
      const before = Math.floor(Date.now() / 1000);
      await sendCallback({
        url: receiver.url(),
        eventId: 'e1',
        payload: {},
        secrets: [SECRET],
        allowPrivate: true,
      });
      const after = Math.floor(Date.now() / 1000);
      const sent = Number((receiver.received[0] as Received).headers['x-jimeng-timestamp']);
      expect(sent).toBeGreaterThanOrEqual(before);
      expect(sent).toBeLessThanOrEqual(after);
    });

    it.each([201, 202, 204])('treats HTTP %i as delivered', async (status) => {
      receiver = await startReceiver(answer(status));
      await expect(sendCallback(request({ url: receiver.url() }))).resolves.toEqual({
        status,
        delivered: true,
      });
    });

    it('is delivered even when the receiver answers 2xx with a large body, which is not read to the end', async () => {
      const big = 'x'.repeat(4 * 1024 * 1024);
      receiver = await startReceiver(answer(200, big));
      await expect(sendCallback(request({ url: receiver.url() }))).resolves.toEqual({
        status: 200,
        delivered: true,
      });
    });

    it('connects to the address the check resolved, not to a second DNS answer', async () => {
      receiver = await startReceiver(answer(200));
      const asked: string[] = [];
      // callback.test does not exist in real DNS: reaching the receiver proves the pinned address was used.
      const lookup: HostLookup = async (host) => {
        asked.push(host);
        return ['127.0.0.1'];
      };
      const result = await sendCallback(
        request({ url: `http://callback.test:${receiver.port}/cb`, allowPrivate: true, lookup }),
      );
      expect(result).toEqual({ status: 200, delivered: true });
      expect(asked).toEqual(['callback.test']);
      expect((receiver.received[0] as Received).headers.host).toBe(`callback.test:${receiver.port}`);
    });
  });

  describe('failures the receiver answers', () => {
    it.each([500, 502, 503, 504, 429, 408, 425])('HTTP %i is retryable', async (status) => {
      receiver = await startReceiver(answer(status, 'try later'));
      const error = await failure(request({ url: receiver.url('/hooks/done') }));
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(status);
      expect(error.name).toBe('CallbackDeliveryError');
      expect(error.message).toBe(`callback to ${receiver.url('/hooks/done')} answered HTTP ${status}`);
      expect(receiver.received).toHaveLength(1);
    });

    it.each([400, 401, 403, 404, 410, 413, 422])('HTTP %i is not retryable', async (status) => {
      receiver = await startReceiver(answer(status, 'no'));
      const error = await failure(request({ url: receiver.url() }));
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(status);
    });

    it.each([301, 302, 303, 307, 308])('HTTP %i is not followed and not retryable', async (status) => {
      receiver = await startReceiver((req, res) => {
        if (req.url === '/hooks') answer(status, '', { location: '/elsewhere?token=abc' })(req, res, '');
        else answer(200)(req, res, '');
      });
      const error = await failure(request({ url: receiver.url('/hooks') }));
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(status);
      expect(error.message).toMatch(/redirect/);
      expect(error.message).not.toContain('elsewhere');
      expect(receiver.received.map((r) => r.url)).toEqual(['/hooks']);
    });

    it('never includes the secret or the query string in error messages', async () => {
      receiver = await startReceiver(answer(500));
      const error = await failure(request({ url: receiver.url('/hooks/done?token=tok_query_secret') }));
      expect(error.message).toContain(`http://127.0.0.1:${receiver.port}/hooks/done`);
      expect(error.message).not.toContain('tok_query_secret');
      expect(error.message).not.toContain('?');
      expect(error.message).not.toContain(SECRET);
    });
  });

  describe('failures with no answer', () => {
    it('times out as a retryable failure when the receiver never answers', async () => {
      receiver = await startReceiver(() => undefined);
      const started = Date.now();
      const error = await failure(request({ url: receiver.url('/slow?token=abc'), timeoutMs: 200 }));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error.retryable).toBe(true);
      expect(error.status).toBeUndefined();
      expect(error.message).toBe(`callback to ${receiver.url('/slow')} timed out after 200 ms`);
      expect(receiver.received).toHaveLength(1);
    });

    it('does not wait past the deadline for a 2xx body that never ends, and counts it as delivered', async () => {
      receiver = await startReceiver((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('still going');
      });
      const started = Date.now();
      await expect(sendCallback(request({ url: receiver.url(), timeoutMs: 300 }))).resolves.toEqual({
        status: 200,
        delivered: true,
      });
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it('reports a refused connection as retryable', async () => {
      const closed = await startReceiver(answer(200));
      const url = closed.url('/cb?token=abc');
      await closed.close();
      const error = await failure(request({ url }));
      expect(error.retryable).toBe(true);
      expect(error.status).toBeUndefined();
      expect(error.message).toBe(`callback to http://127.0.0.1:${closed.port}/cb failed: ECONNREFUSED`);
    });

    it('reports a connection reset before any answer as retryable', async () => {
      receiver = await startReceiver((req) => req.socket.destroy());
      const error = await failure(request({ url: receiver.url() }));
      expect(error.retryable).toBe(true);
      expect(error.status).toBeUndefined();
    });
  });

  describe('refused addresses', () => {
    it.each<[string, (port: number) => string]>([
      ['http://127.0.0.1:<receiver>/', (port) => `http://127.0.0.1:${port}/`],
      ['http://localhost:<receiver>/', (port) => `http://localhost:${port}/`],
      ['http://localhost/', () => 'http://localhost/'],
      ['http://10.1.2.3/', () => 'http://10.1.2.3/'],
      ['http://[::1]:<receiver>/', (port) => `http://[::1]:${port}/`],
      ['http://169.254.169.254/', () => 'http://169.254.169.254/latest/meta-data/'],
      ['http://[::ffff:127.0.0.1]:<receiver>/', (port) => `http://[::ffff:127.0.0.1]:${port}/`],
      ['ftp://example.com/', () => 'ftp://example.com/'],
      ['http://user:pw@example.com/', () => 'http://user:pw@example.com/'],
    ])('refuses %s when private addresses are not allowed, and sends nothing', async (_label, urlFor) => {
      receiver = await startReceiver(answer(200));
      const url = urlFor(receiver.port);
      const error = await failure(request({ url, allowPrivate: false, timeoutMs: 1_000 }));
      expect(error.retryable).toBe(false);
      expect(error.status).toBeUndefined();
      expect(error.cause).toBeInstanceOf(OutboundAddressError);
      expect(error.message).toMatch(/^callback refused: /);
      expect(error.message).not.toContain('pw@');
      expect(receiver.received).toHaveLength(0);
      expect(receiver.connections).toBe(0);
    });

    it('refuses a host name resolving to a private address, and sends nothing', async () => {
      receiver = await startReceiver(answer(200));
      const lookup: HostLookup = async () => ['127.0.0.1'];
      const error = await failure(
        request({ url: `http://hooks.example.com:${receiver.port}/cb`, allowPrivate: false, lookup }),
      );
      expect(error.retryable).toBe(false);
      expect(error.cause).toMatchObject({ name: 'OutboundAddressError', reason: 'non-public-address' });
      expect(receiver.connections).toBe(0);
    });

    it.each([
      ['http://169.254.169.254/latest/meta-data/', null],
      ['http://metadata.example.com/computeMetadata/v1/', '169.254.169.254'],
      ['http://[fe80::1]/cb', null],
      ['http://[::ffff:a9fe:a9fe]/cb', null],
    ])(
      'refuses %s even when private addresses are allowed: link-local and metadata never are',
      async (url, resolvesTo) => {
        const lookup: HostLookup = async () => (resolvesTo === null ? [] : [resolvesTo]);
        const error = await failure(request({ url, allowPrivate: true, lookup }));
        expect(error.retryable).toBe(false);
        expect(error.cause).toMatchObject({ name: 'OutboundAddressError', reason: 'non-public-address' });
      },
    );

    it('reports a host that does not resolve as retryable: DNS failures can pass', async () => {
      const lookup: HostLookup = async () => {
        throw Object.assign(new Error('getaddrinfo EAI_AGAIN hooks.example.com'), { code: 'EAI_AGAIN' });
      };
      const error = await failure(
        request({ url: 'https://hooks.example.com/cb', allowPrivate: false, lookup }),
      );
      expect(error.retryable).toBe(true);
      expect(error.cause).toMatchObject({ name: 'OutboundAddressError', reason: 'unresolvable' });
    });
  });

  describe('invalid requests', () => {
    it.each<[string, Partial<CallbackRequest>]>([
      ['no secret', { secrets: [] }],
      ['an empty secret', { secrets: [''] }],
      ['an empty secret next to a good one', { secrets: [SECRET, ''] }],
      ['an event id with a line break', { eventId: 'evt\r\nx-injected: 1' }],
      ['an empty event id', { eventId: '' }],
      ['a zero timeout', { timeoutMs: 0 }],
      ['a clock returning an invalid date', { now: () => new Date(Number.NaN) }],
      ['a payload JSON cannot serialise', { payload: { n: BigInt(1) } }],
      ['a payload that serialises to nothing', { payload: { toJSON: () => undefined } }],
    ])('refuses %s as not retryable, before connecting', async (_label, overrides) => {
      receiver = await startReceiver(answer(200));
      const error = await failure(request({ url: receiver.url(), ...overrides }));
      expect(error.retryable).toBe(false);
      expect(receiver.connections).toBe(0);
    });
  });
});
