import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { authenticate } from '../../../api/auth/authentication';
import { issueApiKey, type IssuedApiKey } from '../../../api/auth/issue-api-key';
import { rateLimit, type RateLimitOptions } from '../../../api/auth/rate-limit';
import { problemDetails } from '../../../api/problem';
import { migratedTestDatabase } from '../../support/database';
import { listen, rawJsonBody, type RunningServer } from '../../support/koa-test-server';

describe('per-key rate limit', () => {
  const owner = `rate-test-${randomUUID().slice(0, 8)}`;
  let sequelize: Sequelize;
  let first: IssuedApiKey;
  let second: IssuedApiKey;
  const servers: RunningServer[] = [];
  let nowMs = 0;
  let handled = 0;

  async function start(options: Omit<RateLimitOptions, 'now'>, authenticated = true): Promise<string> {
    const app = new Koa();
    app.silent = true;
    app.use(problemDetails(pino({ level: 'silent' })));
    app.use(rawJsonBody());
    if (authenticated) app.use(authenticate({ sequelize }));
    app.use(rateLimit({ ...options, now: () => new Date(nowMs) }));
    app.use((ctx) => {
      handled++;
      ctx.body = { ok: true };
    });
    const server = await listen(app);
    servers.push(server);
    return server.url;
  }

  function call(url: string, key?: IssuedApiKey): Promise<Response> {
    return fetch(`${url}/tasks`, { headers: key ? { authorization: `Bearer ${key.key}` } : {} });
  }

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    first = await issueApiKey(sequelize, { owner, scope: 'caller' });
    second = await issueApiKey(sequelize, { owner, scope: 'caller' });
  });
  beforeEach(() => {
    nowMs = 1_000_000;
    handled = 0;
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await sequelize.query('DELETE FROM api_keys WHERE owner = ?', { replacements: [owner] });
    await sequelize.close();
  });

  it('allows a burst, then answers 429 problem+json with Retry-After, and recovers as time passes', async () => {
    const url = await start({ requestsPerMinute: 60, burst: 3 });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(url, first);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await call(url, first);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(await refused.json()).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      instance: '/tasks',
    });
    expect(handled).toBe(3);

    nowMs += 1_000; // 60 a minute: one token a second
    expect((await call(url, first)).status).toBe(200);
    expect((await call(url, first)).status).toBe(429);
    expect(handled).toBe(4);
  });

  it('says in Retry-After how many whole seconds until the next request is allowed', async () => {
    const url = await start({ requestsPerMinute: 6, burst: 1 }); // one token every 10 s
    expect((await call(url, first)).status).toBe(200);
    expect((await call(url, first)).headers.get('retry-after')).toBe('10');
    nowMs += 9_500;
    const almost = await call(url, first);
    expect(almost.status).toBe(429);
    expect(almost.headers.get('retry-after')).toBe('1');
    nowMs += 500;
    expect((await call(url, first)).status).toBe(200);
  });

  it('keeps one bucket per API key: one key running dry does not slow another', async () => {
    const url = await start({ requestsPerMinute: 60, burst: 2 });
    for (let i = 0; i < 2; i++) expect((await call(url, first)).status).toBe(200);
    expect((await call(url, first)).status).toBe(429);
    expect((await call(url, second)).status).toBe(200);
  });

  it('defaults the burst to the per-minute rate', async () => {
    const url = await start({ requestsPerMinute: 5 });
    for (let i = 0; i < 5; i++) expect((await call(url, first)).status).toBe(200);
    expect((await call(url, first)).status).toBe(429);
  });

  it('limits unauthenticated requests by address', async () => {
    const url = await start({ requestsPerMinute: 60, burst: 2 }, false);
    expect((await call(url)).status).toBe(200);
    expect((await call(url)).status).toBe(200);
    expect((await call(url)).status).toBe(429);
  });

  it('tracks at most maxBuckets clients, forgetting the least recently seen', async () => {
    const url = await start({ requestsPerMinute: 60, burst: 1, maxBuckets: 1 });
    expect((await call(url, first)).status).toBe(200);
    expect((await call(url, first)).status).toBe(429);
    // The second key takes the only slot: the first key's empty bucket is forgotten.
    expect((await call(url, second)).status).toBe(200);
    expect((await call(url, first)).status).toBe(200);
  });

  it('refuses options that would never allow a request', () => {
    expect(() => rateLimit({ requestsPerMinute: 0 })).toThrow(RangeError);
    expect(() => rateLimit({ requestsPerMinute: 60, burst: 0.5 })).toThrow(RangeError);
    expect(() => rateLimit({ requestsPerMinute: Number.NaN })).toThrow(RangeError);
  });
});
