import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { ActivityDependencies } from '../../activities/create-activities';
import type { PricingTable } from '../../domain/pricing';
import type {
  GenerationTaskFields,
  ImageGenerationInput,
  VideoGenerationInput,
} from '../../domain/generation/generation-types';
import { PointsLedger } from '../../services/points/points-ledger';
import type { VideoRoute } from '../../services/jimeng/client';
import { loadConfig } from '../../config/settings';
import { SnowflakeGenerator } from '../../db/ids/snowflake';
import type { LatencyOptions } from '../../dev/jimeng-sim/latency';
import type { SessionInput } from '../../dev/jimeng-sim/sessions';
import { startJimengSimulator, type JimengSimulator } from '../../dev/jimeng-sim/simulator';
import type { OssServer } from '../../dev/oss-server/server';
import { buildActivityDependencies } from '../../worker/activity-dependencies';
import { createWorker } from '../../worker/create-worker';
import { dependencySettingsFrom } from '../../worker/dependency-settings';
import type { imageGeneration, videoGeneration } from '../../workflows/generation';
import { generationStartOptions } from '../../workflows/generation-start';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  ossOptionsFor,
  PRIVATE_BUCKET,
  startTestServer,
} from '../support/oss-fixture';
import { clearAccounts, insertAccount, type AccountRow } from '../support/accounts';
import { migratedTestDatabase, testDatabaseOptions } from '../support/database';
import { ledgerInvariantViolations, ledgerRows, storedBalance } from '../support/ledger-invariants';
import { PointsReads } from '../../services/points/points-reads';
import { filesUnder } from '../support/files-under';
import { spawnWorker } from '../support/worker-process';
import { listen, type RunningServer } from '../support/koa-test-server';
import { createApp } from '../../api/app';
import type { HostLookup } from '../../services/outbound/outbound-address-policy';

/** The legacy global secret the fixture's worker signs with for tenants without a secret of their own. */
export const CALLBACK_SECRET = 'test-callback-secret';

/**
 * The simulator's latencies in these tests: calls of milliseconds, so a test waits for the platform and not the
 * upstream, and the proxy's own retries (3 pauses of `retryDelayMs`, behind http_5xx and upstream_transport
 * answers) and its per-call timeout (`upstreamTimeoutMs`) scaled down the same way.
 */
export const TEST_LATENCY: Required<LatencyOptions> = {
  imageMs: 20,
  compositionMs: 20,
  videoMs: 600,
  retryDelayMs: 10,
  upstreamTimeoutMs: 100,
};
const ids = new SnowflakeGenerator({ nodeId: 901 });
const PROCESS_TAG = randomUUID().slice(0, 6);
/** The in-process API's own node (main.ts leases one; these suites each keep to a node of their own). */
const apiIds = new SnowflakeGenerator({ nodeId: 910 });

/**
 * Everything a generation needs, real and private to one test file: MariaDB (test database), the Temporal dev
 * server (own task queue), the Jimeng simulator and the OSS server in-process, and a worker over them.
 */
export class GenerationFixture {
  readonly config = loadConfig();
  readonly taskQueue = `test-generation-${randomUUID()}`;
  sequelize!: Sequelize;
  connection!: Connection;
  client!: Client;
  sim!: JimengSimulator;
  oss!: OssServer;
  ledger!: PointsLedger;
  tmpDir!: string;
  private worker: Worker | null = null;
  private videoRoute: VideoRoute = 'sync';
  private running: Promise<void> | null = null;

  /**
   * `latency`: the simulator's, over TEST_LATENCY (its own defaults are the real proxy's tens of seconds);
   * `forkExtensions`: a fork's behaviour (HTTP 429, the ban text, the /v1/async pair) instead of the proxy's;
   * `videoRoute`: the worker's JIMENG_VIDEO_ROUTE (`async-fork` goes with `forkExtensions`).
   */
  async start(
    options: {
      latency?: LatencyOptions;
      forkExtensions?: boolean;
      videoRoute?: VideoRoute;
      inProcessWorker?: boolean;
    } = {},
  ): Promise<this> {
    this.videoRoute = options.videoRoute ?? 'sync';
    this.sequelize = await migratedTestDatabase();
    this.connection = await Connection.connect({ address: this.config.temporalAddress });
    this.client = new Client({ connection: this.connection, namespace: this.config.temporalNamespace });
    this.sim = await startJimengSimulator({
      port: 0,
      seed: 7,
      latency: { ...TEST_LATENCY, ...options.latency },
      autoCreateSessions: false,
      forkExtensions: options.forkExtensions ?? false,
    });
    ({ server: this.oss } = await startTestServer());
    this.ledger = new PointsLedger({ sequelize: this.sequelize, now: () => new Date() });
    this.tmpDir = await mkdtemp(join(tmpdir(), 'jimeng-flow-wf-'));
    if (options.inProcessWorker ?? true) await this.startWorker();
    return this;
  }

  /** The activities' dependencies over this fixture's database, simulator, OSS server and temp dir. */
  dependencies(): ActivityDependencies {
    return buildActivityDependencies(
      this.sequelize,
      pino({ level: 'silent' }),
      dependencySettingsFrom(this.config, {
        jimengBaseUrl: this.sim.url,
        oss: ossOptionsFor(this.oss),
        ossBaseUrl: 'https://cdn.example.com',
        tmpDir: this.tmpDir,
        callbacks: {
          secretKey: this.config.callbackSecretEncryptionKey,
          legacySecret: CALLBACK_SECRET,
          allowPrivate: true,
        },
        videoPollIntervalMs: 100,
        heartbeatMs: 500,
        jimengVideoRoute: this.videoRoute,
        // The simulator serves its outputs on loopback.
        outputDownloads: { allowPrivate: true },
      }),
    );
  }

  async startWorker(): Promise<void> {
    const deps = this.dependencies();
    const { worker, connection } = await createWorker(
      {
        address: this.config.temporalAddress,
        namespace: this.config.temporalNamespace,
        taskQueue: this.taskQueue,
      },
      deps,
    );
    this.worker = worker;
    this.running = worker.run().finally(() => connection.close());
  }

  /**
   * The real worker process (dist/worker/main.js, built by scripts/test.sh) over this fixture's database,
   * simulator and OSS server, so a test can SIGKILL it. Its temp dir is <TMPDIR>/jimeng-flow under tmpDir.
   */
  async spawnWorkerProcess(env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
    return spawnWorker({
      ...process.env,
      MYSQL_DATABASE: testDatabaseOptions().database,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      TEMPORAL_SCHEDULES: 'false',
      JIMENG_BASE_URL: this.sim.url,
      JIMENG_VIDEO_ROUTE: this.videoRoute,
      JIMENG_VIDEO_POLL_INTERVAL_MS: '100',
      OSS_ENDPOINT: this.oss.endpoint,
      OSS_BUCKET: PRIVATE_BUCKET,
      OSS_ACCESS_KEY: ACCESS_KEY_ID,
      OSS_SECRET: ACCESS_KEY_SECRET,
      OSS_BASE_URL: 'https://cdn.example.com',
      OUTBOUND_ALLOW_PRIVATE: 'true',
      TMPDIR: this.tmpDir,
      LOG_LEVEL: 'info',
      ...env,
    });
  }

  async stopWorker(): Promise<void> {
    this.worker?.shutdown();
    await this.running;
    this.worker = null;
  }

  /** The HTTP API in-process over this fixture's database, Temporal and task queue, listening on loopback. */
  async listenApi(
    settings: { allowPrivateUrls?: boolean; pricing?: PricingTable; hostLookup?: HostLookup } = {},
  ): Promise<RunningServer> {
    return listen(
      createApp({
        sequelize: this.sequelize,
        temporal: this.connection,
        logger: pino({ level: 'silent' }),
        ids: apiIds,
        ...(settings.hostLookup ? { hostLookup: settings.hostLookup } : {}),
        settings: {
          namespace: this.config.temporalNamespace,
          taskQueue: this.taskQueue,
          ...(settings.allowPrivateUrls !== undefined ? { allowPrivateUrls: settings.allowPrivateUrls } : {}),
          ...(settings.pricing ? { pricing: settings.pricing } : {}),
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await clearAccounts(this.sequelize);
    await rm(this.tmpDir, { recursive: true, force: true });
    await this.sim.close();
    await this.oss.close();
    await this.connection.close();
    await this.sequelize.close();
  }

  /** Fresh accounts and simulator state for each test: cooldowns and faults never leak between tests. */
  async reset(): Promise<void> {
    await clearAccounts(this.sequelize);
    this.sim.admin.reset();
  }

  /**
   * An account in the pool and the same session in the simulator. The session starts as the simulator
   * registers one: `dailyQuota` (66) gift credits, today's claim already made (so an empty balance is refused,
   * not refilled), no purchase or vip credits; `sim` sets any of that (`remainingQuota`, `claimAvailable`, …).
   */
  async account(
    row: Partial<AccountRow> = {},
    sim: Omit<SessionInput, 'sessionId'> = {},
  ): Promise<{ id: string; sessionId: string }> {
    const sessionId = row.session_id ?? `sess-${randomUUID()}`;
    const id = await insertAccount(this.sequelize, { ...row, session_id: sessionId });
    this.sim.admin.registerSession({ ...sim, sessionId });
    return { id, sessionId };
  }

  async userWithPoints(amount: number): Promise<string> {
    const userId = randomUUID();
    await this.ledger.recharge({
      idempotencyKey: `recharge-${userId}`,
      userId,
      amount,
      expiresAt: null,
      sourceType: 'recharge',
    });
    return userId;
  }

  task(userId: string, overrides: Partial<GenerationTaskFields> = {}): GenerationTaskFields {
    const taskId = ids.next();
    return {
      taskId,
      userId,
      // Workflow ids are the project and storyboard, and every suite and run shares the Temporal dev server,
      // where a test may leave a run going: the whole snowflake (the last 8 digits of two snowflakes 390.625 s
      // apart are the same) and this process's tag keep another suite's or run's storyboard out of the way.
      projectId: `proj-${PROCESS_TAG}-${taskId}`,
      projectName: 'Workflow tests',
      storyboardId: `sb-${taskId}`,
      workId: 'work-1',
      ...overrides,
    };
  }

  startImage(input: ImageGenerationInput) {
    return this.client.workflow.start<typeof imageGeneration>(
      'imageGeneration',
      generationStartOptions('image', input, this.taskQueue),
    );
  }

  startVideo(input: VideoGenerationInput) {
    return this.client.workflow.start<typeof videoGeneration>(
      'videoGeneration',
      generationStartOptions('video', input, this.taskQueue),
    );
  }

  /**
   * Two image jobs on the only account: the first holds it for 2 s (a slow upstream call), the second starts
   * once it is leased, so it finds no free account and waits. Both handles, in that order.
   */
  async startWhileTheAccountIsBusy(
    userId: string,
    account: { sessionId: string },
  ): Promise<[WorkflowHandle<typeof imageGeneration>, WorkflowHandle<typeof imageGeneration>]> {
    this.sim.admin.injectFault({ kind: 'slow', sessionId: account.sessionId, count: 1, delayMs: 2000 });
    const first = await this.startImage({ ...this.task(userId), request: { prompt: 'holds the account' } });
    while (
      (await this.rows('SELECT token FROM jimeng_account_leases WHERE live_key IS NOT NULL', [])).length === 0
    )
      await new Promise((r) => setTimeout(r, 50));
    const queued = await this.startImage({ ...this.task(userId), request: { prompt: 'waits for it' } });
    return [first, queued];
  }

  async row<T extends object>(sql: string, replacements: unknown[]): Promise<T> {
    const rows = await this.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
    if (!rows[0]) throw new Error(`no row for ${sql}`);
    return rows[0];
  }

  async rows<T extends object>(sql: string, replacements: unknown[]): Promise<T[]> {
    return this.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  }

  /** What the user can spend now, as the API answers it. */
  balance(userId: string): Promise<number> {
    return new PointsReads(this.sequelize).balance(userId, new Date());
  }

  /** The checks every scenario ends with: ledger, temp files, leases, records vs executions vs outputs vs OSS. */
  async expectConsistent(userId: string, taskIds: string[]): Promise<void> {
    const balance = await storedBalance(this.sequelize, userId);
    expect(ledgerInvariantViolations(await ledgerRows(this.sequelize, userId), balance)).toEqual([]);
    expect(await filesUnder(this.tmpDir)).toEqual([]);
    const liveLeases = await this.rows<{ token: string }>(
      'SELECT token FROM jimeng_account_leases WHERE released_at IS NULL',
      [],
    );
    expect(liveLeases).toEqual([]);
    for (const taskId of taskIds) {
      const execution = await this.row<{ status: string; output_url: string | null; credit_cost: number }>(
        'SELECT status, output_url, credit_cost FROM template_executions WHERE credit_transaction_id = ?',
        [taskId],
      );
      const outputs = await this.rows<{ oss_url: string; oss_cdn_url: string; is_primary: number }>(
        'SELECT oss_url, oss_cdn_url, is_primary FROM job_outputs WHERE job_id = ? ORDER BY sort_order',
        [taskId],
      );
      if (execution.status === 'completed') {
        expect(outputs.length).toBeGreaterThan(0);
        expect(execution.output_url).toBe(outputs[0]!.oss_cdn_url);
      } else {
        expect(outputs).toEqual([]);
      }
    }
  }

  objectCount(): number {
    return this.oss.objectCount(PRIVATE_BUCKET);
  }
}
