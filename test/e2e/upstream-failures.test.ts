import { QueryTypes } from 'sequelize';
import { issueApiKey } from '../../api/auth/issue-api-key';
import type { FaultSpec } from '../../dev/jimeng-sim/faults';
import { tableLookup } from '../support/host-lookup';
import { apiCaller, type RunningServer } from '../support/koa-test-server';
import { GenerationFixture } from '../workflows/generation-fixture';

/*
 * The failures the proxy (iptag/jimeng-api at addf0f0) really produces, each driven through the HTTP API against
 * the default, faithful simulator: what the caller sees of the job, what the account's row says afterwards, and
 * how many upstream calls each account got. The expected values are the platform's rules for each text
 * (README's failure table), written out here rather than read back from the classifier.
 */

interface TaskView {
  status: string;
  cost: number;
  attempts: number;
  outputs: Array<{ url: string; content_type: string }>;
  error: { code: string; message: string } | null;
}

type Route = 'images/generations' | 'images/compositions' | 'videos/generations';
const IMAGE: Route = 'images/generations';
const COMPOSITION: Route = 'images/compositions';
const VIDEO: Route = 'videos/generations';

interface AccountRow {
  account_status: number;
  image_generation_status: number;
  video_generation_status: number;
}

describe("the proxy's real failures, through the API", () => {
  const f = new GenerationFixture();
  let server: RunningServer;
  let url: string;
  let callerKey: string;

  const call = apiCaller(
    () => url,
    () => callerKey,
  );

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi({
      allowPrivateUrls: false,
      // The reference images' CDN exists in no DNS; admission resolves it, the simulator never fetches it.
      hostLookup: tableLookup({ 'cdn.example.com': ['93.184.216.34'] }),
    });
    url = server.url;
    callerKey = (await issueApiKey(f.sequelize, { owner: 'tenant-a', scope: 'caller' })).key;
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await f.close();
  }, 60_000);
  beforeEach(() => f.reset());

  /** Two CN accounts: the first leased first (higher priority), the second the one a switch lands on. */
  async function twoAccounts() {
    const first = await f.account({ priority: 20 });
    const second = await f.account({ priority: 10 });
    return { first, second };
  }

  /** POSTs a generation and follows it to its end; returns the final task as the caller reads it. */
  async function generate(
    route: Route,
    userId: string,
    extra: Record<string, unknown> = {},
  ): Promise<TaskView> {
    const task = f.task(userId);
    const res = await call(`/v1/${route}`, {
      method: 'POST',
      json: {
        user_id: userId,
        project_id: task.projectId,
        project_name: 'upstream failures',
        storyboard_id: task.storyboardId,
        work_id: 'w1',
        prompt: 'a lighthouse at dawn',
        ...extra,
      },
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    for (let i = 0; i < 600; i++) {
      const view = (await (await call(`/v1/tasks/${id}`)).json()) as TaskView;
      if (['completed', 'failed', 'cancelled'].includes(view.status)) {
        await f.expectConsistent(userId, [id]);
        return view;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`task ${id} did not end`);
  }

  const accountRow = async (id: string): Promise<AccountRow> => {
    const rows = await f.sequelize.query<AccountRow>(
      'SELECT account_status, image_generation_status, video_generation_status FROM jimeng_accounts WHERE id = ?',
      { replacements: [id], type: QueryTypes.SELECT },
    );
    return rows[0]!;
  };
  const untouched: AccountRow = { account_status: 0, image_generation_status: 1, video_generation_status: 1 };

  /** Calls each session received, by route. */
  const callsOf = (sessionId: string): Record<string, number> =>
    f.sim.admin.counters().bySession[sessionId]?.byEndpoint ?? {};

  it.each<[string, Route, Record<string, unknown>, string, number]>([
    ['an image', IMAGE, {}, 'image/png', 4],
    ['a composition', COMPOSITION, { images: ['https://cdn.example.com/in.png'] }, 'image/png', 4],
    ['a video', VIDEO, { duration: 5 }, 'video/mp4', 1],
  ])(
    '%s completes on the default simulator: one call to the route the proxy has, OSS URLs back',
    async (_label, route, extra, contentType, count) => {
      const { first } = await twoAccounts();
      const userId = await f.userWithPoints(100);

      const task = await generate(route, userId, extra);

      expect(task).toMatchObject({ status: 'completed', attempts: 1, error: null });
      expect(task.outputs).toHaveLength(count);
      for (const o of task.outputs) {
        expect(o.url).toMatch(/^https:\/\/cdn\.example\.com\/users\//);
        expect(o.content_type).toBe(contentType);
      }
      expect(callsOf(first.sessionId)).toEqual({ [`POST /v1/${route}`]: 1 });
    },
  );

  it('a dead session (the credits TypeError): checked with /token/check, marked invalid, the job switches at once', async () => {
    const { first, second } = await twoAccounts();
    f.sim.admin.registerSession({ sessionId: first.sessionId, state: 'invalid' });
    const userId = await f.userWithPoints(100);

    const task = await generate(IMAGE, userId);

    expect(task).toMatchObject({ status: 'completed', attempts: 2, error: null });
    expect(await accountRow(first.id)).toEqual({
      account_status: 0,
      image_generation_status: 0,
      video_generation_status: 0,
    });
    expect(await accountRow(second.id)).toEqual(untouched);
    expect(callsOf(first.sessionId)).toEqual({ 'POST /v1/images/generations': 1, 'POST /token/check': 1 });
    expect(callsOf(second.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
  });

  it.each(['socket_hang_up', 'econnreset', 'etimedout', 'enotfound', 'eai_again'] as const)(
    'the proxy losing Jimeng (%s, -1000): backoff, then another account; no account is marked',
    async (error) => {
      const { first, second } = await twoAccounts();
      f.sim.admin.injectFault({ kind: 'upstream_transport', sessionId: first.sessionId, count: 1, error });
      const userId = await f.userWithPoints(100);

      const task = await generate(IMAGE, userId);

      expect(task).toMatchObject({ status: 'completed', attempts: 2, error: null });
      expect(await accountRow(first.id)).toEqual(untouched);
      expect(await accountRow(second.id)).toEqual(untouched);
      expect(callsOf(first.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
      expect(callsOf(second.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
    },
    30_000,
  );

  it('a pool of one: after the proxy lost Jimeng, the same account takes the call again after the backoff', async () => {
    const only = await f.account();
    f.sim.admin.injectFault({ kind: 'upstream_transport', sessionId: only.sessionId, count: 1 });
    const userId = await f.userWithPoints(100);

    const task = await generate(IMAGE, userId);

    expect(task).toMatchObject({ status: 'completed', attempts: 2, error: null });
    expect(await accountRow(only.id)).toEqual(untouched);
    expect(callsOf(only.sessionId)).toEqual({ 'POST /v1/images/generations': 2 });
  }, 30_000);

  it.each<[string, Route, Record<string, unknown>, string]>([
    ['a composition (-2007)', COMPOSITION, { images: ['https://cdn.example.com/in.png'] }, '-2007'],
    ["a video's first frame (-2001)", VIDEO, { images: ['https://cdn.example.com/in.png'] }, '-2001'],
  ])(
    'an input image refused by the content check on %s: failed at once, refunded, one call',
    async (_label, route, extra, code) => {
      const { first, second } = await twoAccounts();
      f.sim.admin.injectFault({ kind: 'input_image_refused', count: 1 });
      const userId = await f.userWithPoints(100);

      const task = await generate(route, userId, extra);

      expect(task).toMatchObject({ status: 'failed', cost: 0, attempts: 1 });
      expect(task.error?.code).toBe(code);
      expect(task.error?.message).toContain('图片内容检测未通过');
      expect(await f.balance(userId)).toBe(100);
      expect(await accountRow(first.id)).toEqual(untouched);
      expect(callsOf(first.sessionId)).toEqual({ [`POST /v1/${route}`]: 1 });
      expect(callsOf(second.sessionId)).toEqual({});
    },
  );

  it.each(['1019', '-4', '4013'])(
    'risk control (-2001, ret %s): the account cools down, the job waits the backoff and switches',
    async (ret) => {
      const { first, second } = await twoAccounts();
      f.sim.admin.injectFault({ kind: 'risk_control', sessionId: first.sessionId, count: 1, ret });
      const userId = await f.userWithPoints(100);

      const task = await generate(IMAGE, userId);

      expect(task).toMatchObject({ status: 'completed', attempts: 2, error: null });
      expect(await accountRow(first.id)).toEqual({ ...untouched, image_generation_status: 2 });
      expect(await accountRow(second.id)).toEqual(untouched);
      expect(callsOf(first.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
      expect(callsOf(second.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
    },
    30_000,
  );

  it.each<[string, Route, 'image_generation_status' | 'video_generation_status', string]>([
    ['an image (-2009)', IMAGE, 'image_generation_status', 'POST /v1/images/generations'],
    ['a video (-2008)', VIDEO, 'video_generation_status', 'POST /v1/videos/generations'],
  ])(
    'no credits and the daily claim refused on %s: the capability is exhausted, the job switches at once',
    async (_label, route, column, endpoint) => {
      const { first, second } = await twoAccounts();
      // No credits left, today's gift already claimed: the proxy's claim fails (images.ts:350-359, videos.ts:238-246).
      f.sim.admin.registerSession({ sessionId: first.sessionId, remainingQuota: 0, claimAvailable: false });
      const userId = await f.userWithPoints(100);

      const task = await generate(route, userId, route === VIDEO ? { duration: 5 } : {});

      expect(task).toMatchObject({ status: 'completed', attempts: 2, error: null });
      expect(await accountRow(first.id)).toEqual({ ...untouched, [column]: 0 });
      expect(await accountRow(second.id)).toEqual(untouched);
      expect(callsOf(first.sessionId)).toEqual({ [endpoint]: 1 });
      expect(callsOf(second.sessionId)).toEqual({ [endpoint]: 1 });
    },
  );

  it('an unexplained -1000: one more try on another account, and a second one fails the job (refunded, no mark)', async () => {
    const { first, second } = await twoAccounts();
    const unexplained: FaultSpec = {
      kind: 'error_code',
      rate: 1,
      code: -1000,
      message: "Cannot read properties of undefined (reading 'item_list')",
    };
    f.sim.admin.injectFault(unexplained);
    const userId = await f.userWithPoints(100);

    const task = await generate(IMAGE, userId);

    expect(task).toMatchObject({ status: 'failed', cost: 0, attempts: 2 });
    expect(task.error?.code).toBe('-1000');
    expect(await f.balance(userId)).toBe(100);
    expect(await accountRow(first.id)).toEqual(untouched);
    expect(await accountRow(second.id)).toEqual(untouched);
    expect(callsOf(first.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
    expect(callsOf(second.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
  });

  it('an unexplained -1000 once: the other account completes the job', async () => {
    const { first, second } = await twoAccounts();
    f.sim.admin.injectFault({
      kind: 'error_code',
      sessionId: first.sessionId,
      count: 1,
      code: -1000,
      message: 'something the classifier has never seen',
    });
    const userId = await f.userWithPoints(100);

    const task = await generate(IMAGE, userId);

    expect(task).toMatchObject({ status: 'completed', attempts: 2, error: null });
    expect(await accountRow(first.id)).toEqual(untouched);
    expect(callsOf(first.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
    expect(callsOf(second.sessionId)).toEqual({ 'POST /v1/images/generations': 1 });
  });
});
