import { Client, Connection } from '@temporalio/client';
import { execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Sequelize } from 'sequelize';
import { verifyCallbackSignature } from '../../services/callbacks/callback-signature';
import { issueApiKey } from '../../api/auth/issue-api-key';
import { databaseOptions } from '../../config/database';
import { loadConfig, type Config } from '../../config/settings';
import { createMigrator } from '../../db/migrator';
import { createSequelize } from '../../db/connection';
import { Prng } from '../../dev/jimeng-sim/prng';
import { startJimengSimulator, type JimengSimulator } from '../../dev/jimeng-sim/simulator';
import { startOssServer, type OssServer } from '../../dev/oss-server/server';
import { CHAOS_COOLDOWN_MS, CHAOS_WORKER_GRACE_MS } from './chaos-plan';
import type { AddressInfo } from 'node:net';
import { spawnApi, type ApiProcess } from '../support/api-process';
import { stopProcess } from '../support/stop-process';
import { spawnWorker } from '../support/worker-process';
import { freePort } from '../support/free-port';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

export const CHAOS_BUCKET = 'chaos-outputs';
export const CHAOS_OSS_KEY = { accessKeyId: 'chaos-key', accessKeySecret: 'chaos-secret' };
export const CHAOS_CALLBACK_SECRET = 'chaos-callback-secret';
const DATABASE = 'jimeng_chaos';

/** One delivery a receiver got. */
export interface CallbackDelivery {
  readonly taskId: string;
  readonly status: string;
  readonly eventId: string;
  readonly signatureValid: boolean;
  /** What the receiver answered: receivers refuse a share of deliveries to make the platform retry. */
  readonly answered: number;
}

/**
 * The whole platform for a chaos run, each part a real process or server the run can hurt: a private MariaDB
 * (its own data folder and port, so restarting it touches nothing else), the Temporal dev server (shared,
 * own task queue), the workers as child processes, each with a temp folder of its own (SIGTERM, SIGKILL), the Jimeng simulator and the OSS server
 * in-process (fault injection), the API in-process, and one callback receiver per user.
 */
export class ChaosStack {
  private readonly runTag = randomUUID().slice(0, 8);
  readonly taskQueue = `chaos-${this.runTag}`;
  config!: Config;
  sequelize!: Sequelize;
  sim!: JimengSimulator;
  oss!: OssServer;
  temporal!: Connection;
  client!: Client;
  /** The API processes, as behind a load balancer: the driver spreads its requests over them. */
  readonly apis: ApiProcess[] = [];
  adminKey!: string;
  dataDir!: string;
  readonly receivers: { url: string; deliveries: CallbackDelivery[]; server: http.Server }[] = [];
  /** One slot per worker host; a slot is empty between a stop and the restart. */
  private workers: (ChildProcess | null)[] = [];
  private workerStarts = 0;
  private apiStarts = 0;
  private mysqlPort = 0;

  async start(options: { seed: number; receivers: number; workers: number; apis: number }): Promise<this> {
    this.dataDir = await mkdtemp(join(tmpdir(), 'jimeng-flow-chaos-'));
    this.workers = Array.from({ length: options.workers }, () => null);
    this.mysqlPort = await freePort();
    await this.database('start');
    this.config = loadConfig({
      ...process.env,
      MYSQL_PORT: String(this.mysqlPort),
      MYSQL_DATABASE: DATABASE,
    });
    this.sequelize = createSequelize(databaseOptions(this.config, { poolMax: 20 }));
    await createMigrator(this.sequelize).up();
    await recordPoolWrites(this.sequelize);

    // The simulator as the real proxy answers (no fork extensions), with short latencies: a run lasts minutes.
    // retryDelayMs and upstreamTimeoutMs are what an upstream 5xx or transport failure costs (the proxy's 3
    // retries, its per-request timeout), 15 s and 3 min at their defaults.
    this.sim = await startJimengSimulator({
      port: 0,
      seed: options.seed,
      latency: { imageMs: 300, compositionMs: 300, videoMs: 3000, retryDelayMs: 50, upstreamTimeoutMs: 200 },
      autoCreateSessions: false,
    });
    this.oss = await startOssServer({
      port: 0,
      buckets: [{ name: CHAOS_BUCKET }],
      credentials: [CHAOS_OSS_KEY],
    });
    this.temporal = await Connection.connect({ address: this.config.temporalAddress });
    this.client = new Client({ connection: this.temporal, namespace: this.config.temporalNamespace });
    for (let slot = 0; slot < options.apis; slot++) await this.startApi(slot);
    this.adminKey = (await issueApiKey(this.sequelize, { owner: 'chaos-operator', scope: 'admin' })).key;
    const prng = new Prng(options.seed + 1);
    for (let i = 0; i < options.receivers; i++) this.receivers.push(await startReceiver(prng));
    for (let slot = 0; slot < options.workers; slot++) await this.startWorker(slot);
    return this;
  }

  /**
   * The API process (dist/api/main.js) of `slot`, with no API_NODE_ID: each leases its own node id, which the
   * run's checks read back. Resolves once it is ready (MySQL, Temporal and a node id).
   */
  private async startApi(slot: number): Promise<void> {
    const log = createWriteStream(join(this.dataDir, `api-${slot}-${++this.apiStarts}.log`));
    const api = await spawnApi(
      {
        ...process.env,
        MYSQL_PORT: String(this.mysqlPort),
        MYSQL_DATABASE: DATABASE,
        TEMPORAL_TASK_QUEUE: this.taskQueue,
        // The callback receivers listen on 127.0.0.1, and the reference images name localhost.
        OUTBOUND_ALLOW_PRIVATE: 'true',
        // Every user's requests come from this one address.
        API_RATE_LIMIT_PER_MINUTE: '1000000',
        API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
        LOG_LEVEL: 'info',
      },
      (chunk) => log.write(chunk),
    );
    api.exited.finally(() => log.end());
    await api.ready();
    this.apis[slot] = api;
  }

  /** A deploy's stop of API process `slot` (SIGTERM: it drains and exits), then a new one in its place. */
  async restartApi(slot: number): Promise<number | null> {
    const api = this.apis[slot]!;
    api.child.kill('SIGTERM');
    const code = await api.exited;
    await this.startApi(slot);
    return code;
  }

  /** The API the `n`th request goes to: round robin, so a retry goes to the other process. */
  apiUrl(n: number): string {
    return this.apis[n % this.apis.length]!.url;
  }

  /**
   * A reference image for compositions. Admission resolves its host (the outbound address policy); the
   * simulator never fetches it. localhost resolves here without DNS, and OUTBOUND_ALLOW_PRIVATE lets it through.
   */
  readonly referenceImageUrl = 'https://localhost/chaos/ref/1.png';

  async callerKey(owner: string): Promise<string> {
    return (await issueApiKey(this.sequelize, { owner, scope: 'caller' })).key;
  }

  /**
   * The planned project as this run names it. Workflow ids are the project and storyboard
   * (generationWorkflowId), and every run shares the Temporal dev server while its MariaDB is its own: a run
   * that met another run's workflow under the same id (one an aborted run left running on its dead task queue)
   * would attach its request to it and wait for an admission that never comes.
   */
  projectId(planned: string): string {
    return `${this.runTag}-${planned}`;
  }

  /** Each worker's own temp folder, as on hosts of their own: a worker sweeps only what it owns. */
  workerTmpDir(slot: number): string {
    return join(this.dataDir, `worker-${slot}-tmp`);
  }

  get workerSlots(): number {
    return this.workers.length;
  }

  /** The worker process (dist/worker/main.js) of `slot` over this stack; resolves once it polls. */
  async startWorker(slot: number): Promise<void> {
    const n = ++this.workerStarts;
    const log = createWriteStream(join(this.dataDir, `worker-${slot}-${n}.log`));
    const child = await spawnWorker(
      {
        ...process.env,
        MYSQL_PORT: String(this.mysqlPort),
        MYSQL_DATABASE: DATABASE,
        TEMPORAL_TASK_QUEUE: this.taskQueue,
        TEMPORAL_SCHEDULES: 'false',
        JIMENG_BASE_URL: this.sim.url,
        OSS_ENDPOINT: this.oss.endpoint,
        OSS_BUCKET: CHAOS_BUCKET,
        OSS_ACCESS_KEY: CHAOS_OSS_KEY.accessKeyId,
        OSS_SECRET: CHAOS_OSS_KEY.accessKeySecret,
        OSS_BASE_URL: 'https://cdn.chaos.example',
        OUTBOUND_ALLOW_PRIVATE: 'true',
        CALLBACK_SIGNING_SECRET: CHAOS_CALLBACK_SECRET,
        // Risk control rests an account for seconds, not the production five minutes: the run lasts minutes.
        ACCOUNT_RATE_LIMIT_COOLDOWN_MS: String(CHAOS_COOLDOWN_MS),
        TMPDIR: this.workerTmpDir(slot),
        // A deploy's SIGTERM lets a call of the run's short latencies finish, and hands a longer one back.
        WORKER_SHUTDOWN_GRACE_MS: String(CHAOS_WORKER_GRACE_MS),
        LOG_LEVEL: 'info',
      },
      (chunk) => log.write(chunk),
    );
    child.once('exit', () => log.end());
    this.workers[slot] = child;
  }

  /** The process ids of the workers running now, by slot (null for an empty slot). */
  workerPids(): (number | null)[] {
    return this.workers.map((w) => w?.pid ?? null);
  }

  /**
   * SIGKILL: no shutdown, no flushing, activities cut off mid-call. SIGTERM: a deploy's stop, which must end
   * the process by itself (exit 0) once its grace is over. Resolves with the exit code once it is gone.
   */
  async stopWorker(slot: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<number | null> {
    const child = this.workers[slot] ?? null;
    if (child === null) return null;
    this.workers[slot] = null;
    return stopProcess(child, signal);
  }

  get workerRestarts(): number {
    return this.workerStarts - this.workers.length;
  }

  /** Stops MariaDB cleanly, leaves it down for `downMs`, starts it again on the same data folder. */
  async restartDatabase(downMs: number): Promise<void> {
    await this.database('stop');
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.database('start');
  }

  async close(): Promise<void> {
    for (let slot = 0; slot < this.workers.length; slot++) await this.stopWorker(slot, 'SIGKILL');
    await this.terminateLeftovers();
    for (const api of this.apis) {
      api.child.kill('SIGKILL');
      await api.exited;
    }
    for (const r of this.receivers) {
      r.server.closeAllConnections();
      r.server.close();
    }
    await this.temporal?.close();
    await this.sim?.close();
    await this.oss?.close();
    await this.sequelize?.close();
    await this.database('stop').catch(() => undefined);
    if (process.env.CHAOS_KEEP_DATA === undefined) await rm(this.dataDir, { recursive: true, force: true });
  }

  /** A run that failed part-way leaves its workflows running on a task queue nobody polls any more: end them. */
  private async terminateLeftovers(): Promise<void> {
    if (this.client === undefined) return;
    for await (const wf of this.client.workflow.list({
      query: `TaskQueue = "${this.taskQueue}" AND ExecutionStatus = "Running"`,
    }))
      await this.client.workflow
        .getHandle(wf.workflowId, wf.runId)
        .terminate('the chaos run is over')
        .catch(() => undefined);
  }

  private async database(action: 'start' | 'stop'): Promise<void> {
    await run('bash', [join(ROOT, 'scripts', 'mariadb.sh'), action], {
      env: {
        ...process.env,
        JIMENG_FLOW_DATA_DIR: this.dataDir,
        MYSQL_HOST: '127.0.0.1',
        MYSQL_PORT: String(this.mysqlPort),
        MYSQL_DATABASE: DATABASE,
      },
      timeout: 120_000,
    });
  }
}

/**
 * When the pool wrote what it learned about an account, and when it handed an account out, to the millisecond:
 * the seed's TIMESTAMP columns keep whole seconds, and a call that raced a refusal comes within milliseconds of
 * it. Triggers of this private database only (nothing of the platform reads these tables); SYSDATE(3) is the
 * time of the row change itself, not of the statement's start. The pool's write and a lease both lock the
 * account row (UPDATE; SELECT … FOR UPDATE in the lease), so a lease is granted either before a write or after
 * its commit, never in between: a lease logged after a write saw it.
 */
async function recordPoolWrites(sequelize: Sequelize): Promise<void> {
  const at = 'CAST(ROUND(UNIX_TIMESTAMP(SYSDATE(3)) * 1000) AS SIGNED)';
  for (const sql of [
    `CREATE TABLE chaos_account_writes (
       seq BIGINT AUTO_INCREMENT PRIMARY KEY,
       account_id VARCHAR(36) NOT NULL,
       at_ms BIGINT NOT NULL,
       account_status INT NULL,
       is_deleted INT NULL,
       image_generation_status INT NULL,
       video_generation_status INT NULL,
       INDEX (account_id, at_ms))`,
    `CREATE TABLE chaos_lease_grants (
       seq BIGINT AUTO_INCREMENT PRIMARY KEY,
       token CHAR(36) NOT NULL,
       account_id VARCHAR(36) NOT NULL,
       capability VARCHAR(10) NOT NULL,
       holder VARCHAR(200) NULL,
       at_ms BIGINT NOT NULL,
       INDEX (account_id, capability, at_ms))`,
    `CREATE TRIGGER chaos_account_written AFTER UPDATE ON jimeng_accounts FOR EACH ROW
       INSERT INTO chaos_account_writes
         (account_id, at_ms, account_status, is_deleted, image_generation_status, video_generation_status)
       VALUES (NEW.id, ${at}, NEW.account_status, NEW.is_deleted, NEW.image_generation_status,
               NEW.video_generation_status)`,
    `CREATE TRIGGER chaos_lease_granted AFTER INSERT ON jimeng_account_leases FOR EACH ROW
       INSERT INTO chaos_lease_grants (token, account_id, capability, holder, at_ms)
       VALUES (NEW.token, NEW.account_id, NEW.capability, NEW.holder, ${at})`,
  ])
    await sequelize.query(sql);
}

/** A caller's webhook endpoint: verifies the signature, records the delivery, refuses one in six with a 500. */
async function startReceiver(
  prng: Prng,
): Promise<{ url: string; deliveries: CallbackDelivery[]; server: http.Server }> {
  const deliveries: CallbackDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: { task_id?: unknown; status?: unknown } = {};
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        // recorded with empty fields: the check reports it
      }
      const answered = prng.next() < 1 / 6 ? 500 : 200;
      deliveries.push({
        taskId: String(parsed.task_id ?? ''),
        status: String(parsed.status ?? ''),
        eventId: String(req.headers['x-jimeng-event-id'] ?? ''),
        signatureValid: verifyCallbackSignature(
          CHAOS_CALLBACK_SECRET,
          String(req.headers['x-jimeng-signature'] ?? ''),
          body,
          Math.floor(Date.now() / 1000),
        ),
        answered,
      });
      res.writeHead(answered, { 'content-type': 'text/plain' });
      res.end(answered === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/jimeng`, deliveries, server };
}
