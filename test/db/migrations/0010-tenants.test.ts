import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createMigrator } from '../../../db/migrator';
import { connectTestDatabase } from '../../support/database';
import { LegacyRows } from '../../support/legacy-rows';

/**
 * Migration 0010 over rows an earlier release wrote: each project and user goes to the owner of its oldest
 * record; what has no known owner stays unclaimed.
 */
describe('migration 0010-tenants on pre-existing rows', () => {
  const run = randomUUID().slice(0, 8);
  const ownerA = `legacy-a-${run}`;
  const ownerB = `legacy-b-${run}`;
  const [p1, p2, p3] = ['p1', 'p2', 'p3'].map((p) => `${p}-${run}`) as [string, string, string];
  const [u1, u2, u3, u4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  let sequelize: Sequelize;
  let legacy: LegacyRows;

  const tenantsOf = async (table: 'tenant_users' | 'tenant_projects', column: string, ids: string[]) =>
    Object.fromEntries(
      (
        await sequelize.query<{ id: string; tenant: string }>(
          `SELECT ${column} AS id, tenant FROM ${table} WHERE ${column} IN (?)`,
          { replacements: [ids], type: QueryTypes.SELECT },
        )
      ).map((r) => [r.id, r.tenant]),
    );

  beforeAll(async () => {
    sequelize = connectTestDatabase();
    await createMigrator(sequelize).up();
    await createMigrator(sequelize).down({ to: '0010-tenants' });
    legacy = new LegacyRows(sequelize);
    await legacy.apiKeyOwner(ownerA);
    await legacy.apiKeyOwner(ownerB);
    // p1: A first, then B (tenancy did not exist: both could). u1 in both.
    await legacy.record({
      type: 'image',
      id: `r1-${run}`,
      projectId: p1,
      storyboardId: 'sb-1',
      createBy: ownerA,
      createTime: '2026-01-01 10:00:00',
    });
    await legacy.execution({ taskId: `r1-${run}`, userId: u1, type: 'image' });
    await legacy.record({
      type: 'image',
      id: `r2-${run}`,
      projectId: p1,
      storyboardId: 'sb-2',
      createBy: ownerB,
      createTime: '2026-01-02 10:00:00',
    });
    await legacy.execution({ taskId: `r2-${run}`, userId: u1, type: 'image' });
    // p2, u2: only B, on a video.
    await legacy.record({
      type: 'video',
      id: `r3-${run}`,
      projectId: p2,
      storyboardId: 'sb-1',
      createBy: ownerB,
      createTime: '2026-01-03 10:00:00',
    });
    await legacy.execution({ taskId: `r3-${run}`, userId: u2, type: 'video' });
    // p3, u3: started with the Temporal client, whose create_by is the user id: no owner known.
    await legacy.record({
      type: 'image',
      id: `r4-${run}`,
      projectId: p3,
      storyboardId: 'sb-1',
      createBy: u3,
      createTime: '2026-01-04 10:00:00',
    });
    await legacy.execution({ taskId: `r4-${run}`, userId: u3, type: 'image' });
    // u4: points and nothing else.
    await legacy.pointsOnly(u4, 50);
    await createMigrator(sequelize).up();
  });
  afterAll(async () => {
    await legacy.remove();
    await sequelize.query('DELETE FROM tenant_users WHERE user_id IN (?)', {
      replacements: [[u1, u2, u3, u4]],
    });
    await sequelize.query('DELETE FROM tenant_projects WHERE project_id IN (?)', {
      replacements: [[p1, p2, p3]],
    });
    await sequelize.query('DELETE FROM generation_tasks WHERE task_id LIKE ?', {
      replacements: [`%-${run}`],
    });
    await createMigrator(sequelize).up();
    await sequelize.close();
  });

  it('gives each project to the owner of its oldest record, of either type', async () => {
    expect(await tenantsOf('tenant_projects', 'project_id', [p1, p2, p3])).toEqual({
      [p1]: ownerA,
      [p2]: ownerB,
    });
  });

  it('gives each user to the owner of their oldest record', async () => {
    expect(await tenantsOf('tenant_users', 'user_id', [u1, u2, u3, u4])).toEqual({
      [u1]: ownerA,
      [u2]: ownerB,
    });
  });

  it('leaves unclaimed what has no known owner: a create_by that owns no key, a user with only points', async () => {
    expect(await tenantsOf('tenant_projects', 'project_id', [p3])).toEqual({});
    expect(await tenantsOf('tenant_users', 'user_id', [u3, u4])).toEqual({});
  });
});
