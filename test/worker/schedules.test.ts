import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { QueryTypes, type Sequelize } from 'sequelize';
import { loadConfig } from '../../config/settings';
import { buildActivityDependencies } from '../../worker/activity-dependencies';
import { dependencySettingsFrom } from '../../worker/dependency-settings';
import { createWorker } from '../../worker/create-worker';
import { definitionVersionOf, ensureSchedules, scheduleDefinitions } from '../../worker/schedules';
import { clearAccounts, insertAccount, readAccount } from '../support/accounts';
import { migratedTestDatabase } from '../support/database';

describe('schedules and maintenance workflows, against the Temporal dev server', () => {
  const config = loadConfig();
  let connection: Connection;
  let client: Client;
  let sequelize: Sequelize;

  beforeAll(async () => {
    connection = await Connection.connect({ address: config.temporalAddress });
    client = new Client({ connection, namespace: config.temporalNamespace });
    sequelize = await migratedTestDatabase();
  });
  afterAll(async () => {
    await clearAccounts(sequelize);
    await connection.close();
    await sequelize.close();
  });

  /** Settings under a prefix of the test's own, with none of its schedules left from an earlier run. */
  async function freshSettings(definitionVersion: number) {
    const prefix = `test-${randomUUID().slice(0, 8)}-`;
    const settings = {
      taskQueue: `test-schedules-${randomUUID()}`,
      timeZone: 'Asia/Shanghai',
      idPrefix: prefix,
    };
    const ids = scheduleDefinitions(settings).map((d) => d.scheduleId);
    created.push(...ids);
    return { settings: { ...settings, definitionVersion }, ids, prefix };
  }
  const created: string[] = [];
  afterEach(async () => {
    for (const id of created.splice(0))
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
  });
  const describeSchedule = (id: string) => client.schedule.getHandle(id).describe();
  const actionOf = async (id: string) => {
    const { action } = await describeSchedule(id);
    if (action.type !== 'startWorkflow') throw new Error(`${id} does not start a workflow`);
    return action;
  };

  it('creates the three schedules, each carrying its definition version in the memo of the runs it starts', async () => {
    const { settings, ids, prefix } = await freshSettings(7);
    expect(await ensureSchedules(client, settings)).toEqual({ created: ids, updated: [], kept: [] });

    const refresh = await describeSchedule(`${prefix}quota-refresh`);
    expect(refresh.spec.timezone).toBe('Asia/Shanghai');
    expect(refresh.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 0, end: 0, step: 1 }],
      minute: [{ start: 30, end: 30, step: 1 }],
    });
    expect(refresh.action).toMatchObject({
      workflowType: 'quotaRefreshWorkflow',
      taskQueue: settings.taskQueue,
    });
    for (const id of ids) expect((await actionOf(id)).memo).toEqual({ scheduleDefinitionVersion: 7 });
    // The cleanup no longer sweeps temp files (each worker sweeps its own): it prunes records.
    expect((await actionOf(`${prefix}cleanup`)).workflowType).toBe('recordsPruneWorkflow');
  });

  it('a worker with an older definition leaves a newer schedule alone; a newer one updates it', async () => {
    const { settings, ids, prefix } = await freshSettings(5);
    await ensureSchedules(client, settings);

    const older = { ...settings, taskQueue: `${settings.taskQueue}-older`, definitionVersion: 4 };
    expect(await ensureSchedules(client, older)).toEqual({ created: [], updated: [], kept: ids });
    expect(await actionOf(`${prefix}points-expiry`)).toMatchObject({
      taskQueue: settings.taskQueue,
      memo: { scheduleDefinitionVersion: 5 },
    });
    // The same version again (every worker of a release restarting) writes nothing either.
    expect(await ensureSchedules(client, settings)).toEqual({ created: [], updated: [], kept: ids });

    const newer = { ...settings, taskQueue: `${settings.taskQueue}-newer`, definitionVersion: 6 };
    expect(await ensureSchedules(client, newer)).toEqual({ created: [], updated: ids, kept: [] });
    for (const id of ids)
      expect(await actionOf(id)).toMatchObject({
        taskQueue: newer.taskQueue,
        memo: { scheduleDefinitionVersion: 6 },
      });
  });

  it('an operator’s pause and policy survive a worker restart and an upgrade of the definition', async () => {
    const { settings, prefix } = await freshSettings(3);
    await ensureSchedules(client, settings);
    const cleanup = client.schedule.getHandle(`${prefix}cleanup`);
    await cleanup.pause('operator says so');
    // A policy the definitions do not set, set by an operator.
    await cleanup.update((previous) => ({
      ...previous,
      policies: { ...previous.policies, pauseOnFailure: true },
    }));

    await ensureSchedules(client, settings);
    expect((await cleanup.describe()).state).toMatchObject({ paused: true, note: 'operator says so' });

    await ensureSchedules(client, { ...settings, definitionVersion: 4 });
    const after = await cleanup.describe();
    expect(after.state).toMatchObject({ paused: true, note: 'operator says so' });
    expect(after.policies).toMatchObject({ pauseOnFailure: true, overlap: ScheduleOverlapPolicy.SKIP });
    expect(definitionVersionOf(after)).toBe(4);
  });

  it('brings a schedule written before versions (the old cleanup that swept temp files) to the definition', async () => {
    const { settings, prefix } = await freshSettings(2);
    await client.schedule.create({
      scheduleId: `${prefix}cleanup`,
      spec: { intervals: [{ every: '1 hour' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'cleanupWorkflow',
        workflowId: `${prefix}cleanup`,
        taskQueue: settings.taskQueue,
      },
      memo: { purpose: 'delete temp files older than 24 h, prune old lease rows' },
    });

    const result = await ensureSchedules(client, settings);
    expect(result.updated).toEqual([`${prefix}cleanup`]);
    expect(await actionOf(`${prefix}cleanup`)).toMatchObject({
      workflowType: 'recordsPruneWorkflow',
      memo: { scheduleDefinitionVersion: 2 },
    });
  });

  /** Runs one maintenance workflow to its end on a worker of its own with the real activities. */
  const runMaintenance = async (workflowType: string): Promise<unknown> => {
    const taskQueue = `test-maintenance-${randomUUID()}`;
    const { worker, connection: native } = await createWorker(
      { address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue },
      buildActivityDependencies(sequelize, pino({ level: 'silent' }), dependencySettingsFrom(loadConfig())),
    );
    try {
      return await worker.runUntil(
        client.workflow.execute(workflowType, { taskQueue, workflowId: `${workflowType}-${randomUUID()}` }),
      );
    } finally {
      await native.close();
    }
  };

  it('runs the quota refresh workflow with the real activities against MariaDB', async () => {
    await clearAccounts(sequelize);
    const id = await insertAccount(sequelize, {
      quota_reset_time: new Date(Date.now() - 60_000),
      image_generation_status: 0,
      image_unavailable_time: new Date(Date.now() - 3_600_000),
      image_count: 9,
    });
    expect(await runMaintenance('quotaRefreshWorkflow')).toMatchObject({ restoredImage: 1 });
    expect(await readAccount(sequelize, id)).toMatchObject({ image_generation_status: 1, image_count: 0 });
  });

  it('runs the records prune (jimeng-cleanup) with the real activities: lease rows older than 7 days go', async () => {
    await clearAccounts(sequelize);
    const accountId = await insertAccount(sequelize);
    const DAY = 24 * 60 * 60 * 1000;
    const lease = (token: string, releasedDaysAgo: number) => {
      const at = new Date(Date.now() - releasedDaysAgo * DAY);
      return sequelize.query(
        `INSERT INTO jimeng_account_leases (token, account_id, capability, leased_at, expires_at, released_at, outcome)
         VALUES (?, ?, 'image', ?, ?, ?, 'success')`,
        { replacements: [token, accountId, at, at, at] },
      );
    };
    const [old, recent] = [randomUUID(), randomUUID()];
    await lease(old, 8);
    await lease(recent, 6);
    expect(await runMaintenance('recordsPruneWorkflow')).toMatchObject({ prunedLeases: 1 });
    const left = await sequelize.query<{ token: string }>(
      'SELECT token FROM jimeng_account_leases WHERE account_id = ?',
      { replacements: [accountId], type: QueryTypes.SELECT },
    );
    expect(left).toEqual([{ token: recent }]);
  });
});
