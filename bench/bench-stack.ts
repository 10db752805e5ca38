import { Client, Connection } from '@temporalio/client';
import type Koa from 'koa';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../api/app';
import { SnowflakeGenerator } from '../db/ids/snowflake';
import { issueApiKey } from '../api/auth/issue-api-key';
import type { OssClientOptions } from '../services/oss/oss-client-options';
import { PointsLedger } from '../services/points/points-ledger';
import { loadConfig } from '../config/settings';
import { startJimengSimulator, type JimengSimulator } from '../dev/jimeng-sim/simulator';
import { startOssServer } from '../dev/oss-server/server';
import { buildActivityDependencies } from '../worker/activity-dependencies';
import { createWorker } from '../worker/create-worker';
import type { DependencySettings } from '../worker/activity-dependencies';
import { dependencySettingsFrom } from '../worker/dependency-settings';
import { openBenchDatabase } from './bench-database';
import type { BenchSimulatorOptions } from './bench-simulator';
import {
  benchWorkerConcurrency,
  workerSlots,
  type WorkerConcurrencyChoice,
} from './worker-concurrency-choice';

export interface BenchStack {
  /** The API's pool (and the bench's own statements). */
  sequelize: Sequelize;
  /** The worker's pool, of the production size (MYSQL_POOL_MAX). */
  workerSequelize: Sequelize;
  /** "derived: 50 / 5 / 10 slots, pool of 10": how the worker runs, for the bench's tables. */
  workerConcurrency: string;
  sim: JimengSimulator;
  ossOptions: OssClientOptions;
  tmpDir: string;
  client: Client;
  /** The API, listening on a free loopback port. */
  url: string;
  /** A caller key and a user with ten million points. */
  key: string;
  userId: string;
  close(): Promise<void>;
}

export function listen(app: Koa): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  return new Promise((resolve) =>
    server.once('listening', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/**
 * The whole platform in the benchmark's process, on the dev stack's MariaDB (<MYSQL_DATABASE>_bench, its account
 * pool emptied) and Temporal dev server: Jimeng simulator, OSS server, a worker on a task queue of its own and the
 * API (rate limit out of the way), plus a caller key and a funded user. The simulator's latencies, credits and
 * mode are the bench's to give (bench-simulator.ts): none of its defaults decides a figure. The worker runs as
 * worker/main.ts runs it: its own pool of MYSQL_POOL_MAX connections and the concurrency derived from it (or the
 * SDK's defaults, `workerConcurrency: 'sdk-defaults'`, to compare); the API keeps a pool of its own.
 */
export async function startBenchStack(options: {
  name: string;
  simulator: BenchSimulatorOptions;
  worker?: Partial<DependencySettings>;
  workerConcurrency?: WorkerConcurrencyChoice;
}): Promise<BenchStack> {
  const config = loadConfig();
  const sequelize = await openBenchDatabase(40);
  const workerSequelize = await openBenchDatabase(config.mysqlPoolMax);
  const choice = options.workerConcurrency ?? 'derived';
  const logger = pino({ level: 'silent' });
  const taskQueue = `bench-${options.name}-${randomUUID().slice(0, 8)}`;
  const sim = await startJimengSimulator({ port: 0, ...options.simulator });
  const oss = await startOssServer({
    port: 0,
    buckets: [{ name: 'bench' }],
    credentials: [{ accessKeyId: 'bench', accessKeySecret: 'bench-secret' }],
  });
  const ossOptions: OssClientOptions = {
    bucket: 'bench',
    endpoint: oss.endpoint,
    cname: true,
    accessKeyId: 'bench',
    accessKeySecret: 'bench-secret',
  };
  const tmpDir = await mkdtemp(join(tmpdir(), `jimeng-flow-${options.name}-`));
  await sequelize.query('DELETE FROM jimeng_account_leases');
  await sequelize.query('DELETE FROM jimeng_account_waiters');
  await sequelize.query('DELETE FROM jimeng_accounts');
  const { worker, connection: native } = await createWorker(
    {
      address: config.temporalAddress,
      namespace: config.temporalNamespace,
      taskQueue,
      concurrency: benchWorkerConcurrency(choice, {
        dbPoolMax: config.mysqlPoolMax,
        activitiesPerConnection: config.workerActivitiesPerConnection,
      }),
    },
    buildActivityDependencies(
      workerSequelize,
      logger,
      dependencySettingsFrom(config, {
        jimengBaseUrl: sim.url,
        oss: ossOptions,
        tmpDir,
        // The simulator serves its outputs on loopback.
        outputDownloads: { allowPrivate: true },
        ...options.worker,
      }),
    ),
  );
  const running = worker.run();
  const temporal = await Connection.connect({ address: config.temporalAddress });
  const client = new Client({ connection: temporal, namespace: config.temporalNamespace });
  const api = await listen(
    createApp({
      sequelize,
      temporal,
      logger,
      ids: new SnowflakeGenerator({ nodeId: 953 }),
      settings: {
        namespace: config.temporalNamespace,
        taskQueue,
        // One client at bench rates: neither limit is what is measured.
        rateLimitPerMinute: 10_000_000,
        rateLimitPerAddressPerMinute: 10_000_000,
      },
    }),
  );
  const { key } = await issueApiKey(sequelize, {
    owner: `bench-${randomUUID().slice(0, 8)}`,
    scope: 'caller',
  });
  const userId = randomUUID();
  await new PointsLedger({ sequelize, now: () => new Date() }).recharge({
    idempotencyKey: `bench-${userId}`,
    userId,
    amount: 10_000_000,
    expiresAt: null,
    sourceType: 'gift',
  });
  return {
    sequelize,
    workerSequelize,
    workerConcurrency: `${choice}: ${workerSlots(worker)} slots, pool of ${config.mysqlPoolMax}`,
    sim,
    ossOptions,
    tmpDir,
    client,
    url: api.url,
    key,
    userId,
    async close() {
      worker.shutdown();
      await running;
      await native.close();
      await temporal.close();
      api.server.close();
      await sim.close();
      await oss.close();
      await rm(tmpDir, { recursive: true, force: true });
      await sequelize.close();
      await workerSequelize.close();
    },
  };
}
