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

/* Token grammar (src/api/controllers/core.ts:95-178, 648-650) and dead sessions (core.ts:185-204, iptag #58). */

afterEach(stopAll);

describe('token grammar', () => {
  it('removes the first "Bearer " and splits on commas, so a bare token works too', async () => {
    const sim = await start();
    expectSuccess(
      await call(sim, 'POST', '/v1/images/generations', {
        authorization: 'sess-bare',
        body: { prompt: 'x' },
      }),
    );
    expect(sim.admin.counters().bySession['sess-bare']?.total).toBe(1);
  });

  it('strips a per-token proxy prefix http://user:pass@host:port@ (cut at the last @) and a region prefix in any case', async () => {
    const sim = await start();
    await image(sim, 'us-sess-pfx', { model: 'jimeng-4.5' });
    await image(sim, 'http://user:pass@proxy.local:8080@JP-sess-pfx', { model: 'jimeng-5.0' });
    await image(sim, 'socks5://u:p@10.0.0.1:1080@sess-pfx');
    expect(sim.admin.counters().bySession['sess-pfx']?.total).toBe(3);
    // The JP prefix selected the Asia site: jimeng-5.0 is not on US.
    expect((await image(sim, 'http://h:1@us-sess-pfx', { model: 'jimeng-5.0' })).json).toMatchObject({
      code: -1000,
    });
  });

  it('keeps a token whose proxy part has no @ as it is (the whole value is the session)', async () => {
    const sim = await start();
    await image(sim, 'http://proxy.local:8080');
    expect(sim.admin.counters().bySession['http://proxy.local:8080']?.total).toBe(1);
  });

  it('picks one token of a comma list at random per call, from the seeded PRNG', async () => {
    const sim = await start({ seed: 3 });
    for (let i = 0; i < 20; i++) await image(sim, 'sess-a,us-sess-b');
    const by = sim.admin.counters().bySession;
    expect((by['sess-a']?.total ?? 0) + (by['sess-b']?.total ?? 0)).toBe(20);
    expect(by['sess-a']?.total).toBeGreaterThan(0);
    expect(by['sess-b']?.total).toBeGreaterThan(0);
  });

  it('answers /token/points for every token of the list, echoing each as sent', async () => {
    const sim = await start({ dailyQuota: 3 });
    const a = await call(sim, 'POST', '/token/points', { token: 'sess-p1, us-sess-p2' });
    const points = { giftCredit: 3, purchaseCredit: 0, vipCredit: 0, totalCredit: 3 };
    expect(a.json).toEqual([
      { token: 'sess-p1', points },
      { token: ' us-sess-p2', points },
    ]);
  });

  it('checks one token from the body on /token/check (no comma split)', async () => {
    const sim = await start({ autoCreateSessions: false });
    sim.admin.registerSession({ sessionId: 'sess-live' });
    expect((await call(sim, 'POST', '/token/check', { body: { token: 'hk-sess-live' } })).json).toEqual({
      live: true,
    });
    expect(
      (await call(sim, 'POST', '/token/check', { body: { token: 'sess-live,sess-live' } })).json,
    ).toEqual({
      live: false,
    });
    expectEnvelope(await call(sim, 'POST', '/token/check', { body: {} }), -2000, 'Params body.token invalid');
  });
});

describe('dead sessions', () => {
  it("answers images, videos, /token/points and /token/receive with the credit read's TypeError (-1000)", async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'sess-dead', state: 'invalid' });
    expectEnvelope(await image(sim, 'sess-dead'), -1000, TEXT.deadSession);
    expectEnvelope(await video(sim, 'sess-dead'), -1000, TEXT.deadSession);
    expectEnvelope(await call(sim, 'POST', '/token/points', { token: 'sess-dead' }), -1000, TEXT.deadSession);
    expectEnvelope(
      await call(sim, 'POST', '/token/receive', { token: 'sess-dead' }),
      -1000,
      TEXT.deadSession,
    );
    // One dead token breaks the whole batch.
    expectEnvelope(
      await call(sim, 'POST', '/token/points', { token: 'sess-ok,sess-dead' }),
      -1000,
      TEXT.deadSession,
    );
    expect((await call(sim, 'POST', '/token/check', { body: { token: 'sess-dead' } })).json).toEqual({
      live: false,
    });
  });

  it("answers compositions with the first upload's ret 1015, wrapped as -2007", async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'sess-dead', state: 'invalid' });
    expectEnvelope(await composition(sim, 'sess-dead'), -2007, `图片上传失败: ${TEXT.loginError}`);
  });

  it('validates the request before it meets the dead session', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'sess-dead', state: 'invalid' });
    expect((await image(sim, 'sess-dead', { ratio: '5:4' })).json).toMatchObject({ code: -1000 });
    expect((await image(sim, 'sess-dead', { ratio: '5:4' })).json).not.toMatchObject({
      message: TEXT.deadSession,
    });
  });

  it('answers a banned session as a dead one in default mode (the proxy has no ban text)', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'sess-ban', state: 'banned' });
    expectEnvelope(await image(sim, 'sess-ban'), -1000, TEXT.deadSession);
    expectEnvelope(await composition(sim, 'sess-ban'), -2007, `图片上传失败: ${TEXT.loginError}`);
    expect((await call(sim, 'POST', '/token/check', { body: { token: 'sess-ban' } })).json).toEqual({
      live: false,
    });
  });

  it('answers unknown sessions as dead when auto-creation is off, and creates nothing', async () => {
    const sim = await start({ autoCreateSessions: false });
    expectEnvelope(await image(sim, 'sess-nobody'), -1000, TEXT.deadSession);
    expect(sim.admin.session('sess-nobody')).toBeUndefined();
    // An empty token is never a live session, auto-creation or not.
    const auto = await start();
    expectEnvelope(
      await call(auto, 'POST', '/v1/images/generations', {
        authorization: 'Bearer ,',
        body: { prompt: 'x' },
      }),
      -1000,
      TEXT.deadSession,
    );
  });

  it('session_invalid: the login dies during the call (ret 1015 at submit, -2002) and stays dead', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'session_invalid', sessionId: 'sess-i', count: 1 });
    expectEnvelope(await image(sim, 'sess-i'), -2002, TEXT.loginError);
    expect(sim.admin.session('sess-i')?.state).toBe('invalid');
    expectEnvelope(await image(sim, 'sess-i'), -1000, TEXT.deadSession);
    sim.admin.injectFault({ kind: 'session_invalid', sessionId: 'sess-j', count: 1 });
    expectEnvelope(await composition(sim, 'sess-j'), -2007, `图片上传失败: ${TEXT.loginError}`);
    sim.admin.injectFault({ kind: 'session_invalid', sessionId: 'sess-k', count: 1 });
    expect((await call(sim, 'POST', '/token/check', { body: { token: 'sess-k' } })).json).toEqual({
      live: false,
    });
    expect(sim.admin.session('sess-k')?.state).toBe('invalid');
  });

  it('banned fault in default mode: the same answers as session_invalid, the state banned', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'banned', sessionId: 'sess-b', count: 1 });
    expectEnvelope(await video(sim, 'sess-b'), -2002, TEXT.loginError);
    expect(sim.admin.session('sess-b')?.state).toBe('banned');
    expectEnvelope(await video(sim, 'sess-b'), -1000, TEXT.deadSession);
  });
});
