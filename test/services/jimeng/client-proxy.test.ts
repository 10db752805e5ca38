import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JimengClient } from '../../../services/jimeng/client';
import { JimengError } from '../../../services/jimeng/jimeng-error';
import type { JimengLogger } from '../../../services/jimeng/logger';
import { SiteType } from '../../../db/codes';
import type { JimengAccountRef } from '../../../domain/jimeng/requests';

/*
 * An account with an outbound proxy, against a local HTTP server that records what arrives: the proxy URL goes
 * in front of the token exactly as iptag/jimeng-api reads it (core.ts:95-109), and nowhere else.
 */

const SESSION = 'a1b2c3d4e5f6PROXIEDSESSION99';
const PROXY = 'http://u:p@127.0.0.1:9';
const LONG_PROXY = 'socks5://alice-zone-res:Sup3rS3cretPassw0rd@proxy.example.com:1080';

interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

let server: http.Server;
let baseUrl: string;
let received: Received[];
/** What the server answers next: a status and a JSON body. */
let answer: { status: number; body: unknown };
let logs: string[];

const recorder: JimengLogger = {
  debug: (obj, msg) => logs.push(JSON.stringify({ obj, msg })),
  info: (obj, msg) => logs.push(JSON.stringify({ obj, msg })),
  warn: (obj, msg) => logs.push(JSON.stringify({ obj, msg })),
};

const client = () => new JimengClient({ baseUrls: { default: baseUrl }, timeoutMs: 5_000, logger: recorder });
const account = (
  proxyUrl: string | null | undefined,
  siteType: SiteType = SiteType.CN,
): JimengAccountRef => ({
  id: 'acc-proxy',
  sessionId: SESSION,
  siteType,
  ...(proxyUrl === undefined ? {} : { proxyUrl }),
});

async function failure(p: Promise<unknown>): Promise<JimengError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(JimengError);
    return e as JimengError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  logs = [];
  answer = { status: 200, body: { live: true } };
});

describe('an account with a proxy', () => {
  it('sends `Bearer <proxy URL>@<session id>` for a CN account, in the header and in the session check body', async () => {
    expect(await client().checkSession(account(PROXY))).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]!.authorization).toBe(`Bearer http://u:p@127.0.0.1:9@${SESSION}`);
    // /token/check reads the token from the body (routes/token.ts:13-18), and parses its proxy the same way.
    expect(JSON.parse(received[0]!.body)).toEqual({ token: `http://u:p@127.0.0.1:9@${SESSION}` });
  });

  it('puts the region prefix after the proxy URL on the other sites', async () => {
    answer = {
      status: 200,
      body: [{ token: 'x', points: { giftCredit: 1, purchaseCredit: 2, vipCredit: 3, totalCredit: 6 } }],
    };
    await client().getCredits(account(PROXY, SiteType.US));
    await client().getCredits(account(LONG_PROXY, SiteType.SG));
    expect(received.map((r) => r.authorization)).toEqual([
      `Bearer http://u:p@127.0.0.1:9@us-${SESSION}`,
      `Bearer ${LONG_PROXY}@sg-${SESSION}`,
    ]);
  });

  it('without a proxy (absent, null or empty) the token is the session id as before', async () => {
    for (const none of [undefined, null, '']) await client().checkSession(account(none));
    expect(received.map((r) => r.authorization)).toEqual([
      `Bearer ${SESSION}`,
      `Bearer ${SESSION}`,
      `Bearer ${SESSION}`,
    ]);
  });

  it('keeps the proxy URL and its credentials out of the error and the log when the server quotes them', async () => {
    // A proxy that could not reach its own proxy may say so with the URL in the message.
    answer = {
      status: 200,
      body: {
        code: -2000,
        message: `tunnel through ${LONG_PROXY} failed: alice-zone-res:Sup3rS3cretPassw0rd@proxy.example.com:1080 refused`,
        data: null,
      },
    };
    const error = await failure(client().checkSession(account(LONG_PROXY)));
    const seen = [error.message, JSON.stringify(error.toJSON()), JSON.stringify(error), ...logs].join('\n');
    expect(error.message).toMatch(/tunnel through .* failed/);
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of ['alice-zone-res', 'Sup3rS3cret', 'Passw0rd', SESSION])
      expect(seen).not.toContain(secret);
  });

  it('refuses a stored proxy URL the proxy would misread before sending anything; the account is at fault', async () => {
    const bad = 'http://user:Sup3rS3cret@h:1/x@y';
    const error = await failure(client().checkSession(account(bad)));
    expect(received).toEqual([]);
    expect(error.code).toBe('INVALID_ACCOUNT');
    expect(error.message).toMatch(/proxy URL is not usable/);
    expect([error.message, ...logs].join('\n')).not.toContain('Sup3rS3cret');
  });
});
