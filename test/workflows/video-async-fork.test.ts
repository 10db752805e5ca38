import type { ChildProcess } from 'node:child_process';
import { GenerationFixture } from './generation-fixture';

const VIDEO_PRICE_5S_720P = 15; // jimeng-video-3.5-pro: 5 s x 2 points x 1.5

interface VideoRecord {
  generation_status: number;
  remote_task_id: string | null;
}

/*
 * The opt-in for forks of the proxy that add an async video API (JIMENG_VIDEO_ROUTE=async-fork against a
 * simulator with forkExtensions): the job's id is recorded as soon as the submit returns it, and a worker lost
 * while polling is followed by one that polls the same job, never by a second submit.
 */
describe('videos through a fork’s async routes (JIMENG_VIDEO_ROUTE=async-fork)', () => {
  const f = new GenerationFixture();
  let worker: ChildProcess | null = null;
  beforeAll(
    // Long enough that the crash test kills the worker between two polls (every 100 ms here).
    () =>
      f.start({
        forkExtensions: true,
        videoRoute: 'async-fork',
        inProcessWorker: false,
        latency: { videoMs: 3_000 },
      }),
    120_000,
  );
  afterEach(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGKILL');
      await exited;
    }
    worker = null;
  });
  afterAll(() => f.close(), 60_000);
  beforeEach(() => f.reset());

  it('submits once, records the remote task id, polls to the end and stores the MP4', async () => {
    const account = await f.account();
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'waves on a fork', duration: 5 } };
    worker = await f.spawnWorkerProcess();
    const result = await (await f.startVideo(input)).result();

    expect(result).toMatchObject({ status: 'completed', cost: VIDEO_PRICE_5S_720P });
    expect(result.outputs[0]).toMatchObject({ contentType: 'video/mp4' });
    const record = await f.row<VideoRecord>(
      'SELECT generation_status, remote_task_id FROM jimeng_video_generation_records WHERE id = ?',
      [input.taskId],
    );
    expect(record.generation_status).toBe(2);
    expect(record.remote_task_id).toMatch(/^\d+$/);
    const calls = f.sim.admin.counters().bySession[account.sessionId]!.byEndpoint;
    expect(calls['POST /v1/async/videos/generations']).toBe(1);
    expect(calls['GET /v1/async/tasks/:id']).toBeGreaterThanOrEqual(1);
    expect(calls['POST /v1/videos/generations']).toBeUndefined();
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('a worker killed while polling: the next one polls the recorded job, no second submit, one charge', async () => {
    const account = await f.account();
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'a fork survives a crash', duration: 5 } };
    worker = await f.spawnWorkerProcess();
    const handle = await f.startVideo(input);
    const polls = () =>
      f.sim.admin.counters().bySession[account.sessionId]?.byEndpoint['GET /v1/async/tasks/:id'] ?? 0;
    for (let i = 0; i < 400 && polls() === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(polls()).toBeGreaterThan(0);
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
    worker = await f.spawnWorkerProcess();

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', cost: VIDEO_PRICE_5S_720P });
    expect(
      f.sim.admin.counters().bySession[account.sessionId]!.byEndpoint['POST /v1/async/videos/generations'],
    ).toBe(1);
    expect(await f.balance(userId)).toBe(100 - VIDEO_PRICE_5S_720P);
    await f.expectConsistent(userId, [input.taskId]);
  }, 120_000);
});
