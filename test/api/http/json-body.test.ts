import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { loadConfig } from '../../../config/settings';
import { migratedTestDatabase } from '../../support/database';
import { listen, type RunningServer } from '../../support/koa-test-server';

interface RawAnswer {
  statusLine: string;
  headers: Record<string, string>;
  /** Whether the server closed the connection after answering. */
  closed: boolean;
}

/**
 * Sends a request line and headers, and only `body` of the body they announce, then reads the answer's head:
 * an answer that comes means nothing waited for the rest of the body. `closed`: the server closed the
 * connection within 200 ms of answering.
 */
function sendHeadersOnly(url: string, head: string[], body = ''): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${head.join('\r\n')}\r\n\r\n${body}`));
    let text = '';
    let answered: Omit<RawAnswer, 'closed'> | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s; got: ${text}`));
    }, 5000);
    const settle = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      if (answered) resolve({ ...answered, closed });
      else reject(new Error(`closed without an answer: ${text}`));
    };
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0 || answered) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      answered = { statusLine: statusLine!, headers };
      setTimeout(() => settle(false), 200);
    });
    socket.once('close', () => settle(true));
    socket.once('error', reject);
  });
}

/** The body is read after the caller is known (api/app.ts's guards), so nobody unknown makes the API buffer. */
describe('request bodies', () => {
  const config = loadConfig();
  const owner = `body-test-${randomUUID().slice(0, 8)}`;
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: RunningServer;
  let key: string;

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
    server = await listen(createApp({ sequelize, temporal, logger: pino({ level: 'silent' }) }));
    key = (await issueApiKey(sequelize, { owner, scope: 'caller' })).key;
  });
  afterAll(async () => {
    await server.close();
    await sequelize.query('DELETE FROM api_keys WHERE owner = ?', { replacements: [owner] });
    await temporal.close();
    await sequelize.close();
  });

  const post = (length: number, extra: string[] = []) => [
    'POST /v1/images/generations HTTP/1.1',
    'Host: localhost',
    'Content-Type: application/json',
    `Content-Length: ${length}`,
    ...extra,
  ];

  it('answers a request without a key 401 before its body arrives, and closes the connection', async () => {
    const answer = await sendHeadersOnly(server.url, post(200_000));
    expect(answer.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers.connection).toBe('close');
    expect(answer.closed).toBe(true);
  });

  it('answers an unknown key 401, not 413, whatever size the body announces', async () => {
    const answer = await sendHeadersOnly(server.url, post(10_000_000, ['Authorization: Bearer not-a-key']));
    expect(answer.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    expect(answer.closed).toBe(true);
  });

  it('refuses a known key a body announced over the limit with 413, unread', async () => {
    const answer = await sendHeadersOnly(server.url, post(10_000_000, [`Authorization: Bearer ${key}`]));
    expect(answer.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.closed).toBe(true);
  });

  it('reads the body of a known key and answers it (here: invalid fields), keeping the connection', async () => {
    const body = JSON.stringify({ prompt: 'a lighthouse' });
    const answer = await sendHeadersOnly(
      server.url,
      post(Buffer.byteLength(body), [`Authorization: Bearer ${key}`]),
      body,
    );
    expect(answer.statusLine).toBe('HTTP/1.1 422 Unprocessable Entity');
    expect(answer.headers.connection).not.toBe('close');
    expect(answer.closed).toBe(false);
  });
});
