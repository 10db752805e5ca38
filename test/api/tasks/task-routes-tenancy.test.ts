import { randomUUID } from 'node:crypto';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { apiCaller, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

interface Task {
  id: string;
  tenant: string | null;
  status: string;
}
interface Page {
  data: Task[];
  next_cursor: string | null;
}
interface ProblemBody {
  status: number;
  errors?: Array<{ field: string; reason: string }>;
}

/**
 * Tasks by two tenants (issue 17): a caller key reads, lists and cancels only its own tenant's tasks, another
 * tenant's reading exactly as a task that does not exist; an admin key sees every tenant's and filters by one.
 */
describe('tasks: tenants', () => {
  const f = new GenerationFixture();
  const run = randomUUID().slice(0, 8);
  const tenantA = `tenant-a-${run}`;
  const tenantB = `tenant-b-${run}`;
  let server: RunningServer;
  let aKey: string;
  let bKey: string;
  let adminKey: string;
  /** One finished task of each tenant, in projects of their own under one prefix. */
  let aTask: string;
  let bTask: string;
  let sessionId: string;
  const prefix = `tt-${run}`;

  const call = apiCaller(
    () => server.url,
    () => aKey,
  );
  const generate = async (key: string, project: string, headers: Record<string, string> = {}) => {
    const userId = await f.userWithPoints(100);
    const res = await call('/v1/images/generations', {
      method: 'POST',
      key,
      json: {
        user_id: userId,
        project_id: project,
        project_name: 'Tenancy',
        storyboard_id: `sb-${randomUUID().slice(0, 8)}`,
        work_id: 'w1',
        prompt: 'p',
      },
      headers,
    });
    expect([200, 202]).toContain(res.status);
    return ((await res.json()) as Task).id;
  };
  const list = async (query: string, key = aKey): Promise<string[]> => {
    const res = await call(`/v1/tasks?${query}`, { key });
    expect(res.status).toBe(200);
    return ((await res.json()) as Page).data.map((t) => t.id);
  };
  const anonymised = async (res: Response, id: string) =>
    JSON.parse(JSON.stringify(await res.json()).replaceAll(id, '<id>')) as unknown;

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi();
    aKey = (await issueApiKey(f.sequelize, { owner: tenantA, scope: 'caller' })).key;
    bKey = (await issueApiKey(f.sequelize, { owner: tenantB, scope: 'caller' })).key;
    adminKey = (await issueApiKey(f.sequelize, { owner: `ops-${run}`, scope: 'admin' })).key;
    ({ sessionId } = await f.account());
    aTask = await generate(aKey, `${prefix}-a`, { prefer: 'wait=20' });
    bTask = await generate(bKey, `${prefix}-b`, { prefer: 'wait=20' });
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await f.close();
  }, 60_000);

  it("another tenant's task reads as 404, the same answer as a task that does not exist", async () => {
    expect((await call(`/v1/tasks/${aTask}`)).status).toBe(200);
    const theirs = await call(`/v1/tasks/${aTask}`, { key: bKey });
    const missing = await call('/v1/tasks/999999999999', { key: bKey });
    expect([theirs.status, missing.status]).toEqual([404, 404]);
    expect(await anonymised(theirs, aTask)).toEqual(await anonymised(missing, '999999999999'));
  });

  it("another tenant's task cannot be cancelled: 404, and the task runs on", async () => {
    // Still running when the cancel comes: its one call is slow.
    f.sim.admin.injectFault({ kind: 'slow', sessionId, count: 1, delayMs: 1500 });
    const running = await generate(aKey, `${prefix}-a`);
    const cancel = await call(`/v1/tasks/${running}/cancel`, { method: 'POST', key: bKey });
    expect(cancel.status).toBe(404);
    let status = '';
    for (let i = 0; i < 100 && !['completed', 'failed', 'cancelled'].includes(status); i++) {
      status = ((await (await call(`/v1/tasks/${running}`)).json()) as Task).status;
      if (!['completed', 'failed', 'cancelled'].includes(status))
        await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('completed');
  });

  it("a caller key lists its own tenant's tasks only", async () => {
    const a = await list(`project_id=${prefix}-a`);
    expect(a).toContain(aTask);
    expect(await list(`project_id=${prefix}-b`)).toEqual([]);
    expect(await list(`project_id=${prefix}-b`, bKey)).toEqual([bTask]);
  });

  it('an admin key sees every tenant, and filters by one with ?tenant=', async () => {
    const one = await call(`/v1/tasks/${aTask}`, { key: adminKey });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: aTask, tenant: tenantA });
    const everyone = await list(`project_id=${prefix}-b`, adminKey);
    expect(everyone).toEqual([bTask]);
    expect(await list(`tenant=${tenantB}&project_id=${prefix}-b`, adminKey)).toEqual([bTask]);
    expect(await list(`tenant=${tenantA}&project_id=${prefix}-b`, adminKey)).toEqual([]);
    const onlyA = await call(`/v1/tasks?tenant=${tenantA}&limit=100`, { key: adminKey });
    const tenants = ((await onlyA.json()) as Page).data.map((t) => t.tenant);
    expect(tenants.length).toBeGreaterThan(0);
    expect(new Set(tenants)).toEqual(new Set([tenantA]));
  });

  it("a caller key's ?tenant= is its own tenant, or a 403 naming query.tenant", async () => {
    expect(await list(`tenant=${tenantA}&project_id=${prefix}-a`)).toContain(aTask);
    const other = await call(`/v1/tasks?tenant=${tenantB}`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as ProblemBody).errors?.map((e) => e.field)).toEqual(['query.tenant']);
  });
});
