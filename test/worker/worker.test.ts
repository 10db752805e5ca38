import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { loadConfig } from '../../config/settings';
import { registerSearchAttributes } from '../../scripts/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { buildActivityDependencies } from '../../worker/activity-dependencies';
import { dependencySettingsFrom } from '../../worker/dependency-settings';
import { createWorker } from '../../worker/create-worker';
import { connectTestDatabase } from '../support/database';

describe('worker process skeleton, against the Temporal dev server', () => {
  const config = loadConfig();
  let connection: Connection;
  let sequelize: Sequelize;

  beforeAll(async () => {
    connection = await Connection.connect({ address: config.temporalAddress });
    sequelize = connectTestDatabase();
  });
  afterAll(async () => {
    await connection.close();
    await sequelize.close();
  });

  it('polls its task queue while running and stops polling after shutdown', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const { worker, connection: native } = await createWorker(
      { address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue },
      buildActivityDependencies(sequelize, pino({ level: 'silent' }), dependencySettingsFrom(loadConfig())),
    );
    const running = worker.run();
    try {
      let pollers = 0;
      for (let i = 0; i < 40 && pollers === 0; i++) {
        const described = await connection.workflowService.describeTaskQueue({
          namespace: config.temporalNamespace,
          taskQueue: { name: taskQueue },
          taskQueueType: 1, // workflow task queue
        });
        pollers = described.pollers?.length ?? 0;
        if (pollers === 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(pollers).toBeGreaterThan(0);
    } finally {
      worker.shutdown();
      await running;
      await native.close();
    }
    expect(worker.getState()).toBe('STOPPED');
  });

  it('registers the search attributes operators filter by, and a second registration adds nothing', async () => {
    await registerSearchAttributes(connection, config.temporalNamespace);
    expect(await registerSearchAttributes(connection, config.temporalNamespace)).toEqual([]);
    const listed = await connection.operatorService.listSearchAttributes({
      namespace: config.temporalNamespace,
    });
    for (const key of Object.values(SEARCH_ATTRIBUTES)) {
      expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);
    }
  });
});
