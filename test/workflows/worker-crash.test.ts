import type { ChildProcess } from 'node:child_process';
import { progressQuery } from '../../workflows/generation-definitions';
import { stopProcess } from '../support/stop-process';
import { until } from '../support/until';
import { GenerationFixture } from './generation-fixture';

const IMAGE_PRICE_2K = 4;

/**
 * The worker process (dist/worker/main.js) is killed with SIGKILL mid-run and a new one started: the run must
 * finish once, charge once and store one set of outputs. Slow by nature: a killed activity is retried only
 * when its heartbeat timeout (30 s for image calls) expires.
 */
describe('a worker killed mid-run (real worker process, SIGKILL)', () => {
  const f = new GenerationFixture();
  let worker: ChildProcess | null = null;
  beforeAll(() => f.start({ inProcessWorker: false }), 120_000);
  // Each test leaves its last worker running: stop it, or jest waits for it forever.
  afterEach(async () => {
    if (worker && worker.exitCode === null) await stopProcess(worker);
    worker = null;
  });
  afterAll(() => f.close(), 60_000);
  beforeEach(() => f.reset());

  it('during the upstream image call: retried on restart, finished once, charged once, one output set', async () => {
    const account = await f.account();
    f.sim.admin.injectFault({
      kind: 'slow',
      sessionId: account.sessionId,
      endpoint: 'POST /v1/images/generations',
      delayMs: 3000,
      count: 1,
    });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'survive a crash' } };
    const objectsBefore = f.objectCount();
    worker = await f.spawnWorkerProcess();
    const handle = await f.startImage(input);
    await until(
      () => (f.sim.admin.counters().bySession[account.sessionId]?.total ?? 0) >= 1,
      'the first upstream call',
    );
    await stopProcess(worker);
    worker = await f.spawnWorkerProcess();
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'completed', cost: IMAGE_PRICE_2K });
    expect(result.outputs).toHaveLength(4);
    // The lost call and its retry both reached the upstream; the user pays for one.
    expect(
      f.sim.admin.counters().bySession[account.sessionId]!.byEndpoint['POST /v1/images/generations'],
    ).toBe(2);
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE_2K);
    const outputs = await f.rows('SELECT id FROM job_outputs WHERE job_id = ?', [input.taskId]);
    expect(outputs).toHaveLength(4);
    expect(f.objectCount() - objectsBefore).toBe(4);
    await f.expectConsistent(userId, [input.taskId]);
  }, 120_000);

  it('during a backoff timer: the new worker picks the run up when the timer fires', async () => {
    const account = await f.account();
    // The submit meets an upstream 503 four times; the proxy answers -2007 "记录ID不存在" (HTTP 200), a failure
    // retried on the same account after the workflow's backoff.
    f.sim.admin.injectFault({ kind: 'http_5xx', sessionId: account.sessionId, count: 1, status: 503 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'sleep through a crash' } };
    worker = await f.spawnWorkerProcess();
    const handle = await f.startImage(input);
    await until(async () => (await handle.query(progressQuery)).status === 'retrying', 'the backoff');
    await stopProcess(worker);
    worker = await f.spawnWorkerProcess();
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'completed', attempts: 2, cost: IMAGE_PRICE_2K });
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE_2K);
    await f.expectConsistent(userId, [input.taskId]);
  }, 120_000);
});
