import { randomUUID } from 'node:crypto';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { apiCaller, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; reason: string }>;
}
interface Task {
  id: string;
  tenant: string | null;
  status: string;
  cost: number;
  outputs: unknown[];
}

/** README, Points: an image at the default 2k costs 2k's price with the default model's multiplier, 4 points. */
const IMAGE_PRICE = 4;

/**
 * Generations by two tenants (issue 17): a user and a project belong to the tenant that used them first; another
 * tenant cannot spend that user's points nor take that project, and a refused request takes nothing.
 */
describe('generations: tenants', () => {
  const f = new GenerationFixture();
  const run = randomUUID().slice(0, 8);
  const tenantA = `tenant-a-${run}`;
  const evil = `evil-${run}`;
  let server: RunningServer;
  let aKey: string;
  let evilKey: string;
  let adminKey: string;

  const call = apiCaller(
    () => server.url,
    () => aKey,
  );
  const imageBody = (userId: string, projectId: string, storyboardId: string) => ({
    user_id: userId,
    project_id: projectId,
    project_name: 'Tenancy',
    storyboard_id: storyboardId,
    work_id: 'w1',
    prompt: 'a lighthouse at dawn',
  });
  const generate = (key: string, body: Record<string, unknown>, wait = true) =>
    call('/v1/images/generations', {
      method: 'POST',
      key,
      json: body,
      ...(wait ? { headers: { prefer: 'wait=20' } } : {}),
    });
  const tenantOf = async (table: 'tenant_users' | 'tenant_projects', column: string, id: string) =>
    (await f.rows<{ tenant: string }>(`SELECT tenant FROM ${table} WHERE ${column} = ?`, [id]))[0]?.tenant ??
    null;

  beforeAll(async () => {
    await f.start();
    server = await f.listenApi();
    aKey = (await issueApiKey(f.sequelize, { owner: tenantA, scope: 'caller' })).key;
    evilKey = (await issueApiKey(f.sequelize, { owner: evil, scope: 'caller' })).key;
    adminKey = (await issueApiKey(f.sequelize, { owner: `ops-${run}`, scope: 'admin' })).key;
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await f.close();
  }, 60_000);
  beforeEach(() => f.reset());

  it("(a) another tenant can neither read a user's balance nor spend their points", async () => {
    await f.account();
    const aUser = await f.userWithPoints(100);
    const first = await generate(aKey, imageBody(aUser, `a-proj-${run}`, `sb-${randomUUID().slice(0, 8)}`));
    expect(first.status).toBe(200);
    expect(await f.balance(aUser)).toBe(100 - IMAGE_PRICE);

    const read = await call(`/v1/points/balance?user_id=${aUser}`, { key: evilKey });
    expect(read.status).toBe(404);

    const evilProject = `evil-proj-${run}`;
    const spend = await generate(evilKey, imageBody(aUser, evilProject, 'sb-spend'), false);
    expect(spend.status).toBe(404);
    expect(spend.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await spend.json()) as ProblemBody).errors).toEqual([
      { field: 'body.user_id', reason: 'no such user for this tenant' },
    ]);
    // Nothing reserved, nothing started, and the refused request took nothing: not even the project it named.
    expect(await f.balance(aUser)).toBe(100 - IMAGE_PRICE);
    expect(
      await f.rows('SELECT id FROM jimeng_image_generation_records WHERE project_id = ?', [evilProject]),
    ).toEqual([]);
    expect(await tenantOf('tenant_projects', 'project_id', evilProject)).toBeNull();
    expect(await tenantOf('tenant_users', 'user_id', aUser)).toBe(tenantA);
  });

  it("(b) another tenant's request for a project refuses, naming body.project_id, without saying whose it is", async () => {
    const only = await f.account();
    const victim = `victim-${run}`;
    // A's task is still running when evil asks: its one call is slow.
    f.sim.admin.injectFault({ kind: 'slow', sessionId: only.sessionId, count: 1, delayMs: 1500 });
    const aUser = await f.userWithPoints(100);
    const admitted = await generate(aKey, imageBody(aUser, victim, 'sb-v1'), false);
    expect(admitted.status).toBe(202);
    const aTask = (await admitted.json()) as Task;

    const evilUser = await f.userWithPoints(100);
    const whileRunning = await generate(evilKey, imageBody(evilUser, victim, 'sb-v1'), false);
    expect(whileRunning.status).toBe(409);
    const problem = (await whileRunning.json()) as ProblemBody;
    expect(problem.errors).toEqual([{ field: 'body.project_id', reason: 'belongs to another tenant' }]);
    expect(JSON.stringify(problem)).not.toContain(tenantA);

    // A's task runs to its end; evil asks again for the now idle storyboard, and is refused again.
    const finished = await call(`/v1/tasks/${aTask.id}`, { key: aKey });
    expect(finished.status).toBe(200);
    let view = (await finished.json()) as Task;
    for (let i = 0; i < 100 && view.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = (await (await call(`/v1/tasks/${aTask.id}`)).json()) as Task;
    }
    expect(view.status).toBe('completed');
    const afterwards = await generate(evilKey, imageBody(evilUser, victim, 'sb-v1'));
    expect(afterwards.status).toBe(409);

    // A's task is whole: readable by A, with its outputs and cost; its record neither replaced nor retired.
    const again = await call(`/v1/tasks/${aTask.id}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      id: aTask.id,
      tenant: tenantA,
      status: 'completed',
      cost: IMAGE_PRICE,
    });
    expect(
      await f.rows('SELECT id, is_deleted FROM jimeng_image_generation_records WHERE project_id = ?', [
        victim,
      ]),
    ).toEqual([{ id: aTask.id, is_deleted: 0 }]);
    expect(await f.balance(evilUser)).toBe(100);
    expect(await f.balance(aUser)).toBe(100 - IMAGE_PRICE);
  });

  it("a tenant's project is refused to another tenant for every storyboard, and the refusal never says whose it is", async () => {
    await f.account();
    const project = `held-${run}`;
    const aUser = await f.userWithPoints(100);
    expect((await generate(aKey, imageBody(aUser, project, 'sb-1'))).status).toBe(200);
    const evilUser = await f.userWithPoints(100);
    // Another storyboard of the same project: the project is what is held, not the storyboard.
    const other = await generate(evilKey, imageBody(evilUser, project, 'sb-2'));
    expect(other.status).toBe(409);
    const problem = (await other.json()) as ProblemBody;
    expect(problem).toMatchObject({
      status: 409,
      errors: [{ field: 'body.project_id', reason: 'belongs to another tenant' }],
    });
    expect(JSON.stringify(problem)).not.toContain(tenantA);
    // The refused request took nothing: evil's user is still no tenant's, so evil cannot read them either.
    expect(await tenantOf('tenant_users', 'user_id', evilUser)).toBeNull();
    expect((await call(`/v1/points/balance?user_id=${evilUser}`, { key: evilKey })).status).toBe(404);
  });

  it('two tenants racing for a new user: exactly one gets the user, the other a 404', async () => {
    await f.account();
    // Points but no tenant yet, as users recharged before tenancy existed are.
    const contested = await f.userWithPoints(100);
    const [a, e] = await Promise.all([
      generate(aKey, imageBody(contested, `race-a-${run}`, `sb-${randomUUID().slice(0, 8)}`)),
      generate(evilKey, imageBody(contested, `race-e-${run}`, `sb-${randomUUID().slice(0, 8)}`)),
    ]);
    const statuses = [a.status, e.status].sort();
    expect(statuses).toEqual([200, 404]);
    const winner = a.status === 200 ? tenantA : evil;
    const loserKey = a.status === 200 ? evilKey : aKey;
    const winnerKey = a.status === 200 ? aKey : evilKey;
    expect(await tenantOf('tenant_users', 'user_id', contested)).toBe(winner);
    expect(await f.balance(contested)).toBe(100 - IMAGE_PRICE);
    expect((await call(`/v1/points/balance?user_id=${contested}`, { key: winnerKey })).status).toBe(200);
    expect((await call(`/v1/points/balance?user_id=${contested}`, { key: loserKey })).status).toBe(404);
  });

  it('two tenants racing for a new project: exactly one gets it, the other the 409', async () => {
    await f.account();
    const project = `race-proj-${run}`;
    const [aUser, evilUser] = [await f.userWithPoints(100), await f.userWithPoints(100)];
    const [a, e] = await Promise.all([
      generate(aKey, imageBody(aUser, project, 'sb-a')),
      generate(evilKey, imageBody(evilUser, project, 'sb-e')),
    ]);
    expect([a.status, e.status].sort()).toEqual([200, 409]);
    expect(await tenantOf('tenant_projects', 'project_id', project)).toBe(a.status === 200 ? tenantA : evil);
  });

  it("an admin key's generation is its own tenant's: an admin key sees every tenant, it does not act for them", async () => {
    await f.account();
    const aUser = await f.userWithPoints(100);
    expect((await generate(aKey, imageBody(aUser, `a-only-${run}`, 'sb-1'))).status).toBe(200);
    const asAdmin = await generate(adminKey, imageBody(aUser, `ops-proj-${run}`, 'sb-1'));
    expect(asAdmin.status).toBe(404);
    expect(await f.balance(aUser)).toBe(100 - IMAGE_PRICE);
  });
});
