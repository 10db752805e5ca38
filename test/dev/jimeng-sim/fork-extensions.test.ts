import { mvhdDurationSeconds, readBoxes } from '../../support/media-parsing';
import {
  TEXT,
  call,
  codeOf,
  download,
  expectEnvelope,
  expectSuccess,
  image,
  start,
  stopAll,
  video,
} from './harness';

/*
 * forkExtensions: what forks of the proxy add and the proxy does not have (the /v1/async video pair of the
 * closed iptag PR #133, 429 + Retry-After, a ban text). Everything else stays the proxy's.
 */

afterEach(stopAll);

describe('fork extensions', () => {
  it('runs async video tasks: POST /v1/async/videos/generations → { created, history_id, status }, then 20 → 42 → 45 → 10', async () => {
    let clock = 1_700_000_000_000;
    const sim = await start({ forkExtensions: true, now: () => clock, latency: { videoMs: 1000 } });
    const submit = await call(sim, 'POST', '/v1/async/videos/generations', {
      token: 'v1',
      body: { prompt: 'a fox', duration: 10 },
    });
    expect(submit.json).toMatchObject({
      created: expect.any(Number),
      history_id: expect.stringMatching(/^\d{19}$/),
      status: 'submitted',
    });
    const id = (submit.json as { history_id: string }).history_id;
    const at = async (
      ms: number,
    ): Promise<{ status: number; results: { url: string }[] | null; item_count: number }> => {
      clock = 1_700_000_000_000 + ms;
      return (await call(sim, 'GET', `/v1/async/tasks/${id}`, { token: 'v1' })).json as never;
    };
    expect((await at(100)).status).toBe(20);
    expect((await at(600)).status).toBe(42);
    expect(await at(900)).toMatchObject({ status: 45, results: null, item_count: 0 });
    const done = await at(1000);
    expect(done).toMatchObject({
      status: 10,
      item_count: 1,
      history_id: id,
      task_type: 'video',
      fail_code: '',
    });
    const moov = readBoxes(await download(done.results![0]!.url)).find((b) => b.type === 'moov')!;
    expect(mvhdDurationSeconds(readBoxes(moov.payload)[0]!.payload)).toBe(10);
  });

  it('hides a task from other sessions and ends a task_failure with status 30 and its fail_code', async () => {
    const sim = await start({ forkExtensions: true, latency: { videoMs: 5 } });
    sim.admin.injectFault({ kind: 'task_failure', failCode: '1017', count: 1 });
    const submit = await call(sim, 'POST', '/v1/async/videos/generations', {
      token: 'v2',
      body: { prompt: 'x' },
    });
    const id = (submit.json as { history_id: string }).history_id;
    expectEnvelope(
      await call(sim, 'GET', `/v1/async/tasks/${id}`, { token: 'v3' }),
      -2008,
      '[视频生成失败]: 记录不存在',
    );
    await new Promise((r) => setTimeout(r, 10));
    expect((await call(sim, 'GET', `/v1/async/tasks/${id}`, { token: 'v2' })).json).toMatchObject({
      status: 30,
      fail_code: '1017',
      results: null,
    });
  });

  it('validates an async submit as the synchronous route does', async () => {
    const sim = await start({ forkExtensions: true });
    expectEnvelope(
      await call(sim, 'POST', '/v1/async/videos/generations', {
        token: 'v',
        body: { prompt: 'x', duration: 7 },
      }),
      -1000,
      '3.5-pro 模型仅支持 5、10、12 秒时长，当前值: 7',
    );
  });

  it('answers the account rate limit with HTTP 429 + Retry-After (seconds)', async () => {
    let clock = 1_000_000;
    const sim = await start({ forkExtensions: true, now: () => clock });
    sim.admin.registerSession({ sessionId: 'rl', rateLimit: { maxRequests: 2, windowMs: 10_000 } });
    await image(sim, 'rl');
    clock += 4_000;
    await image(sim, 'rl');
    const limited = await image(sim, 'rl');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('6');
    clock += 6_001;
    expectSuccess(await image(sim, 'rl'));
  });

  it('takes http_429 faults, and forgives a rate-limited account once its Retry-After has passed', async () => {
    let clock = 1_000_000;
    const sim = await start({ forkExtensions: true, now: () => clock });
    sim.admin.injectFault({ kind: 'http_429', sessionId: 'r', count: 1, retryAfterMs: 2500 });
    const a = await image(sim, 'r');
    expect([a.status, a.headers.get('retry-after')]).toEqual([429, '3']);
    clock += 2499;
    await image(sim, 'r');
    clock += 1;
    await image(sim, 'r');
    expect(sim.admin.counters().callsAfterRefusal).toEqual({ rate_limited: 1 });
  });

  it('answers a banned session with the ban text -2001 "账号已封禁"; an invalid one as the proxy', async () => {
    const sim = await start({ forkExtensions: true });
    sim.admin.registerSession({ sessionId: 'b', state: 'banned' });
    sim.admin.registerSession({ sessionId: 'i', state: 'invalid' });
    expectEnvelope(await image(sim, 'b'), -2001, '[请求失败]: 账号已封禁 (account banned)');
    expectEnvelope(await video(sim, 'b'), -2001, '[请求失败]: 账号已封禁 (account banned)');
    sim.admin.injectFault({ kind: 'banned', sessionId: 'b2', count: 1 });
    expectEnvelope(await image(sim, 'b2'), -2001, '[请求失败]: 账号已封禁 (account banned)');
    expectEnvelope(await image(sim, 'i'), -1000, TEXT.deadSession);
    expect(sim.admin.counters().refusals).toEqual({ banned: 3, invalid: 1 });
  });

  it('leaves everything else as the proxy answers it', async () => {
    const sim = await start({ forkExtensions: true });
    expect(sim.forkExtensions).toBe(true);
    expect(codeOf(await image(sim, 's', { width: 1 }))).toBe(-1000);
    expect((await call(sim, 'POST', '/v1/nowhere')).json).toMatchObject({
      code: -1000,
      message: expect.stringContaining('[请求有误]'),
    });
  });
});
