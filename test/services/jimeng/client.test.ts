import http from 'node:http';
import net from 'node:net';
import pino from 'pino';
import { JimengClient, type JimengClientOptions } from '../../../services/jimeng/client';
import { DEFAULT_CALL_DEADLINES_MS } from '../../../services/jimeng/proxy-limits';
import { JimengErrorAction as A } from '../../../services/jimeng/error-actions';
import { JimengError } from '../../../services/jimeng/jimeng-error';
import type { JimengLogger } from '../../../services/jimeng/logger';
import type { JimengAccountRef } from '../../../domain/jimeng/requests';
import { SiteType } from '../../../db/codes';
import type { FaultSpec } from '../../../dev/jimeng-sim/faults';
import { startJimengSimulator, type JimengSimulator } from '../../../dev/jimeng-sim/simulator';
import { PNG_MAGIC, mvhdDurationSeconds, readBoxes } from '../../support/media-parsing';

/*
 * The client against the simulator over real loopback HTTP. Session ids are long and distinctive so that any
 * leak into a message, a serialised error or a log line is caught by a plain substring search.
 */

const SECRET = 'a1b2c3d4e5f6SECRETSESSION7788';
const account = (sessionId = SECRET, siteType: SiteType = SiteType.CN): JimengAccountRef => ({
  sessionId,
  siteType,
  id: 'acc-1',
});

interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

let sim: JimengSimulator;
let logs: LogLine[];
/** Every JimengError the suite saw, checked for leaks at the end. */
const seenErrors: JimengError[] = [];

const recorder: JimengLogger = {
  debug: (obj, msg) => logs.push({ level: 'debug', obj, ...(msg === undefined ? {} : { msg }) }),
  info: (obj, msg) => logs.push({ level: 'info', obj, ...(msg === undefined ? {} : { msg }) }),
  warn: (obj, msg) => logs.push({ level: 'warn', obj, ...(msg === undefined ? {} : { msg }) }),
};

function client(overrides: Partial<JimengClientOptions> = {}): JimengClient {
  return new JimengClient({
    baseUrls: { default: sim.url },
    timeoutMs: 5_000,
    logger: recorder,
    ...overrides,
  });
}

/** Runs a call that must fail and returns its JimengError. */
async function failure(p: Promise<unknown>): Promise<JimengError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(JimengError);
    seenErrors.push(e as JimengError);
    return e as JimengError;
  }
  throw new Error('expected the call to fail');
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeEach(async () => {
  logs = [];
  sim = await startJimengSimulator({
    port: 0,
    seed: 5,
    latency: { imageMs: 1, compositionMs: 1, videoMs: 40, retryDelayMs: 1 },
  });
});
afterEach(async () => {
  await sim.close();
});

/** A simulator with a fork's extensions (the /v1/async pair, 429 + Retry-After): the opt-in video route. */
async function withForkSimulator(
  run: (fork: JimengSimulator, c: JimengClient) => Promise<void>,
  options: { videoDurationMs?: number } = {},
): Promise<void> {
  const fork = await startJimengSimulator({
    port: 0,
    seed: 5,
    latency: { imageMs: 1, compositionMs: 1, videoMs: options.videoDurationMs ?? 40, retryDelayMs: 1 },
    forkExtensions: true,
  });
  try {
    await run(
      fork,
      client({ baseUrls: { default: fork.url }, videoRoute: 'async-fork', videoPollIntervalMs: 10 }),
    );
  } finally {
    await fork.close();
  }
}

describe('successful calls', () => {
  it('generates images with the documented defaults and real PNG downloads', async () => {
    const result = await client().generateImages(account(), { prompt: 'a red fox' });
    expect(result).toMatchObject({ model: 'jimeng-4.5', ratio: '1:1', resolution: '2k' });
    expect(result.images).toHaveLength(4);
    const bytes = await download(result.images[0]!.url!);
    expect(bytes.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(sim.admin.counters().bySession[SECRET]?.byEndpoint).toEqual({ 'POST /v1/images/generations': 1 });
  });

  it('asks for base64 when told to', async () => {
    const result = await client().generateImages(account(), {
      prompt: 'x',
      responseFormat: 'b64_json',
      ratio: '9:16',
      resolution: '4k',
    });
    expect(Buffer.from(result.images[0]!.b64Json!, 'base64').subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(result.images[0]!.url).toBeUndefined();
  });

  it('composes images from reference URLs', async () => {
    const result = await client().composeImages(account(), {
      prompt: 'blend',
      images: ['https://cdn.example/a.png', 'https://cdn.example/b.png'],
      sampleStrength: 0.7,
    });
    expect(result.inputImages).toBe(2);
    expect(result.images.length).toBeGreaterThan(0);
  });

  it("makes a video on the proxy's synchronous route: one request, a real MP4 of the asked duration", async () => {
    const result = await client().makeVideo(account(), {
      prompt: 'waves',
      model: 'jimeng-video-3.5-pro',
      duration: 10,
      ratio: '16:9',
    });
    expect(result.remoteTaskId).toBeUndefined();
    expect(sim.admin.counters().byEndpoint).toEqual({ 'POST /v1/videos/generations': 1 });
    expect(result.videos).toHaveLength(1);
    expect(result.videos[0]!.revisedPrompt).toBe('waves');
    const boxes = readBoxes(await download(result.videos[0]!.url!));
    expect(boxes[0]!.type).toBe('ftyp');
    expect(mvhdDurationSeconds(readBoxes(boxes[1]!.payload)[0]!.payload)).toBe(10);
  });

  it('by default never calls a route the proxy lacks (/v1/async/*), whatever it makes', async () => {
    const paths: string[] = [];
    const recording = await new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
      const server = http.createServer((req, res) => {
        paths.push(`${req.method} ${req.url}`);
        res.setHeader('content-type', 'application/json');
        const video = req.url === '/v1/videos/generations';
        res.end(
          JSON.stringify(
            req.url?.startsWith('/token/')
              ? { live: true }
              : { created: 1, data: [{ url: `https://cdn.example/out.${video ? 'mp4' : 'png'}` }] },
          ),
        );
      });
      server.listen(0, '127.0.0.1', () =>
        resolve({
          url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
          close: () => new Promise((done) => server.close(() => done())),
        }),
      );
    });
    try {
      const c = client({ baseUrls: { default: recording.url } });
      await c.generateImages(account(), { prompt: 'x' });
      await c.composeImages(account(), { prompt: 'x', images: ['https://cdn.example/a.png'] });
      await c.makeVideo(account(), { prompt: 'x' });
      await c.checkSession(account());
      expect(paths).toEqual([
        'POST /v1/images/generations',
        'POST /v1/images/compositions',
        'POST /v1/videos/generations',
        'POST /token/check',
      ]);
    } finally {
      await recording.close();
    }
  });

  it("async-fork: submits, records the job's id, polls it while running, and collects the MP4", async () => {
    await withForkSimulator(async (fork, c) => {
      const submitted: string[] = [];
      const polled: (number | null)[] = [];
      const result = await c.makeVideo(
        account(),
        { prompt: 'waves', model: 'jimeng-video-3.5-pro', duration: 10 },
        {
          onSubmitted: async (id) => {
            submitted.push(id);
          },
          onPoll: (status) => {
            polled.push(status);
          },
        },
      );
      expect(submitted).toHaveLength(1);
      expect(submitted[0]).toMatch(/^\d+$/);
      expect(result.remoteTaskId).toBe(submitted[0]);
      expect(polled.at(-1)).toBe(10);
      const boxes = readBoxes(await download(result.videos[0]!.url!));
      expect(mvhdDurationSeconds(readBoxes(boxes[1]!.payload)[0]!.payload)).toBe(10);
      const byEndpoint = fork.admin.counters().byEndpoint;
      expect(byEndpoint['POST /v1/async/videos/generations']).toBe(1);
      expect(byEndpoint['GET /v1/async/tasks/:id']).toBeGreaterThanOrEqual(1);
      expect(byEndpoint['POST /v1/videos/generations']).toBeUndefined();
    });
  });

  it('async-fork: a recorded job is resumed, not submitted (and paid for) again', async () => {
    await withForkSimulator(async (fork, c) => {
      const { taskId } = await c.submitVideo(account(), { prompt: 'x' });
      const early = await c.getVideoTask(account(), taskId);
      expect(early).toEqual({ state: 'running', status: 20, recordMissing: false });
      const result = await c.makeVideo(account(), { prompt: 'x' }, { resumeTaskId: taskId });
      expect(result.remoteTaskId).toBe(taskId);
      expect(fork.admin.counters().byEndpoint['POST /v1/async/videos/generations']).toBe(1);
    });
  });

  it("against the proxy itself, the fork's route is an unknown route: a permanent failure, not a retry", async () => {
    const e = await failure(client({ videoRoute: 'async-fork' }).makeVideo(account(), { prompt: 'x' }));
    expect(e).toMatchObject({ action: A.FAIL_PERMANENTLY, reason: 'client_outdated', proxyCode: -1000 });
  });

  it('sends the model default duration explicitly, so the record says what was billed', async () => {
    await withForkSimulator(async (_fork, c) => {
      const submission = await c.submitVideo(account(SECRET, SiteType.SG), {
        prompt: 'x',
        model: 'jimeng-video-sora2',
      });
      expect(submission.duration).toBe(4);
    });
  });

  it('async-fork: an unknown task id is still running with the record missing, as the proxy does for videos', async () => {
    await withForkSimulator(async (_fork, c) => {
      expect(await c.getVideoTask(account(), '1234567890')).toEqual({
        state: 'running',
        status: null,
        recordMissing: true,
      });
    });
  });

  it('checks liveness and reads credits', async () => {
    sim.admin.registerSession({ sessionId: SECRET, dailyQuota: 7 });
    expect(await client().checkSession(account())).toBe(true);
    expect(await client().getCredits(account())).toEqual({
      giftCredit: 7,
      purchaseCredit: 0,
      vipCredit: 0,
      totalCredit: 7,
    });
  });
});

describe('sites', () => {
  it.each<[SiteType, string]>([
    [SiteType.US, 'us'],
    [SiteType.HK, 'hk'],
    [SiteType.JP, 'jp'],
    [SiteType.SG, 'sg'],
  ])('site_type %d sends the %s- prefix and reaches that site', async (siteType) => {
    // jimeng-4.0 exists on every site; the simulator counts under the bare session id once it strips the prefix.
    await client().generateImages(account(SECRET, siteType), { prompt: 'x', model: 'jimeng-4.0' });
    expect(sim.admin.counters().bySession[SECRET]?.total).toBe(1);
  });

  it('picks the base URL of the account site, falling back to the default', async () => {
    const other = await startJimengSimulator({ port: 0, imageLatencyMs: 1 });
    try {
      const c = client({ baseUrls: { default: sim.url, us: other.url } });
      await c.generateImages(account(SECRET, SiteType.US), { prompt: 'x' });
      await c.generateImages(account(SECRET, SiteType.CN), { prompt: 'x' });
      expect(other.admin.counters().total).toBe(1);
      expect(sim.admin.counters().total).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('refuses models the site does not offer without calling (the China site would silently swap them)', async () => {
    const e1 = await failure(
      client().generateImages(account(SECRET, SiteType.US), { prompt: 'x', model: 'jimeng-3.1' }),
    );
    expect(e1).toMatchObject({ action: A.FAIL_PERMANENTLY, code: 'INVALID_REQUEST' });
    const e2 = await failure(client().generateImages(account(), { prompt: 'x', model: 'nanobanana' }));
    expect(e2.action).toBe(A.FAIL_PERMANENTLY);
    const e3 = await failure(
      client().generateVideo(account(SECRET, SiteType.US), { prompt: 'x', model: 'jimeng-video-veo3' }),
    );
    expect(e3.action).toBe(A.FAIL_PERMANENTLY);
    expect(sim.admin.counters().total).toBe(0);
  });

  it('switches site when no base URL is configured for it', async () => {
    const e = await failure(
      client({ baseUrls: { cn: sim.url } }).generateImages(account(SECRET, SiteType.JP), { prompt: 'x' }),
    );
    expect(e).toMatchObject({ action: A.SWITCH_SITE, code: 'SITE_NOT_CONFIGURED', site: 'jp' });
  });
});

describe('local validation (nothing is sent)', () => {
  it.each<[string, () => Promise<unknown>]>([
    ['empty prompt', () => client().generateImages(account(), { prompt: '  ' })],
    ['bad ratio', () => client().generateImages(account(), { prompt: 'x', ratio: '5:4' as never })],
    ['bad resolution', () => client().generateImages(account(), { prompt: 'x', resolution: '8k' as never })],
    ['strength above 1', () => client().generateImages(account(), { prompt: 'x', sampleStrength: 1.5 })],
    ['no composition images', () => client().composeImages(account(), { prompt: 'x', images: [] })],
    [
      '11 composition images',
      () =>
        client().composeImages(account(), {
          prompt: 'x',
          images: Array.from({ length: 11 }, (_, i) => `https://a/${i}.png`),
        }),
    ],
    [
      'a non-URL image',
      () => client().composeImages(account(), { prompt: 'x', images: ['file:///etc/passwd'] }),
    ],
    [
      'an unlisted duration',
      () => client().generateVideo(account(), { prompt: 'x', model: 'jimeng-video-3.0', duration: 7 }),
    ],
    [
      'three frames',
      () =>
        client().generateVideo(account(), {
          prompt: 'x',
          framePaths: ['https://a/1', 'https://a/2', 'https://a/3'],
        }),
    ],
    [
      'omni reference on a non-seedance model',
      () => client().generateVideo(account(), { prompt: 'x', omniReference: { images: ['https://a/1'] } }),
    ],
    ['a bad task id', () => client().getVideoTask(account(), '../../etc')],
  ])('%s fails permanently', async (_label, run) => {
    const e = await failure(run());
    expect(e).toMatchObject({
      action: A.FAIL_PERMANENTLY,
      reason: 'bad_request',
      code: 'INVALID_REQUEST',
      nonRetryable: true,
    });
    expect(sim.admin.counters().total).toBe(0);
  });

  it.each<[string, JimengAccountRef]>([
    ['a comma (the proxy would split it)', { sessionId: `${SECRET},other`, siteType: SiteType.CN }],
    ['a region prefix already', { sessionId: `us-${SECRET}`, siteType: SiteType.US }],
    ['an empty id', { sessionId: '', siteType: SiteType.CN }],
    ['an unknown site_type', { sessionId: SECRET, siteType: 9 as SiteType }],
  ])('an account with %s is invalid', async (_label, acc) => {
    const e = await failure(client().generateImages(acc, { prompt: 'x' }));
    expect(e).toMatchObject({ action: A.ACCOUNT_INVALID, code: 'INVALID_ACCOUNT' });
    expect(sim.admin.counters().total).toBe(0);
  });
});

describe('faults become one typed error with the right action', () => {
  it.each<[string, FaultSpec, Partial<JimengError>]>([
    [
      'quota exhausted',
      { kind: 'quota_exhausted', count: 1 },
      { action: A.ACCOUNT_EXHAUSTED, proxyCode: -2009 },
    ],
    [
      'session invalid',
      { kind: 'session_invalid', count: 1 },
      { action: A.ACCOUNT_INVALID, reason: 'session_expired', proxyCode: -2002 },
    ],
    // The proxy has no ban signal: a banned account's session dies like a logged-out one.
    ['banned', { kind: 'banned', count: 1 }, { action: A.ACCOUNT_INVALID, reason: 'session_expired' }],
    [
      'content policy',
      { kind: 'content_policy', count: 1 },
      { action: A.FAIL_PERMANENTLY, reason: 'content_policy', nonRetryable: true },
    ],
    [
      'a gateway 5xx in front of the proxy',
      { kind: 'gateway_5xx', count: 1, status: 503 },
      { action: A.RETRY_SAME_ACCOUNT, code: 'HTTP_503', mayHaveStartedJob: true, nonRetryable: false },
    ],
    [
      'malformed body',
      { kind: 'malformed_body', count: 1 },
      { action: A.RETRY_SAME_ACCOUNT, code: 'MALFORMED_RESPONSE', mayHaveStartedJob: true },
    ],
    [
      'risk control (ret 1019)',
      { kind: 'risk_control', count: 1, ret: '1019' },
      { action: A.COOL_DOWN_ACCOUNT, reason: 'risk_control', proxyCode: -2001, upstreamCode: '1019' },
    ],
    [
      'risk control (ret -4)',
      { kind: 'risk_control', count: 1, ret: '-4' },
      { action: A.COOL_DOWN_ACCOUNT, reason: 'risk_control', proxyCode: -2001, upstreamCode: '-4' },
    ],
    [
      'risk control (ret 4013)',
      { kind: 'risk_control', count: 1, ret: '4013' },
      { action: A.COOL_DOWN_ACCOUNT, reason: 'risk_control', proxyCode: -2001, upstreamCode: '4013' },
    ],
    [
      'the proxy losing its connection to Jimeng',
      { kind: 'upstream_transport', count: 1, error: 'socket_hang_up' },
      { action: A.RETRY_OTHER_ACCOUNT, reason: 'upstream_unreachable', proxyCode: -1000 },
    ],
    [
      "the proxy's DNS failing",
      { kind: 'upstream_transport', count: 1, error: 'enotfound' },
      { action: A.RETRY_OTHER_ACCOUNT, reason: 'upstream_unreachable', proxyCode: -1000 },
    ],
    [
      'an unexplained -1000',
      {
        kind: 'error_code',
        count: 1,
        code: -1000,
        message: "Cannot read properties of undefined (reading 'x')",
      },
      { action: A.RETRY_ONCE_OTHER_ACCOUNT, reason: 'unexplained', proxyCode: -1000 },
    ],
    [
      'region mismatch (ret 3000)',
      { kind: 'error_code', count: 1, code: -2001, message: '[请求失败]: region not allow (错误码: 3000)' },
      { action: A.SWITCH_SITE },
    ],
    [
      'outdated proxy (ret 3018)',
      { kind: 'error_code', count: 1, code: -2001, message: '[请求失败]: permission denied (错误码: 3018)' },
      { action: A.FAIL_PERMANENTLY, reason: 'client_outdated' },
    ],
    [
      'proxy upstream timeout',
      { kind: 'error_code', count: 1, code: -1000, message: 'timeout of 45000ms exceeded' },
      { action: A.RETRY_OTHER_ACCOUNT, reason: 'upstream_timeout' },
    ],
  ])('%s on an image call', async (_label, fault, expected) => {
    sim.admin.injectFault({ ...fault, sessionId: SECRET });
    const e = await failure(client().generateImages(account(), { prompt: 'x' }));
    expect(e).toMatchObject({ operation: 'image_generation', site: 'cn', ...expected });
    const next = client().generateImages(account(), { prompt: 'x' });
    if (fault.kind === 'quota_exhausted') {
      // What the upstream said about the account stays true: the next call is refused the same way.
      expect(await failure(next)).toMatchObject({ action: expected.action });
    } else if (fault.kind === 'session_invalid' || fault.kind === 'banned') {
      // The session is dead now: the proxy's credit read fails on it first (core.ts:188-189).
      expect(await failure(next)).toMatchObject({ reason: 'session_suspect', proxyCode: -1000 });
    } else {
      // A one-shot fault: the next call on the same account works.
      await expect(next).resolves.toBeDefined();
    }
  });

  it('reports no credits and a refused daily claim on a video (-2008 积分不足且无法自动收取) as exhaustion', async () => {
    sim.admin.registerSession({ sessionId: SECRET, dailyQuota: 0 });
    const e = await failure(client().makeVideo(account(), { prompt: 'x' }));
    expect(e).toMatchObject({ action: A.ACCOUNT_EXHAUSTED, proxyCode: -2008, operation: 'video_generation' });
  });

  it("a dead session's TypeError on the credits it could not read: checked before any mark", async () => {
    sim.admin.registerSession({ sessionId: SECRET, state: 'invalid' });
    const e = await failure(client().generateImages(account(), { prompt: 'x' }));
    expect(e).toMatchObject({
      action: A.RETRY_ONCE_OTHER_ACCOUNT,
      reason: 'session_suspect',
      proxyCode: -1000,
    });
    expect(e.message).toContain("reading 'gift_credit'");
    expect(await client().checkSession(account())).toBe(false);
  });

  it('an input image refused by the content check fails at once, for compositions and videos', async () => {
    sim.admin.injectFault({ kind: 'input_image_refused', count: 2 });
    const composed = await failure(
      client().composeImages(account(), { prompt: 'x', images: ['https://cdn.example/a.png'] }),
    );
    expect(composed).toMatchObject({
      action: A.FAIL_PERMANENTLY,
      reason: 'content_policy',
      proxyCode: -2007,
    });
    expect(composed.message).toContain('图片内容检测未通过');
    const video = await failure(
      client().makeVideo(account(), { prompt: 'x', framePaths: ['https://cdn.example/a.png'] }),
    );
    expect(video).toMatchObject({ action: A.FAIL_PERMANENTLY, reason: 'content_policy', proxyCode: -2001 });
    expect(video.message).toContain('首帧图片上传失败');
  });

  it('exhausts a real quota after the allowed number of calls', async () => {
    sim.admin.registerSession({ sessionId: SECRET, dailyQuota: 1 });
    await client().generateImages(account(), { prompt: 'x' });
    expect((await failure(client().generateImages(account(), { prompt: 'x' }))).action).toBe(
      A.ACCOUNT_EXHAUSTED,
    );
  });

  it("cools down on the upstream's risk control when the account asks too often (no Retry-After)", async () => {
    sim.admin.registerSession({ sessionId: SECRET, rateLimit: { maxRequests: 1, windowMs: 30_000 } });
    await client().generateImages(account(), { prompt: 'x' });
    const e = await failure(client().generateImages(account(), { prompt: 'x' }));
    expect(e).toMatchObject({ action: A.COOL_DOWN_ACCOUNT, reason: 'risk_control', proxyCode: -2001 });
    expect(e.retryAfterMs).toBeUndefined();
  });

  it('async-fork: cools down on a 429 with the Retry-After it sends', async () => {
    await withForkSimulator(async (fork, c) => {
      fork.admin.registerSession({ sessionId: SECRET, rateLimit: { maxRequests: 1, windowMs: 30_000 } });
      await c.generateImages(account(), { prompt: 'x' });
      const e = await failure(c.generateImages(account(), { prompt: 'x' }));
      expect(e).toMatchObject({ action: A.COOL_DOWN_ACCOUNT, code: 'HTTP_429', retryAfterMs: 30_000 });
    });
  });

  it.each<[string, string, Partial<JimengError>]>([
    ['2038 (content filter)', '2038', { action: A.FAIL_PERMANENTLY, reason: 'content_policy' }],
    ['1017 (site overload)', '1017', { action: A.SWITCH_SITE, reason: 'site_overloaded' }],
    ['an unlisted code', '4242', { action: A.RETRY_SAME_ACCOUNT, reason: 'generation_failed' }],
  ])('a video task failing with fail_code %s', async (_label, failCode, expected) => {
    await withForkSimulator(async (fork, c) => {
      fork.admin.injectFault({ kind: 'task_failure', count: 1, failCode });
      const e = await failure(c.makeVideo(account(), { prompt: 'x' }));
      expect(e).toMatchObject({
        code: 'TASK_FAILED',
        upstreamCode: failCode,
        operation: 'video_poll',
        mayHaveStartedJob: false,
        ...expected,
      });
    });
  });

  it('classifies the synchronous video route failing with status 30 the same way', async () => {
    sim.admin.injectFault({ kind: 'task_failure', count: 1, failCode: '2038' });
    const e = await failure(client().makeVideo(account(), { prompt: 'x' }));
    expect(e).toMatchObject({
      action: A.FAIL_PERMANENTLY,
      reason: 'content_policy',
      proxyCode: -2008,
      upstreamCode: '2038',
    });
  });
});

describe('transport failures', () => {
  it('a paid call past its deadline is not sent again: the proxy may still be working on the job', async () => {
    sim.admin.injectFault({ kind: 'slow', count: 1, delayMs: 400 });
    const e = await failure(client({ timeoutMs: 100 }).generateImages(account(), { prompt: 'x' }));
    expect(e).toMatchObject({
      action: A.FAIL_PERMANENTLY,
      code: 'CALL_DEADLINE',
      reason: 'call_deadline',
      mayHaveStartedJob: true,
      nonRetryable: true,
    });
  });

  it('a look past its deadline (credits, session) is retried: it started nothing', async () => {
    sim.admin.injectFault({ kind: 'slow', count: 1, delayMs: 400 });
    const e = await failure(client({ timeoutMs: 100 }).getCredits(account()));
    expect(e).toMatchObject({ action: A.RETRY_SAME_ACCOUNT, code: 'TIMEOUT', mayHaveStartedJob: false });
  });

  it("waits by default longer than the proxy's own polling limits on the generation routes", () => {
    // The proxy polls images up to 900 times at 10-15 s, videos 900 times at 20 s (images.ts:233-237,
    // videos.ts:870-878): 3.75 h and 5 h.
    expect(DEFAULT_CALL_DEADLINES_MS.image_generation).toBeGreaterThan(3.75 * 3_600_000);
    expect(DEFAULT_CALL_DEADLINES_MS.image_composition).toBeGreaterThan(3.75 * 3_600_000);
    expect(DEFAULT_CALL_DEADLINES_MS.video_generation).toBeGreaterThan(5 * 3_600_000);
  });

  it('uses the per-operation timeout over the default', async () => {
    sim.admin.injectFault({ kind: 'slow', count: 1, delayMs: 300 });
    const c = client({ timeoutMs: 50, operationTimeoutMs: { image_generation: 2_000 } });
    await expect(c.generateImages(account(), { prompt: 'x' })).resolves.toBeDefined();
  });

  it('classifies a dropped connection', async () => {
    sim.admin.injectFault({ kind: 'connection_reset', count: 1 });
    const e = await failure(client().generateImages(account(), { prompt: 'x' }));
    expect(e.action).toBe(A.RETRY_SAME_ACCOUNT);
    expect(e.reason).toBe('connection_failed');
    expect(['ECONNRESET', 'SOCKET_HANG_UP']).toContain(e.code);
    expect(e.mayHaveStartedJob).toBe(true);
  });

  it('classifies a refused connection, which cannot have started a job', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const e = await failure(
      client({ baseUrls: { default: `http://127.0.0.1:${port}` } }).generateImages(account(), {
        prompt: 'x',
      }),
    );
    expect(e).toMatchObject({ action: A.RETRY_SAME_ACCOUNT, code: 'ECONNREFUSED', mayHaveStartedJob: false });
  });

  it('stops on cancellation', async () => {
    sim.admin.injectFault({ kind: 'slow', count: 1, delayMs: 500 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const e = await failure(
      client().generateImages(account(), { prompt: 'x' }, { signal: controller.signal }),
    );
    expect(e).toMatchObject({ action: A.FAIL_PERMANENTLY, code: 'CANCELLED', reason: 'cancelled' });
  });

  it('async-fork: gives up waiting for a video at the deadline, with a retryable timeout', async () => {
    await withForkSimulator(
      async (_fork, c) => {
        const { taskId } = await c.submitVideo(account(), { prompt: 'x' });
        const e = await failure(
          c.waitForVideo(account(), taskId, { deadlineMs: 80, initialDelayMs: 10, pollIntervalMs: 20 }),
        );
        expect(e).toMatchObject({ action: A.RETRY_SAME_ACCOUNT, code: 'TIMEOUT', operation: 'video_poll' });
      },
      { videoDurationMs: 60_000 },
    );
  });

  it('async-fork: pauses between polls with the injected sleep, until the deadline on the injected clock', async () => {
    await withForkSimulator(
      async (fork) => {
        let at = Date.parse('2026-01-01T00:00:00Z');
        const pauses: number[] = [];
        const c = client({
          baseUrls: { default: fork.url },
          videoRoute: 'async-fork',
          now: () => new Date(at),
          sleep: (ms) => {
            pauses.push(ms);
            at += ms;
            return Promise.resolve();
          },
        });
        const { taskId } = await c.submitVideo(account(), { prompt: 'x' });
        const e = await failure(
          c.waitForVideo(account(), taskId, {
            deadlineMs: 60_000,
            initialDelayMs: 5_000,
            pollIntervalMs: 20_000,
          }),
        );
        expect(e).toMatchObject({ action: A.RETRY_SAME_ACCOUNT, code: 'TIMEOUT', operation: 'video_poll' });
        // 5 s, then every 20 s, the last pause cut to what is left of the minute.
        expect(pauses).toEqual([5_000, 20_000, 20_000, 15_000]);
      },
      { videoDurationMs: 60_000 },
    );
  });

  it('refuses a body larger than the limit', async () => {
    const e = await failure(
      client({ maxResponseBytes: 200 }).generateImages(account(), {
        prompt: 'x',
        responseFormat: 'b64_json',
      }),
    );
    expect(e.action).toBe(A.RETRY_SAME_ACCOUNT);
  });

  it('reads a 429 from an injected transport and its HTTP-date Retry-After', async () => {
    const c = client({
      now: () => new Date('2026-01-01T00:00:00Z'),
      transport: () =>
        Promise.resolve({
          status: 429,
          headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' },
          body: 'slow down',
        }),
    });
    const e = await failure(c.generateImages(account(), { prompt: 'x' }));
    expect(e).toMatchObject({ action: A.COOL_DOWN_ACCOUNT, retryAfterMs: 5000 });
  });
});

describe('secrets', () => {
  it('redacts a session id the server echoes back in its message', async () => {
    sim.admin.injectFault({
      kind: 'error_code',
      count: 1,
      code: -2002,
      message: `[登录失效]: token ${SECRET} expired; header was Bearer us-${SECRET}`,
    });
    const e = await failure(client().generateImages(account(SECRET, SiteType.US), { prompt: 'x' }));
    expect(e.action).toBe(A.ACCOUNT_INVALID);
    expect(e.message).toContain('****7788');
  });

  it('never puts a session id in an error, its JSON, its stack or a log line', async () => {
    // Run a spread of failures on this account, then look everywhere.
    for (const kind of ['banned', 'gateway_5xx', 'malformed_body', 'connection_reset'] as const) {
      sim.admin.injectFault({ kind, count: 1 });
      await failure(
        client().generateImages(account(SECRET, SiteType.HK), { prompt: 'x', model: 'jimeng-4.0' }),
      );
    }
    await failure(
      client().generateImages({ sessionId: `${SECRET},x`, siteType: SiteType.CN }, { prompt: 'x' }),
    );
    // A dead session's answers, after the ban: the credits TypeError.
    await failure(
      client().generateImages(account(SECRET, SiteType.HK), { prompt: 'x', model: 'jimeng-4.0' }),
    );
    expect(seenErrors.length).toBeGreaterThanOrEqual(6);
    for (const e of seenErrors) {
      const all = [e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(Object.entries(e))].join('\n');
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain(SECRET.slice(0, 12));
      // At most the last 4 characters survive, behind the mask.
      if (e.sessionHint !== undefined) expect(e.sessionHint).toMatch(/^\*{4}.{0,4}$/);
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toContain(SECRET.slice(0, 12));
  });

  it('accepts a pino logger', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    sim.admin.injectFault({ kind: 'banned', count: 1 });
    await failure(
      new JimengClient({ baseUrls: { default: sim.url }, timeoutMs: 2_000, logger }).generateImages(
        account(),
        { prompt: 'x' },
      ),
    );
    expect(lines.some((l) => l.includes('jimeng call failed') && l.includes('account_invalid'))).toBe(true);
    expect(lines.join('')).not.toContain(SECRET);
  });
});
