import { randomUUID } from 'node:crypto';
import { DEFAULT_PRICING } from '../../domain/pricing';
import { planImage, planVideo } from '../../domain/generation/generation-plan';
import { ENDPOINTS } from '../../dev/jimeng-sim/endpoints';
import type { ChaosEvent, ChaosPlan, PlannedBurst, PlannedFault, PlannedJob } from './chaos-plan';
import type { ChaosStack } from './chaos-stack';
import { processOwningPort } from '../support/socket-owner';

/*
 * Drives a chaos plan through the HTTP API, the way a careful backend caller would: every POST carries an
 * Idempotency-Key and is retried under that same key while the platform answers 5xx, 409 (key in flight) or
 * nothing at all.
 */

export interface SubmittedTask {
  readonly taskId: string;
  readonly job: PlannedJob;
  readonly userId: string;
  readonly key: string;
  readonly expectedPrice: number;
  /** The callback receiver the request named, if any. */
  readonly receiver: number | null;
}

export interface DriveReport {
  readonly tasks: SubmittedTask[];
  /** Duplicate requests that attached to the first task (same id) / that started a new task. */
  readonly duplicatesAttached: number;
  readonly duplicatesNew: number;
  readonly cancelsSent: number;
  readonly apiRetries: number;
  readonly eventsDone: string[];
  readonly uploadCaughtByKill: boolean;
  readonly workerExits: readonly WorkerExit[];
  /** The API processes a deploy stopped (SIGTERM), with their exit codes: 0 after a drain. */
  readonly apiExits: readonly { api: number; code: number | null }[];
  readonly accountIds: string[];
  readonly sessionIds: string[];
  readonly plan: ChaosPlan;
}

interface Answer {
  status: number;
  json: Record<string, unknown> | null;
  etag: string | null;
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker the run stopped: SIGTERM must end it with 0 (a deploy's stop), SIGKILL leaves no code. */
export interface WorkerExit {
  readonly worker: number;
  readonly signal: 'SIGTERM' | 'SIGKILL';
  readonly code: number | null;
}

export class ChaosDriver {
  private apiRetries = 0;
  /** Requests sent so far, which spreads them over the API processes. */
  private requests = 0;
  private readonly workerExits: WorkerExit[] = [];
  private readonly apiExits: { api: number; code: number | null }[] = [];
  private readonly users: { userId: string; key: string }[] = [];
  private accountIds: string[] = [];
  private sessionIds: string[] = [];

  constructor(
    private readonly stack: ChaosStack,
    private readonly plan: ChaosPlan,
  ) {}

  /** Users funded, accounts imported through the admin API, and the simulator shaped as planned. */
  async prepare(): Promise<void> {
    for (let u = 0; u < this.plan.size.users; u++) {
      const userId = randomUUID();
      // Each user with a key of its own tenant, which the recharge makes the user's.
      const tenant = `chaos-caller-${u}`;
      const key = await this.stack.callerKey(tenant);
      const recharged = await this.call('POST', '/v1/points/recharge', this.stack.adminKey, {
        user_id: userId,
        tenant,
        amount: 1_000_000,
        source_type: 'recharge',
        reference: `chaos-${userId}`,
      });
      if (recharged.status !== 201) throw new Error(`the recharge of user ${u} answered ${recharged.status}`);
      this.users.push({ userId, key });
    }
    this.sessionIds = this.plan.accounts.map((a) => `chaos-sess-${a.index}-${randomUUID().slice(0, 8)}`);
    const imported = await this.call('POST', '/v1/accounts/import', this.stack.adminKey, {
      accounts: this.plan.accounts.map((a) => ({
        jimeng_account: `chaos-${a.index}`,
        session_id: this.sessionIds[a.index],
        site_type: 0,
        max_retry_count: 6,
      })),
    });
    if (imported.status !== 201) throw new Error(`account import answered ${imported.status}`);
    this.accountIds = (imported.json!.data as { id: string }[]).map((a) => a.id);
    const sim = this.stack.sim.admin;
    for (const a of this.plan.accounts) {
      sim.registerSession({
        sessionId: this.sessionIds[a.index]!,
        dailyQuota: a.dailyQuota,
        maxConcurrent: a.maxConcurrent,
        rateLimit: a.rateLimit,
      });
    }
    const routes = {
      image: ENDPOINTS.imageGenerations,
      composition: ENDPOINTS.imageCompositions,
      video: ENDPOINTS.videoGenerations,
    } as const;
    const generation = Object.values(routes);
    const details = (f: PlannedFault | PlannedBurst) => ({
      kind: f.kind,
      ...(f.delayMs !== undefined ? { delayMs: f.delayMs } : {}),
      ...(f.ret !== undefined ? { ret: f.ret } : {}),
      ...(f.cooldownMs !== undefined ? { cooldownMs: f.cooldownMs } : {}),
      ...('error' in f && f.error !== undefined ? { error: f.error } : {}),
    });
    for (const f of this.plan.faults) {
      const spec = { ...details(f), rate: f.rate };
      if (f.route !== undefined) sim.injectFault({ ...spec, endpoint: routes[f.route] });
      else if (f.generationOnly) for (const endpoint of generation) sim.injectFault({ ...spec, endpoint });
      else sim.injectFault(spec);
    }
    for (const b of this.plan.bursts) {
      const spec = { ...details(b), count: b.count };
      sim.injectFault(b.route !== undefined ? { ...spec, endpoint: routes[b.route] } : spec);
    }
    for (const f of this.plan.accountFaults) {
      // A refused claim is met on whichever generation the account gets first once it is armed: a small-credit
      // account may spend its credits on videos and be marked exhausted before any image call reaches it.
      const endpoints =
        f.kind === 'credits_claim_failed' ? generation : ([ENDPOINTS.imageGenerations] as const);
      for (const endpoint of endpoints)
        sim.injectFault({ kind: f.kind, sessionId: this.sessionIds[f.account]!, endpoint, count: 1 });
    }
  }

  /** Submits every job on its schedule and runs the disasters on theirs; resolves when all were done. */
  async drive(): Promise<DriveReport> {
    const started = Date.now();
    const tasks: SubmittedTask[] = [];
    let duplicatesAttached = 0;
    let duplicatesNew = 0;
    let cancelsSent = 0;
    const eventsDone: string[] = [];
    let uploadCaughtByKill = false;

    const submissions = this.plan.jobs.map(async (job) => {
      await sleep(Math.max(0, started + job.submitAtMs - Date.now()));
      const user = this.users[job.user]!;
      const receiver = job.callback ? job.user % this.stack.receivers.length : null;
      const body = this.requestBody(job, user.userId, receiver);
      const expectedPrice = this.priceOf(job, body);
      const first = await this.submit(job, body, user.key);
      tasks.push({ taskId: first, job, userId: user.userId, key: user.key, expectedPrice, receiver });
      if (job.duplicate) {
        const again = await this.submit(job, body, user.key);
        if (again === first) duplicatesAttached++;
        else {
          duplicatesNew++;
          tasks.push({ taskId: again, job, userId: user.userId, key: user.key, expectedPrice, receiver });
        }
      }
      if (job.cancelAfterMs !== undefined) {
        await sleep(job.cancelAfterMs);
        await this.call('POST', `/v1/tasks/${first}/cancel`, user.key, {}, (s) => s >= 500 || s === 0);
        cancelsSent++;
      }
    });

    const disasters = (async () => {
      for (const event of this.plan.events) {
        await sleep(Math.max(0, started + event.atMs - Date.now()));
        const caught = await this.perform(event);
        uploadCaughtByKill ||= caught;
        eventsDone.push(`${event.kind}@${Math.round((Date.now() - started) / 1000)}s`);
      }
    })();

    await Promise.all([...submissions, disasters]);
    return {
      tasks,
      duplicatesAttached,
      duplicatesNew,
      cancelsSent,
      apiRetries: this.apiRetries,
      eventsDone,
      uploadCaughtByKill,
      workerExits: this.workerExits,
      apiExits: this.apiExits,
      accountIds: this.accountIds,
      sessionIds: this.sessionIds,
      plan: this.plan,
    };
  }

  /** Polls the API until every task is final or the deadline passes; returns the last status of each. */
  async awaitFinal(tasks: readonly SubmittedTask[], deadlineMs: number): Promise<Map<string, string>> {
    const status = new Map<string, string>();
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      const open = tasks.filter((t) => !FINAL.has(status.get(t.taskId) ?? ''));
      if (open.length === 0) break;
      for (const t of open) {
        const answer = await this.call('GET', `/v1/tasks/${t.taskId}`, t.key, undefined, () => false);
        if (answer.status === 200) status.set(t.taskId, String(answer.json!.status));
      }
      await sleep(1000);
    }
    return status;
  }

  private requestBody(job: PlannedJob, userId: string, receiver: number | null): Record<string, unknown> {
    const common = {
      user_id: userId,
      project_id: this.stack.projectId(job.project),
      project_name: 'Chaos',
      storyboard_id: job.storyboard,
      work_id: 'chaos-work',
      prompt: `chaos ${job.kind} ${job.index}`,
      ...(receiver !== null ? { callback_url: this.stack.receivers[receiver]!.url } : {}),
    };
    if (job.kind === 'video') return { ...common, duration: job.duration };
    if (job.kind === 'composition')
      return { ...common, model: 'jimeng-4.5', images: [this.stack.referenceImageUrl] };
    return { ...common, model: 'jimeng-4.5', resolution: '2k' };
  }

  /** The price the platform's own plan gives the request: what a completed job must cost, once. */
  private priceOf(job: PlannedJob, body: Record<string, unknown>): number {
    const task = {
      taskId: '1',
      userId: String(body.user_id),
      projectId: job.project,
      projectName: 'Chaos',
      storyboardId: job.storyboard,
      workId: 'chaos-work',
    };
    return job.kind === 'video'
      ? planVideo(task, { prompt: String(body.prompt), duration: job.duration! }, DEFAULT_PRICING).price
      : planImage(task, body as never, DEFAULT_PRICING).price;
  }

  private async submit(job: PlannedJob, body: Record<string, unknown>, key: string): Promise<string> {
    const path =
      job.kind === 'video'
        ? '/v1/videos/generations'
        : job.kind === 'composition'
          ? '/v1/images/compositions'
          : '/v1/images/generations';
    // One key for the whole request, as a careful caller does: a retry after a lost answer finds the task the
    // first attempt admitted. A claim left by a request that died with the database answers 409 until it is let
    // go (2 minutes), so the caller keeps trying for longer than that.
    const idempotencyKey = `chaos-${job.index}-${randomUUID()}`;
    const answer = await this.call(
      'POST',
      path,
      key,
      body,
      (s) => s === 0 || s >= 500 || s === 409 || s === 429,
      { 'Idempotency-Key': idempotencyKey },
      Date.now() + 240_000,
    );
    if (answer.status === 202 || answer.status === 200) return String(answer.json!.id);
    if (answer.status !== 0 && answer.status < 500 && answer.status !== 409)
      throw new Error(
        `job ${job.index}: POST ${path} answered ${answer.status} ${JSON.stringify(answer.json)}`,
      );
    throw new Error(
      `job ${job.index}: not admitted within 4 minutes (last answer ${answer.status} ${JSON.stringify(answer.json)})`,
    );
  }

  private async perform(event: ChaosEvent): Promise<boolean> {
    const { stack } = this;
    switch (event.kind) {
      case 'stop-worker':
      case 'kill-worker': {
        const signal = event.kind === 'stop-worker' ? 'SIGTERM' : 'SIGKILL';
        const code = await stack.stopWorker(event.worker, signal);
        this.workerExits.push({ worker: event.worker, signal, code });
        await stack.startWorker(event.worker);
        return false;
      }
      case 'restart-api': {
        const code = await stack.restartApi(event.api);
        this.apiExits.push({ api: event.api, code });
        return false;
      }
      case 'kill-worker-during-upload': {
        stack.oss.injectFault({ kind: 'slow', method: 'PUT', count: 2, delayMs: 5000 });
        // The worker whose PUT the OSS server is holding, found by the connection's client port.
        const until = Date.now() + 60_000;
        let holder: number | null = null;
        while (holder === null && Date.now() < until) {
          const pids = stack.workerPids();
          for (const held of stack.oss.heldRequests()) {
            const pid = await processOwningPort(
              held.clientPort,
              pids.filter((p): p is number => p !== null),
            );
            if (pid !== null) holder = pids.indexOf(pid);
          }
          if (holder === null) await sleep(10);
        }
        const worker = holder ?? 0;
        const code = await stack.stopWorker(worker, 'SIGKILL');
        this.workerExits.push({ worker, signal: 'SIGKILL', code });
        await stack.startWorker(worker);
        return holder !== null;
      }
      case 'restart-database':
        await stack.restartDatabase(event.downMs);
        return false;
      case 'oss-failures':
        stack.oss.injectFault({ kind: 'error500', method: 'PUT', count: event.error500 });
        stack.oss.injectFault({ kind: 'reset', method: 'PUT', count: event.reset });
        return false;
      case 'ban-account':
        stack.sim.admin.registerSession({ sessionId: this.sessionIds[event.account]!, state: 'banned' });
        return false;
      case 'expire-session':
        stack.sim.admin.registerSession({ sessionId: this.sessionIds[event.account]!, state: 'invalid' });
        return false;
      case 'withdraw-account': {
        const id = this.accountIds[event.account]!;
        const current = await this.call('GET', `/v1/accounts/${id}`, stack.adminKey);
        const etag = current.etag ?? '*';
        await this.call('PATCH', `/v1/accounts/${id}`, stack.adminKey, { account_status: 1 }, undefined, {
          'If-Match': etag,
        });
        // Jobs holding it already may finish their call; from its last release on, nobody may call it.
        const until = Date.now() + 120_000;
        while (Date.now() < until) {
          const [rows] = await stack.sequelize.query(
            'SELECT COUNT(*) AS n FROM jimeng_account_leases WHERE account_id = ? AND released_at IS NULL',
            { replacements: [id] },
          );
          if (Number((rows as { n: number }[])[0]!.n) === 0) break;
          await sleep(200);
        }
        stack.sim.admin.withdraw(this.sessionIds[event.account]!);
        return false;
      }
    }
  }

  /**
   * One API call, retried while `retry(status)` says so (status 0 = no answer) until `giveUpAt`; returns the
   * last answer.
   */
  private async call(
    method: string,
    path: string,
    key: string,
    body?: unknown,
    retry: (status: number) => boolean = (s) => s === 0 || s >= 500,
    headers: Record<string, string> = {},
    giveUpAt: number = Date.now() + 120_000,
  ): Promise<Answer> {
    for (;;) {
      let answer: Answer;
      try {
        const res = await fetch(`${this.stack.apiUrl(this.requests++)}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(method === 'POST' && headers['Idempotency-Key'] === undefined
              ? { 'Idempotency-Key': randomUUID() }
              : {}),
            ...headers,
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        let json: Record<string, unknown> | null = null;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = null;
        }
        answer = { status: res.status, json, etag: res.headers.get('etag') };
      } catch {
        answer = { status: 0, json: null, etag: null };
      }
      if (!retry(answer.status) || Date.now() >= giveUpAt) return answer;
      this.apiRetries++;
      await sleep(500);
    }
  }
}
