import { Client, Connection } from '@temporalio/client';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseOptions } from '../config/database';
import { createLogger } from '../config/logger';
import { ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { buildActivityDependencies } from './activity-dependencies';
import { createWorker } from './create-worker';
import { dependencySettingsFrom } from './dependency-settings';
import { TEMP_FILE_MAX_AGE_MS } from '../activities/maintenance-activities';
import { startHealthFile } from './health-file';
import { ensureSchedules } from './schedules';
import { ownTempDir, processIsAlive } from '../services/oss/temp-dir-owners';
import { TempFileSweeper } from './temp-file-sweeper';
import { workerConcurrency } from './worker-concurrency';
import { builtWorkflowBundle, WorkflowBundleMissing } from './workflow-bundle';

/**
 * The worker process. The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown: polling stops,
 * running activities get the grace period, then run() resolves and the database pool is closed.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // Before anything connects: a worker without its built workflows must not start at all.
  const workflowBundle = builtWorkflowBundle();
  const logger = createLogger('worker', config.logLevel);
  const sequelize = createSequelize(databaseOptions(config));
  await sequelize.authenticate();
  if (config.temporalSchedules) {
    const client = new Client({
      connection: await Connection.connect({ address: config.temporalAddress }),
      namespace: config.temporalNamespace,
    });
    try {
      const schedules = await ensureSchedules(client, {
        taskQueue: config.temporalTaskQueue,
        timeZone: config.quotaTimeZone,
      });
      logger.info(schedules, 'schedules in place');
    } finally {
      await client.connection.close();
    }
  }
  // Downloads are staged in this process's own folder of the host's temp root (temp-dir-owners.ts).
  const tempRoot = join(tmpdir(), 'jimeng-flow');
  const self = { host: hostname(), pid: process.pid };
  const deps = buildActivityDependencies(
    sequelize,
    logger,
    dependencySettingsFrom(config, { tmpDir: ownTempDir(tempRoot, self) }),
  );
  const sweeper = new TempFileSweeper({
    root: tempRoot,
    self,
    isAlive: processIsAlive,
    maxAgeMs: TEMP_FILE_MAX_AGE_MS,
    now: deps.now,
    logger,
  });
  await sweeper.start();
  const concurrency = workerConcurrency({
    dbPoolMax: config.mysqlPoolMax,
    activitiesPerConnection: config.workerActivitiesPerConnection,
  });
  const { worker, connection } = await createWorker(
    {
      address: config.temporalAddress,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      shutdownGraceMs: config.workerShutdownGraceMs,
      workflowBundle,
      concurrency,
    },
    deps,
  );
  logger.info(
    {
      taskQueue: config.temporalTaskQueue,
      namespace: config.temporalNamespace,
      workflowBundle: workflowBundle.codePath,
      ...concurrency,
    },
    'worker polling',
  );
  const healthFile = config.workerHealthFile
    ? await startHealthFile(config.workerHealthFile, () => worker.getStatus())
    : undefined;
  try {
    await worker.run();
  } finally {
    await healthFile?.stop();
    await sweeper.stop();
    await connection.close();
    await sequelize.close();
    logger.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof WorkflowBundleMissing ? err.message : err);
  process.exit(1);
});
