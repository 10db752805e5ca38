import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { loadConfig } from '../../../config/settings';
import { migratedTestDatabase } from '../../support/database';
import { apiCaller, listen, type RunningServer } from '../../support/koa-test-server';

interface IssuedBody {
  id: string;
  key: string;
  prefix: string;
  owner: string;
  scope: string;
  name: string | null;
  callback_secret: { secret: string; prefix: string } | null;
}
interface ProblemBody {
  status: number;
  errors?: Array<{ field: string; reason: string }>;
}

const KEY_SHAPE = /^jf_[A-Za-z0-9_-]{43}$/;
const SECRET_SHAPE = /^jfcb_[A-Za-z0-9_-]{43}$/;

/** Issuing keys through the admin route: an owner's first key makes its callback secret, shown once. */
describe('POST /v1/api-keys and GET /v1/api-keys', () => {
  const config = loadConfig();
  const run = randomUUID().slice(0, 8);
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: RunningServer;
  let url: string;
  let adminKey: string;
  let n = 0;
  const tenant = () => `keys-${run}-${++n}`;

  const call = apiCaller(
    () => url,
    () => adminKey,
  );
  const issue = async (
    json: Record<string, unknown>,
    init: { key?: string | null; headers?: Record<string, string> } = {},
  ) => call('/v1/api-keys', { method: 'POST', json, ...init });
  const issued = async (json: Record<string, unknown>): Promise<IssuedBody> => {
    const res = await issue(json);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return (await res.json()) as IssuedBody;
  };
  const expectProblem = async (res: Response, status: number, field: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = (await res.json()) as ProblemBody;
    expect(body.errors?.map((e) => e.field)).toContain(field);
  };

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
    server = await listen(
      createApp({
        sequelize,
        temporal,
        logger: pino({ level: 'silent' }),
        settings: { callbackSecretKey: config.callbackSecretEncryptionKey },
      }),
    );
    url = server.url;
    adminKey = (await issueApiKey(sequelize, { owner: `keys-ops-${run}`, scope: 'admin' })).key;
  });
  afterAll(async () => {
    await server.close();
    await temporal.close();
    await sequelize.close();
  });

  it("shows a tenant's first key and its new callback secret once, and never again in any listing", async () => {
    const owner = tenant();
    const first = await issued({ owner, scope: 'caller', name: 'first backend' });
    expect(first).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      key: expect.stringMatching(KEY_SHAPE),
      prefix: first.key.slice(0, 10),
      owner,
      scope: 'caller',
      name: 'first backend',
      callback_secret: {
        secret: expect.stringMatching(SECRET_SHAPE),
        prefix: first.callback_secret!.secret.slice(0, 12),
      },
    });
    const secret = first.callback_secret!.secret;

    // The key works; the second key of the same owner makes no second secret.
    expect((await call('/v1/tasks', { key: first.key })).status).toBe(200);
    const second = await issued({ owner, scope: 'admin' });
    expect(second.callback_secret).toBeNull();
    expect(second.key).not.toBe(first.key);

    const listing = await call(`/v1/api-keys?owner=${owner}`);
    expect(listing.status).toBe(200);
    const text = await listing.text();
    const { data } = JSON.parse(text) as { data: Array<Record<string, unknown>> };
    expect(data.map((k) => k.id).sort()).toEqual([first.id, second.id].sort());
    expect(data.find((k) => k.id === first.id)).toMatchObject({
      prefix: first.prefix,
      owner,
      scope: 'caller',
      name: 'first backend',
      revoked_at: null,
    });
    // Exactly these fields: a listing has no place for a key or a secret.
    expect(data.find((k) => k.id === second.id)).toEqual({
      id: second.id,
      prefix: second.prefix,
      owner,
      scope: 'admin',
      name: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      last_used_at: null,
      revoked_at: null,
    });

    const status = await call(`/v1/callback-secrets/${owner}`);
    expect(status.status).toBe(200);
    const statusText = await status.text();
    expect(JSON.parse(statusText)).toEqual({
      owner,
      prefix: secret.slice(0, 12),
      created_at: expect.any(String),
      previous: null,
    });

    // Nothing shown, stored or documented afterwards holds the key or the secret past their prefixes.
    const stored = await sequelize.query<Record<string, unknown>>(
      `SELECT k.*, s.* FROM api_keys k JOIN tenant_callback_secrets s ON s.owner = k.owner WHERE k.owner = ?`,
      { replacements: [owner], type: QueryTypes.SELECT },
    );
    const openapi = await (await call('/openapi.json', { key: null })).text();
    for (const seen of [text, statusText, JSON.stringify(stored), openapi]) {
      expect(seen).not.toContain(secret.slice(12));
      expect(seen).not.toContain(first.key.slice(10));
      expect(seen).not.toContain(second.key.slice(10));
    }
  });

  it('makes the secret with the key or not at all: a refused request leaves neither', async () => {
    const owner = tenant();
    await expectProblem(await issue({ owner, scope: 'root' }), 422, 'body.scope');
    await expectProblem(await issue({ owner: 'has space', scope: 'caller' }), 422, 'body.owner');
    await expectProblem(await issue({ owner, scope: 'caller', name: 'x'.repeat(101) }), 422, 'body.name');
    const rows = await sequelize.query(
      'SELECT owner FROM api_keys WHERE owner = ? UNION ALL SELECT owner FROM tenant_callback_secrets WHERE owner = ?',
      { replacements: [owner, owner], type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([]);
  });

  it('refuses an Idempotency-Key: its stored replay would keep the key and the secret in plain text', async () => {
    const owner = tenant();
    const idempotencyKey = `issue-${owner}`;
    const res = await issue({ owner, scope: 'caller' }, { headers: { 'Idempotency-Key': idempotencyKey } });
    await expectProblem(res, 400, 'header.Idempotency-Key');
    expect((await (await call(`/v1/api-keys?owner=${owner}`)).json()) as unknown).toEqual({ data: [] });
    expect((await call(`/v1/callback-secrets/${owner}`)).status).toBe(404);
    const replays = await sequelize.query<{ response_body: string | null }>(
      'SELECT response_body FROM api_idempotency_keys WHERE idempotency_key = ?',
      { replacements: [idempotencyKey], type: QueryTypes.SELECT },
    );
    // Not even the refusal: nothing is kept under the key for this route.
    expect(replays).toEqual([]);
  });

  it('is for admin keys only', async () => {
    const caller = await issued({ owner: tenant(), scope: 'caller' });
    expect((await issue({ owner: tenant(), scope: 'admin' }, { key: caller.key })).status).toBe(403);
    expect((await call(`/v1/api-keys?owner=${caller.owner}`, { key: caller.key })).status).toBe(403);
    expect((await call(`/v1/callback-secrets/${caller.owner}`, { key: caller.key })).status).toBe(403);
    expect((await issue({ owner: tenant(), scope: 'caller' }, { key: null })).status).toBe(401);
  });

  it('lists an owner without keys as empty, and asks for a valid owner', async () => {
    expect((await (await call(`/v1/api-keys?owner=${tenant()}`)).json()) as unknown).toEqual({ data: [] });
    await expectProblem(await call('/v1/api-keys'), 422, 'query.owner');
    await expectProblem(await call('/v1/api-keys?owner=a%20b'), 422, 'query.owner');
  });
});
