import { AdminInputError } from '../../dev/jimeng-sim/admin-input';
import type { FaultSpec } from '../../dev/jimeng-sim/faults';
import {
  startJimengSimulator,
  type JimengSimulator,
  type JimengSimulatorOptions,
} from '../../dev/jimeng-sim/simulator';
import { PNG_MAGIC, mvhdDurationSeconds, readBoxes, readPng } from './media-parsing';

/*
 * The simulator speaks the proxy's protocol over real HTTP; these tests talk to it with plain fetch, never
 * through the client, so the two are checked against each other rather than against themselves.
 */

interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

async function call(
  sim: JimengSimulator,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(method === 'GET' ? {} : { body: opts.rawBody ?? JSON.stringify(opts.body ?? {}) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const image = (sim: JimengSimulator, token: string, body: Record<string, unknown> = {}): Promise<Answer> =>
  call(sim, 'POST', '/v1/images/generations', { token, body: { prompt: 'a cat', ...body } });

const codeOf = (a: Answer): number | undefined => (a.json as { code?: number } | undefined)?.code;

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

let sims: JimengSimulator[] = [];
async function start(options: JimengSimulatorOptions = {}): Promise<JimengSimulator> {
  const sim = await startJimengSimulator({ port: 0, imageLatencyMs: 1, videoDurationMs: 30, ...options });
  sims.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

describe('protocol', () => {
  it('answers a text-to-image call with 4 downloadable PNGs whose size follows the ratio', async () => {
    const sim = await start();
    const a = await image(sim, 'sess-proto-1', { ratio: '16:9', resolution: '1k' });
    expect(a.status).toBe(200);
    const body = a.json as { created: number; data: { url: string }[] };
    expect(typeof body.created).toBe('number');
    expect(body.data).toHaveLength(4);
    const bytes = await download(body.data[0]!.url);
    expect(bytes.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    const png = readPng(bytes);
    expect(png.chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png.chunks.every((c) => c.crcOk)).toBe(true);
    expect([png.width, png.height]).toEqual([16, 9]);
    expect(png.colourType).toBe(2);
    // Every scanline: one filter byte + 3 bytes per pixel.
    expect(png.pixels.length).toBe(png.height * (1 + png.width * 3));
  });

  it('returns base64 PNGs for b64_json and reports inputs for compositions', async () => {
    const sim = await start();
    const b64 = await image(sim, 'sess-proto-2', { response_format: 'b64_json' });
    const item = (b64.json as { data: { b64_json: string }[] }).data[0]!;
    expect(Buffer.from(item.b64_json, 'base64').subarray(0, 8).equals(PNG_MAGIC)).toBe(true);

    const comp = await call(sim, 'POST', '/v1/images/compositions', {
      token: 'sess-proto-2',
      body: { prompt: 'mix', images: ['http://x/a.png', { url: 'http://x/b.png' }] },
    });
    expect(comp.json).toMatchObject({ input_images: 2, composition_type: 'multi_image_synthesis' });
  });

  it('uses multi-image mode for "<N>张" prompts on jimeng-4.x', async () => {
    const sim = await start();
    const a = await image(sim, 'sess-proto-3', { prompt: '画 2张 猫', model: 'jimeng-4.5' });
    expect((a.json as { data: unknown[] }).data).toHaveLength(2);
  });

  it('answers errors with HTTP 200 and an envelope, as the proxy does', async () => {
    const sim = await start();
    const cases: [Promise<Answer>, number][] = [
      [image(sim, 'sess-proto-4', { ratio: '5:4' }), -1000],
      [image(sim, 'sess-proto-4', { resolution: '8k' }), -1000],
      [image(sim, 'sess-proto-4', { width: 512 }), -1000],
      [image(sim, 'sess-proto-4', { prompt: '' }), -2000],
      [image(sim, 'sess-proto-4', { model: 'nanobanana' }), -1000], // nano models are not on the China site
      [image(sim, 'us-sess-proto-4', { model: 'jimeng-3.1' }), -1000], // unknown on an international site
      [call(sim, 'POST', '/v1/images/generations', { body: { prompt: 'x' } }), -2000], // no Authorization
      [
        call(sim, 'POST', '/v1/images/compositions', {
          token: 'sess-proto-4',
          body: { prompt: 'x', images: [] },
        }),
        -2000,
      ],
      [call(sim, 'POST', '/v1/nothing-here', { token: 'sess-proto-4' }), -1000],
    ];
    for (const [pending, code] of cases) {
      const a = await pending;
      expect(a.status).toBe(200);
      expect(a.json).toMatchObject({ code, data: null });
    }
  });

  it('silently replaces an unknown model on the China site, like the proxy', async () => {
    const sim = await start();
    expect((await image(sim, 'sess-proto-5', { model: 'jimeng-9.9' })).status).toBe(200);
    expect(codeOf(await image(sim, 'sess-proto-5', { model: 'jimeng-9.9' }))).toBeUndefined();
  });

  it('changes an unlisted video duration instead of refusing it (sora2: 5 s becomes 4 s)', async () => {
    const sim = await start();
    const a = await call(sim, 'POST', '/v1/videos/generations', {
      token: 'sg-sess-proto-6',
      body: { prompt: 'waves', model: 'jimeng-video-sora2', duration: 5 },
    });
    const url = (a.json as { data: { url: string }[] }).data[0]!.url;
    const boxes = readBoxes(await download(url));
    const moov = boxes.find((b) => b.type === 'moov')!;
    expect(mvhdDurationSeconds(readBoxes(moov.payload)[0]!.payload)).toBe(4);
  });

  it('runs video tasks in the background: 20 -> 42 -> 45 -> 10, then serves a real MP4', async () => {
    let clock = 1_700_000_000_000;
    const sim = await start({ now: () => clock, videoDurationMs: 1000 });
    const submit = await call(sim, 'POST', '/v1/async/videos/generations', {
      token: 'sess-video-1',
      body: { prompt: 'a fox', duration: 10 },
    });
    const id = (submit.json as { history_id: string }).history_id;
    expect(id).toMatch(/^\d{19}$/);
    const statusAt = async (
      ms: number,
    ): Promise<{ status: number; results: { url: string }[] | null; item_count: number }> => {
      clock = 1_700_000_000_000 + ms;
      return (await call(sim, 'GET', `/v1/async/tasks/${id}`, { token: 'sess-video-1' })).json as never;
    };
    expect((await statusAt(100)).status).toBe(20);
    expect((await statusAt(600)).status).toBe(42);
    const finalizing = await statusAt(900);
    expect(finalizing).toMatchObject({ status: 45, results: null, item_count: 0 });
    const done = await statusAt(1000);
    expect(done).toMatchObject({ status: 10, item_count: 1 });
    const mp4 = await download(done.results![0]!.url);
    const boxes = readBoxes(mp4);
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(boxes[0]!.payload.toString('ascii', 0, 4)).toBe('isom');
    const mvhd = readBoxes(boxes[1]!.payload);
    expect(mvhd[0]!.type).toBe('mvhd');
    expect(mvhdDurationSeconds(mvhd[0]!.payload)).toBe(10);
  });

  it('hides a task from other sessions and answers unknown ids with "记录不存在"', async () => {
    const sim = await start();
    const submit = await call(sim, 'POST', '/v1/async/videos/generations', {
      token: 'sess-video-2',
      body: { prompt: 'x' },
    });
    const id = (submit.json as { history_id: string }).history_id;
    const other = await call(sim, 'GET', `/v1/async/tasks/${id}`, { token: 'sess-video-3' });
    expect(other.json).toMatchObject({ code: -2008 });
    expect((other.json as { message: string }).message).toContain('记录不存在');
  });

  it('reports liveness and credits per token', async () => {
    const sim = await start({ dailyQuota: 3 });
    sim.admin.registerSession({ sessionId: 'sess-dead', state: 'invalid' });
    expect((await call(sim, 'POST', '/token/check', { body: { token: 'sess-live' } })).json).toEqual({
      live: true,
    });
    expect((await call(sim, 'POST', '/token/check', { body: { token: 'sess-dead' } })).json).toEqual({
      live: false,
    });
    await image(sim, 'sess-live');
    const points = await call(sim, 'POST', '/token/points', { token: 'sess-live' });
    expect(points.json).toEqual([
      { token: 'sess-live', points: { giftCredit: 2, purchaseCredit: 0, vipCredit: 0, totalCredit: 2 } },
    ]);
  });
});

describe('accounts: quota, rate limit, state', () => {
  it('decrements the daily quota per generation and exhausts it (-2009 images, -2008 videos)', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'sess-q', dailyQuota: 2 });
    expect((await image(sim, 'sess-q')).status).toBe(200);
    expect(sim.admin.session('sess-q')?.remainingQuota).toBe(1);
    expect(codeOf(await image(sim, 'sess-q'))).toBeUndefined();
    expect(sim.admin.session('sess-q')?.remainingQuota).toBe(0);
    const third = await image(sim, 'sess-q');
    expect(third.json).toMatchObject({ code: -2009 });
    expect((third.json as { message: string }).message).toContain('积分不足');
    const video = await call(sim, 'POST', '/v1/async/videos/generations', {
      token: 'sess-q',
      body: { prompt: 'x' },
    });
    expect(video.json).toMatchObject({ code: -2008 });
    expect((video.json as { message: string }).message).toContain('积分不足');
  });

  it('runs at most maxConcurrent generations per account; beyond it answers ret 5001 without spending quota', async () => {
    const sim = await start({ imageLatencyMs: 200 });
    sim.admin.registerSession({ sessionId: 'sess-c', dailyQuota: 10, maxConcurrent: 2 });
    const answers = await Promise.all([1, 2, 3].map(() => image(sim, 'sess-c')));
    const refused = answers.filter((a) => codeOf(a) !== undefined);
    expect(answers.filter((a) => codeOf(a) === undefined)).toHaveLength(2);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.json).toMatchObject({ code: -2007 });
    expect((refused[0]!.json as { message: string }).message).toContain('credit prededuct failed');
    expect(sim.admin.session('sess-c')).toMatchObject({ remainingQuota: 8, inFlight: 0, maxConcurrent: 2 });
    // Once the two are done, the account takes work again; null lifts the limit.
    expect(codeOf(await image(sim, 'sess-c'))).toBeUndefined();
    sim.admin.registerSession({ sessionId: 'sess-c', maxConcurrent: null });
    const unlimited = await Promise.all([1, 2, 3].map(() => image(sim, 'sess-c')));
    expect(unlimited.every((a) => codeOf(a) === undefined)).toBe(true);
  });

  describe('calls after a refusal (what a pool must never do)', () => {
    it('counts a call to a banned or logged-out account after it was told, but not the call that found out', async () => {
      const sim = await start();
      sim.admin.registerSession({ sessionId: 'sess-b', state: 'banned' });
      sim.admin.injectFault({ kind: 'session_invalid', sessionId: 'sess-i', count: 1 });
      await image(sim, 'sess-b');
      await image(sim, 'sess-i');
      expect(sim.admin.counters().callsAfterRefusal).toEqual({});
      await image(sim, 'sess-b');
      await image(sim, 'sess-i'); // the injected answer stuck: the session is logged out from then on
      const counters = sim.admin.counters();
      expect(counters.refusals).toEqual({ banned: 2, invalid: 2 });
      expect(counters.callsAfterRefusal).toEqual({ banned: 1, invalid: 1 });
      expect(counters.callsAfterRefusalBySession).toEqual({ 'sess-b': 1, 'sess-i': 1 });
    });

    it('does not hold an answer against an account when its caller was gone before it (a killed worker)', async () => {
      const sim = await start();
      sim.admin.injectFault({ kind: 'slow', sessionId: 'sess-k', count: 1, delayMs: 300 });
      sim.admin.injectFault({ kind: 'banned', sessionId: 'sess-k', count: 1 });
      const caller = new AbortController();
      const lost = fetch(`${sim.url}/v1/images/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sess-k' },
        body: JSON.stringify({ prompt: 'a cat' }),
        signal: caller.signal,
      }).catch(() => 'gone');
      await new Promise((r) => setTimeout(r, 50));
      caller.abort();
      expect(await lost).toBe('gone');
      await new Promise((r) => setTimeout(r, 400));
      expect(sim.admin.counters().refusals).toEqual({ banned: 1 });
      await image(sim, 'sess-k');
      expect(sim.admin.counters().callsAfterRefusal).toEqual({});
    });

    it('reports no credits left after it answered "quota exhausted", as the upstream would', async () => {
      const sim = await start();
      sim.admin.registerSession({ sessionId: 'sess-x', dailyQuota: 10 });
      sim.admin.injectFault({ kind: 'quota_exhausted', sessionId: 'sess-x', count: 1 });
      expect(codeOf(await image(sim, 'sess-x'))).toBe(-2009);
      expect(sim.admin.sessions().find((x) => x.sessionId === 'sess-x')?.remainingQuota).toBe(0);
    });

    it('forgives a rate-limited account once its Retry-After has passed', async () => {
      let clock = 1_000_000;
      const sim = await start({ now: () => clock });
      sim.admin.injectFault({ kind: 'http_429', sessionId: 'sess-r', count: 1, retryAfterMs: 2000 });
      expect((await image(sim, 'sess-r')).status).toBe(429);
      clock += 1999;
      await image(sim, 'sess-r');
      clock += 1;
      await image(sim, 'sess-r');
      expect(sim.admin.counters().callsAfterRefusal).toEqual({ rate_limited: 1 });
    });

    it('holds an exhausted account until the next quota day, and counts busy refusals without remembering them', async () => {
      let clock = Date.UTC(2026, 0, 1, 10, 0, 0); // 18:00 in UTC+8
      const sim = await start({ now: () => clock, imageLatencyMs: 100 });
      sim.admin.registerSession({ sessionId: 'sess-q', dailyQuota: 1, maxConcurrent: 1 });
      await Promise.all([image(sim, 'sess-q'), image(sim, 'sess-q')]); // one served, one busy
      await image(sim, 'sess-q'); // quota gone
      await image(sim, 'sess-q'); // told already
      // Told about image credits only: a video submit may find out for itself.
      await call(sim, 'POST', '/v1/async/videos/generations', { token: 'sess-q', body: { prompt: 'x' } });
      clock = Date.UTC(2026, 0, 1, 16, 0, 0); // 00:00 next day in UTC+8
      await image(sim, 'sess-q');
      const counters = sim.admin.counters();
      expect(counters.refusals).toEqual({ busy: 1, quota: 3 });
      expect(counters.callsAfterRefusal).toEqual({ quota: 1 });
    });

    it('counts every call to an account the operator withdrew, until it is registered again', async () => {
      const sim = await start();
      sim.admin.registerSession({ sessionId: 'sess-w' });
      sim.admin.withdraw('sess-w');
      await image(sim, 'sess-w');
      sim.admin.registerSession({ sessionId: 'sess-w' });
      await image(sim, 'sess-w');
      expect(sim.admin.counters().callsAfterRefusal).toEqual({ withdrawn: 1 });
    });
  });

  it('refuses a maxConcurrent below 1, naming the field', async () => {
    const sim = await start();
    const res = await call(sim, 'POST', '/__admin/sessions', { body: { sessionId: 's', maxConcurrent: 0 } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field: 'maxConcurrent' });
  });

  it('does not spend quota on calls it refuses', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'sess-q2', dailyQuota: 5 });
    await call(sim, 'GET', '/v1/async/tasks/123', { token: 'sess-q2' });
    await image(sim, 'sess-q2', { ratio: 'bad' });
    await call(sim, 'POST', '/token/points', { token: 'sess-q2' });
    sim.admin.injectFault({ kind: 'http_5xx', sessionId: 'sess-q2', count: 1 });
    await image(sim, 'sess-q2');
    expect(sim.admin.session('sess-q2')?.remainingQuota).toBe(5);
    await image(sim, 'sess-q2');
    expect(sim.admin.session('sess-q2')?.remainingQuota).toBe(4);
  });

  it('restores the quota when the Asia/Shanghai day turns', async () => {
    // 2026-03-01 23:59:00 +08:00
    let clock = Date.parse('2026-03-01T15:59:00Z');
    const sim = await start({ now: () => clock });
    sim.admin.registerSession({ sessionId: 'sess-day', dailyQuota: 1 });
    expect((await image(sim, 'sess-day')).status).toBe(200);
    expect((await image(sim, 'sess-day')).json).toMatchObject({ code: -2009 });
    clock = Date.parse('2026-03-01T16:00:01Z'); // 00:00:01 +08:00 next day
    expect(codeOf(await image(sim, 'sess-day'))).toBeUndefined();
    expect(sim.admin.session('sess-day')?.remainingQuota).toBe(0);
  });

  it('limits requests per window with 429 and Retry-After, then lets them through again', async () => {
    let clock = 1_000_000;
    const sim = await start({ now: () => clock });
    sim.admin.registerSession({ sessionId: 'sess-rl', rateLimit: { maxRequests: 2, windowMs: 10_000 } });
    expect((await image(sim, 'sess-rl')).status).toBe(200);
    clock += 4_000;
    expect((await image(sim, 'sess-rl')).status).toBe(200);
    const limited = await image(sim, 'sess-rl');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('6'); // the first request leaves the window in 6 s
    clock += 6_001;
    expect((await image(sim, 'sess-rl')).status).toBe(200);
    // Another session is not affected by this one's pace.
    expect((await image(sim, 'sess-other')).status).toBe(200);
  });

  it('answers invalid and banned sessions, and unknown ones when auto-creation is off', async () => {
    const sim = await start({ autoCreateSessions: false });
    sim.admin.registerSession({ sessionId: 'sess-inv', state: 'invalid' });
    sim.admin.registerSession({ sessionId: 'sess-ban', state: 'banned' });
    expect((await image(sim, 'sess-inv')).json).toMatchObject({ code: -2002 });
    const banned = await image(sim, 'sess-ban');
    expect(banned.json).toMatchObject({ code: -2001 });
    expect((banned.json as { message: string }).message).toContain('封禁');
    expect((await image(sim, 'sess-nobody')).json).toMatchObject({ code: -2002 });
    expect(sim.admin.session('sess-nobody')).toBeUndefined();
  });

  it('strips region and proxy prefixes from tokens before looking the session up', async () => {
    const sim = await start();
    await image(sim, 'us-sess-pfx', { model: 'jimeng-4.5' });
    await image(sim, 'http://user:pw@proxy.local:8080@JP-sess-pfx', { model: 'jimeng-5.0' });
    expect(sim.admin.counters().bySession['sess-pfx']?.total).toBe(2);
  });
});

describe('faults', () => {
  it('fires a one-shot fault exactly N times, only for its session', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'content_policy', sessionId: 'sess-f1', count: 2 });
    expect((await image(sim, 'sess-f2')).status).toBe(200);
    expect((await image(sim, 'sess-f1')).json).toMatchObject({ code: -2006 });
    expect((await image(sim, 'sess-f1')).json).toMatchObject({ code: -2006 });
    expect(codeOf(await image(sim, 'sess-f1'))).toBeUndefined();
    expect(sim.admin.faults()[0]).toMatchObject({ fired: 2, remaining: 0 });
    expect(sim.admin.counters().faultsFired).toEqual({ content_policy: 2 });
  });

  it.each<[FaultSpec['kind'], Partial<FaultSpec>, (a: Answer) => void]>([
    [
      'http_429',
      { retryAfterMs: 2500 },
      (a) => (expect(a.status).toBe(429), expect(a.headers.get('retry-after')).toBe('3')),
    ],
    ['quota_exhausted', {}, (a) => expect(a.json).toMatchObject({ code: -2009 })],
    ['session_invalid', {}, (a) => expect(a.json).toMatchObject({ code: -2002 })],
    ['banned', {}, (a) => expect(a.json).toMatchObject({ code: -2001 })],
    ['content_policy', {}, (a) => expect(a.json).toMatchObject({ code: -2006 })],
    ['http_5xx', { status: 503 }, (a) => (expect(a.status).toBe(503), expect(a.json).toBeUndefined())],
    ['malformed_body', {}, (a) => (expect(a.status).toBe(200), expect(a.json).toBeUndefined())],
    [
      'error_code',
      { code: -2001, message: 'shark not pass (错误码: 1019)' },
      (a) => expect(a.json).toEqual({ code: -2001, message: 'shark not pass (错误码: 1019)', data: null }),
    ],
  ])('global %s', async (kind, extra, check) => {
    const sim = await start();
    sim.admin.injectFault({ kind, count: 1, ...extra });
    check(await image(sim, 'sess-g'));
    expect((await image(sim, 'sess-g')).status).toBe(200);
  });

  it('drops the connection for connection_reset', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'connection_reset', count: 1 });
    await expect(image(sim, 'sess-reset')).rejects.toThrow();
    expect((await image(sim, 'sess-reset')).status).toBe(200);
  });

  it('delays for slow and then answers normally', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'slow', delayMs: 150, count: 1 });
    const t0 = Date.now();
    expect((await image(sim, 'sess-slow')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('limits a fault to its endpoint', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'http_5xx', endpoint: 'POST /v1/images/compositions', count: 1 });
    expect((await image(sim, 'sess-ep')).status).toBe(200);
    const comp = await call(sim, 'POST', '/v1/images/compositions', {
      token: 'sess-ep',
      body: { prompt: 'x', images: ['http://a/b.png'] },
    });
    expect(comp.status).toBe(502);
  });

  it('lets a task_failure video job run and end with status 30 and the fail_code', async () => {
    const sim = await start({ videoDurationMs: 10 });
    sim.admin.injectFault({ kind: 'task_failure', failCode: '1017', count: 1 });
    const submit = await call(sim, 'POST', '/v1/async/videos/generations', {
      token: 'sess-tf',
      body: { prompt: 'x' },
    });
    const id = (submit.json as { history_id: string }).history_id;
    await new Promise((r) => setTimeout(r, 20));
    expect((await call(sim, 'GET', `/v1/async/tasks/${id}`, { token: 'sess-tf' })).json).toMatchObject({
      status: 30,
      fail_code: '1017',
      results: null,
    });
    // Image calls are not video jobs: the fault does not apply to them.
    sim.admin.injectFault({ kind: 'task_failure', count: 1 });
    expect((await image(sim, 'sess-tf')).status).toBe(200);
    expect(sim.admin.faults()[1]).toMatchObject({ fired: 0 });
  });
});

describe('determinism', () => {
  async function run(seed: number): Promise<string[]> {
    const sim = await start({ seed });
    sim.admin.injectFault({ kind: 'http_5xx', rate: 0.5 });
    const outcomes: string[] = [];
    for (let i = 0; i < 16; i++) {
      const a = await image(sim, 'sess-seed', { ratio: '1:1' });
      outcomes.push(
        a.status === 200
          ? (a.json as { data: { url: string }[] }).data.map((d) => new URL(d.url).pathname).join(',')
          : `HTTP ${a.status}`,
      );
    }
    await sim.close();
    return outcomes;
  }

  it('makes the same choices (faults, ids) for the same seed and different ones for another', async () => {
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(b).toEqual(a);
    expect(a.some((o) => o.startsWith('HTTP'))).toBe(true);
    expect(a.some((o) => !o.startsWith('HTTP'))).toBe(true);
    expect(c).not.toEqual(a);
  });

  it('makes the same image bytes for the same seed', async () => {
    const one = await start({ seed: 7 });
    const two = await start({ seed: 7 });
    const url1 = ((await image(one, 'sess-bytes')).json as { data: { url: string }[] }).data[0]!.url;
    const url2 = ((await image(two, 'sess-bytes')).json as { data: { url: string }[] }).data[0]!.url;
    expect((await download(url1)).equals(await download(url2))).toBe(true);
  });

  it('starts over from the seed after an admin reset', async () => {
    const sim = await start({ seed: 9 });
    const first = ((await image(sim, 'sess-r')).json as { data: { url: string }[] }).data[0]!.url;
    expect((await call(sim, 'POST', '/__admin/reset')).status).toBe(200);
    const again = ((await image(sim, 'sess-r')).json as { data: { url: string }[] }).data[0]!.url;
    expect(new URL(again).pathname).toBe(new URL(first).pathname);
  });
});

describe('admin API', () => {
  it('counts what it received per session and per endpoint, including refused calls, and resets', async () => {
    const sim = await start();
    await image(sim, 'sess-c1');
    await image(sim, 'sess-c1', { ratio: 'nope' });
    await image(sim, 'us-sess-c2');
    await call(sim, 'GET', '/v1/async/tasks/1', { token: 'sess-c2' });
    await call(sim, 'GET', '/ping');
    const counters = (await call(sim, 'GET', '/__admin/counters')).json;
    expect(counters).toEqual({
      total: 5,
      byEndpoint: { 'POST /v1/images/generations': 3, 'GET /v1/async/tasks/:id': 1, 'GET /ping': 1 },
      bySession: {
        'sess-c1': { total: 2, byEndpoint: { 'POST /v1/images/generations': 2 } },
        'sess-c2': {
          total: 2,
          byEndpoint: { 'POST /v1/images/generations': 1, 'GET /v1/async/tasks/:id': 1 },
        },
        '(none)': { total: 1, byEndpoint: { 'GET /ping': 1 } },
      },
      faultsFired: {},
      refusals: {},
      callsAfterRefusal: {},
      callsAfterRefusalBySession: {},
      callsAfterRefusalLog: [],
    });
    expect((await call(sim, 'POST', '/__admin/counters/reset')).status).toBe(200);
    expect(sim.admin.counters().total).toBe(0);
  });

  it('registers sessions and injects faults over HTTP', async () => {
    const sim = await start();
    const reg = await call(sim, 'POST', '/__admin/sessions', {
      body: { sessionId: 'sess-http', dailyQuota: 1, rateLimit: { maxRequests: 5, windowMs: 1000 } },
    });
    expect(reg.status).toBe(201);
    expect(reg.json).toMatchObject({ sessionId: 'sess-http', state: 'ok', dailyQuota: 1, remainingQuota: 1 });
    const fault = await call(sim, 'POST', '/__admin/faults', {
      body: { kind: 'banned', sessionId: 'sess-http', count: 1 },
    });
    expect(fault.status).toBe(201);
    expect((await image(sim, 'sess-http')).json).toMatchObject({ code: -2001 });
    expect((await call(sim, 'GET', '/__admin/sessions/sess-http')).json).toMatchObject({ remainingQuota: 1 });
    expect((await call(sim, 'GET', '/__admin/sessions/nobody')).status).toBe(404);
    expect((await call(sim, 'DELETE', '/__admin/faults')).json).toEqual({ cleared: 1 });
  });

  it.each<[string, string, unknown, string | null]>([
    ['fault without kind', '/__admin/faults', { count: 1 }, 'kind'],
    ['fault with an unknown kind', '/__admin/faults', { kind: 'meteor', count: 1 }, 'kind'],
    ['fault with neither rate nor count', '/__admin/faults', { kind: 'banned' }, 'rate'],
    ['fault with both rate and count', '/__admin/faults', { kind: 'banned', rate: 0.5, count: 1 }, 'rate'],
    ['fault with a rate above 1', '/__admin/faults', { kind: 'banned', rate: 2 }, 'rate'],
    ['fault with count 0', '/__admin/faults', { kind: 'banned', count: 0 }, 'count'],
    ['slow fault without delay', '/__admin/faults', { kind: 'slow', count: 1 }, 'delayMs'],
    ['error_code fault without code', '/__admin/faults', { kind: 'error_code', count: 1 }, 'code'],
    ['5xx fault with status 404', '/__admin/faults', { kind: 'http_5xx', count: 1, status: 404 }, 'status'],
    [
      'fault on an unknown endpoint',
      '/__admin/faults',
      { kind: 'banned', count: 1, endpoint: 'POST /nowhere' },
      'endpoint',
    ],
    [
      'fault with an unknown field',
      '/__admin/faults',
      { kind: 'banned', count: 1, sesionId: 'typo' },
      'sesionId',
    ],
    [
      'task_failure on an image endpoint',
      '/__admin/faults',
      { kind: 'task_failure', count: 1, endpoint: 'POST /v1/images/generations' },
      'endpoint',
    ],
    ['session without id', '/__admin/sessions', { dailyQuota: 3 }, 'sessionId'],
    ['session id with a comma', '/__admin/sessions', { sessionId: 'a,b' }, 'sessionId'],
    ['negative quota', '/__admin/sessions', { sessionId: 's', dailyQuota: -1 }, 'dailyQuota'],
    ['fractional quota', '/__admin/sessions', { sessionId: 's', dailyQuota: 1.5 }, 'dailyQuota'],
    ['unknown state', '/__admin/sessions', { sessionId: 's', state: 'sleepy' }, 'state'],
    [
      'rate limit without window',
      '/__admin/sessions',
      { sessionId: 's', rateLimit: { maxRequests: 3 } },
      'rateLimit.windowMs',
    ],
    [
      'rate limit of zero',
      '/__admin/sessions',
      { sessionId: 's', rateLimit: { maxRequests: 0, windowMs: 10 } },
      'rateLimit.maxRequests',
    ],
    ['a JSON array', '/__admin/sessions', [1, 2], null],
  ])('rejects %s with 400 naming the field', async (_label, path, body, field) => {
    const sim = await start();
    const a = await call(sim, 'POST', path, { body });
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ error: expect.any(String), field });
    expect(sim.admin.faults()).toHaveLength(0);
  });

  it('rejects a body that is not JSON', async () => {
    const sim = await start();
    const a = await call(sim, 'POST', '/__admin/faults', { rawBody: '{kind: banned' });
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ error: 'body is not valid JSON', field: null });
  });

  it('throws the same AdminInputError from the library API', () => {
    return start().then((sim) => {
      expect(() => sim.admin.injectFault({ kind: 'slow', count: 1 })).toThrow(AdminInputError);
      try {
        sim.admin.registerSession({ sessionId: '' });
      } catch (e) {
        expect((e as AdminInputError).toJSON()).toEqual({ error: expect.any(String), field: 'sessionId' });
      }
      expect.assertions(2);
    });
  });
});
