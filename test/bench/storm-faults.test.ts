import { JimengClient } from '../../services/jimeng/client';
import { JimengError } from '../../services/jimeng/jimeng-error';
import { JimengErrorAction, JimengErrorReason } from '../../services/jimeng/error-actions';
import { startJimengSimulator, type JimengSimulator } from '../../dev/jimeng-sim/simulator';
import { STORM_COOLDOWN_MS, stillRefusingFault, stormFaults } from '../../bench/storm-faults';

/*
 * What bench/pool-fault-storm.ts relies on: its faults are ones the simulator takes in the mode it runs in, and
 * the answers they give are the proxy's, as the client reads them.
 */

const FAST = { imageMs: 1, compositionMs: 1, videoMs: 1, retryDelayMs: 1, upstreamTimeoutMs: 1 };
let sims: JimengSimulator[] = [];
const start = async (forkExtensions = false) => {
  const sim = await startJimengSimulator({ port: 0, latency: FAST, forkExtensions });
  sims.push(sim);
  return sim;
};
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

const failureOf = async (client: JimengClient, sessionId: string): Promise<JimengError> => {
  const err: unknown = await client.generateImages({ sessionId, siteType: 0 }, { prompt: 'storm' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!JimengError.is(err)) throw new Error(`expected a JimengError, got ${String(err)}`);
  return err;
};

const raw = async (sim: JimengSimulator, sessionId: string) => {
  const res = await fetch(`${sim.url}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sessionId}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'storm' }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as unknown,
  };
};

describe('pool-fault-storm faults', () => {
  it('are taken by the default simulator in proxy mode, and the fork storm only with forkExtensions', async () => {
    const proxy = await start();
    for (const f of [...stormFaults('proxy'), stillRefusingFault('proxy', 's')])
      expect(() => proxy.admin.injectFault(f)).not.toThrow();
    expect(() => proxy.admin.injectFault(stormFaults('fork')[1]!)).toThrow(/forkExtensions/);
    const fork = await start(true);
    for (const f of [...stormFaults('fork'), stillRefusingFault('fork', 's')])
      expect(() => fork.admin.injectFault(f)).not.toThrow();
  });

  it("answer an account still refusing exactly as the proxy's risk control of a full window", async () => {
    const sim = await start();
    sim.admin.registerSession({ sessionId: 'window', rateLimit: { maxRequests: 1, windowMs: 60_000 } });
    expect((await raw(sim, 'window')).status).toBe(200);
    const fromWindow = await raw(sim, 'window');
    sim.admin.injectFault(stillRefusingFault('proxy', 'sticky'));
    const fromStorm = await raw(sim, 'sticky');
    expect(fromStorm).toEqual(fromWindow);
    expect(fromStorm).toEqual({
      status: 200,
      retryAfter: null,
      body: { code: -2001, message: '[请求失败]: shark not pass (错误码: 1019)', data: null },
    });
    sim.admin.injectFault(stillRefusingFault('proxy', 'sticky'));
    const err = await failureOf(new JimengClient({ baseUrls: { default: sim.url } }), 'sticky');
    expect([err.action, err.reason, err.retryAfterMs]).toEqual([
      JimengErrorAction.COOL_DOWN_ACCOUNT,
      JimengErrorReason.RISK_CONTROL,
      undefined,
    ]);
  });

  it('count a call inside the risk-control cooldown as a call after refusal, and none after it', async () => {
    let clock = 1_000_000;
    const sim = await startJimengSimulator({ port: 0, latency: FAST, now: () => clock });
    sims.push(sim);
    const client = new JimengClient({ baseUrls: { default: sim.url } });
    sim.admin.injectFault({ ...stormFaults('proxy')[0]!, rate: undefined, count: 1 });
    expect((await failureOf(client, 'rc')).reason).toBe(JimengErrorReason.RISK_CONTROL);
    clock += STORM_COOLDOWN_MS - 1;
    await client.generateImages({ sessionId: 'rc', siteType: 0 }, { prompt: 'storm' });
    clock += 1;
    await client.generateImages({ sessionId: 'rc', siteType: 0 }, { prompt: 'storm' });
    expect(sim.admin.counters().refusals).toEqual({ rate_limited: 1 });
    expect(sim.admin.counters().callsAfterRefusal).toEqual({ rate_limited: 1 });
  });

  it('make a banned account a dead login the pool learns from the first answer; later calls are wasted', async () => {
    const sim = await start();
    const client = new JimengClient({ baseUrls: { default: sim.url } });
    sim.admin.injectFault({ ...stormFaults('proxy')[1]!, rate: undefined, count: 1 });
    const first = await failureOf(client, 'ban');
    expect([first.code, first.action]).toEqual(['-2002', JimengErrorAction.ACCOUNT_INVALID]);
    const later = await failureOf(client, 'ban');
    expect([later.code, later.reason]).toEqual(['-1000', JimengErrorReason.SESSION_SUSPECT]);
    expect(await client.checkSession({ sessionId: 'ban', siteType: 0 })).toBe(false);
    expect(sim.admin.counters().callsAfterRefusal).toEqual({ banned: 1 });
  });

  it("answer the proxy's own upstream timeout as not the account's fault: try another", async () => {
    const sim = await start();
    const client = new JimengClient({ baseUrls: { default: sim.url } });
    sim.admin.injectFault({ ...stormFaults('proxy')[2]!, rate: undefined, count: 1 });
    const err = await failureOf(client, 'transport-session');
    expect([err.code, err.action]).toEqual(['-1000', JimengErrorAction.RETRY_OTHER_ACCOUNT]);
    expect(err.message).toMatch(/timeout of 45000ms exceeded/);
    expect(sim.admin.counters().refusals).toEqual({});
  });
});
