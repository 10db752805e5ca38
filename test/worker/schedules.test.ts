import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { loadConfig } from '../../config/settings';
import { buildActivityDependencies } from '../../worker/activity-dependencies';
import { dependencySettingsFrom } from '../../worker/dependency-settings';
import { createWorker } from '../../worker/create-worker';
import { ensureSchedules, scheduleDefinitions } from '../../worker/schedules';
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

  it('creates the three schedules once; a second start updates them and keeps an operator’s pause', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}-`;
    const settings = {
      taskQueue: `test-schedules-${randomUUID()}`,
      timeZone: 'Asia/Shanghai',
      idPrefix: prefix,
    };
    const ids = scheduleDefinitions(settings).map((d) => d.scheduleId);
    for (const id of ids)
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);

    expect(await ensureSchedules(client, settings)).toEqual({ created: ids, updated: [] });
    await client.schedule.getHandle(`${prefix}cleanup`).pause('operator says so');
    expect(await ensureSchedules(client, settings)).toEqual({ created: [], updated: ids });

    const refresh = await client.schedule.getHandle(`${prefix}quota-refresh`).describe();
    expect(refresh.spec.timezone).toBe('Asia/Shanghai');
    expect(refresh.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 0, end: 0, step: 1 }],
      minute: [{ start: 30, end: 30, step: 1 }],
    });
    expect(refresh.action).toMatchObject({
      workflowType: 'quotaRefreshWorkflow',
      taskQueue: settings.taskQueue,
    });
    expect((await client.schedule.getHandle(`${prefix}cleanup`).describe()).state.paused).toBe(true);
    for (const id of ids) await client.schedule.getHandle(id).delete();
  });

  it('runs the quota refresh workflow with the real activities against MariaDB', async () => {
    await clearAccounts(sequelize);
    const id = await insertAccount(sequelize, {
      quota_reset_time: new Date(Date.now() - 60_000),
      image_generation_status: 0,
      image_unavailable_time: new Date(Date.now() - 3_600_000),
      image_count: 9,
    });
    const taskQueue = `test-maintenance-${randomUUID()}`;
    const { worker, connection: native } = await createWorker(
      { address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue },
      buildActivityDependencies(sequelize, pino({ level: 'silent' }), dependencySettingsFrom(loadConfig())),
    );
    try {
      const result = await worker.runUntil(
        client.workflow.execute('quotaRefreshWorkflow', { taskQueue, workflowId: `refresh-${randomUUID()}` }),
      );
      expect(result).toMatchObject({ restoredImage: 1 });
      expect(await readAccount(sequelize, id)).toMatchObject({ image_generation_status: 1, image_count: 0 });
    } finally {
      await native.close();
    }
  });
});
