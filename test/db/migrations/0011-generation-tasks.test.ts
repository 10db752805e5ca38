import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { TaskStore } from '../../../api/tasks/task-store';
import { createMigrator } from '../../../db/migrator';
import { connectTestDatabase } from '../../support/database';
import { LegacyRows } from '../../support/legacy-rows';

/**
 * Migration 0011 over rows an earlier release wrote: every record becomes a task of its creator (or of no
 * tenant), and a task whose record the old supersede path deleted comes back from its execution.
 */
describe('migration 0011-generation-tasks on pre-existing rows', () => {
  const run = randomUUID().slice(0, 8);
  const ownerA = `legacy-a-${run}`;
  const project = `hist-${run}`;
  const [userA, userNobody] = [randomUUID(), randomUUID()];
  const id = (name: string) => `${name}-${run}`;
  let sequelize: Sequelize;
  let legacy: LegacyRows;
  let tasks: TaskStore;

  beforeAll(async () => {
    sequelize = connectTestDatabase();
    await createMigrator(sequelize).up();
    await createMigrator(sequelize).down({ to: '0010-tenants' });
    legacy = new LegacyRows(sequelize);
    await legacy.apiKeyOwner(ownerA);
    // One storyboard generated three times: the first record deleted by the old supersede path (only its
    // execution and output are left), the second retired, the third live.
    await legacy.execution({
      taskId: id('gone'),
      userId: userA,
      type: 'image',
      creditCost: 4,
      workflowId: `jimeng-image/${project}/sb-1`,
      model: 'jimeng-4.0',
      createdAt: '2026-01-01 09:00:00',
    });
    await legacy.output(id('gone'), userA);
    await legacy.record({
      type: 'image',
      id: id('retired'),
      projectId: project,
      storyboardId: 'sb-1',
      createBy: ownerA,
      createTime: '2026-01-01 10:00:00',
      isDeleted: 1,
      workId: 'w-7',
    });
    await legacy.execution({ taskId: id('retired'), userId: userA, type: 'image', creditCost: 4 });
    await legacy.record({
      type: 'image',
      id: id('live'),
      projectId: project,
      storyboardId: 'sb-1',
      createBy: ownerA,
      createTime: '2026-01-01 11:00:00',
      workId: 'w-7',
    });
    await legacy.execution({ taskId: id('live'), userId: userA, type: 'image', creditCost: 4 });
    // Started with the Temporal client: create_by is the user id, no owner is known.
    await legacy.record({
      type: 'video',
      id: id('client'),
      projectId: project,
      storyboardId: 'sb-2',
      createBy: userNobody,
      createTime: '2026-01-01 12:00:00',
      model: 'jimeng-video-3.0',
    });
    await legacy.execution({ taskId: id('client'), userId: userNobody, type: 'video' });
    // An orphaned execution of a user no tenant has: readable again, by admin keys only.
    await legacy.execution({
      taskId: id('orphan'),
      userId: userNobody,
      type: 'video',
      status: 'failed',
      workflowId: `jimeng-video/${project}/sb-3`,
      model: 'jimeng-video-3.0',
      createdAt: '2026-01-01 13:00:00',
    });
    // Another application's execution in the same seed table: not a generation of ours.
    await legacy.execution({ taskId: id('mini-app'), userId: userA, type: 'image', platform: 'wechat' });
    await createMigrator(sequelize).up();
    tasks = new TaskStore(sequelize);
  });
  afterAll(async () => {
    await legacy.remove();
    await sequelize.query('DELETE FROM generation_tasks WHERE task_id LIKE ?', {
      replacements: [`%-${run}`],
    });
    await sequelize.query('DELETE FROM tenant_users WHERE user_id IN (?)', {
      replacements: [[userA, userNobody]],
    });
    await sequelize.query('DELETE FROM tenant_projects WHERE project_id = ?', { replacements: [project] });
    await createMigrator(sequelize).up();
    await sequelize.close();
  });

  it('makes a task of every record and of every execution whose record is gone, and of nothing else', async () => {
    const rows = await sequelize.query<Record<string, unknown>>(
      `SELECT task_id, tenant, type, user_id, project_id, storyboard_id, work_id, model, created_at
         FROM generation_tasks WHERE task_id LIKE ? ORDER BY created_at`,
      { replacements: [`%-${run}`], type: QueryTypes.SELECT },
    );
    const at = (s: string) => new Date(`${s}Z`);
    expect(rows).toEqual([
      {
        task_id: id('gone'),
        tenant: ownerA,
        type: 'image',
        user_id: userA,
        project_id: project,
        storyboard_id: 'sb-1',
        work_id: '',
        model: 'jimeng-4.0',
        created_at: at('2026-01-01T09:00:00'),
      },
      {
        task_id: id('retired'),
        tenant: ownerA,
        type: 'image',
        user_id: userA,
        project_id: project,
        storyboard_id: 'sb-1',
        work_id: 'w-7',
        model: 'jimeng-4.5',
        created_at: at('2026-01-01T10:00:00'),
      },
      {
        task_id: id('live'),
        tenant: ownerA,
        type: 'image',
        user_id: userA,
        project_id: project,
        storyboard_id: 'sb-1',
        work_id: 'w-7',
        model: 'jimeng-4.5',
        created_at: at('2026-01-01T11:00:00'),
      },
      {
        task_id: id('client'),
        tenant: null,
        type: 'video',
        user_id: userNobody,
        project_id: project,
        storyboard_id: 'sb-2',
        work_id: 'w-legacy',
        model: 'jimeng-video-3.0',
        created_at: at('2026-01-01T12:00:00'),
      },
      {
        task_id: id('orphan'),
        tenant: null,
        type: 'video',
        user_id: userNobody,
        project_id: project,
        storyboard_id: 'sb-3',
        work_id: '',
        model: 'jimeng-video-3.0',
        created_at: at('2026-01-01T13:00:00'),
      },
    ]);
  });

  it('the task whose record was deleted reads again for its tenant, with its output, cost and final state', async () => {
    const view = await tasks.find(id('gone'), { tenant: ownerA });
    expect(view).toMatchObject({
      id: id('gone'),
      tenant: ownerA,
      status: 'completed',
      cost: 4,
      project_id: project,
      storyboard_id: 'sb-1',
      prompt: 'legacy prompt',
    });
    expect(view?.outputs.map((o) => o.size)).toEqual([123]);
    expect(await tasks.find(id('gone'), { tenant: `someone-else-${run}` })).toBeNull();
  });

  it('tasks of no tenant are read by admin keys only', async () => {
    expect(await tasks.find(id('orphan'), 'every tenant')).toMatchObject({ tenant: null, status: 'failed' });
    expect(await tasks.find(id('orphan'), { tenant: ownerA })).toBeNull();
  });
});
