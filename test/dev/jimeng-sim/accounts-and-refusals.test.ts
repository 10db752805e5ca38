import {
  TEXT,
  abandonedImage,
  call,
  codeOf,
  composition,
  expectEnvelope,
  expectSuccess,
  image,
  start,
  stopAll,
  video,
} from './harness';

/*
 * Account limits and the refusal counters: what a pool must honour. The account rate limit answers as the
 * upstream's risk control does (-2001 … (错误码: 1019), src/lib/error-handler.ts:64-65); the proxy has no 429.
 */

afterEach(stopAll);

describe('rate limit (a sliding window per session)', () => {
  it('answers risk control -2001 (错误码: 1019) over the window, no 429 and no Retry-After, then lets calls through', async () => {
    let clock = 1_000_000;
    const sim = await start({ now: () => clock });
    sim.admin.registerSession({ sessionId: 'rl', rateLimit: { maxRequests: 2, windowMs: 10_000 } });
    expectSuccess(await image(sim, 'rl'));
    clock += 4_000;
    expectSuccess(await video(sim, 'rl'));
    const limited = await image(sim, 'rl');
    expectEnvelope(limited, -2001, TEXT.shark1019);
    expect(limited.headers.get('retry-after')).toBeNull();
    clock += 6_001;
    expectSuccess(await image(sim, 'rl'));
    expectSuccess(await image(sim, 'other'));
  });

  it('counts calls while the window is still over the limit as calls after a refusal, none once it is under', async () => {
    let clock = 1_000_000;
    const sim = await start({ now: () => clock });
    sim.admin.registerSession({ sessionId: 'rl', rateLimit: { maxRequests: 1, windowMs: 10_000 } });
    await image(sim, 'rl');
    clock += 1_000;
    expect(codeOf(await image(sim, 'rl'))).toBe(-2001); // refused: the window frees at +10 s
    clock += 8_999;
    expect(codeOf(await image(sim, 'rl'))).toBe(-2001); // a call after the refusal
    clock += 1;
    expectSuccess(await image(sim, 'rl'));
    const counters = sim.admin.counters();
    expect(counters.refusals).toEqual({ rate_limited: 2 });
    expect(counters.callsAfterRefusal).toEqual({ rate_limited: 1 });
  });

  it('counts an injected risk_control as a refusal, remembered only for its cooldownMs', async () => {
    let clock = 1_000_000;
    const sim = await start({ now: () => clock });
    sim.admin.injectFault({ kind: 'risk_control', sessionId: 'a', count: 1 });
    sim.admin.injectFault({ kind: 'risk_control', sessionId: 'b', count: 1, cooldownMs: 5_000 });
    await image(sim, 'a');
    await image(sim, 'b');
    clock += 4_999;
    await image(sim, 'a');
    await image(sim, 'b');
    expect(sim.admin.counters().refusals).toEqual({ rate_limited: 2 });
    expect(sim.admin.counters().callsAfterRefusalBySession).toEqual({ b: 1 });
  });
});

describe('concurrency', () => {
  it('runs at most maxConcurrent jobs per account; beyond it ret 5001 -2007 "[生成失败]: credit prededuct failed", uncharged', async () => {
    const sim = await start({ latency: { imageMs: 200 } });
    sim.admin.registerSession({ sessionId: 'c', dailyQuota: 10, maxConcurrent: 2 });
    const answers = await Promise.all([1, 2, 3].map(() => image(sim, 'c')));
    const refused = answers.filter((a) => codeOf(a) !== undefined);
    expect(refused).toHaveLength(1);
    expectEnvelope(refused[0]!, -2007, '[生成失败]: credit prededuct failed');
    expect(sim.admin.session('c')).toMatchObject({ totalCredit: 8, inFlight: 0, maxConcurrent: 2 });
    sim.admin.registerSession({ sessionId: 'c', maxConcurrent: null });
    const unlimited = await Promise.all([1, 2, 3].map(() => image(sim, 'c')));
    expect(unlimited.every((a) => codeOf(a) === undefined)).toBe(true);
    expect(sim.admin.counters().refusals).toEqual({ busy: 1 });
  });

  it('logs a busy refusal with the jobs the account was running, and whether their callers were still there', async () => {
    const sim = await start({ latency: { imageMs: 300 } });
    sim.admin.registerSession({ sessionId: 'g', maxConcurrent: 1 });
    await abandonedImage(sim, 'g');
    await new Promise((r) => setTimeout(r, 20));
    // The proxy goes on polling the job its caller left: the account is still busy with it.
    expectEnvelope(await image(sim, 'g'), -2007, '[生成失败]: credit prededuct failed');
    const [entry] = sim.admin.counters().refusalLog;
    expect(entry).toEqual({
      sessionId: 'g',
      endpoint: 'POST /v1/images/generations',
      reason: 'busy',
      atMs: expect.any(Number),
      remembered: false,
      inFlight: [{ endpoint: 'POST /v1/images/generations', sinceMs: expect.any(Number), callerGone: true }],
    });
    expect(sim.admin.counters().abandonedCalls).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expectSuccess(await image(sim, 'g'));
  });
});

describe('the refusal log', () => {
  it('records each refusal with its time and whether it was remembered as told', async () => {
    let clock = 1_000_000;
    const sim = await start({ now: () => clock });
    sim.admin.registerSession({ sessionId: 'd', state: 'invalid' });
    sim.admin.injectFault({ kind: 'risk_control', sessionId: 'r', count: 1 });
    await image(sim, 'd');
    clock += 5;
    await video(sim, 'r');
    expect(sim.admin.counters().refusalLog).toEqual([
      {
        sessionId: 'd',
        endpoint: 'POST /v1/images/generations',
        reason: 'invalid',
        atMs: 1_000_000,
        remembered: true,
      },
      {
        sessionId: 'r',
        endpoint: 'POST /v1/videos/generations',
        reason: 'rate_limited',
        atMs: 1_000_005,
        remembered: false,
      },
    ]);
  });
});

describe('calls after a refusal (what a pool must never do)', () => {
  it('counts a call to a dead account after it was told, but not the call that found out', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'b', state: 'banned' });
    sim.admin.injectFault({ kind: 'session_invalid', sessionId: 'i', count: 1 });
    await image(sim, 'b');
    await image(sim, 'i');
    expect(sim.admin.counters().callsAfterRefusal).toEqual({});
    await composition(sim, 'b');
    await image(sim, 'i');
    const counters = sim.admin.counters();
    expect(counters.refusals).toEqual({ banned: 2, invalid: 2 });
    expect(counters.callsAfterRefusal).toEqual({ banned: 1, invalid: 1 });
    expect(counters.callsAfterRefusalBySession).toEqual({ b: 1, i: 1 });
  });

  it('does not hold an answer against an account when its caller was gone before it (a killed worker)', async () => {
    const sim = await start();
    sim.admin.injectFault({ kind: 'slow', sessionId: 'k', count: 1, delayMs: 300 });
    sim.admin.injectFault({ kind: 'session_invalid', sessionId: 'k', count: 1 });
    await abandonedImage(sim, 'k');
    await new Promise((r) => setTimeout(r, 400));
    expect(sim.admin.counters().refusals).toEqual({ invalid: 1 });
    sim.admin.registerSession({ sessionId: 'k', state: 'ok' });
    await image(sim, 'k');
    expect(sim.admin.counters().callsAfterRefusal).toEqual({});
  });

  it('holds an exhausted capability until the next quota day; images and videos apart', async () => {
    let clock = Date.UTC(2026, 0, 1, 10, 0, 0); // 18:00 in UTC+8
    const sim = await start({ now: () => clock });
    sim.admin.registerSession({ sessionId: 'q', dailyQuota: 1 });
    await image(sim, 'q'); // served
    expect(codeOf(await image(sim, 'q'))).toBe(-2009); // empty, claim used: told
    await image(sim, 'q'); // told already
    expect(codeOf(await video(sim, 'q'))).toBe(-2008); // told about images only: finds out
    clock = Date.UTC(2026, 0, 1, 16, 0, 0); // 00:00 next day in UTC+8
    expectSuccess(await image(sim, 'q')); // today's claim
    const counters = sim.admin.counters();
    expect(counters.refusals).toEqual({ quota: 3 });
    expect(counters.callsAfterRefusal).toEqual({ quota: 1 });
  });

  it('counts calls to a withdrawn account until an operator registers it again', async () => {
    const sim = await start();
    await image(sim, 'w');
    sim.admin.withdraw('w');
    await image(sim, 'w');
    sim.admin.registerSession({ sessionId: 'w' });
    await image(sim, 'w');
    expect(sim.admin.counters().callsAfterRefusal).toEqual({ withdrawn: 1 });
  });

  it('does not count refusals of non-generation routes', async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'd', state: 'invalid' });
    await call(sim, 'POST', '/token/points', { token: 'd' });
    expect(sim.admin.counters().refusals).toEqual({});
  });
});
