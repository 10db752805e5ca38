import type { FaultSpec } from '../../../dev/jimeng-sim/faults';
import {
  TEXT,
  call,
  composition,
  expectEnvelope,
  expectSuccess,
  image,
  itemsOf,
  start,
  stopAll,
  video,
  type Answer,
} from './harness';

/* Each fault kind, answered as the proxy would answer what it stands for (default mode). */

afterEach(stopAll);

describe('upstream faults', () => {
  it('http_429 is refused in default mode with a 400 naming the option', async () => {
    const sim = await start();
    const a = await call(sim, 'POST', '/__admin/faults', { body: { kind: 'http_429', count: 1 } });
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ error: expect.stringContaining('forkExtensions'), field: 'kind' });
    expect((a.json as { error: string }).error).toContain('JIMENG_SIM_FORK_EXTENSIONS');
  });

  it('content_policy: ret 4001 at submit, -2006 "[内容违规]: <errmsg>"', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'content_policy', count: 1 });
    sim.admin.injectFault({ kind: 'content_policy', count: 1, errmsg: '内容不合规' });
    expectEnvelope(await image(sim, 's'), -2006, '[内容违规]: 提示词或素材包含违规内容');
    expectEnvelope(await video(sim, 's'), -2006, '[内容违规]: 内容不合规');
  });

  it.each<[string, string, string]>([
    ['1019', 'shark not pass', TEXT.shark1019],
    ['-4', 'shark check reject', '[请求失败]: shark check reject (错误码: -4)'],
    ['4013', '', '[请求失败]: 生成失败，疑似存在异常行为，请重新尝试 (错误码: 4013)'],
  ])('risk_control ret %s: -2001 with the errmsg and ret', async (ret, _errmsg, message) => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'risk_control', count: 1, ret });
    expectEnvelope(await image(sim, 's'), -2001, message);
  });

  it('risk_control takes only the rets users report', async () => {
    const sim = await start();
    const a = await call(sim, 'POST', '/__admin/faults', {
      body: { kind: 'risk_control', count: 1, ret: 5000 },
    });
    expect(a.json).toMatchObject({ field: 'ret' });
    expect(sim.admin.injectFault({ kind: 'risk_control', count: 1, ret: -4 as unknown as string }).ret).toBe(
      '-4',
    );
  });

  it('http_5xx at submit (default): HTTP 200; images and compositions -2007 记录ID不存在, videos the TypeError, after 3 retries', async () => {
    const sim = await start({ latency: { retryDelayMs: 40 } });
    sim.admin.injectFault({ kind: 'http_5xx', count: 3, status: 503 });
    const t0 = Date.now();
    expectEnvelope(await image(sim, 's'), -2007, '记录ID不存在');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
    expectEnvelope(await composition(sim, 's'), -2007, '记录ID不存在');
    expectEnvelope(
      await video(sim, 's'),
      -1000,
      "Cannot read properties of undefined (reading 'history_record_id')",
    );
  });

  it('http_5xx at first_call: the credit read fails as for a dead session; compositions fail their first upload', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'http_5xx', count: 4, at: 'first_call' });
    expectEnvelope(await image(sim, 's'), -1000, TEXT.deadSession);
    expectEnvelope(await composition(sim, 's'), -2007, '图片上传失败: 获取上传令牌失败');
    expectEnvelope(await call(sim, 'POST', '/token/points', { token: 's' }), -1000, TEXT.deadSession);
    expect((await call(sim, 'POST', '/token/check', { body: { token: 's' } })).json).toEqual({ live: false });
    expect(sim.admin.session('s')?.state).toBe('ok');
  });

  it('gateway_5xx: a gateway in front of the proxy answers an HTML page with that status', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'gateway_5xx', count: 1, status: 504 });
    const a = await image(sim, 's');
    expect(a.status).toBe(504);
    expect(a.text).toContain('<html>');
  });

  it.each<[FaultSpec['error'] | undefined, string, string]>([
    [undefined, 's', 'timeout of 45000ms exceeded'],
    ['socket_hang_up', 's', 'socket hang up'],
    ['econnreset', 's', 'read ECONNRESET'],
    ['etimedout', 's', 'connect ETIMEDOUT 203.0.113.10:443'],
    ['enotfound', 's', 'getaddrinfo ENOTFOUND jimeng.jianying.com'],
    ['eai_again', 'us-s', 'getaddrinfo EAI_AGAIN dreamina-api.us.capcut.com'],
    ['enotfound', 'sg-s', 'getaddrinfo ENOTFOUND mweb-api-sg.capcut.com'],
  ])('upstream_transport %s: HTTP 200, -1000 with the axios message', async (error, token, message) => {
    const sim = await start();
    sim.admin.injectFault({
      kind: 'upstream_transport',
      count: 1,
      ...(error === undefined ? {} : { error }),
    });
    expectEnvelope(await video(sim, token), -1000, message);
  });

  it("upstream_transport: a chosen message, the proxy's retry time, and compositions wrap a first-call outage", async () => {
    const sim = await start({ latency: { retryDelayMs: 10, upstreamTimeoutMs: 30 } });
    sim.admin.injectFault({
      kind: 'upstream_transport',
      count: 1,
      message: 'Proxy connection ended before receiving CONNECT response',
    });
    expectEnvelope(await image(sim, 's'), -1000, 'Proxy connection ended before receiving CONNECT response');
    sim.admin.injectFault({ kind: 'upstream_transport', count: 1 });
    const t0 = Date.now();
    await image(sim, 's');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(145); // 4 attempts of 30 ms + 3 pauses of 10 ms
    sim.admin.injectFault({ kind: 'upstream_transport', count: 1, error: 'econnreset', at: 'first_call' });
    expectEnvelope(await composition(sim, 's'), -2007, '图片上传失败: read ECONNRESET');
    sim.admin.injectFault({ kind: 'upstream_transport', count: 1, error: 'econnreset', at: 'first_call' });
    expectEnvelope(await call(sim, 'POST', '/token/points', { token: 's' }), -1000, 'read ECONNRESET');
  });

  it('input_image_refused: CN content check; compositions -2007, video first frame -2001, a last frame is dropped', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'input_image_refused', count: 1, imageIndex: 2 });
    expectEnvelope(
      await composition(sim, 's', { images: ['http://x/a.png', 'http://x/b.png'] }),
      -2007,
      `图片上传失败: ${TEXT.contentCheck}`,
    );
    sim.admin.injectFault({ kind: 'input_image_refused', count: 1 });
    expectEnvelope(
      await video(sim, 's', { file_paths: ['http://x/a.png'] }),
      -2001,
      `首帧图片上传失败: ${TEXT.contentCheck}`,
    );
    sim.admin.injectFault({ kind: 'input_image_refused', count: 1, imageIndex: 2 });
    expectSuccess(await video(sim, 's', { filePaths: ['http://x/a.png', 'http://x/b.png'] }));
  });

  it('input_image_refused in omni_reference names the field', async () => {
    const sim = await start();
    const omni = { model: 'jimeng-video-seedance-2.0', functionMode: 'omni_reference' };
    sim.admin.injectFault({ kind: 'input_image_refused', count: 1 });
    expectEnvelope(
      await video(sim, 's', { ...omni, image_file_1: 'http://x/a.png' }),
      -2001,
      `image_file_1 处理失败: ${TEXT.contentCheck}`,
    );
    sim.admin.injectFault({ kind: 'input_image_refused', count: 1 });
    expectEnvelope(
      await video(sim, 's', { ...omni, file_paths: ['http://x/a.png'] }),
      -2001,
      `image_file_1 URL图片处理失败: ${TEXT.contentCheck}`,
    );
  });

  it('input_image_refused does not happen on international sites or to calls without that input image', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'input_image_refused', rate: 1 });
    expectSuccess(await composition(sim, 'us-s'));
    expectSuccess(await image(sim, 's'));
    expectSuccess(await video(sim, 's'));
    expect(sim.admin.faults()[0]).toMatchObject({ fired: 0 });
  });

  it('partial_result: the job ends with some items and the proxy returns those', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'partial_result', count: 1, items: 2 });
    sim.admin.injectFault({ kind: 'partial_result', count: 1 });
    const a = await image(sim, 's');
    expectSuccess(a);
    expect(itemsOf(a)).toHaveLength(2);
    expect(itemsOf(await composition(sim, 's'))).toHaveLength(1);
    expect(itemsOf(await image(sim, 's'))).toHaveLength(4);
    const v = await call(sim, 'POST', '/__admin/faults', {
      body: { kind: 'partial_result', count: 1, endpoint: 'POST /v1/videos/generations' },
    });
    expect(v.json).toMatchObject({ field: 'endpoint' });
  });

  it('task_failure: status 30 and no items; videos by default, images when named', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'task_failure', count: 1, failCode: '1017' });
    expectSuccess(await image(sim, 's'));
    expectEnvelope(await video(sim, 's'), -2008, '视频生成失败，状态码: 30，错误码: 1017');
    sim.admin.injectFault({ kind: 'task_failure', count: 1, endpoint: 'POST /v1/images/generations' });
    expectEnvelope(await image(sim, 's'), -2007, '图像生成失败，状态码: 30，错误码: 2038');
  });
});

describe('faults of the link between client and proxy', () => {
  it('error_code: any envelope, as given', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'error_code', count: 1, code: -2001, message: 'x (错误码: 1019)' });
    expectEnvelope(await image(sim, 's'), -2001, 'x (错误码: 1019)');
  });

  it('malformed_body: 200 with truncated JSON; connection_reset: no answer', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'malformed_body', count: 1 });
    const a = await image(sim, 's');
    expect([a.status, a.json]).toEqual([200, undefined]);
    sim.admin.injectFault({ kind: 'connection_reset', count: 1 });
    await expect(image(sim, 's')).rejects.toThrow();
    expectSuccess(await image(sim, 's'));
  });

  it('slow: delays, then answers normally', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'slow', delayMs: 150, count: 1 });
    const t0 = Date.now();
    expectSuccess(await image(sim, 's'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe('fault scoping', () => {
  it('fires a one-shot fault exactly N times, only for its session and endpoint', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'content_policy', sessionId: 'f1', count: 2 });
    sim.admin.injectFault({ kind: 'gateway_5xx', endpoint: 'POST /v1/images/compositions', count: 1 });
    expectSuccess(await image(sim, 'f2'));
    expect((await image(sim, 'f1')).json).toMatchObject({ code: -2006 });
    expect((await image(sim, 'us-f1')).json).toMatchObject({ code: -2006 });
    expectSuccess(await image(sim, 'f1'));
    expect((await composition(sim, 'f2')).status).toBe(502);
    expect(sim.admin.faults()[0]).toMatchObject({ fired: 2, remaining: 0 });
    expect(sim.admin.counters().faultsFired).toEqual({ content_policy: 2, gateway_5xx: 1 });
  });

  it('does not fire upstream faults on calls the proxy refuses before calling the upstream', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'content_policy', count: 1 });
    expect((await image(sim, 's', { ratio: 'bad' })).json).toMatchObject({ code: -1000 });
    expect((await call(sim, 'GET', '/ping')).text).toBe('pong');
    expect(sim.admin.faults()[0]).toMatchObject({ fired: 0 });
  });
});

describe('determinism', () => {
  async function run(seed: number): Promise<string[]> {
    const sim = await start({ seed });
    sim.admin.injectFault({ kind: 'http_5xx', rate: 0.5 });
    const outcomes: string[] = [];
    for (let i = 0; i < 16; i++) {
      const a: Answer = await image(sim, 'sess-seed,sess-seed-2');
      outcomes.push(
        Array.isArray((a.json as { data: unknown }).data)
          ? itemsOf(a)
              .map((d) => new URL(d.url!).pathname)
              .join(',')
          : `code ${(a.json as { code: number }).code}`,
      );
    }
    await sim.close();
    return outcomes;
  }

  it('makes the same choices (faults, token picks, ids) for the same seed and others for another', async () => {
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(a.some((o) => o.startsWith('code'))).toBe(true);
    expect(a.some((o) => !o.startsWith('code'))).toBe(true);
    expect(await run(43)).not.toEqual(a);
  });

  it('starts over from the seed after an admin reset', async () => {
    const sim = await start({ seed: 9 });
    const first = itemsOf(await image(sim, 'r'))[0]!.url!;
    expect((await call(sim, 'POST', '/__admin/reset')).status).toBe(200);
    expect(new URL(itemsOf(await image(sim, 'r'))[0]!.url!).pathname).toBe(new URL(first).pathname);
  });
});
