import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import Koa from 'koa';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp, type ApiSettings } from '../../../api/app';
import { generateApiKey } from '../../../api/auth/api-key-secret';
import { issueApiKey, type IssuedApiKey } from '../../../api/auth/issue-api-key';
import { rateLimit } from '../../../api/auth/rate-limit';
import { problemDetails } from '../../../api/problem';
import { loadConfig } from '../../../config/settings';
import { migratedTestDatabase } from '../../support/database';
import { listen, type RunningServer } from '../../support/koa-test-server';

/**
 * The two limits as the API runs them (api/app.ts): per client address before authentication, per API key
 * after it. GET /v1/tasks/{id} of an unknown task is the cheapest route behind them: 404 for a known key.
 */
describe('rate limits in front of the routes', () => {
  const config = loadConfig();
  const owner = `rate-test-${randomUUID().slice(0, 8)}`;
  let sequelize: Sequelize;
  let temporal: Connection;
  let first: IssuedApiKey;
  let second: IssuedApiKey;
  const servers: RunningServer[] = [];
  let nowMs = 0;

  async function start(settings: Partial<ApiSettings>): Promise<string> {
    const server = await listen(
      createApp({
        sequelize,
        temporal,
        logger: pino({ level: 'silent' }),
        now: () => new Date(nowMs),
        settings: { rateLimitPerMinute: 1_000, rateLimitPerAddressPerMinute: 1_000, ...settings },
      }),
    );
    servers.push(server);
    return server.url;
  }

  function call(url: string, key?: IssuedApiKey | string, headers: Record<string, string> = {}) {
    const token = typeof key === 'string' ? key : key?.key;
    return fetch(`${url}/v1/tasks/no-such-task`, {
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  }

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
    first = await issueApiKey(sequelize, { owner, scope: 'caller' });
    second = await issueApiKey(sequelize, { owner, scope: 'caller' });
  });
  beforeEach(() => {
    nowMs = Date.UTC(2030, 0, 1);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await sequelize.query('DELETE FROM api_keys WHERE owner = ?', { replacements: [owner] });
    await temporal.close();
    await sequelize.close();
  });

  describe('per API key, after authentication', () => {
    it('allows a burst, then answers 429 problem+json with Retry-After, and recovers as time passes', async () => {
      const url = await start({ rateLimitPerMinute: 3 });
      const remaining: Array<string | null> = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(url, first);
        expect(res.status).toBe(404);
        expect(res.headers.get('ratelimit-limit')).toBe('3');
        remaining.push(res.headers.get('ratelimit-remaining'));
      }
      expect(remaining).toEqual(['2', '1', '0']);

      const refused = await call(url, first);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // 3 a minute: one request every 20 s.
      expect(refused.headers.get('retry-after')).toBe('20');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(await refused.json()).toMatchObject({
        status: 429,
        title: 'Too Many Requests',
        detail: expect.stringContaining('per API key'),
        instance: '/v1/tasks/no-such-task',
      });

      nowMs += 19_500;
      const almost = await call(url, first);
      expect(almost.status).toBe(429);
      expect(almost.headers.get('retry-after')).toBe('1');
      nowMs += 500;
      expect((await call(url, first)).status).toBe(404);
      expect((await call(url, first)).status).toBe(429);
    });

    it('keeps one bucket per API key: one key running dry does not slow another from the same address', async () => {
      const url = await start({ rateLimitPerMinute: 2 });
      for (let i = 0; i < 2; i++) expect((await call(url, first)).status).toBe(404);
      expect((await call(url, first)).status).toBe(429);
      expect((await call(url, second)).status).toBe(404);
    });
  });

  describe('per client address, before authentication', () => {
    it('refuses an address over its limit with 429 before any key is looked up', async () => {
      const url = await start({ rateLimitPerAddressPerMinute: 3 });
      const query = jest.spyOn(sequelize, 'query');
      const lookups = () =>
        query.mock.calls.filter(([sql]) => String(sql).includes('FROM api_keys WHERE key_hash')).length;
      // Unknown keys, each new: every one that gets past the limit costs a lookup.
      for (let i = 0; i < 3; i++) expect((await call(url, generateApiKey().key)).status).toBe(401);
      expect(lookups()).toBe(3);
      const refused = await call(url, generateApiKey().key);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('20');
      expect(await refused.json()).toMatchObject({ detail: expect.stringContaining('per address') });
      expect(lookups()).toBe(3);
      // A valid key from the same address waits as well: the address's bucket is spent first.
      expect((await call(url, first)).status).toBe(429);
    });

    it('takes the address from the socket by default, whatever X-Forwarded-For says', async () => {
      const url = await start({ rateLimitPerAddressPerMinute: 2 });
      expect((await call(url, undefined, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(401);
      expect((await call(url, undefined, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(401);
      expect((await call(url, undefined, { 'x-forwarded-for': '198.51.100.3' })).status).toBe(429);
    });

    it('behind N trusted proxies, takes it from the Nth X-Forwarded-For entry from the end', async () => {
      const url = await start({ rateLimitPerAddressPerMinute: 1, trustedProxies: 1 });
      expect((await call(url, undefined, { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' })).status).toBe(
        401,
      );
      // What the client wrote before the proxy's entry is the client's to make up: it changes nothing.
      expect((await call(url, undefined, { 'x-forwarded-for': '203.0.113.10, 198.51.100.7' })).status).toBe(
        429,
      );
      expect((await call(url, undefined, { 'x-forwarded-for': '198.51.100.8' })).status).toBe(401);
    });

    it('does not limit the unauthenticated operations routes', async () => {
      const url = await start({ rateLimitPerAddressPerMinute: 1 });
      for (let i = 0; i < 3; i++) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });

  describe('the token bucket', () => {
    it('tracks at most maxBuckets subjects, forgetting the least recently seen', async () => {
      const app = new Koa();
      app.silent = true;
      app.proxy = true;
      app.use(problemDetails(pino({ level: 'silent' })));
      app.use(
        rateLimit({
          by: 'address',
          requestsPerMinute: 60,
          burst: 1,
          maxBuckets: 1,
          now: () => new Date(nowMs),
        }),
      );
      app.use((ctx) => {
        ctx.body = { ok: true };
      });
      const server = await listen(app);
      servers.push(server);
      const from = (address: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request(`${server.url}/`, { headers: { 'x-forwarded-for': address } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.once('error', reject);
          req.end();
        });
      expect(await from('192.0.2.1')).toBe(200);
      expect(await from('192.0.2.1')).toBe(429);
      // The second address takes the only slot: the first one's empty bucket is forgotten.
      expect(await from('192.0.2.2')).toBe(200);
      expect(await from('192.0.2.1')).toBe(200);
    });

    it('refuses options that would never allow a request', () => {
      expect(() => rateLimit({ by: 'key', requestsPerMinute: 0 })).toThrow(RangeError);
      expect(() => rateLimit({ by: 'key', requestsPerMinute: 60, burst: 0.5 })).toThrow(RangeError);
      expect(() => rateLimit({ by: 'address', requestsPerMinute: Number.NaN })).toThrow(RangeError);
    });
  });
});
