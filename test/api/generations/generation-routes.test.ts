import { WorkflowNotFoundError } from '@temporalio/client';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { DEFAULT_PRICING } from '../../../domain/pricing';
import { generationWorkflowId } from '../../../workflows/generation-definitions';
import { tableLookup } from '../../support/host-lookup';
import { apiCaller, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

/**
 * Generations through the real API: Koa in-process, the Temporal dev server, a worker, MariaDB, the Jimeng
 * simulator and the OSS server. What a backend caller sees, from POST to OSS URLs.
 */
describe('generations through the HTTP API', () => {
  const f = new GenerationFixture();
  let server: RunningServer;
  let url: string;
  let callerKey: string;
  let otherKey: string;
  let adminKey: string;

  const call = apiCaller(
    () => url,
    () => callerKey,
  );

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi({ allowPrivateUrls: false });
    url = server.url;
    callerKey = (await issueApiKey(f.sequelize, { owner: 'tenant-a', scope: 'caller' })).key;
    otherKey = (await issueApiKey(f.sequelize, { owner: 'tenant-b', scope: 'caller' })).key;
    adminKey = (await issueApiKey(f.sequelize, { owner: 'ops', scope: 'admin' })).key;
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await f.close();
  }, 60_000);
  beforeEach(() => f.reset());

  const imageBody = (userId: string, extra: Record<string, unknown> = {}) => {
    const task = f.task(userId);
    return {
      user_id: userId,
      project_id: task.projectId,
      project_name: 'API tests',
      storyboard_id: task.storyboardId,
      work_id: 'w1',
      prompt: 'a lighthouse at dawn',
      ...extra,
    };
  };

  it("charges the price the API quoted at admission, not one the worker's own pricing would compute", async () => {
    // The worker runs the default table (2k image: 4 points); this API process quotes 9.
    const dearer = await f.listenApi({
      allowPrivateUrls: false,
      pricing: { ...DEFAULT_PRICING, imagePerCall: { ...DEFAULT_PRICING.imagePerCall, '2k': 9 } },
    });
    try {
      await f.account();
      const userId = await f.userWithPoints(100);
      const body = imageBody(userId, { resolution: '2k' });
      const res = await fetch(`${dearer.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${callerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect(await f.balance(userId)).toBe(91);
      await f.client.workflow
        .getHandle(generationWorkflowId('image', body.project_id, body.storyboard_id))
        .result();
      expect(await f.balance(userId)).toBe(91);
      const view = (await (await call(`/v1/tasks/${id}`)).json()) as { status: string; cost: number };
      expect(view).toMatchObject({ status: 'completed', cost: 9 });
    } finally {
      await dearer.close();
    }
  });

  it('POST → 202 with a Location; the task ends completed with OSS URLs, sizes and dimensions', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const res = await call('/v1/images/generations', { method: 'POST', json: imageBody(userId) });
    expect(res.status).toBe(202);
    const task = (await res.json()) as { id: string; status: string };
    expect(res.headers.get('location')).toBe(`/v1/tasks/${task.id}`);
    expect(res.headers.get('x-request-id')).toMatch(/\S+/);
    expect(['pending', 'processing', 'completed']).toContain(task.status);
    // Admitted means reserved.
    expect(await f.balance(userId)).toBe(96);

    let view: { status: string; outputs: Array<{ url: string; size: number; width: number }>; cost: number } =
      {
        status: '',
        outputs: [],
        cost: 0,
      };
    for (let i = 0; i < 100 && view.status !== 'completed'; i++) {
      view = (await (await call(`/v1/tasks/${task.id}`)).json()) as typeof view;
      if (view.status !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(view).toMatchObject({ status: 'completed', cost: 4, progress: 100, attempts: 1 });
    expect(view.outputs).toHaveLength(4);
    for (const o of view.outputs) {
      expect(o.url).toMatch(/^https:\/\/cdn\.example\.com\/users\//);
      expect(o.size).toBeGreaterThan(0);
      expect(o.width).toBe(2048);
    }
  });

  it('Prefer: wait=N answers the final task in the same request', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const res = await call('/v1/images/generations', {
      method: 'POST',
      json: imageBody(userId),
      headers: { prefer: 'wait=20' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=20');
    expect(await res.json()).toMatchObject({ status: 'completed' });
  });

  it('insufficient points → 402 problem, nothing started or written', async () => {
    await f.account();
    const userId = await f.userWithPoints(1);
    const body = imageBody(userId);
    const res = await call('/v1/images/generations', { method: 'POST', json: body });
    expect(res.status).toBe(402);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const rows = await f.rows('SELECT id FROM jimeng_image_generation_records WHERE project_id = ?', [
      body.project_id,
    ]);
    expect(rows).toEqual([]);
    expect(await f.balance(userId)).toBe(1);
    await expect(
      f.client.workflow
        .getHandle(generationWorkflowId('image', body.project_id, body.storyboard_id))
        .describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it.each<[string, string, Record<string, unknown>, string]>([
    ['a duration the model does not offer', '/v1/videos/generations', { duration: 7 }, 'body.duration'],
    ['a duration out of range', '/v1/videos/generations', { duration: 99 }, 'body.duration'],
    [
      'a video resolution that does not exist',
      '/v1/videos/generations',
      { resolution: '4k' },
      'body.resolution',
    ],
    [
      'a reference image on a private address',
      '/v1/images/compositions',
      { images: ['http://192.168.1.4/a.png'] },
      'body.images.0',
    ],
    [
      'a reference image that is not http(s)',
      '/v1/images/compositions',
      { images: ['file:///etc/passwd'] },
      'body.images.0',
    ],
    ['a composition without images', '/v1/images/compositions', {}, 'body.images'],
  ])('bad input (%s) on %s → 422 naming %s, no workflow', async (_name, path, extra, field) => {
    const userId = await f.userWithPoints(100);
    const body = imageBody(userId, extra);
    const res = await call(path, { method: 'POST', json: body });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toContain(field);
    const type = path.startsWith('/v1/videos') ? 'video' : 'image';
    await expect(
      f.client.workflow.getHandle(generationWorkflowId(type, body.project_id, body.storyboard_id)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await f.balance(userId)).toBe(100);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['unknown field', { colour: 'red' }, 'body.colour'],
    ['out-of-range ratio', { ratio: '5:4' }, 'body.ratio'],
    ['out-of-range resolution', { resolution: '8k' }, 'body.resolution'],
    ['sample_strength above 1', { sample_strength: 1.5 }, 'body.sample_strength'],
    ['prompt too long', { prompt: 'p'.repeat(2001) }, 'body.prompt'],
    ['wrong type', { priority: 'high' }, 'body.priority'],
    ['callback not http(s)', { callback_url: 'ftp://example.com/hook' }, 'body.callback_url'],
    ['callback to a private address', { callback_url: 'http://10.0.0.7/hook' }, 'body.callback_url'],
    ['callback to loopback', { callback_url: 'http://localhost:8080/hook' }, 'body.callback_url'],
    [
      'intelligent ratio on a model without it',
      { model: 'jimeng-3.0', intelligent_ratio: true },
      'body.intelligent_ratio',
    ],
  ])('bad input (%s) → 422 naming %s, nothing written', async (_name, extra, field) => {
    const userId = await f.userWithPoints(100);
    const body = imageBody(userId, extra);
    const res = await call('/v1/images/generations', { method: 'POST', json: body });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toContain(field);
    expect(
      await f.rows('SELECT id FROM jimeng_image_generation_records WHERE project_id = ?', [body.project_id]),
    ).toEqual([]);
    expect(await f.balance(userId)).toBe(100);
  });

  describe('URL hosts resolved at admission (outbound address policy)', () => {
    const lookup = tableLookup({
      'refs.example.com': ['93.184.216.34'],
      'internal.example.com': ['10.0.0.5'],
      'rebound.example.com': ['2606:2800:220:1::1', '::ffff:169.254.169.254'],
      'hooks.example.com': ['192.168.4.4'],
    });
    let resolving: RunningServer;
    beforeAll(async () => {
      resolving = await f.listenApi({ allowPrivateUrls: false, hostLookup: lookup });
    });
    afterAll(() => resolving.close());

    const post = (path: string, body: object) =>
      fetch(`${resolving.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${callerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it.each<[string, string, Record<string, unknown>, { field: string; reason: string }]>([
      [
        'a reference image on a host name resolving to 10.0.0.5',
        '/v1/images/compositions',
        { images: ['https://refs.example.com/a.png', 'https://internal.example.com/b.png'] },
        { field: 'body.images.1', reason: 'its host resolves to a loopback, private or link-local address' },
      ],
      [
        'a first frame on a host name one of whose addresses is the mapped metadata address',
        '/v1/videos/generations',
        { images: ['https://rebound.example.com/first.png'] },
        { field: 'body.images.0', reason: 'its host resolves to a loopback, private or link-local address' },
      ],
      [
        'a reference image on a host name that does not resolve',
        '/v1/images/compositions',
        { images: ['https://nowhere.example.com/a.png'] },
        { field: 'body.images.0', reason: 'its host does not resolve to an address' },
      ],
      [
        'a reference image with a user name and password',
        '/v1/images/compositions',
        { images: ['https://user:pw@refs.example.com/a.png'] },
        { field: 'body.images.0', reason: 'must not carry a user name or password' },
      ],
      [
        'a callback on a host name resolving to 192.168.4.4',
        '/v1/images/generations',
        { callback_url: 'https://hooks.example.com/done?token=t' },
        {
          field: 'body.callback_url',
          reason: 'its host resolves to a loopback, private or link-local address',
        },
      ],
    ])('%s → 422 naming the field; nothing charged or started', async (_name, path, extra, problem) => {
      const userId = await f.userWithPoints(100);
      const body = imageBody(userId, extra);
      const res = await post(path, body);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const answer = (await res.json()) as { errors: Array<{ field: string; reason: string }> };
      expect(answer.errors).toEqual([problem]);
      // What our DNS answered stays ours.
      expect(JSON.stringify(answer)).not.toMatch(/10\.0\.0\.5|169\.254|192\.168/);
      const type = path.startsWith('/v1/videos') ? 'video' : 'image';
      await expect(
        f.client.workflow
          .getHandle(generationWorkflowId(type, body.project_id, body.storyboard_id))
          .describe(),
      ).rejects.toBeInstanceOf(WorkflowNotFoundError);
      expect(await f.balance(userId)).toBe(100);
    });
  });

  it('missing required fields are each named', async () => {
    const res = await call('/v1/images/generations', { method: 'POST', json: { prompt: 'x' } });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: Array<{ field: string; reason: string }> };
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.user_id', reason: 'required' },
        { field: 'body.project_id', reason: 'required' },
        { field: 'body.storyboard_id', reason: 'required' },
      ]),
    );
  });

  it('malformed JSON → 400, oversized body → 413, no key → 401', async () => {
    const malformed = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${callerKey}`, 'content-type': 'application/json' },
      body: '{"prompt": ',
    });
    expect(malformed.status).toBe(400);
    const big = await call('/v1/images/generations', {
      method: 'POST',
      json: { prompt: 'x'.repeat(300 * 1024) },
    });
    expect(big.status).toBe(413);
    const anonymous = await call('/v1/tasks/1', { key: null });
    expect(anonymous.status).toBe(401);
  });

  it("another owner's task is a 404; an admin sees it; unknown ids are 404", async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    // Waited for, like every task a test starts: nothing may still be uploading when the suite stops.
    const res = await call('/v1/images/generations', {
      method: 'POST',
      json: imageBody(userId),
      headers: { prefer: 'wait=20' },
    });
    const { id } = (await res.json()) as { id: string };
    expect((await call(`/v1/tasks/${id}`, { key: otherKey })).status).toBe(404);
    expect((await call(`/v1/tasks/${id}`, { key: adminKey })).status).toBe(200);
    expect((await call('/v1/tasks/999999999')).status).toBe(404);
  });

  it('cancel: 202 then cancelled and refunded; cancelling again is harmless; a completed task is 409', async () => {
    const only = await f.account();
    // Every submit meets an upstream 5xx: after its retries the proxy answers -2007 "记录ID不存在" (HTTP 200), a
    // failure retried on the same account, so the job is still retrying when the cancel comes.
    f.sim.admin.injectFault({ kind: 'http_5xx', sessionId: only.sessionId, rate: 1 });
    const userId = await f.userWithPoints(100);
    const res = await call('/v1/images/generations', { method: 'POST', json: imageBody(userId) });
    const { id } = (await res.json()) as { id: string };
    const cancel = await call(`/v1/tasks/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    let status = '';
    for (let i = 0; i < 100 && status !== 'cancelled'; i++) {
      status = ((await (await call(`/v1/tasks/${id}`)).json()) as { status: string }).status;
      if (status !== 'cancelled') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('cancelled');
    expect(await f.balance(userId)).toBe(100);
    expect((await call(`/v1/tasks/${id}/cancel`, { method: 'POST' })).status).toBe(200);

    f.sim.admin.clearFaults();
    const done = await call('/v1/images/generations', {
      method: 'POST',
      json: imageBody(userId),
      headers: { prefer: 'wait=20' },
    });
    const finished = (await done.json()) as { id: string; status: string };
    expect(finished.status).toBe('completed');
    expect((await call(`/v1/tasks/${finished.id}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  it('the same Idempotency-Key and body replays the first answer: one task, one charge', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const body = imageBody(userId);
    const idempotencyKey = `k-${body.storyboard_id}`;
    const first = await call('/v1/images/generations', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': idempotencyKey, prefer: 'wait=20' },
    });
    const second = await call('/v1/images/generations', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect(second.status).toBe(first.status);
    expect(((await second.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await call('/v1/images/generations', {
      method: 'POST',
      json: { ...body, prompt: 'another' },
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect(other.status).toBe(422);
    expect(await f.balance(userId)).toBe(96);
  });

  it('a retry whose first answer was lost finds the finished task by its Idempotency-Key: no second charge', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const body = imageBody(userId);
    const idempotencyKey = `lost-${body.storyboard_id}`;
    const first = await call('/v1/images/generations', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': idempotencyKey, prefer: 'wait=20' },
    });
    const task = (await first.json()) as { id: string; status: string };
    expect(task.status).toBe('completed');
    // The answer never reached the caller and was not kept (a 5xx, a dropped connection): the key is free again.
    await f.sequelize.query('DELETE FROM api_idempotency_keys WHERE idempotency_key = ?', {
      replacements: [idempotencyKey],
    });
    const retried = await call('/v1/images/generations', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect([200, 202]).toContain(retried.status);
    expect(((await retried.json()) as { id: string }).id).toBe(task.id);
    expect(await f.balance(userId)).toBe(96);
    // The same request under another key is a new request: a new generation of the storyboard.
    const again = await call('/v1/images/generations', {
      method: 'POST',
      json: body,
      headers: { 'idempotency-key': `${idempotencyKey}-2`, prefer: 'wait=20' },
    });
    expect(((await again.json()) as { id: string }).id).not.toBe(task.id);
    expect(await f.balance(userId)).toBe(92);
  });

  it('lists tasks by filters in keyset pages that visit every task once', async () => {
    await f.account();
    const userId = await f.userWithPoints(1000);
    const project = `list-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call('/v1/images/generations', {
        method: 'POST',
        json: { ...imageBody(userId), project_id: project, storyboard_id: `sb-${i}` },
        headers: { prefer: 'wait=20' },
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await call(`/v1/tasks?project_id=${project}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as { data: Array<{ id: string }>; next_cursor: string | null };
      seen.push(...page.data.map((t) => t.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    const otherOwner = (await (await call(`/v1/tasks?project_id=${project}`, { key: otherKey })).json()) as {
      data: unknown[];
    };
    expect(otherOwner.data).toEqual([]);
    expect((await call('/v1/tasks?limit=0')).status).toBe(422);
    expect((await call('/v1/tasks?cursor=garbage')).status).toBe(422);
  });
});
