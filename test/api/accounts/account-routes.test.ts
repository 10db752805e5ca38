import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createAccountCheckActivities } from '../../../activities/account-check-activities';
import { initialQuotaResetTime } from '../../../domain/quota-reset';
import { JimengClient } from '../../../services/jimeng/client';
import { createApp } from '../../../api/app';
import { SnowflakeGenerator } from '../../../db/ids/snowflake';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { insertAccount } from '../../support/accounts';
import { recordingLogger } from '../../support/recording-logger';
import { GenerationFixture } from '../../workflows/generation-fixture';
import { listen, type RunningServer } from '../../support/koa-test-server';

interface Account {
  id: string;
  jimeng_account: string;
  jimeng_account_type: number;
  session_id: string;
  proxy_url: string | null;
  site_type: number;
  account_status: number;
  image_generation_status: number;
  video_generation_status: number;
  image_count: number;
  video_count: number;
  image_unavailable_time: string | null;
  video_unavailable_time: string | null;
  quota_reset_time: string | null;
  priority: number;
  max_retry_count: number;
  version: number;
  create_time: string;
  update_time: string;
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; reason: string }>;
}

interface DbAccount {
  session_id: string;
  attr3: string | null;
  site_type: number;
  priority: number;
  max_retry_count: number;
  version: number;
  is_deleted: number;
  create_by: string | null;
  update_by: string | null;
  create_time: Date;
  quota_reset_time: Date | null;
  image_generation_status: number;
  image_unavailable_time: Date | null;
  video_generation_status: number;
  video_unavailable_time: Date | null;
}

const RESOURCE_FIELDS = [
  'id',
  'jimeng_account',
  'jimeng_account_type',
  'session_id',
  'proxy_url',
  'site_type',
  'account_status',
  'image_generation_status',
  'video_generation_status',
  'image_count',
  'video_count',
  'image_unavailable_time',
  'video_unavailable_time',
  'quota_reset_time',
  'priority',
  'max_retry_count',
  'version',
  'create_time',
  'update_time',
].sort();

/**
 * The admin account routes through HTTP: Koa in-process over MariaDB, and "test this account" through a real
 * Temporal worker (this file's own, serving only the account check) and the Jimeng simulator.
 */
describe('accounts through the HTTP API (admin)', () => {
  const f = new GenerationFixture();
  const appLog = recordingLogger();
  const jimengLog = recordingLogger();
  let server: RunningServer;
  let url: string;
  let adminKey: string;
  let callerKey: string;
  let workerConnection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  /**
   * Every session id a test sent (and proxy URL, with its user and password), and every answer it got: no
   * answer may hold one of them.
   */
  let sessions: string[] = [];
  let answers: string[] = [];

  const session = (label = 'sess') => {
    const id = `${label}-${randomUUID()}`;
    sessions.push(id);
    return id;
  };

  const call = async <T = unknown>(
    path: string,
    init: { method?: string; json?: unknown; key?: string | null; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; headers: Headers; body: T }> => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? adminKey}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
    const text = await res.text();
    answers.push(text);
    return {
      status: res.status,
      headers: res.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as T,
    };
  };

  /** A proxy URL with credentials as distinctive as session ids, each part of it a secret to look for. */
  const proxy = (scheme = 'socks5') => {
    const user = `puser-${randomUUID().slice(0, 8)}`;
    const password = `ppass-${randomUUID()}`;
    const proxyUrl = `${scheme}://${user}:${password}@proxy.example.com:1080`;
    sessions.push(proxyUrl, user, password);
    return proxyUrl;
  };

  const input = (extra: Record<string, unknown> = {}) => ({
    jimeng_account: `acct-${randomUUID().slice(0, 8)}`,
    session_id: session(),
    ...extra,
  });

  const create = async (extra: Record<string, unknown> = {}): Promise<Account> => {
    const res = await call<Account>('/v1/accounts', { method: 'POST', json: input(extra) });
    expect(res.status).toBe(201);
    return res.body;
  };

  const dbAccount = (id: string) => f.row<DbAccount>('SELECT * FROM jimeng_accounts WHERE id = ?', [id]);
  const accountCount = async () =>
    Number((await f.row<{ n: number }>('SELECT COUNT(*) AS n FROM jimeng_accounts', [])).n);

  const expectProblem = (res: { status: number; headers: Headers; body: unknown }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return res.body as Problem;
  };
  const fieldsOf = (problem: Problem) => (problem.errors ?? []).map((e) => e.field);

  beforeAll(async () => {
    await f.start({ inProcessWorker: false });
    workerConnection = await NativeConnection.connect({ address: f.config.temporalAddress });
    worker = await Worker.create({
      connection: workerConnection,
      namespace: f.config.temporalNamespace,
      taskQueue: f.taskQueue,
      workflowsPath: require.resolve('../../../workflows/account-check'),
      activities: createAccountCheckActivities({
        sequelize: f.sequelize,
        jimeng: new JimengClient({
          baseUrls: { default: f.sim.url },
          timeoutMs: 10_000,
          logger: jimengLog.logger,
        }),
      }),
    });
    running = worker.run();
    const app = createApp({
      sequelize: f.sequelize,
      temporal: f.connection,
      logger: appLog.logger,
      ids: new SnowflakeGenerator({ nodeId: 911 }),
      settings: { namespace: f.config.temporalNamespace, taskQueue: f.taskQueue },
    });
    server = await listen(app);
    url = server.url;
    adminKey = (await issueApiKey(f.sequelize, { owner: 'ops-admin', scope: 'admin' })).key;
    callerKey = (await issueApiKey(f.sequelize, { owner: 'tenant-a', scope: 'caller' })).key;
  }, 120_000);

  afterAll(async () => {
    await server.close();
    worker.shutdown();
    await running;
    await workerConnection.close();
    await f.close();
  }, 60_000);

  beforeEach(async () => {
    await f.reset();
    sessions = [];
    answers = [];
  });

  afterEach(() => {
    // The write-only promise: not in an answer, not in a log line of the API or of the Jimeng client.
    const logged = [...appLog.lines, ...jimengLog.lines].map((line) => JSON.stringify(line));
    for (const secret of sessions) {
      expect(answers.filter((text) => text.includes(secret))).toEqual([]);
      expect(logged.filter((text) => text.includes(secret))).toEqual([]);
    }
  });

  describe('create', () => {
    it('answers 201 with a Location and the account, its session id masked; the row has its quota reset', async () => {
      const body = input({ site_type: 1, priority: 5, max_retry_count: 8, jimeng_account_type: 1 });
      const res = await call<Account>('/v1/accounts', { method: 'POST', json: body });
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/v1/accounts/${res.body.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(Object.keys(res.body).sort()).toEqual(RESOURCE_FIELDS);
      expect(res.body).toMatchObject({
        jimeng_account: body.jimeng_account,
        jimeng_account_type: 1,
        session_id: `${body.session_id.slice(0, 4)}…${body.session_id.slice(-4)}`,
        site_type: 1,
        account_status: 0,
        image_generation_status: 1,
        video_generation_status: 1,
        image_count: 0,
        video_count: 0,
        image_unavailable_time: null,
        video_unavailable_time: null,
        priority: 5,
        max_retry_count: 8,
        version: 1,
      });
      expect(res.body.id).toMatch(/^\d+$/);

      const row = await dbAccount(res.body.id);
      expect(row).toMatchObject({ session_id: body.session_id, create_by: 'ops-admin', is_deleted: 0 });
      // Seed 002: written at creation as the next day's 00:30 in the quota time zone (16:30 UTC in Shanghai).
      expect(row.quota_reset_time).not.toBeNull();
      expect(row.quota_reset_time!.getTime()).toBe(
        initialQuotaResetTime(row.create_time, 'Asia/Shanghai').getTime(),
      );
      expect(row.quota_reset_time!.getTime()).toBeGreaterThan(Date.now());
      expect([row.quota_reset_time!.getUTCHours(), row.quota_reset_time!.getUTCMinutes()]).toEqual([16, 30]);
      expect(res.body.quota_reset_time).toBe(row.quota_reset_time!.toISOString());
      expect(res.body.create_time).toBe(row.create_time.toISOString());
    });

    it('fills the seed defaults for the optional fields', async () => {
      const account = await create();
      expect(account).toMatchObject({
        jimeng_account_type: 0,
        site_type: 0,
        priority: 0,
        max_retry_count: 4,
      });
    });

    it('refuses a session id already in the pool on the same site (409), allows it on another site', async () => {
      const first = input({ site_type: 2 });
      expect((await call('/v1/accounts', { method: 'POST', json: first })).status).toBe(201);
      const again = expectProblem(
        await call('/v1/accounts', { method: 'POST', json: { ...first, jimeng_account: 'other-name' } }),
        409,
      );
      expect(fieldsOf(again)).toEqual(['body.session_id']);
      // The unique key compares letter case away, and so does the API.
      const upper = { ...first, session_id: first.session_id.toUpperCase() };
      sessions.push(upper.session_id);
      expectProblem(await call('/v1/accounts', { method: 'POST', json: upper }), 409);
      expect((await call('/v1/accounts', { method: 'POST', json: { ...first, site_type: 3 } })).status).toBe(
        201,
      );
      expect(await accountCount()).toBe(2);
    });

    it('refuses unknown fields and out-of-range values with a 422 naming each field; nothing is written', async () => {
      const unknown = expectProblem(
        await call('/v1/accounts', { method: 'POST', json: input({ x: 1 }) }),
        422,
      );
      expect(unknown.errors).toEqual([{ field: 'body.x', reason: 'unknown field' }]);

      const retries = expectProblem(
        await call('/v1/accounts', { method: 'POST', json: input({ max_retry_count: 99 }) }),
        422,
      );
      expect(fieldsOf(retries)).toEqual(['body.max_retry_count']);

      const several = expectProblem(
        await call('/v1/accounts', {
          method: 'POST',
          json: { jimeng_account: '', site_type: 5, jimeng_account_type: 2, priority: 1.5 },
        }),
        422,
      );
      expect(fieldsOf(several).sort()).toEqual(
        [
          'body.jimeng_account',
          'body.jimeng_account_type',
          'body.priority',
          'body.session_id',
          'body.site_type',
        ].sort(),
      );
      expect(several.errors).toContainEqual({ field: 'body.session_id', reason: 'required' });

      for (const bad of ['a,b', 'has space', 'us-abcdef', 'x'.repeat(201), '']) {
        const problem = expectProblem(
          await call('/v1/accounts', { method: 'POST', json: input({ session_id: bad }) }),
          422,
        );
        expect(fieldsOf(problem)).toContain('body.session_id');
      }
      expect(await accountCount()).toBe(0);
    });
  });

  describe('get', () => {
    it('answers the account with its version as ETag; 404 for an unknown id', async () => {
      const created = await create({ priority: 3 });
      const res = await call<Account>(`/v1/accounts/${created.id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toEqual(created);

      const missing = expectProblem(await call('/v1/accounts/123456789'), 404);
      expect(missing.detail).toMatch(/123456789/);
      expectProblem(await call('/v1/accounts/not%20an%20id'), 422);
    });
  });

  describe('list', () => {
    it('filters by site, statuses and name prefix, and its pages meet every row once, newest first', async () => {
      const imported = await call<{ data: Account[] }>('/v1/accounts/import', {
        method: 'POST',
        json: {
          accounts: [
            input({ jimeng_account: 'alpha-1', site_type: 1 }),
            input({ jimeng_account: 'alpha-2', site_type: 1 }),
            input({ jimeng_account: 'beta-1', site_type: 0 }),
            input({ jimeng_account: 'alpha_3', site_type: 0 }),
          ],
        },
      });
      expect(imported.status).toBe(201);
      // Rows from other tools, in other seconds, with other statuses; one deleted.
      const older = await insertAccount(f.sequelize, {
        jimeng_account: 'gamma-old',
        session_id: session(),
        account_status: 2,
        image_generation_status: 0,
      });
      const oldest = await insertAccount(f.sequelize, {
        jimeng_account: 'alpha-oldest',
        session_id: session(),
        video_generation_status: 2,
      });
      const deleted = await insertAccount(f.sequelize, {
        jimeng_account: 'alpha-deleted',
        session_id: session(),
        is_deleted: 1,
      });
      await f.sequelize.query(
        `UPDATE jimeng_accounts SET create_time = CASE id WHEN ? THEN NOW() - INTERVAL 1 HOUR
           WHEN ? THEN NOW() - INTERVAL 2 HOUR ELSE create_time END`,
        { replacements: [older, oldest] },
      );

      const all: Account[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; body: { data: Account[]; next_cursor: string | null } } = await call(
          `/v1/accounts?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        all.push(...page.body.data);
        cursor = page.body.next_cursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(cursor).toBeNull();
      const expectedIds = [...imported.body.data.map((a) => a.id), older, oldest];
      expect(all.map((a) => a.id).sort()).toEqual(expectedIds.sort());
      expect(all.map((a) => a.id)).not.toContain(deleted);
      // Newest first by (create_time, id): the import shares one second, so there the larger id leads.
      const order = [...all].sort((a, b) =>
        a.create_time === b.create_time ? (a.id < b.id ? 1 : -1) : a.create_time < b.create_time ? 1 : -1,
      );
      expect(all.map((a) => a.id)).toEqual(order.map((a) => a.id));
      expect(all.slice(-2).map((a) => a.id)).toEqual([older, oldest]);

      const names = async (query: string) =>
        (await call<{ data: Account[] }>(`/v1/accounts?${query}`)).body.data
          .map((a) => a.jimeng_account)
          .sort();
      expect(await names('site_type=1')).toEqual(['alpha-1', 'alpha-2']);
      // `_` is a LIKE wildcard: the prefix is matched as written.
      expect(await names('q=alpha-')).toEqual(['alpha-1', 'alpha-2', 'alpha-oldest']);
      expect(await names('q=alpha_')).toEqual(['alpha_3']);
      expect(await names('account_status=2')).toEqual(['gamma-old']);
      expect(await names('image_status=0')).toEqual(['gamma-old']);
      expect(await names('video_status=2')).toEqual(['alpha-oldest']);
      expect(await names('site_type=0&q=alpha')).toEqual(['alpha-oldest', 'alpha_3']);
    });

    it('refuses a bad limit, filter or cursor with a 422 naming it', async () => {
      expect(fieldsOf(expectProblem(await call('/v1/accounts?limit=0'), 422))).toEqual(['query.limit']);
      expect(fieldsOf(expectProblem(await call('/v1/accounts?limit=101'), 422))).toEqual(['query.limit']);
      expect(fieldsOf(expectProblem(await call('/v1/accounts?site_type=9'), 422))).toEqual([
        'query.site_type',
      ]);
      expect(fieldsOf(expectProblem(await call('/v1/accounts?cursor=garbage'), 422))).toEqual([
        'query.cursor',
      ]);
      expect(fieldsOf(expectProblem(await call('/v1/accounts?colour=red'), 422))).toEqual(['query.colour']);
    });
  });

  describe('update', () => {
    it('changes the named fields, bumps the version and records who did it', async () => {
      const created = await create();
      const res = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { priority: 9, max_retry_count: 12, account_status: 1 },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({ priority: 9, max_retry_count: 12, account_status: 1, version: 2 });
      expect(res.body.session_id).toBe(created.session_id);
      expect(await dbAccount(created.id)).toMatchObject({
        priority: 9,
        max_retry_count: 12,
        version: 2,
        update_by: 'ops-admin',
      });
    });

    it('a capability status set by hand has no unavailable time, except a rate limit, which starts its cooldown', async () => {
      const created = await create();
      await f.sequelize.query(
        'UPDATE jimeng_accounts SET image_generation_status = 0, image_unavailable_time = NOW() WHERE id = ?',
        { replacements: [created.id] },
      );
      const res = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { image_generation_status: 1, video_generation_status: 2 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ image_generation_status: 1, image_unavailable_time: null });
      expect(res.body.video_generation_status).toBe(2);
      expect(Math.abs(Date.parse(res.body.video_unavailable_time!) - Date.now())).toBeLessThan(5_000);

      const off = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { video_generation_status: 0 },
      });
      expect(off.body).toMatchObject({
        video_generation_status: 0,
        video_unavailable_time: null,
        version: 3,
      });
    });

    it('replaces the session id: the answer stays masked, the row holds the new one', async () => {
      const created = await create();
      const replacement = session('fresh');
      const res = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { session_id: replacement },
      });
      expect(res.status).toBe(200);
      expect(res.body.session_id).toBe(`fres…${replacement.slice(-4)}`);
      expect(res.body.version).toBe(2);
      expect((await dbAccount(created.id)).session_id).toBe(replacement);
    });

    it('refuses a session id another account holds on the same site (409); the account is unchanged', async () => {
      const a = await create();
      const b = await create();
      const taken = (await dbAccount(a.id)).session_id;
      const problem = expectProblem(
        await call(`/v1/accounts/${b.id}`, { method: 'PATCH', json: { session_id: taken, priority: 7 } }),
        409,
      );
      expect(fieldsOf(problem)).toEqual(['body.session_id']);
      expect(await dbAccount(b.id)).toMatchObject({ version: 1, priority: 0 });
    });

    it('honours If-Match: a stale version is refused with 412 and changes nothing', async () => {
      const created = await create();
      const first = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { priority: 1 },
        headers: { 'if-match': '"1"' },
      });
      expect(first.status).toBe(200);
      const stale = await call(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { priority: 2 },
        headers: { 'if-match': '"1"' },
      });
      expectProblem(stale, 412);
      expect(stale.headers.get('etag')).toBe('"2"');
      expect(await dbAccount(created.id)).toMatchObject({ priority: 1, version: 2 });
      expectProblem(
        await call(`/v1/accounts/${created.id}`, {
          method: 'PATCH',
          json: { priority: 2 },
          headers: { 'if-match': 'yesterday' },
        }),
        400,
      );
    });

    it('refuses an empty patch, unknown fields and bad values (422); 404 for an unknown account', async () => {
      const created = await create();
      expect(
        fieldsOf(expectProblem(await call(`/v1/accounts/${created.id}`, { method: 'PATCH', json: {} }), 422)),
      ).toEqual(['body']);
      expect(
        fieldsOf(
          expectProblem(
            await call(`/v1/accounts/${created.id}`, {
              method: 'PATCH',
              json: { site_type: 1, is_deleted: 1 },
            }),
            422,
          ),
        ).sort(),
      ).toEqual(['body.is_deleted', 'body.site_type']);
      expect(
        fieldsOf(
          expectProblem(
            await call(`/v1/accounts/${created.id}`, {
              method: 'PATCH',
              json: { max_retry_count: 99, account_status: 3 },
            }),
            422,
          ),
        ).sort(),
      ).toEqual(['body.account_status', 'body.max_retry_count']);
      expect((await dbAccount(created.id)).version).toBe(1);
      expectProblem(await call('/v1/accounts/987654321', { method: 'PATCH', json: { priority: 1 } }), 404);
    });
  });

  describe('the outbound proxy (proxy_url, write-only)', () => {
    const MASKED = 'socks5://…@proxy.example.com:1080';

    it('is taken on creation, kept in attr3 and shown masked in every answer: create, get, list', async () => {
      const proxyUrl = proxy();
      const created = await create({ proxy_url: proxyUrl });
      expect(created.proxy_url).toBe(MASKED);
      expect((await dbAccount(created.id)).attr3).toBe(proxyUrl);
      expect((await call<Account>(`/v1/accounts/${created.id}`)).body.proxy_url).toBe(MASKED);
      const list = await call<{ data: Account[] }>('/v1/accounts');
      expect(list.body.data.map((a) => a.proxy_url)).toEqual([MASKED]);

      const direct = await create();
      expect(direct.proxy_url).toBeNull();
      expect((await dbAccount(direct.id)).attr3).toBeNull();
      expect((await create({ proxy_url: null })).proxy_url).toBeNull();
      // Without credentials there is nothing to hide: scheme, host and port as sent.
      expect((await create({ proxy_url: 'http://10.0.0.7:3128' })).proxy_url).toBe('http://10.0.0.7:3128');
    });

    it('is taken on import, each entry masked; a bad one is named by its index and nothing is written', async () => {
      const [a, b] = [proxy(), proxy('https')];
      const res = await call<{ data: Account[] }>('/v1/accounts/import', {
        method: 'POST',
        json: { accounts: [input({ proxy_url: a }), input(), input({ proxy_url: b })] },
      });
      expect(res.status).toBe(201);
      expect(res.body.data.map((account) => account.proxy_url)).toEqual([
        MASKED,
        null,
        'https://…@proxy.example.com:1080',
      ]);
      expect((await dbAccount(res.body.data[2]!.id)).attr3).toBe(b);

      const problem = expectProblem(
        await call('/v1/accounts/import', {
          method: 'POST',
          json: { accounts: [input({ proxy_url: proxy() }), input({ proxy_url: 'ftp://h:21' })] },
        }),
        422,
      );
      expect(fieldsOf(problem)).toEqual(['body.accounts.1.proxy_url']);
      expect(await accountCount()).toBe(3);
    });

    it('is replaced and cleared (null) by PATCH, each a new version; other patches leave it alone', async () => {
      const created = await create({ proxy_url: proxy() });
      const replacement = proxy('socks4');
      const replaced = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { proxy_url: replacement },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ proxy_url: 'socks4://…@proxy.example.com:1080', version: 2 });
      expect((await dbAccount(created.id)).attr3).toBe(replacement);

      const other = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { priority: 3 },
      });
      expect(other.body.proxy_url).toBe('socks4://…@proxy.example.com:1080');
      expect((await dbAccount(created.id)).attr3).toBe(replacement);

      const cleared = await call<Account>(`/v1/accounts/${created.id}`, {
        method: 'PATCH',
        json: { proxy_url: null },
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ proxy_url: null, version: 4 });
      expect((await dbAccount(created.id)).attr3).toBeNull();
    });

    it('refuses a URL the Jimeng proxy would misread with a 422 naming body.proxy_url, without quoting it', async () => {
      const secret = `pw-${randomUUID()}`;
      sessions.push(secret);
      const bad = [
        `ftp://u:${secret}@h:21`,
        `http://u:${secret}@h`,
        `http://u:${secret}@h:1/path`,
        `http://u:${secret}@h:1/x@y`,
        `http://u:${secret},x@h:1`,
        `http://u:${secret}@h:70000`,
        `http://u:${secret} @h:1`,
        `http://${'u'.repeat(1024)}@h:1`, // over 1024 characters
        MASKED, // a masked value sent back: the credentials would become `…`
        '',
        1080,
      ];
      for (const value of bad) {
        const problem = expectProblem(
          await call('/v1/accounts', { method: 'POST', json: input({ proxy_url: value }) }),
          422,
        );
        expect({ value, fields: fieldsOf(problem) }).toEqual({ value, fields: ['body.proxy_url'] });
      }
      expect(await accountCount()).toBe(0);

      const created = await create();
      const patched = expectProblem(
        await call(`/v1/accounts/${created.id}`, {
          method: 'PATCH',
          json: { proxy_url: `socks5h://u:${secret}@h:1080` },
        }),
        422,
      );
      expect(patched.errors).toEqual([
        { field: 'body.proxy_url', reason: expect.stringMatching(/socks5:\/\//) },
      ]);
      expect(await dbAccount(created.id)).toMatchObject({ attr3: null, version: 1 });
    });

    it('a value written by hand that the API would refuse shows as `…` alone', async () => {
      const secret = `pw-${randomUUID()}`;
      sessions.push(secret);
      const id = await insertAccount(f.sequelize, { session_id: session() });
      await f.sequelize.query('UPDATE jimeng_accounts SET attr3 = ? WHERE id = ?', {
        replacements: [`http://u:${secret}@h:1/x@y`, id],
      });
      expect((await call<Account>(`/v1/accounts/${id}`)).body.proxy_url).toBe('…');
    });

    it('is documented write-only on the way in and masked on the way out (/openapi.json)', async () => {
      type Schema = { properties: Record<string, { writeOnly?: boolean; description?: string }> };
      const doc = (await call<{ components: { schemas: Record<string, Schema> } }>('/openapi.json')).body;
      const { AccountInput, AccountPatch, Account: resource } = doc.components.schemas;
      expect(AccountInput!.properties.proxy_url!.writeOnly).toBe(true);
      expect(AccountPatch!.properties.proxy_url!.writeOnly).toBe(true);
      expect(resource!.properties.proxy_url!.description).toMatch(/^Masked: .*socks5:\/\/…@/);
    });

    it('reaches the upstream in front of the token: the account check through it finds the session live', async () => {
      const created = await create({ proxy_url: proxy() });
      const sessionId = (await dbAccount(created.id)).session_id;
      f.sim.admin.registerSession({ sessionId, remainingQuota: 25 });
      const res = await call(`/v1/accounts/${created.id}/test`, { method: 'POST' });
      expect(res.status).toBe(200);
      // The simulator cuts the proxy URL off at the last @ (as the proxy does) and knows the session behind it.
      expect(res.body).toMatchObject({ account_id: created.id, live: true, credits: 25, error: null });
    });
  });

  describe('delete', () => {
    it('soft-deletes (204), after which the account is a 404 everywhere and absent from the list', async () => {
      const kept = await create();
      const gone = await create();
      const res = await call(`/v1/accounts/${gone.id}`, { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();

      expectProblem(await call(`/v1/accounts/${gone.id}`), 404);
      expectProblem(await call(`/v1/accounts/${gone.id}`, { method: 'PATCH', json: { priority: 1 } }), 404);
      expectProblem(await call(`/v1/accounts/${gone.id}/test`, { method: 'POST' }), 404);
      // Deleting again: there is no such account any more.
      expectProblem(await call(`/v1/accounts/${gone.id}`, { method: 'DELETE' }), 404);
      const list = await call<{ data: Account[] }>('/v1/accounts');
      expect(list.body.data.map((a) => a.id)).toEqual([kept.id]);
      expect(await dbAccount(gone.id)).toMatchObject({ is_deleted: 1, version: 2, update_by: 'ops-admin' });
    });
  });

  describe('import', () => {
    it('creates every account (201), in the order sent, each with its quota reset', async () => {
      const accounts = [
        input({ site_type: 0 }),
        input({ site_type: 1, priority: 2 }),
        input({ site_type: 4 }),
      ];
      const res = await call<{ data: Account[] }>('/v1/accounts/import', {
        method: 'POST',
        json: { accounts },
      });
      expect(res.status).toBe(201);
      expect(res.body.data.map((a) => a.jimeng_account)).toEqual(accounts.map((a) => a.jimeng_account));
      expect(res.body.data.map((a) => a.site_type)).toEqual([0, 1, 4]);
      for (const [index, account] of res.body.data.entries()) {
        expect(account.session_id).toBe(`sess…${accounts[index]!.session_id.slice(-4)}`);
        const row = await dbAccount(account.id);
        expect(row.session_id).toBe(accounts[index]!.session_id);
        expect(row.quota_reset_time).not.toBeNull();
        expect(row.create_by).toBe('ops-admin');
      }
      expect(await accountCount()).toBe(3);
    });

    it('a batch repeating a session on a site is refused (422) naming the repeat; nothing is written', async () => {
      const first = input({ site_type: 1 });
      const accounts = [first, input(), { ...input(), session_id: first.session_id, site_type: 1 }, input()];
      const problem = expectProblem(
        await call('/v1/accounts/import', { method: 'POST', json: { accounts } }),
        422,
      );
      expect(fieldsOf(problem)).toEqual(['body.accounts.2.session_id']);
      expect(problem.errors![0]!.reason).toMatch(/accounts\.0/);
      expect(await accountCount()).toBe(0);
    });

    it('a batch with an account already in the pool is refused (409) naming it; nothing is written', async () => {
      const existing = await create({ site_type: 3 });
      const held = (await dbAccount(existing.id)).session_id;
      const accounts = [input(), { ...input(), session_id: held, site_type: 3 }, input()];
      const problem = expectProblem(
        await call('/v1/accounts/import', { method: 'POST', json: { accounts } }),
        409,
      );
      expect(fieldsOf(problem)).toEqual(['body.accounts.1.session_id']);
      expect(await accountCount()).toBe(1);
    });

    it('refuses an empty batch, a bad entry (named by index) and unknown fields', async () => {
      expect(
        fieldsOf(
          expectProblem(await call('/v1/accounts/import', { method: 'POST', json: { accounts: [] } }), 422),
        ),
      ).toEqual(['body.accounts']);
      const problem = expectProblem(
        await call('/v1/accounts/import', {
          method: 'POST',
          json: { accounts: [input(), input({ max_retry_count: 13, colour: 'red' })], dry_run: true },
        }),
        422,
      );
      expect(fieldsOf(problem).sort()).toEqual(
        ['body.accounts.1.colour', 'body.accounts.1.max_retry_count', 'body.dry_run'].sort(),
      );
      expect(await accountCount()).toBe(0);
    });
  });

  describe('test this account (through the account check workflow)', () => {
    it('a live session: live, with its credits (gift, purchased and vip together)', async () => {
      const created = await create();
      const sessionId = (await dbAccount(created.id)).session_id;
      // The proxy's totalCredit is gift_credit + purchase_credit + vip_credit (src/api/controllers/core.ts:199-203).
      f.sim.admin.registerSession({ sessionId, remainingQuota: 30, purchaseCredit: 6, vipCredit: 4 });
      const res = await call<{
        account_id: string;
        live: boolean;
        credits: number | null;
        checked_at: string;
      }>(`/v1/accounts/${created.id}/test`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ account_id: created.id, live: true, credits: 40, error: null });
      expect(Math.abs(Date.parse(res.body.checked_at) - Date.now())).toBeLessThan(30_000);
      // A look, not a change.
      expect((await dbAccount(created.id)).version).toBe(1);
    });

    // The proxy has no ban signal: a banned session answers /token/check as a logged-out one ({ live: false }).
    it.each(['invalid', 'banned'] as const)('an %s session: not live, no credits', async (state) => {
      const created = await create();
      f.sim.admin.registerSession({ sessionId: (await dbAccount(created.id)).session_id, state });
      const res = await call(`/v1/accounts/${created.id}/test`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ account_id: created.id, live: false, credits: null, error: null });
    });

    it('an upstream failure is reported in the answer, without the session id', async () => {
      const created = await create();
      const sessionId = (await dbAccount(created.id)).session_id;
      f.sim.admin.registerSession({ sessionId });
      // The credits read meets an upstream 5xx four times; the proxy then reads `credit` off the error page and
      // answers HTTP 200 with the TypeError as -1000 (src/api/controllers/core.ts:188-190, 368-377, 631-634).
      f.sim.admin.injectFault({
        kind: 'http_5xx',
        status: 500,
        endpoint: 'POST /token/points',
        count: 1,
        sessionId,
      });
      const res = await call<{ live: boolean; credits: null; error: { code: string; message: string } }>(
        `/v1/accounts/${created.id}/test`,
        { method: 'POST' },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ live: true, credits: null, error: { code: '-1000' } });
      expect(res.body.error.message).toContain("Cannot read properties of undefined (reading 'gift_credit')");
      expect(res.body.error.message).not.toContain(sessionId);
    });

    it('an unknown account is a 404', async () => {
      const problem = expectProblem(await call('/v1/accounts/424242/test', { method: 'POST' }), 404);
      expect(problem.detail).toMatch(/424242/);
    });
  });

  describe('access', () => {
    it('a caller key gets 403 and no key 401 on every account route; nothing is written', async () => {
      const created = await create();
      const routes: Array<{ method: string; path: string; json?: unknown }> = [
        { method: 'GET', path: '/v1/accounts' },
        { method: 'GET', path: `/v1/accounts/${created.id}` },
        { method: 'POST', path: '/v1/accounts', json: input() },
        { method: 'POST', path: '/v1/accounts/import', json: { accounts: [input()] } },
        { method: 'PATCH', path: `/v1/accounts/${created.id}`, json: { priority: 5 } },
        { method: 'DELETE', path: `/v1/accounts/${created.id}` },
        { method: 'POST', path: `/v1/accounts/${created.id}/test` },
      ];
      for (const route of routes) {
        const init = { method: route.method, ...(route.json !== undefined ? { json: route.json } : {}) };
        const asCaller = await call(route.path, { ...init, key: callerKey });
        expect({ route: `${route.method} ${route.path}`, status: asCaller.status }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 403,
        });
        expectProblem(asCaller, 403);
        const anonymous = await call(route.path, { ...init, key: null });
        expect({ route: `${route.method} ${route.path}`, status: anonymous.status }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 401,
        });
      }
      expect(await accountCount()).toBe(1);
      expect(await dbAccount(created.id)).toMatchObject({ version: 1, is_deleted: 0, priority: 0 });
    });
  });
});
