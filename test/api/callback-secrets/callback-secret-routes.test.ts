import { QueryTypes } from 'sequelize';
import { randomUUID } from 'node:crypto';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import {
  signatureCount,
  startCallbackReceiver,
  verifies,
  type CallbackReceiver,
  type ReceivedCallback,
} from '../../support/callback-receiver';
import { apiCaller, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

interface Rotated {
  owner: string;
  secret: string;
  prefix: string;
  created_at: string;
  previous: { prefix: string; expires_at: string } | null;
}
interface ProblemBody {
  errors?: Array<{ field: string; reason: string }>;
}

/** Long enough for one generation on a busy machine, short enough to wait out in a test. */
const OVERLAP_SECONDS = 15;

/**
 * Per-tenant callback secrets end to end: keys issued through the admin route, generations through the API,
 * callbacks from the fixture's worker to a receiver that verifies each tenant's with that tenant's secret,
 * and a rotation through the admin route with its overlap window.
 */
describe('callback secrets through the HTTP API', () => {
  const f = new GenerationFixture();
  const run = randomUUID().slice(0, 8);
  const tenantA = `cb-a-${run}`;
  const tenantB = `cb-b-${run}`;
  let server: RunningServer;
  let url: string;
  let receiver: CallbackReceiver;
  let adminKey: string;
  const keys: Record<string, string> = {};
  const secrets: Record<string, string> = {};

  const call = apiCaller(
    () => url,
    () => adminKey,
  );

  /** Issues a tenant's first key through the admin route: the answer carries its callback secret. */
  async function onboard(owner: string): Promise<void> {
    const res = await call('/v1/api-keys', { method: 'POST', json: { owner, scope: 'caller' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { key: string; callback_secret: { secret: string } | null };
    keys[owner] = body.key;
    secrets[owner] = body.callback_secret!.secret;
  }

  /** One image generation by `owner` with a callback to its receiver; its callback once it has arrived. */
  async function generate(owner: string): Promise<ReceivedCallback> {
    const userId = await f.userWithPoints(100);
    const task = f.task(userId);
    const res = await call('/v1/images/generations', {
      method: 'POST',
      key: keys[owner]!,
      headers: { prefer: 'wait=30' },
      json: {
        user_id: userId,
        project_id: task.projectId,
        project_name: 'callback secrets',
        storyboard_id: task.storyboardId,
        work_id: 'w1',
        prompt: 'a signed lighthouse',
        callback_url: receiver.urlFor(owner),
      },
    });
    expect(res.status).toBeLessThan(300);
    const { id } = (await res.json()) as { id: string };
    const callback = await receiver.callbackOf(id);
    expect(callback.path).toBe(`/hooks/${owner}`);
    return callback;
  }

  const rotate = (owner: string, json: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    call(`/v1/callback-secrets/${owner}/rotate`, { method: 'POST', json, headers });

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi({ allowPrivateUrls: true });
    url = server.url;
    receiver = await startCallbackReceiver();
    adminKey = (await issueApiKey(f.sequelize, { owner: `cb-ops-${run}`, scope: 'admin' })).key;
    await onboard(tenantA);
    await onboard(tenantB);
    await f.account();
  }, 120_000);
  afterAll(async () => {
    await receiver.close();
    await server.close();
    await f.close();
  }, 60_000);

  it("signs each tenant's callbacks with that tenant's secret: B's secret does not verify A's callback", async () => {
    expect(secrets[tenantA]).not.toBe(secrets[tenantB]);
    const fromA = await generate(tenantA);
    const fromB = await generate(tenantB);
    expect(signatureCount(fromA)).toBe(1);
    expect(verifies(fromA, secrets[tenantA]!)).toBe(true);
    expect(verifies(fromA, secrets[tenantB]!)).toBe(false);
    expect(verifies(fromB, secrets[tenantB]!)).toBe(true);
    expect(verifies(fromB, secrets[tenantA]!)).toBe(false);
    // Nor does the legacy global secret, which every tenant knows.
    expect(verifies(fromA, 'test-callback-secret')).toBe(false);
  }, 60_000);

  it('rotates through the admin route: both secrets sign during the overlap, only the new one after it', async () => {
    const old = secrets[tenantA]!;
    const before = Date.now();
    const res = await rotate(tenantA, { overlap_seconds: OVERLAP_SECONDS });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const rotated = (await res.json()) as Rotated;
    expect(rotated).toEqual({
      owner: tenantA,
      secret: expect.stringMatching(/^jfcb_[A-Za-z0-9_-]{43}$/),
      prefix: rotated.secret.slice(0, 12),
      created_at: expect.any(String),
      previous: { prefix: old.slice(0, 12), expires_at: expect.any(String) },
    });
    const expiresAt = Date.parse(rotated.previous!.expires_at);
    expect(expiresAt - before).toBeGreaterThanOrEqual(OVERLAP_SECONDS * 1000 - 1000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(OVERLAP_SECONDS * 1000);

    const during = await generate(tenantA);
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(signatureCount(during)).toBe(2);
    expect(verifies(during, rotated.secret)).toBe(true);
    expect(verifies(during, old)).toBe(true);
    expect(verifies(during, secrets[tenantB]!)).toBe(false);
    // B is untouched by A's rotation.
    const fromB = await generate(tenantB);
    expect(signatureCount(fromB)).toBe(1);
    expect(verifies(fromB, secrets[tenantB]!)).toBe(true);

    const statusDuring = (await (await call(`/v1/callback-secrets/${tenantA}`)).json()) as Rotated;
    expect(statusDuring).toEqual({
      owner: tenantA,
      prefix: rotated.prefix,
      created_at: rotated.created_at,
      previous: rotated.previous,
    });

    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() + 200)));
    const after = await generate(tenantA);
    expect(signatureCount(after)).toBe(1);
    expect(verifies(after, rotated.secret)).toBe(true);
    expect(verifies(after, old)).toBe(false);
    expect(verifies(after, secrets[tenantB]!)).toBe(false);
    const statusAfter = (await (await call(`/v1/callback-secrets/${tenantA}`)).json()) as Rotated;
    expect(statusAfter.previous).toBeNull();
    expect(JSON.stringify(statusAfter)).not.toContain(rotated.secret.slice(12));
    secrets[tenantA] = rotated.secret;
  }, 90_000);

  it('stops the old secret at once with overlap_seconds 0 (a leaked secret)', async () => {
    const res = await rotate(tenantB, { overlap_seconds: 0 });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as Rotated;
    expect(rotated.previous).toBeNull();
    const next = await generate(tenantB);
    expect(signatureCount(next)).toBe(1);
    expect(verifies(next, rotated.secret)).toBe(true);
    expect(verifies(next, secrets[tenantB]!)).toBe(false);
    secrets[tenantB] = rotated.secret;
  }, 60_000);

  it('defaults the overlap to a day', async () => {
    const owner = `cb-c-${run}`;
    await onboard(owner);
    const before = Date.now();
    const rotated = (await (await rotate(owner)).json()) as Rotated;
    const expiresAt = Date.parse(rotated.previous!.expires_at);
    expect(expiresAt - before).toBeGreaterThanOrEqual(86_400_000 - 1000);
    expect(expiresAt - before).toBeLessThanOrEqual(86_400_000 + 5000);
  });

  it('names what is wrong with a rotation request', async () => {
    const problem = async (res: Response, status: number, field: string) => {
      expect(res.status).toBe(status);
      expect(((await res.json()) as ProblemBody).errors?.map((e) => e.field)).toContain(field);
    };
    await problem(await rotate(`cb-none-${run}`), 404, 'params.owner');
    await problem(await rotate(tenantA, { overlap_seconds: -1 }), 422, 'body.overlap_seconds');
    await problem(await rotate(tenantA, { overlap_seconds: 30 * 86_400 + 1 }), 422, 'body.overlap_seconds');
    await problem(await rotate(tenantA, { overlap: 60 }), 422, 'body.overlap');
    await problem(await rotate('a b'), 422, 'params.owner');
    await problem(
      await rotate(tenantA, {}, { 'Idempotency-Key': `rotate-${run}` }),
      400,
      'header.Idempotency-Key',
    );
    const caller = await call(`/v1/callback-secrets/${tenantA}/rotate`, {
      method: 'POST',
      key: keys[tenantA]!,
      json: {},
    });
    expect(caller.status).toBe(403);
    // None of the refused requests rotated anything: A still signs with the secret of the last rotation.
    const stored = await f.sequelize.query<{ secret_prefix: string }>(
      'SELECT secret_prefix FROM tenant_callback_secrets WHERE owner = ?',
      { replacements: [tenantA], type: QueryTypes.SELECT },
    );
    expect(stored).toEqual([{ secret_prefix: secrets[tenantA]!.slice(0, 12) }]);
  });
});
