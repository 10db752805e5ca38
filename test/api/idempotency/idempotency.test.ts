import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import { QueryTypes, type Sequelize } from 'sequelize';
import { authenticate } from '../../../api/auth/authentication';
import { issueApiKey, type IssuedApiKey } from '../../../api/auth/issue-api-key';
import { idempotency } from '../../../api/idempotency/idempotency';
import { purgeExpiredIdempotencyKeys } from '../../../db/idempotency-keys';
import { Problem, problemDetails } from '../../../api/problem';
import { migratedTestDatabase } from '../../support/database';
import { listen, rawJsonBody, type RunningServer } from '../../support/koa-test-server';
import { recordingLogger } from '../../support/recording-logger';

const TTL_MS = 60_000;

describe('Idempotency-Key on POST', () => {
  const run = randomUUID().slice(0, 8);
  const owners = [`idem-a-${run}`, `idem-b-${run}`];
  let sequelize: Sequelize;
  let tenantA: IssuedApiKey;
  let tenantB: IssuedApiKey;
  let server: RunningServer;
  let url: string;
  const log = recordingLogger();

  // Controlled by each test: the clock, how many times each handler ran, and the slow handler's gate.
  let clock: Date;
  let runs: Record<string, number>;
  let failNext: boolean;
  let slow: { entered: Promise<void>; enter: () => void; release: () => void; released: Promise<void> };

  function ran(route: string): void {
    runs[route] = (runs[route] ?? 0) + 1;
  }

  function newGate(): typeof slow {
    let enter!: () => void;
    let release!: () => void;
    const entered = new Promise<void>((resolve) => (enter = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    return { entered, enter, release, released };
  }

  function post(
    path: string,
    options: { key?: IssuedApiKey; idempotencyKey?: string; body?: unknown; method?: string } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${(options.key ?? tenantA).key}`,
      'content-type': 'application/json',
    };
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    const method = options.method ?? 'POST';
    return fetch(`${url}${path}`, {
      method,
      headers,
      body: method === 'GET' ? undefined : JSON.stringify(options.body ?? { prompt: 'a lighthouse' }),
    });
  }

  async function rows(
    owner: string,
    key: string,
  ): Promise<Array<{ state: string; response_status: number }>> {
    return sequelize.query(
      'SELECT state, response_status FROM api_idempotency_keys WHERE owner = ? AND idempotency_key = ?',
      { replacements: [owner, key], type: QueryTypes.SELECT },
    );
  }

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    tenantA = await issueApiKey(sequelize, { owner: owners[0]!, scope: 'caller' });
    tenantB = await issueApiKey(sequelize, { owner: owners[1]!, scope: 'caller' });

    const app = new Koa();
    app.silent = true;
    app.use(problemDetails(log.logger));
    app.use(rawJsonBody());
    app.use(authenticate({ sequelize }));
    app.use(idempotency({ sequelize, ttlMs: TTL_MS, now: () => clock, logger: log.logger }));
    const router = new Router();
    router.post('/tasks', (ctx) => {
      ran('tasks');
      const id = `task-${runs.tasks}`;
      ctx.status = 201;
      ctx.set('Location', `/tasks/${id}`);
      ctx.set('X-Not-Replayed', 'first-only');
      ctx.body = { id, request: ctx.state.body as unknown };
    });
    router.get('/tasks', (ctx) => {
      ran('list');
      ctx.body = { runs: runs.list };
    });
    router.post('/other', (ctx) => {
      ran('other');
      ctx.status = 201;
    });
    router.post('/slow', async (ctx) => {
      ran('slow');
      slow.enter();
      await slow.released;
      ctx.status = 202;
      ctx.body = { accepted: true };
    });
    router.post('/flaky', (ctx) => {
      ran('flaky');
      if (failNext) throw new Error('the upstream fell over');
      ctx.status = 201;
      ctx.body = { attempt: runs.flaky };
    });
    router.post('/unavailable', (ctx) => {
      ran('unavailable');
      ctx.status = 503;
      ctx.body = { retry: true };
    });
    router.post('/invalid', () => {
      ran('invalid');
      throw new Problem(400, 'Bad Request', 'the request is not valid', [
        { field: 'body.prompt', reason: 'must not be empty' },
      ]);
    });
    router.post('/declined', (ctx) => {
      ran('declined');
      ctx.status = 402;
      ctx.body = { declined: runs.declined };
    });
    router.post('/busy', () => {
      ran('busy');
      throw new Problem(429, 'Too Many Requests', 'upstream quota');
    });
    app.use(router.routes());
    server = await listen(app);
    url = server.url;
  });
  beforeEach(() => {
    clock = new Date('2030-06-01T00:00:00.000Z');
    runs = {};
    failNext = false;
    slow = newGate();
  });
  afterAll(async () => {
    await server.close();
    await sequelize.query('DELETE FROM api_idempotency_keys WHERE owner IN (?, ?)', { replacements: owners });
    await sequelize.query('DELETE FROM api_keys WHERE owner IN (?, ?)', { replacements: owners });
    await sequelize.close();
  });

  it('replays the first response to a retry with the same key and body, running the handler once', async () => {
    const key = randomUUID();
    const first = await post('/tasks', { idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.text();

    clock = new Date(clock.getTime() + 1_000);
    const retry = await post('/tasks', { idempotencyKey: key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('location')).toBe('/tasks/task-1');
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(retry.headers.get('x-not-replayed')).toBeNull();
    expect(await retry.text()).toBe(firstBody);
    expect(JSON.parse(firstBody)).toEqual({ id: 'task-1', request: { prompt: 'a lighthouse' } });
    expect(runs.tasks).toBe(1);
    expect(await rows(owners[0]!, key)).toEqual([{ state: 'done', response_status: 201 }]);
  });

  it('answers 422 when the key comes back with a different body or path', async () => {
    const key = randomUUID();
    expect((await post('/tasks', { idempotencyKey: key })).status).toBe(201);

    const otherBody = await post('/tasks', { idempotencyKey: key, body: { prompt: 'a different prompt' } });
    expect(otherBody.status).toBe(422);
    expect(otherBody.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await otherBody.json()).toMatchObject({
      status: 422,
      title: 'Idempotency key reused with a different request',
      errors: [{ field: 'header.Idempotency-Key', reason: 'already used for a different request' }],
    });
    expect((await post('/other', { idempotencyKey: key })).status).toBe(422);
    expect((await post('/tasks?dryRun=true', { idempotencyKey: key })).status).toBe(422);
    expect(runs).toEqual({ tasks: 1 });
  });

  it('answers 409 with Retry-After to a retry that arrives while the first request still runs', async () => {
    const key = randomUUID();
    const first = post('/slow', { idempotencyKey: key });
    await slow.entered;

    const concurrent = await post('/slow', { idempotencyKey: key });
    expect(concurrent.status).toBe(409);
    expect(concurrent.headers.get('retry-after')).toBe('1');
    expect(concurrent.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await concurrent.json()) as { detail: string }).detail).toMatch(/still in progress/);

    slow.release();
    expect((await first).status).toBe(202);
    const later = await post('/slow', { idempotencyKey: key });
    expect(later.status).toBe(202);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(await later.json()).toEqual({ accepted: true });
    expect(runs.slow).toBe(1);
  });

  it('forgets the key when the handler throws, so a retry runs the handler again', async () => {
    const key = randomUUID();
    failNext = true;
    const failed = await post('/flaky', { idempotencyKey: key });
    expect(failed.status).toBe(500);
    expect(await rows(owners[0]!, key)).toEqual([]);

    failNext = false;
    const retry = await post('/flaky', { idempotencyKey: key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await retry.json()).toEqual({ attempt: 2 });
    expect(runs.flaky).toBe(2);
  });

  it('forgets the key when the handler answers 5xx or a 4xx that asks to try again', async () => {
    const unavailable = randomUUID();
    expect((await post('/unavailable', { idempotencyKey: unavailable })).status).toBe(503);
    expect((await post('/unavailable', { idempotencyKey: unavailable })).status).toBe(503);
    expect(runs.unavailable).toBe(2);

    const busy = randomUUID();
    expect((await post('/busy', { idempotencyKey: busy })).status).toBe(429);
    expect((await post('/busy', { idempotencyKey: busy })).status).toBe(429);
    expect(runs.busy).toBe(2);
    expect(await rows(owners[0]!, busy)).toEqual([]);
  });

  it('stores a 4xx the handler answered and replays it', async () => {
    const key = randomUUID();
    const first = await post('/declined', { idempotencyKey: key });
    expect(first.status).toBe(402);
    const retry = await post('/declined', { idempotencyKey: key });
    expect(retry.status).toBe(402);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(await first.json());
    expect(runs.declined).toBe(1);
  });

  it('stores a 4xx problem the handler threw and replays it as the same problem+json', async () => {
    const key = randomUUID();
    const first = await post('/invalid', { idempotencyKey: key });
    expect(first.status).toBe(400);
    const retry = await post('/invalid', { idempotencyKey: key });
    expect(retry.status).toBe(400);
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const body = await retry.json();
    expect(body).toEqual(await first.json());
    expect(body).toMatchObject({
      title: 'Bad Request',
      instance: '/invalid',
      errors: [{ field: 'body.prompt' }],
    });
    expect(runs.invalid).toBe(1);
  });

  it('treats an expired key as new', async () => {
    const key = randomUUID();
    expect(await (await post('/tasks', { idempotencyKey: key })).json()).toMatchObject({ id: 'task-1' });
    clock = new Date(clock.getTime() + TTL_MS + 1);
    const after = await post('/tasks', {
      idempotencyKey: key,
      body: { prompt: 'another request, same key' },
    });
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(await after.json()).toMatchObject({ id: 'task-2' });
    expect(runs.tasks).toBe(2);
  });

  it('takes over a claim whose request never finished once the claim has expired', async () => {
    const key = randomUUID();
    const abandonedAt = new Date(clock.getTime() - 10 * 60_000);
    await sequelize.query(
      `INSERT INTO api_idempotency_keys
         (owner, idempotency_key, method, path, request_hash, state, created_at, expires_at)
       VALUES (?, ?, 'POST', '/tasks', ?, 'in_progress', ?, ?)`,
      {
        replacements: [
          owners[0],
          key,
          '0'.repeat(64),
          abandonedAt,
          new Date(abandonedAt.getTime() + 300_000),
        ],
      },
    );
    expect((await post('/tasks', { idempotencyKey: key })).status).toBe(201);
    expect(runs.tasks).toBe(1);
  });

  it('scopes keys per owner: two tenants using the same key do not meet', async () => {
    const key = randomUUID();
    const a = await post('/tasks', { key: tenantA, idempotencyKey: key, body: { prompt: 'from A' } });
    const b = await post('/tasks', { key: tenantB, idempotencyKey: key, body: { prompt: 'from B' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(runs.tasks).toBe(2);

    const replayA = await post('/tasks', { key: tenantA, idempotencyKey: key, body: { prompt: 'from A' } });
    expect(replayA.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayA.json()).toEqual({ id: 'task-1', request: { prompt: 'from A' } });
    expect(runs.tasks).toBe(2);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['a control character', 'a\tb'],
    ['a non-ASCII character', 'caf\u00e9'],
  ])('answers 400 to an Idempotency-Key that is %s', async (_what, value) => {
    const res = await post('/tasks', { idempotencyKey: value });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      status: 400,
      errors: [{ field: 'header.Idempotency-Key', reason: 'must be 1 to 255 printable ASCII characters' }],
    });
    expect(runs.tasks).toBeUndefined();
  });

  it('accepts a 255-character key', async () => {
    expect((await post('/tasks', { idempotencyKey: 'k'.repeat(254) + run.slice(0, 1) })).status).toBe(201);
  });

  it('leaves requests without the header, and other methods, alone', async () => {
    expect((await post('/tasks')).status).toBe(201);
    expect((await post('/tasks')).status).toBe(201);
    expect(runs.tasks).toBe(2);
    const key = randomUUID();
    await post('/tasks', { idempotencyKey: key, method: 'GET' });
    await post('/tasks', { idempotencyKey: key, method: 'GET' });
    expect(runs.list).toBe(2);
    expect(await rows(owners[0]!, key)).toEqual([]);
  });

  it('purgeExpiredIdempotencyKeys deletes only the rows whose time has passed', async () => {
    const insert = (key: string, expiresAt: string): Promise<unknown> =>
      sequelize.query(
        `INSERT INTO api_idempotency_keys
           (owner, idempotency_key, method, path, request_hash, state, created_at, expires_at)
         VALUES (?, ?, 'POST', '/tasks', ?, 'done', ?, ?)`,
        {
          replacements: [owners[1], key, '0'.repeat(64), '2000-01-01 00:00:00', expiresAt],
        },
      );
    // UTC, to the millisecond: the purge must not round its limit to the second.
    await insert(`purge-1-${run}`, '2001-01-01 00:00:00.000');
    await insert(`purge-2-${run}`, '2001-12-31 23:59:59.999');
    await insert(`purge-3-${run}`, '2002-01-01 00:00:00.001');

    // Every other row in the test database expires after 2002, so the count is this test's alone.
    await expect(purgeExpiredIdempotencyKeys(sequelize, new Date('2002-01-01T00:00:00Z'))).resolves.toBe(2);
    const left = await sequelize.query<{ idempotency_key: string }>(
      'SELECT idempotency_key FROM api_idempotency_keys WHERE owner = ? AND idempotency_key LIKE ?',
      { replacements: [owners[1], `purge-%-${run}`], type: QueryTypes.SELECT },
    );
    expect(left.map((r) => r.idempotency_key)).toEqual([`purge-3-${run}`]);
  });
});
