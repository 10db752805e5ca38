import { AdminInputError } from '../../../dev/jimeng-sim/admin-input';
import { call, image, start, stopAll } from './harness';

/* The simulator's own admin API (/__admin/… and sim.admin): not part of the proxy. */

afterEach(stopAll);

describe('admin API', () => {
  it('counts what it received per session and per endpoint, including refused calls, and resets', async () => {
    let clock = 1_000_000;
    const sim = await start({ now: () => clock++ });
    await image(sim, 'c1');
    await image(sim, 'c1', { ratio: 'nope' });
    await image(sim, 'us-c2');
    await call(sim, 'POST', '/token/points', { token: 'c2' });
    await call(sim, 'GET', '/ping');
    expect((await call(sim, 'GET', '/__admin/counters')).json).toEqual({
      total: 5,
      byEndpoint: { 'POST /v1/images/generations': 3, 'POST /token/points': 1, 'GET /ping': 1 },
      bySession: {
        c1: { total: 2, byEndpoint: { 'POST /v1/images/generations': 2 } },
        c2: { total: 2, byEndpoint: { 'POST /v1/images/generations': 1, 'POST /token/points': 1 } },
        '(none)': { total: 1, byEndpoint: { 'GET /ping': 1 } },
      },
      faultsFired: {},
      refusals: {},
      callsAfterRefusal: {},
      callsAfterRefusalBySession: {},
      callsAfterRefusalLog: [],
      arrivalsBySession: {
        c1: [
          { endpoint: 'POST /v1/images/generations', atMs: expect.any(Number) },
          { endpoint: 'POST /v1/images/generations', atMs: expect.any(Number) },
        ],
        c2: [
          { endpoint: 'POST /v1/images/generations', atMs: expect.any(Number) },
          { endpoint: 'POST /token/points', atMs: expect.any(Number) },
        ],
        '(none)': [{ endpoint: 'GET /ping', atMs: expect.any(Number) }],
      },
      refusalLog: [],
      abandonedCalls: 0,
    });
    const arrivals = sim.admin.counters().arrivalsBySession;
    expect(arrivals.c1![0]!.atMs).toBeLessThan(arrivals.c1![1]!.atMs);
    expect((await call(sim, 'POST', '/__admin/counters/reset')).status).toBe(200);
    expect(sim.admin.counters().total).toBe(0);
  });

  it('registers sessions (credits, claim) and injects faults over HTTP', async () => {
    const sim = await start();
    const reg = await call(sim, 'POST', '/__admin/sessions', {
      body: {
        sessionId: 'h',
        dailyQuota: 1,
        purchaseCredit: 5,
        claimAvailable: true,
        rateLimit: { maxRequests: 5, windowMs: 1000 },
      },
    });
    expect(reg.status).toBe(201);
    expect(reg.json).toMatchObject({
      sessionId: 'h',
      state: 'ok',
      dailyQuota: 1,
      remainingQuota: 1,
      purchaseCredit: 5,
      vipCredit: 0,
      totalCredit: 6,
      claimAvailable: true,
    });
    const fault = await call(sim, 'POST', '/__admin/faults', {
      body: { kind: 'content_policy', sessionId: 'h', count: 1 },
    });
    expect(fault.status).toBe(201);
    expect((await image(sim, 'h')).json).toMatchObject({ code: -2006 });
    expect((await call(sim, 'GET', '/__admin/sessions/h')).json).toMatchObject({ totalCredit: 6 });
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
      'transport fault with an unknown error',
      '/__admin/faults',
      { kind: 'upstream_transport', count: 1, error: 'x' },
      'error',
    ],
    [
      'at on a content_policy fault',
      '/__admin/faults',
      { kind: 'content_policy', count: 1, at: 'submit' },
      'at',
    ],
    ['partial_result of 0 items', '/__admin/faults', { kind: 'partial_result', count: 1, items: 0 }, 'items'],
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
      'task_failure on a token endpoint',
      '/__admin/faults',
      { kind: 'task_failure', count: 1, endpoint: 'POST /token/points' },
      'endpoint',
    ],
    ['session without id', '/__admin/sessions', { dailyQuota: 3 }, 'sessionId'],
    ['session id with a comma', '/__admin/sessions', { sessionId: 'a,b' }, 'sessionId'],
    ['negative quota', '/__admin/sessions', { sessionId: 's', dailyQuota: -1 }, 'dailyQuota'],
    ['fractional credits', '/__admin/sessions', { sessionId: 's', purchaseCredit: 1.5 }, 'purchaseCredit'],
    [
      'claimAvailable not a boolean',
      '/__admin/sessions',
      { sessionId: 's', claimAvailable: 'yes' },
      'claimAvailable',
    ],
    ['unknown state', '/__admin/sessions', { sessionId: 's', state: 'sleepy' }, 'state'],
    ['maxConcurrent below 1', '/__admin/sessions', { sessionId: 's', maxConcurrent: 0 }, 'maxConcurrent'],
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

  it('throws the same AdminInputError from the library API', async () => {
    const sim = await start();
    expect(() => sim.admin.injectFault({ kind: 'slow', count: 1 })).toThrow(AdminInputError);
    expect(() => sim.admin.injectFault({ kind: 'http_429', count: 1 })).toThrow(/forkExtensions/);
    try {
      sim.admin.registerSession({ sessionId: '' });
    } catch (e) {
      expect((e as AdminInputError).toJSON()).toEqual({ error: expect.any(String), field: 'sessionId' });
    }
    expect.assertions(3);
  });
});
