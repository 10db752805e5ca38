import { randomUUID } from 'node:crypto';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { apiCaller, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

interface Task {
  id: string;
  tenant: string | null;
  status: string;
  cost: number;
  attempts: number;
  storyboard_id: string;
  prompt: string;
  outputs: Array<{ url: string }>;
  error: { code: string; message: string } | null;
}

/** README, Points: an image at the default 2k costs 4 points (2k price, default model's multiplier 1). */
const IMAGE_PRICE = 4;

/**
 * Task history (issue 17): every task ever admitted stays readable by its tenant, with its outputs, cost and
 * final state, however often its storyboard is generated again; no record a caller paid for is deleted.
 */
describe('tasks: the history of a storyboard', () => {
  const f = new GenerationFixture();
  const run = randomUUID().slice(0, 8);
  const tenant = `history-${run}`;
  let server: RunningServer;
  let key: string;

  const call = apiCaller(
    () => server.url,
    () => key,
  );
  const task = async (id: string): Promise<Task> => {
    const res = await call(`/v1/tasks/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Task;
  };

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi();
    key = (await issueApiKey(f.sequelize, { owner: tenant, scope: 'caller' })).key;
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await f.close();
  }, 60_000);
  beforeEach(() => f.reset());

  it('a storyboard generated three times keeps all three tasks, their outputs, costs and final states', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const project = `hist-${run}`;
    const body = (prompt: string) => ({
      user_id: userId,
      project_id: project,
      project_name: 'History',
      storyboard_id: 'sb-1',
      work_id: 'w1',
      prompt,
    });
    const ids: string[] = [];
    for (const prompt of ['first', 'second', 'third']) {
      const res = await call('/v1/images/generations', {
        method: 'POST',
        json: body(prompt),
        headers: { prefer: 'wait=20' },
      });
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as Task).id);
    }
    expect(new Set(ids).size).toBe(3);

    for (const [i, prompt] of ['first', 'second', 'third'].entries()) {
      const view = await task(ids[i]!);
      expect(view).toMatchObject({ tenant, status: 'completed', cost: IMAGE_PRICE, prompt, error: null });
      // Four images per call (the default), each in OSS behind the CDN; one lease each: the task's own.
      expect(view.outputs).toHaveLength(4);
      expect(view.attempts).toBe(1);
    }
    const listed = await call(`/v1/tasks?project_id=${project}&storyboard_id=sb-1`);
    expect(((await listed.json()) as { data: Task[] }).data.map((t) => t.id)).toEqual([...ids].reverse());

    // Three paid tasks, three charges kept: nothing refunded, nothing lost.
    expect(await f.balance(userId)).toBe(100 - 3 * IMAGE_PRICE);
    const consumed = await f.rows<{ source_id: string }>(
      "SELECT source_id FROM mjk_point_transactions WHERE user_id = ? AND type = 'consume' ORDER BY id",
      [userId],
    );
    expect(consumed.map((c) => c.source_id)).toEqual(ids);

    // Every record is still there; the seed's key holds one live and one retired, the older one is archived.
    const records = await f.rows<{ id: string; is_deleted: number | null }>(
      'SELECT id, is_deleted FROM jimeng_image_generation_records WHERE project_id = ? ORDER BY id',
      [project],
    );
    expect(records).toEqual([
      { id: ids[0], is_deleted: null },
      { id: ids[1], is_deleted: 1 },
      { id: ids[2], is_deleted: 0 },
    ]);
  });

  it('a failed and a cancelled task stay with their final state when the storyboard is generated again', async () => {
    const only = await f.account();
    const userId = await f.userWithPoints(100);
    const project = `hist-fail-${run}`;
    const body = {
      user_id: userId,
      project_id: project,
      project_name: 'History',
      storyboard_id: 'sb-1',
      work_id: 'w1',
      prompt: 'p',
    };
    f.sim.admin.injectFault({ kind: 'content_policy', sessionId: only.sessionId, count: 1 });
    const failed = (await (
      await call('/v1/images/generations', { method: 'POST', json: body, headers: { prefer: 'wait=20' } })
    ).json()) as Task;
    expect(failed.status).toBe('failed');

    f.sim.admin.injectFault({ kind: 'http_5xx', sessionId: only.sessionId, rate: 1 });
    const cancelled = (await (
      await call('/v1/images/generations', { method: 'POST', json: body })
    ).json()) as Task;
    expect((await call(`/v1/tasks/${cancelled.id}/cancel`, { method: 'POST' })).status).toBe(202);
    let status = '';
    for (let i = 0; i < 100 && status !== 'cancelled'; i++) {
      status = (await task(cancelled.id)).status;
      if (status !== 'cancelled') await new Promise((r) => setTimeout(r, 100));
    }
    f.sim.admin.clearFaults();

    const completed = await call('/v1/images/generations', {
      method: 'POST',
      json: body,
      headers: { prefer: 'wait=20' },
    });
    expect(completed.status).toBe(200);

    expect(await task(failed.id)).toMatchObject({ status: 'failed', cost: 0, outputs: [] });
    expect((await task(failed.id)).error?.code).toMatch(/\S/);
    expect(await task(cancelled.id)).toMatchObject({
      status: 'cancelled',
      cost: 0,
      outputs: [],
      error: { code: 'CANCELLED' },
    });
    // Refunded, both: only the completed task is paid for.
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE);
  });
});
