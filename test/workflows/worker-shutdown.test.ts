import type { ChildProcess } from 'node:child_process';
import { stopProcess as stop } from '../support/stop-process';
import { until } from '../support/until';
import { GenerationFixture } from './generation-fixture';

const IMAGE_PRICE_2K = 4;
const VIDEO_PRICE_5S_720P = 15; // jimeng-video-3.5-pro: 5 s x 2 points x 1.5

/**
 * Worker processes on one task queue, as in a rolling deploy, and one of them stopped in the middle of a
 * generation call that the proxy holds open. A call that fits in the shutdown grace finishes on the stopping
 * worker: one generation upstream. One that does not is handed back to Temporal at once (after the grace) by a
 * SIGTERM, after the heartbeat timeout by a SIGKILL. Either way the job finishes once and the user is charged
 * once; the lost call may have started a paid job upstream, so the proxy sees two calls, and after a SIGTERM the
 * account's count says so.
 */
describe('a worker stopped in the middle of a call (two worker processes)', () => {
  const f = new GenerationFixture();
  const workers: ChildProcess[] = [];
  beforeAll(() => f.start({ inProcessWorker: false }), 120_000);
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => stop(w, 'SIGKILL')));
  });
  afterAll(() => f.close(), 60_000);
  beforeEach(() => f.reset());

  const calls = (sessionId: string, endpoint: string): number =>
    f.sim.admin.counters().bySession[sessionId]?.byEndpoint[endpoint] ?? 0;

  it('SIGTERM during an image call that fits in the grace: the stopping worker finishes it, one generation upstream', async () => {
    const account = await f.account();
    f.sim.admin.injectFault({ kind: 'slow', sessionId: account.sessionId, delayMs: 8_000, count: 1 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'a deploy that waits' } };
    const first = await f.spawnWorkerProcess({ WORKER_SHUTDOWN_GRACE_MS: '60000' });
    workers.push(first);
    const handle = await f.startImage(input);
    await until(() => calls(account.sessionId, 'POST /v1/images/generations') === 1, 'the call');

    expect(await stop(first, 'SIGTERM')).toBe(0);
    // The only worker there was has exited: the call it was making was answered and its lease given back.
    const leases = await f.rows<{ outcome: string | null; released: number }>(
      'SELECT outcome, released_at IS NOT NULL AS released FROM jimeng_account_leases WHERE account_id = ?',
      [account.id],
    );
    expect(leases).toEqual([{ outcome: 'success', released: 1 }]);
    // The rest of the job (outputs, settlement) waits for the next worker, as in a rolling deploy.
    const second = await f.spawnWorkerProcess();
    workers.push(second);
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'completed', cost: IMAGE_PRICE_2K, attempts: 1 });
    expect(result.outputs).toHaveLength(4);
    expect(calls(account.sessionId, 'POST /v1/images/generations')).toBe(1);
    const row = await f.row<{ image_count: number; image_generation_status: number }>(
      'SELECT image_count, image_generation_status FROM jimeng_accounts WHERE id = ?',
      [account.id],
    );
    expect(row).toEqual({ image_count: 1, image_generation_status: 1 });
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE_2K);
    await f.expectConsistent(userId, [input.taskId]);
  }, 120_000);

  it('SIGTERM during an image call past the grace: handed to the other worker, done once, charged once', async () => {
    const account = await f.account();
    // The first call outlasts the shutdown grace; the retry is quick.
    f.sim.admin.injectFault({ kind: 'slow', sessionId: account.sessionId, delayMs: 20_000, count: 1 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'a rolling deploy' } };
    const grace = { WORKER_SHUTDOWN_GRACE_MS: '200' };
    const first = await f.spawnWorkerProcess(grace);
    workers.push(first);
    const handle = await f.startImage(input);
    await until(() => calls(account.sessionId, 'POST /v1/images/generations') === 1, 'the first call');
    const second = await f.spawnWorkerProcess(grace);
    workers.push(second);

    expect(await stop(first, 'SIGTERM')).toBe(0);
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'completed', cost: IMAGE_PRICE_2K, attempts: 1 });
    expect(result.outputs).toHaveLength(4);
    expect(calls(account.sessionId, 'POST /v1/images/generations')).toBe(2);
    // Not a failure of the job or the account: no retry timer, the account untouched.
    const record = await f.row<{ error_code: string | null; generation_status: number }>(
      'SELECT error_code, generation_status FROM jimeng_image_generation_records WHERE id = ?',
      [input.taskId],
    );
    expect(record).toEqual({ error_code: null, generation_status: 2 });
    // The abandoned call may have started a paid job: the account counts two calls, as the proxy saw. One lease
    // served both calls: the account was not handed to another job in between.
    const row = await f.row<{ image_count: number; image_generation_status: number }>(
      'SELECT image_count, image_generation_status FROM jimeng_accounts WHERE id = ?',
      [account.id],
    );
    expect(row).toEqual({ image_count: 2, image_generation_status: 1 });
    const leases = await f.rows<{ outcome: string | null }>(
      'SELECT outcome FROM jimeng_account_leases WHERE account_id = ?',
      [account.id],
    );
    expect(leases).toEqual([{ outcome: 'success' }]);
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE_2K);
    await f.expectConsistent(userId, [input.taskId]);
  }, 120_000);

  it('SIGKILL during the synchronous video call: retried after the heartbeat timeout, charged once, one MP4', async () => {
    const account = await f.account();
    f.sim.admin.injectFault({ kind: 'slow', sessionId: account.sessionId, delayMs: 20_000, count: 1 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'a video survives a crash', duration: 5 } };
    const first = await f.spawnWorkerProcess();
    workers.push(first);
    const handle = await f.startVideo(input);
    await until(() => calls(account.sessionId, 'POST /v1/videos/generations') === 1, 'the first call');
    const second = await f.spawnWorkerProcess();
    workers.push(second);
    await stop(first, 'SIGKILL');

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', cost: VIDEO_PRICE_5S_720P });
    expect(result.outputs).toHaveLength(1);
    expect(calls(account.sessionId, 'POST /v1/videos/generations')).toBe(2);
    expect(await f.balance(userId)).toBe(100 - VIDEO_PRICE_5S_720P);
    expect(await f.rows('SELECT id FROM job_outputs WHERE job_id = ?', [input.taskId])).toHaveLength(1);
    await f.expectConsistent(userId, [input.taskId]);
  }, 120_000);
});
