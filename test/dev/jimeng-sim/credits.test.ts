import {
  TEXT,
  call,
  composition,
  expectEnvelope,
  expectSuccess,
  image,
  start,
  stopAll,
  video,
} from './harness';

/*
 * Credits: the proxy reads the balance, claims the daily gift when the total is <= 0 and lets the upstream
 * pre-deduct at submit (src/api/controllers/core.ts:185-225, images.ts:111-124 and 350-363, videos.ts:238-248,
 * src/lib/error-handler.ts:48-50, src/api/routes/token.ts:22-69).
 */

afterEach(stopAll);

const left = (sim: Awaited<ReturnType<typeof start>>, id: string): number | undefined =>
  sim.admin.session(id)?.totalCredit;

describe('charges', () => {
  it('charges by model and resolution (default table: 2k image 1, 4k 2, nanobananapro x4, video 2/s, 1080p 3/s, sora2 x3)', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', dailyQuota: 200 });
    expectSuccess(await image(sim, 's'));
    expect(left(sim, 's')).toBe(199);
    expectSuccess(await image(sim, 's', { resolution: '4k' }));
    expect(left(sim, 's')).toBe(197);
    expectSuccess(await image(sim, 'us-s', { model: 'nanobananapro' }));
    expect(left(sim, 's')).toBe(193);
    expectSuccess(await composition(sim, 's'));
    expect(left(sim, 's')).toBe(192);
    expectSuccess(await video(sim, 's')); // 3.5-pro, 5 s at 2/s
    expect(left(sim, 's')).toBe(182);
    expectSuccess(await video(sim, 's', { model: 'jimeng-video-3.0', resolution: '1080p', duration: 10 }));
    expect(left(sim, 's')).toBe(152);
    expectSuccess(await video(sim, 'sg-s', { model: 'jimeng-video-sora2' })); // 4 s x 2 x 3
    expect(left(sim, 's')).toBe(128);
  });

  it('takes a custom cost table, and spends gift credits before vip and purchase ones', async () => {
    const sim = await start({
      creditCosts: {
        imagePerCall: { '1k': 1, '2k': 5, '4k': 9 },
        videoPerSecond: { '720p': 1 },
        modelMultipliers: {},
      },
    });
    sim.admin.registerSession({ sessionId: 's', remainingQuota: 2, vipCredit: 2, purchaseCredit: 10 });
    expectSuccess(await image(sim, 's'));
    expect(sim.admin.session('s')).toMatchObject({
      remainingQuota: 0,
      vipCredit: 0,
      purchaseCredit: 9,
      totalCredit: 9,
    });
  });

  it('refuses a job the balance does not cover with ret 5000 (-2009 "credit prededuct not enough"), images and videos alike', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', remainingQuota: 1 });
    expectEnvelope(await image(sim, 's', { resolution: '4k' }), -2009, TEXT.prededuct);
    expectEnvelope(await video(sim, 's'), -2009, TEXT.prededuct);
    expect(left(sim, 's')).toBe(1);
    expectSuccess(await image(sim, 's'));
  });

  it('does not charge calls refused before or at the submit', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', dailyQuota: 5 });
    await image(sim, 's', { ratio: 'bad' });
    await call(sim, 'POST', '/token/points', { token: 's' });
    sim.admin.injectFault({ kind: 'http_5xx', sessionId: 's', count: 1 });
    sim.admin.injectFault({ kind: 'risk_control', sessionId: 's', count: 1 });
    sim.admin.injectFault({ kind: 'content_policy', sessionId: 's', count: 1 });
    sim.admin.injectFault({ kind: 'upstream_transport', sessionId: 's', count: 1 });
    for (let i = 0; i < 4; i++) expect((await image(sim, 's')).json).toMatchObject({ data: null });
    expect(left(sim, 's')).toBe(5);
    expectSuccess(await image(sim, 's'));
    expect(left(sim, 's')).toBe(4);
  });

  it("gives a failed job's credits back", async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', dailyQuota: 50 });
    sim.admin.injectFault({ kind: 'task_failure', count: 1, failCode: '2038' });
    expectEnvelope(await video(sim, 's'), -2008, '视频生成失败，状态码: 30，错误码: 2038');
    expect(left(sim, 's')).toBe(50);
  });
});

describe('the daily claim', () => {
  it("claims the day's gift when the total is <= 0, then charges", async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', dailyQuota: 10, remainingQuota: 0, claimAvailable: true });
    expectSuccess(await image(sim, 's'));
    expect(sim.admin.session('s')).toMatchObject({ remainingQuota: 9, claimAvailable: false });
  });

  it("answers an empty account whose claim fails: images -2009, videos -2008, with the controller's text", async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', remainingQuota: 0 });
    expectEnvelope(await image(sim, 's'), -2009, TEXT.claimFailed);
    expectEnvelope(await video(sim, 's'), -2008, TEXT.claimFailed);
  });

  it('lets a composition go on past a failed claim; the submit then refuses (-2009 ret 5000)', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', remainingQuota: 0 });
    expectEnvelope(await composition(sim, 's'), -2009, TEXT.prededuct);
  });

  it("lets yesterday's gift expire at 00:00 Asia/Shanghai and claims today's on the next call", async () => {
    let clock = Date.parse('2026-03-01T15:59:00Z'); // 23:59 +08:00
    const sim = await start({ now: () => clock });
    sim.admin.registerSession({ sessionId: 's', dailyQuota: 3, remainingQuota: 2, purchaseCredit: 1 });
    clock = Date.parse('2026-03-01T16:00:01Z');
    expect(sim.admin.session('s')).toMatchObject({
      remainingQuota: 0,
      purchaseCredit: 1,
      claimAvailable: true,
    });
    expectSuccess(await image(sim, 's')); // the total (1) is above 0: no claim, the purchase credit pays
    expect(sim.admin.session('s')).toMatchObject({ totalCredit: 0, claimAvailable: true });
    expectSuccess(await image(sim, 's'));
    expect(sim.admin.session('s')).toMatchObject({ remainingQuota: 2, claimAvailable: false });
  });
});

describe('token credit routes', () => {
  it('reports the four credit fields on /token/points', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 's', remainingQuota: 4, vipCredit: 2, purchaseCredit: 1 });
    expect((await call(sim, 'POST', '/token/points', { token: 'us-s' })).json).toEqual([
      { token: 'us-s', points: { giftCredit: 4, purchaseCredit: 1, vipCredit: 2, totalCredit: 7 } },
    ]);
    expectEnvelope(
      await call(sim, 'POST', '/token/points', {}),
      -2000,
      'Params headers.authorization invalid',
    );
  });

  it("claims on /token/receive only for an empty account, reporting a refused claim's error text", async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'full', remainingQuota: 3 });
    sim.admin.registerSession({
      sessionId: 'empty',
      dailyQuota: 66,
      remainingQuota: 0,
      claimAvailable: true,
    });
    sim.admin.registerSession({ sessionId: 'spent', remainingQuota: 0 });
    const zero = { giftCredit: 0, purchaseCredit: 0, vipCredit: 0, totalCredit: 0 };
    expect((await call(sim, 'POST', '/token/receive', { token: 'full,empty,spent' })).json).toEqual([
      { token: 'full', credits: { ...zero, giftCredit: 3, totalCredit: 3 }, received: false },
      { token: 'empty', credits: { ...zero, giftCredit: 66, totalCredit: 66 }, received: true },
      { token: 'spent', credits: zero, received: false, error: '[请求失败]: param error (错误码: 34010100)' },
    ]);
  });
});

describe('credit faults', () => {
  it('quota_exhausted: ret 5000 at submit on every generation route, and the account stays empty', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'quota_exhausted', count: 3 });
    expectEnvelope(await image(sim, 's1'), -2009, TEXT.prededuct);
    expectEnvelope(await composition(sim, 's2'), -2009, TEXT.prededuct);
    expectEnvelope(await video(sim, 's3'), -2009, TEXT.prededuct);
    expect((await call(sim, 'POST', '/token/points', { token: 's1' })).json).toEqual([
      { token: 's1', points: { giftCredit: 0, purchaseCredit: 0, vipCredit: 0, totalCredit: 0 } },
    ]);
    // From then on the account is empty and today's claim is gone.
    expectEnvelope(await image(sim, 's1'), -2009, TEXT.claimFailed);
    expectEnvelope(await video(sim, 's1'), -2008, TEXT.claimFailed);
  });

  it('credits_claim_failed: empty account, claim refused with the given ret/errmsg', async () => {
    const sim = await start();
    sim.admin.injectFault({
      kind: 'credits_claim_failed',
      sessionId: 's',
      count: 3,
      ret: '1019',
      errmsg: 'shark not pass',
    });
    expectEnvelope(await image(sim, 's'), -2009, TEXT.claimFailed);
    expectEnvelope(await video(sim, 's'), -2008, TEXT.claimFailed);
    expectEnvelope(await composition(sim, 's'), -2009, TEXT.prededuct);
    const receive = (await call(sim, 'POST', '/token/receive', { token: 's' })).json as { error: string }[];
    expect(receive[0]!.error).toBe(TEXT.shark1019);
  });
});
