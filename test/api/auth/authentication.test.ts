import { createHash, randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import { QueryTypes, type Sequelize } from 'sequelize';
import { generateApiKey, maskApiKey } from '../../../api/auth/api-key-secret';
import {
  authenticate,
  principalOf,
  requireScope,
  type AuthenticationDependencies,
} from '../../../api/auth/authentication';
import { issueApiKey, type IssuedApiKey } from '../../../api/auth/issue-api-key';
import { Problem, problemDetails } from '../../../api/problem';
import { migratedTestDatabase } from '../../support/database';
import { listen, rawJsonBody, type RunningServer } from '../../support/koa-test-server';
import { recordingLogger } from '../../support/recording-logger';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
}

describe('API key authentication', () => {
  const run = randomUUID().slice(0, 8);
  const callerOwner = `auth-test-${run}`;
  const adminOwner = `auth-ops-${run}`;
  let sequelize: Sequelize;
  let caller: IssuedApiKey;
  let admin: IssuedApiKey;
  let revoked: IssuedApiKey;
  const log = recordingLogger();
  const servers: RunningServer[] = [];

  async function start(overrides: Partial<AuthenticationDependencies> = {}): Promise<string> {
    const app = new Koa();
    app.silent = true;
    app.use(problemDetails(log.logger));
    app.use(rawJsonBody());
    app.use(authenticate({ sequelize, logger: log.logger, ...overrides }));
    const router = new Router();
    router.get('/whoami', (ctx) => {
      ctx.body = principalOf(ctx);
    });
    router.get('/admin/ping', requireScope('admin'), (ctx) => {
      ctx.body = { pong: principalOf(ctx).owner };
    });
    app.use(router.routes());
    const server = await listen(app);
    servers.push(server);
    return server.url;
  }

  function get(url: string, authorization?: string): Promise<Response> {
    return fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  }

  async function expectUnauthorized(res: Response, detail: RegExp): Promise<ProblemBody> {
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="jimeng-flow"/);
    const body = (await res.json()) as ProblemBody;
    expect(body).toMatchObject({ status: 401, title: 'Unauthorized', instance: '/whoami' });
    expect(body.detail).toMatch(detail);
    return body;
  }

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    caller = await issueApiKey(sequelize, { owner: callerOwner, scope: 'caller', name: 'test caller' });
    admin = await issueApiKey(sequelize, { owner: adminOwner, scope: 'admin' });
    revoked = await issueApiKey(sequelize, { owner: callerOwner, scope: 'caller' });
    await sequelize.query('UPDATE api_keys SET revoked_at = NOW(3) WHERE id = ?', {
      replacements: [revoked.id],
    });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await sequelize.query('DELETE FROM api_keys WHERE owner IN (?, ?)', {
      replacements: [callerOwner, adminOwner],
    });
    await sequelize.close();
  });

  /**
   * A key and its SHA-256 in hex, computed apart from this code base (printf %s <key> | sha256sum): the stored
   * form is a contract with every row already in api_keys, so it is pinned here rather than recomputed.
   */
  const FIXED_KEY = 'jf_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
  const FIXED_KEY_SHA256 = 'b1ee82cb8a56c6b0a60006b59b883dc972a899a1239ae38c09305d9722b2c682';

  it('finds a key by the SHA-256 hex of its text', async () => {
    const id = randomUUID();
    // The key is fixed, so a run that died before its cleanup may have left it.
    await sequelize.query('DELETE FROM api_keys WHERE key_hash = ?', { replacements: [FIXED_KEY_SHA256] });
    await sequelize.query(
      "INSERT INTO api_keys (id, key_hash, key_prefix, name, owner, scope) VALUES (?, ?, ?, NULL, ?, 'caller')",
      { replacements: [id, FIXED_KEY_SHA256, FIXED_KEY.slice(0, 10), callerOwner] },
    );
    const url = await start();
    const res = await get(`${url}/whoami`, `Bearer ${FIXED_KEY}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, owner: callerOwner, scope: 'caller' });
  });

  it('stores only the hash and a short prefix of an issued key', async () => {
    const [row] = await sequelize.query<{
      key_hash: string;
      key_prefix: string;
      scope: string;
      name: string;
    }>('SELECT key_hash, key_prefix, scope, name FROM api_keys WHERE id = ?', {
      replacements: [caller.id],
      type: QueryTypes.SELECT,
    });
    expect(caller.key).toMatch(/^jf_[A-Za-z0-9_-]{43}$/);
    expect(row).toEqual({
      key_hash: createHash('sha256').update(caller.key).digest('hex'),
      key_prefix: caller.key.slice(0, 10),
      scope: 'caller',
      name: 'test caller',
    });
    expect(caller.prefix).toBe(row!.key_prefix);
  });

  it('refuses to issue a key for a malformed owner or an unknown scope', async () => {
    await expect(issueApiKey(sequelize, { owner: 'has space', scope: 'caller' })).rejects.toThrow(/owner/);
    await expect(issueApiKey(sequelize, { owner: 'x'.repeat(51), scope: 'caller' })).rejects.toThrow(/owner/);
    await expect(
      issueApiKey(sequelize, { owner: callerOwner, scope: 'root' as unknown as 'admin' }),
    ).rejects.toThrow(/scope/);
  });

  it('answers 401 with WWW-Authenticate when the Authorization header is missing', async () => {
    const url = await start();
    const res = await get(`${url}/whoami`);
    await expectUnauthorized(res, /Authorization: Bearer <key>/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="jimeng-flow"');
  });

  it('answers 401 to another scheme, without echoing what was sent', async () => {
    const url = await start();
    await expectUnauthorized(await get(`${url}/whoami`, 'Basic dXNlcjpwYXNz'), /must be "Bearer <key>"/);
    const body = await expectUnauthorized(await get(`${url}/whoami`, `Token ${caller.key}`), /Bearer/);
    expect(JSON.stringify(body)).not.toContain(caller.key);
    // A caller who forgot the scheme sends the key as the only word: still 401, still not echoed.
    await expectUnauthorized(await get(`${url}/whoami`, caller.key), /must be "Bearer <key>"/);
  });

  it('answers 401 invalid_token to a bearer token that is not one of our keys', async () => {
    const url = await start();
    const res = await get(`${url}/whoami`, 'Bearer not-a-key');
    await expectUnauthorized(res, /not a jimeng-flow API key/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="jimeng-flow", error="invalid_token"');
  });

  it('answers 401 to a well-formed key nobody issued', async () => {
    const url = await start();
    const res = await get(`${url}/whoami`, `Bearer ${generateApiKey().key}`);
    await expectUnauthorized(res, /not known/);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 401 to a revoked key', async () => {
    const url = await start();
    await expectUnauthorized(await get(`${url}/whoami`, `Bearer ${revoked.key}`), /revoked/);
  });

  it('lets a valid key through and leaves its principal in ctx.state.apiKey', async () => {
    const url = await start();
    const res = await get(`${url}/whoami`, `Bearer ${caller.key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toEqual({
      id: caller.id,
      owner: callerOwner,
      scope: 'caller',
      name: 'test caller',
      prefix: caller.prefix,
    });
  });

  it('accepts the scheme in any case, as HTTP says schemes are case-insensitive', async () => {
    const url = await start();
    expect((await get(`${url}/whoami`, `bearer ${caller.key}`)).status).toBe(200);
  });

  it('answers 403 naming the scope when a caller key calls an admin route', async () => {
    const url = await start();
    const res = await get(`${url}/admin/ping`, `Bearer ${caller.key}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as ProblemBody;
    expect(body).toMatchObject({ status: 403, title: 'Forbidden', instance: '/admin/ping' });
    expect(body.detail).toMatch(/scope "admin"/);
  });

  it('lets an admin key call admin routes, and caller routes too', async () => {
    const url = await start();
    const res = await get(`${url}/admin/ping`, `Bearer ${admin.key}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ pong: adminOwner });
    expect((await get(`${url}/whoami`, `Bearer ${admin.key}`)).status).toBe(200);
  });

  it('principalOf answers 401 on a route mounted without authenticate()', () => {
    const set = jest.fn();
    expect(() => principalOf({ state: {}, set })).toThrow(Problem);
    try {
      principalOf({ state: {}, set });
    } catch (err) {
      expect((err as Problem).status).toBe(401);
    }
    expect(set).toHaveBeenCalledWith('WWW-Authenticate', 'Bearer realm="jimeng-flow"');
  });

  it('asks MySQL once per key within the cache TTL, so a revocation takes effect when the TTL ends', async () => {
    const key = await issueApiKey(sequelize, { owner: callerOwner, scope: 'caller' });
    let clock = new Date('2030-01-01T00:00:00Z');
    const url = await start({ now: () => clock, cacheTtlMs: 30_000 });
    const query = jest.spyOn(sequelize, 'query');
    const lookups = (): number =>
      query.mock.calls.filter(([sql]) => String(sql).includes('FROM api_keys WHERE key_hash')).length;

    expect((await get(`${url}/whoami`, `Bearer ${key.key}`)).status).toBe(200);
    expect((await get(`${url}/whoami`, `Bearer ${key.key}`)).status).toBe(200);
    expect(lookups()).toBe(1);

    await sequelize.query('UPDATE api_keys SET revoked_at = NOW(3) WHERE id = ?', { replacements: [key.id] });
    clock = new Date(clock.getTime() + 29_000);
    expect((await get(`${url}/whoami`, `Bearer ${key.key}`)).status).toBe(200);
    clock = new Date(clock.getTime() + 2_000);
    expect((await get(`${url}/whoami`, `Bearer ${key.key}`)).status).toBe(401);
    expect(lookups()).toBe(2);
  });

  it('records last_used_at at most once a minute per key', async () => {
    const key = await issueApiKey(sequelize, { owner: callerOwner, scope: 'caller' });
    const start0 = new Date('2030-01-01T00:00:00.000Z');
    let clock = start0;
    const url = await start({ now: () => clock });
    const query = jest.spyOn(sequelize, 'query');
    const touches = (): number =>
      query.mock.calls.filter(([sql]) => String(sql).startsWith('UPDATE api_keys SET last_used_at')).length;

    for (const offsetMs of [0, 10_000, 59_000]) {
      clock = new Date(start0.getTime() + offsetMs);
      expect((await get(`${url}/whoami`, `Bearer ${key.key}`)).status).toBe(200);
    }
    expect(touches()).toBe(1);
    await expect(lastUsedAt(key.id, start0)).resolves.toEqual(start0);

    clock = new Date(start0.getTime() + 61_000);
    expect((await get(`${url}/whoami`, `Bearer ${key.key}`)).status).toBe(200);
    expect(touches()).toBe(2);
    await expect(lastUsedAt(key.id, clock)).resolves.toEqual(clock);
  });

  it('never writes a key to the logs, only its mask', async () => {
    log.lines.length = 0;
    const unknown = generateApiKey().key;
    const url = await start();
    for (const authorization of [
      `Bearer ${caller.key}`,
      `Bearer ${admin.key}`,
      `Bearer ${revoked.key}`,
      `Bearer ${unknown}`,
      `Token ${caller.key}`,
      caller.key,
      `Bearer ${caller.key.slice(0, -1)}`,
    ]) {
      await get(`${url}/whoami`, authorization);
      await get(`${url}/admin/ping`, authorization);
    }
    const text = JSON.stringify(log.lines);
    expect(log.lines.length).toBeGreaterThan(0);
    for (const key of [caller.key, admin.key, revoked.key, unknown, caller.key.slice(0, -1)]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(0, 12));
    }
    expect(log.lines).toContainEqual(
      expect.objectContaining({ reason: 'unknown', key: maskApiKey(unknown), path: '/whoami' }),
    );
    expect(log.lines).toContainEqual(expect.objectContaining({ reason: 'revoked', apiKeyId: revoked.id }));
  });

  async function lastUsedAt(id: string, expected: Date): Promise<Date | null> {
    // The write is fire-and-forget: wait for it rather than for a fixed time.
    let seen: Date | null = null;
    for (let attempt = 0; attempt < 50; attempt++) {
      const [row] = await sequelize.query<{ last_used_at: Date | null }>(
        'SELECT last_used_at FROM api_keys WHERE id = ?',
        { replacements: [id], type: QueryTypes.SELECT },
      );
      seen = row?.last_used_at ?? null;
      if (seen?.getTime() === expected.getTime()) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return seen;
  }
});
