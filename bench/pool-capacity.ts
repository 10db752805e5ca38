/**
 * Pool capacity: does a burst of image jobs through the whole platform keep the account pool as busy as its
 * upstream limits allow, without calling an account that has told it it cannot serve?
 *
 *   node dist/bench/pool-capacity.js            small: 100 jobs (a minute or two per side)
 *   node dist/bench/pool-capacity.js --full     the issue's size: a burst of 1,000 jobs
 *   options: --jobs N, --latency-ms L (10000), --baseline-clients K (20), --posters P (32), --fork-extensions
 *
 * 20 accounts, each registered in the Jimeng simulator with the limits of bench/pool-capacity-model.ts:
 * maxConcurrent 1 (the platform leases one image job per account at a time), a rate limit of
 * floor(60 s / L) + 2 calls a minute (so it binds only on a client that piles calls onto an account) and the
 * upstream's 66 credits a day at one credit a call. The simulator answers as the real proxy does (iptag/jimeng-api
 * v1.9.6): a call over an account's rate window gets risk control, HTTP 200 -2001 `[请求失败]: shark not pass
 * (错误码: 1019)` with no Retry-After; a call beyond maxConcurrent -2007 `[生成失败]: credit prededuct failed`
 * (ret 5001). `--fork-extensions` runs both sides against a fork's answers instead (HTTP 429 + Retry-After), the
 * setup of the figures recorded before 2026-12. The "time scale" L = 10 s per image call makes the pool's ceiling 120 jobs/min,
 * well under what the platform itself admits and runs (~8 admissions/s on the Temporal dev server, see the
 * API benchmark): the pool, not the platform, should be the limit, and 1,000 jobs take ~8.5 minutes at best.
 *
 * Platform: everything in this process (bench/bench-stack.ts, database <MYSQL_DATABASE>_bench), N POSTs to
 * /v1/images/generations (each its own project and storyboard) sent by P concurrent clients, then the
 * records are read until every job is final. Baseline, in the same run, on a second simulator with the same
 * accounts and limits: the naive client, K workers (K = 20 = the calls the platform can have in flight) each
 * taking the next job, a random account per attempt, up to 3 retries 1 s apart whatever the error (risk
 * control, which names no wait, included; it never read a Retry-After either), no cooldown and no memory of
 * refusals; it only makes the upstream call (no uploads, no bookkeeping).
 *
 * Figures per side: completed and failed jobs (error codes, with the upstream ret the proxy's message names:
 * -2001/1019 risk control, -2007/5001 busy), jobs/min over the whole makespan (first request to last final job)
 * as a share of the pool's capacity (the ideal makespan of the burst is printed above the table), the
 * simulator's generation calls, its refusals (calls it refused for the account's state: busy, rate_limited =
 * the window's risk control, quota, invalid) and its calls after refusal, the wasted calls (a call to an account
 * that had been refused and could still not serve it: for risk control, while its window was still full, the
 * moment a 429 would have named; dev/jimeng-sim/README.md, "Refusals and calls after a refusal"), and how much of
 * the accounts' time a call was in flight while work was waiting for an account (sampled from the simulator
 * every 100 ms). For the platform, where that time goes: job waits, attempts (leaseAndGenerateImages, or the
 * leaseAccount/generateImages/releaseAccount of runs recorded before it), the waits after a no_account answer and
 * what woke them (the accountFreed signal or the fallback timer), from the workflow histories; account leases
 * (jimeng_account_leases) and the gaps between them.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { QueryTypes } from 'sequelize';
import type { AttemptResult } from '../activities/generation/generation-activities';
import { JimengClient } from '../services/jimeng/client';
import { JimengError } from '../services/jimeng/jimeng-error';
import { SnowflakeGenerator } from '../db/ids/snowflake';
import { ACCOUNT_FREED_SIGNAL } from '../domain/generation/account-freed-signal';
import { ENDPOINTS } from '../dev/jimeng-sim/endpoints';
import { startJimengSimulator, type JimengSimulator } from '../dev/jimeng-sim/simulator';
import type { CountersSnapshot } from '../dev/jimeng-sim/counters';
import { generationWorkflowId } from '../workflows/generation-definitions';
import { startBenchStack } from './bench-stack';
import { ONE_CREDIT_PER_IMAGE_CALL, uniformLatency, type BenchSimulatorOptions } from './bench-simulator';
import { capacityOverRun, idealBurst, poolCapacity, type AccountLimits } from './pool-capacity-model';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
};
const FULL = args.includes('--full');
const FORK_EXTENSIONS = args.includes('--fork-extensions');
const JOBS = option('--jobs', FULL ? 1000 : 100);
const LATENCY_MS = option('--latency-ms', 10_000);
const ACCOUNTS = 20;
const BASELINE_CLIENTS = option('--baseline-clients', ACCOUNTS);
const POSTERS = option('--posters', 32);
const BASELINE_RETRIES = 3;
const BASELINE_RETRY_DELAY_MS = 1000;
const SAMPLE_MS = 100;
/** The LLM-Red-Team README's free credits a day, as the simulator's default. */
const DAILY_QUOTA = 66;
const RATE_WINDOW_MS = 60_000;

const LIMITS: AccountLimits = {
  latencyMs: LATENCY_MS,
  maxConcurrent: 1,
  rateLimit: { maxRequests: Math.floor(RATE_WINDOW_MS / LATENCY_MS) + 2, windowMs: RATE_WINDOW_MS },
  dailyQuota: DAILY_QUOTA,
};
const POOL = Array.from({ length: ACCOUNTS }, () => LIMITS);

/**
 * Both simulators: every call takes L (the proxy's retry pause and timeout are never spent: no upstream faults
 * here), one credit per call, the proxy's answers unless --fork-extensions.
 */
const SIMULATOR: BenchSimulatorOptions = {
  latency: uniformLatency(LATENCY_MS, { retryDelayMs: 5_000, upstreamTimeoutMs: 45_000 }),
  dailyQuota: DAILY_QUOTA,
  creditCosts: ONE_CREDIT_PER_IMAGE_CALL,
  forkExtensions: FORK_EXTENSIONS,
};

// ---------------------------------------------------------------------------------------------------------
// Small helpers

const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const mean = (values: readonly number[]): number =>
  values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
const s = (ms: number): string => (Number.isNaN(ms) ? '-' : (ms / 1000).toFixed(1));
const pct = (x: number): string => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);
/** mean, p50, p90, max of durations in ms (printed in s), or of plain counts. */
const spread = (values: readonly number[], unit: 's' | '' = 's'): string => {
  const f = (x: number) =>
    unit === 's' ? `${s(x)} s` : Number.isNaN(x) ? '-' : String(Math.round(x * 10) / 10);
  return `mean ${f(mean(values))}, p50 ${f(quantile(values, 0.5))}, p90 ${f(quantile(values, 0.9))}, max ${f(values.length === 0 ? NaN : Math.max(...values))} (n=${values.length})`;
};
const tally = (keys: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
};
const listed = (o: Record<string, number>): string =>
  Object.keys(o).length === 0
    ? '0'
    : Object.entries(o)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

/** Intervals [start, end) walked with times that only grow: how many cover the time. */
class Coverage {
  private readonly starts: number[];
  private readonly ends: number[];
  private i = 0;
  private j = 0;
  constructor(intervals: readonly { start: number; end: number }[]) {
    const valid = intervals.filter((x) => x.end > x.start);
    this.starts = valid.map((x) => x.start).sort((a, b) => a - b);
    this.ends = valid.map((x) => x.end).sort((a, b) => a - b);
  }
  at(t: number): number {
    while (this.i < this.starts.length && this.starts[this.i]! <= t) this.i++;
    while (this.j < this.ends.length && this.ends[this.j]! <= t) this.j++;
    return this.i - this.j;
  }
}

/** Which accounts have a generation call in flight, read from the simulator (in this process) every 100 ms. */
class InFlightSampler {
  readonly times: number[] = [];
  readonly busy: Uint8Array[] = [];
  private readonly index: Map<string, number>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sim: JimengSimulator,
    sessions: readonly string[],
  ) {
    this.index = new Map(sessions.map((id, i) => [id, i]));
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const row = new Uint8Array(this.index.size);
    for (const session of this.sim.admin.sessions()) {
      const i = this.index.get(session.sessionId);
      if (i !== undefined && session.inFlight > 0) row[i] = 1;
    }
    this.times.push(Date.now());
    this.busy.push(row);
  }
}

interface AccountTime {
  /** Wall time in which work was waiting for an account. */
  windowMs: number;
  /** Shares of account-time in that window. */
  generating: number;
  leasedNotGenerating: number;
  free: number;
}

/**
 * Account-time, over the moments when `waiting(t)` is true, split into: a call in flight (the simulator says
 * so), leased to a job but no call in flight (the platform's own steps around the call), and free.
 */
function accountTime(
  sampler: InFlightSampler,
  waiting: (t: number) => boolean,
  leases: readonly { start: number; end: number }[][] | null,
): AccountTime {
  const coverage = leases?.map((l) => new Coverage(l)) ?? null;
  let windowMs = 0;
  let generating = 0;
  let leased = 0;
  for (let k = 0; k + 1 < sampler.times.length; k++) {
    const t = sampler.times[k]!;
    const dt = sampler.times[k + 1]! - t;
    const row = sampler.busy[k]!;
    const held = coverage?.map((c) => c.at(t) > 0);
    if (!waiting(t)) continue;
    windowMs += dt;
    for (let a = 0; a < row.length; a++) {
      if (row[a]) generating += dt;
      else if (held?.[a]) leased += dt;
    }
  }
  const total = windowMs * ACCOUNTS;
  return {
    windowMs,
    generating: generating / total,
    leasedNotGenerating: leased / total,
    free: (total - generating - leased) / total,
  };
}

interface Figures {
  label: string;
  completed: number;
  failed: number;
  failureCodes: Record<string, number>;
  makespanMs: number;
  counters: CountersSnapshot;
  accountTime: AccountTime;
}

/**
 * A failure's code as the tables show it: the proxy's code with the upstream ret its message names
 * (`-2001/1019` risk control, `-2007/5001` too many jobs on the account), or the client's own (`HTTP_429`).
 */
function codeOf(err: JimengError): string {
  return err.upstreamCode === undefined ? err.code : `${err.code}/${err.upstreamCode}`;
}

function generationCalls(c: CountersSnapshot): number {
  return c.byEndpoint[ENDPOINTS.imageGenerations] ?? 0;
}

// ---------------------------------------------------------------------------------------------------------
// Platform

interface PlatformJob {
  projectId: string;
  storyboardId: string;
  postAt: number;
  answeredAt?: number;
  httpStatus?: number;
  /** Status and problem of an answer other than 202. */
  answer?: string;
  recordSeen?: boolean;
  finalAt?: number;
  status?: 'completed' | 'failed';
  errorCode?: string;
}

/**
 * How a history runs an image attempt: one activity that leases, calls and releases (lease-in-call), or the
 * three activities leaseAccount -> generateImages -> releaseAccount of runs recorded before it.
 */
type Shape = 'lease-in-call' | 'three activities' | 'no attempt';

/** The attempt's answer; before lease-in-call, leaseAccount only tells whether it got an account. */
type AttemptKind = AttemptResult['kind'] | 'leased' | 'unknown';
const ATTEMPT_KINDS: readonly AttemptResult['kind'][] = ['no_account', 'withdrawn', 'produced', 'failed'];

/**
 * One attempt, server event times (ms). Lease-in-call: the leaseAndGenerateImages activity. Before it: from
 * leaseAccount scheduled and started to the close of the releaseAccount that gave the lease back (of the
 * leaseAccount itself when it found no account), so the hops around the lease compare across shapes.
 */
interface Attempt {
  kind: AttemptKind;
  scheduledId: number;
  scheduledAt: number;
  startedAt: number;
  closedId: number;
  closedAt: number;
}

/**
 * A wait after a no_account answer, until the accountFreed signal or the fallback timer woke the job; or none
 * (`pending`, woken at the answer) when a signal came during the attempt, since the flag it sets is cleared
 * only when a wait ends.
 */
interface Wait {
  /** Index of the attempt that found no account; the attempt after it is the one the wake led to. */
  after: number;
  parkedAt: number;
  wokenBy: 'signal' | 'timer' | 'pending';
  wokenAt: number;
}

/** A job's history, reduced to what the pool sees. */
interface Timeline {
  shape: Shape;
  /** Activity types the history ran as local activities (markers). */
  localActivities: Set<string>;
  startedAt: number;
  attempts: Attempt[];
  waits: Wait[];
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type Payload = NonNullable<
  NonNullable<NonNullable<HistoryEvent['activityTaskCompletedEventAttributes']>['result']>['payloads']
>[number];

const num = (x: number | string | { toNumber(): number } | null | undefined): number =>
  x === null || x === undefined ? 0 : typeof x === 'object' ? x.toNumber() : Number(x);
const eventMs = (t: HistoryEvent['eventTime']): number =>
  t ? num(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : NaN;
/**
 * A payload's JSON, or undefined when there is none. fetchHistory reads the history over gRPC, so the data is
 * bytes (a history exported as JSON would carry base64), and the bench's data converter has no codec.
 */
const jsonOf = (payload: Payload | null | undefined): unknown => {
  const data = payload?.data;
  if (!data || data.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};
const kindOf = (result: unknown): AttemptKind => {
  const kind = typeof result === 'object' && result !== null && 'kind' in result ? result.kind : undefined;
  return ATTEMPT_KINDS.find((k) => k === kind) ?? 'unknown';
};

function timelineOf(events: readonly HistoryEvent[]): Timeline {
  interface Activity {
    type: string;
    scheduledId: number;
    scheduledAt: number;
    startedAt: number;
    closedId: number;
    closedAt: number;
    /** The completed activity's result; undefined when it failed, timed out or was cancelled. */
    result: unknown;
  }
  const activities: Activity[] = [];
  const byId = new Map<number, Activity>();
  const wakes: { id: number; at: number; by: 'signal' | 'timer' }[] = [];
  const localActivities = new Set<string>();
  let startedAt = NaN;
  for (const e of events) {
    const id = num(e.eventId);
    const at = eventMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) startedAt = at;
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const activity: Activity = {
        type: scheduled.activityType?.name ?? '',
        scheduledId: id,
        scheduledAt: at,
        startedAt: NaN,
        closedId: NaN,
        closedAt: NaN,
        result: undefined,
      };
      activities.push(activity);
      byId.set(id, activity);
    }
    const started = byId.get(num(e.activityTaskStartedEventAttributes?.scheduledEventId));
    if (started) started.startedAt = at;
    const completed = e.activityTaskCompletedEventAttributes;
    const closed = byId.get(
      num(
        (
          completed ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes ??
          e.activityTaskCanceledEventAttributes
        )?.scheduledEventId,
      ),
    );
    if (closed) {
      closed.closedId = id;
      closed.closedAt = at;
      closed.result = jsonOf(completed?.result?.payloads?.[0]);
    }
    if (e.timerFiredEventAttributes) wakes.push({ id, at, by: 'timer' });
    if (e.workflowExecutionSignaledEventAttributes?.signalName === ACCOUNT_FREED_SIGNAL)
      wakes.push({ id, at, by: 'signal' });
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = jsonOf(marker.details?.data?.payloads?.[0]);
      // Core writes the marker's data in snake case.
      if (typeof data === 'object' && data !== null && 'activity_type' in data)
        localActivities.add(String(data.activity_type));
    }
  }

  const attemptOf = (first: Activity, last: Activity, kind: AttemptKind): Attempt => ({
    kind,
    scheduledId: first.scheduledId,
    scheduledAt: first.scheduledAt,
    startedAt: first.startedAt,
    closedId: last.closedId,
    closedAt: last.closedAt,
  });
  let shape: Shape = 'no attempt';
  const attempts: Attempt[] = [];
  if (activities.some((a) => a.type === 'leaseAndGenerateImages')) {
    shape = 'lease-in-call';
    for (const a of activities)
      if (a.type === 'leaseAndGenerateImages') attempts.push(attemptOf(a, a, kindOf(a.result)));
  } else if (activities.some((a) => a.type === 'leaseAccount')) {
    shape = 'three activities';
    for (const [k, a] of activities.entries()) {
      if (a.type !== 'leaseAccount') continue;
      const kind = a.result === undefined ? 'unknown' : a.result === null ? 'no_account' : 'leased';
      const next = activities
        .slice(k + 1)
        .find((b) => b.type === 'leaseAccount' || b.type === 'releaseAccount');
      const release = kind !== 'no_account' && next?.type === 'releaseAccount' ? next : a;
      attempts.push(attemptOf(a, release, kind));
    }
  }

  // The first wake after a no_account answer, before the next attempt, ended its wait. A signal since the
  // previous wait ended but before the answer was already pending: the condition held at once, and the timer
  // it started and cancelled in the same workflow task never reached the history.
  const waits: Wait[] = [];
  let lastWakeId = 0;
  for (const [k, a] of attempts.entries()) {
    if (a.kind !== 'no_account') continue;
    const before = attempts[k + 1]?.scheduledId ?? Infinity;
    const wake = wakes.find((w) => w.id > a.closedId && w.id < before);
    if (wake) {
      waits.push({ after: k, parkedAt: a.closedAt, wokenBy: wake.by, wokenAt: wake.at });
      lastWakeId = wake.id;
    } else if (wakes.some((w) => w.by === 'signal' && w.id > lastWakeId && w.id < a.closedId)) {
      waits.push({ after: k, parkedAt: a.closedAt, wokenBy: 'pending', wokenAt: a.closedAt });
      lastWakeId = a.closedId;
    }
  }
  return { shape, localActivities, startedAt, attempts, waits };
}

interface LeaseRow {
  account_id: string;
  holder: string | null;
  leased_at: Date;
  released_at: Date | null;
  outcome: string | null;
}

async function runPlatform(): Promise<{ figures: Figures; diagnostics: string[] }> {
  const stack = await startBenchStack({
    name: 'capacity',
    simulator: SIMULATOR,
  });
  const { sequelize, sim, url, key, userId } = stack;
  const ids = new SnowflakeGenerator({ nodeId: 952 });
  const sessions: string[] = [];
  const accountIndex = new Map<string, number>();
  for (let i = 0; i < ACCOUNTS; i++) {
    const sessionId = `cap-${randomUUID()}`;
    const id = ids.next();
    sessions.push(sessionId);
    accountIndex.set(id, i);
    sim.admin.registerSession({ sessionId, ...simLimits() });
    await sequelize.query(
      'INSERT INTO jimeng_accounts (id, jimeng_account, session_id, site_type, max_retry_count) VALUES (?, ?, ?, 0, 4)',
      { replacements: [id, `cap-${i}`, sessionId] },
    );
  }

  const run = `cap${Date.now().toString(36)}`;
  const jobs: PlatformJob[] = Array.from({ length: JOBS }, (_, i) => ({
    projectId: `${run}-${i}`,
    storyboardId: `sb-${i}`,
    postAt: 0,
  }));
  const byProject = new Map(jobs.map((j) => [j.projectId, j]));
  const sampler = new InFlightSampler(sim, sessions);
  sim.admin.resetCounters();
  sampler.start();
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  let postsDone = false;

  const post = async (job: PlatformJob): Promise<void> => {
    job.postAt = Date.now();
    const res = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: userId,
        project_id: job.projectId,
        project_name: 'pool capacity',
        storyboard_id: job.storyboardId,
        work_id: 'w',
        prompt: 'pool capacity benchmark',
        resolution: '1k',
      }),
    });
    const body = (await res.json()) as { id?: string; title?: string; detail?: string };
    job.answeredAt = Date.now();
    job.httpStatus = res.status;
    if (res.status !== 202)
      job.answer = `${res.status} ${body.title ?? ''}: ${body.detail ?? ''}`.slice(0, 200);
  };
  let next = 0;
  const posting = Promise.all(
    Array.from({ length: POSTERS }, async () => {
      for (let i = next++; i < JOBS; i = next++) await post(jobs[i]!);
    }),
  ).then(() => {
    postsDone = true;
  });

  // The job's record decides, whatever the POST answered (a 5xx may still have started the workflow). A job
  // is open until its record is final, or, when the POST was refused, as long as a record of it is not final.
  const isOpen = (j: PlatformJob) =>
    j.finalAt === undefined && (j.httpStatus === undefined || j.httpStatus === 202 || j.recordSeen === true);
  // Generous: four ideal makespans plus the admission of the burst, at least ten minutes.
  const deadline = t0 + Math.max(600_000, 4 * idealBurst(POOL, JOBS).makespanMs + JOBS * 200);
  let lastReport = t0;
  while ((!postsDone || jobs.some(isOpen)) && Date.now() < deadline) {
    await sleep(500);
    const rows = await sequelize.query<{
      project_id: string;
      generation_status: number;
      error_code: string | null;
    }>(
      `SELECT project_id, generation_status, error_code FROM jimeng_image_generation_records
        WHERE project_id LIKE ?`,
      { replacements: [`${run}-%`], type: QueryTypes.SELECT },
    );
    const now = Date.now();
    for (const row of rows) {
      const job = byProject.get(row.project_id);
      if (!job || job.finalAt !== undefined) continue;
      job.recordSeen = true;
      if (row.generation_status !== 2 && row.generation_status !== 3) continue;
      job.finalAt = now;
      job.status = row.generation_status === 2 ? 'completed' : 'failed';
      if (row.error_code !== null) job.errorCode = row.error_code;
    }
    if (Date.now() - lastReport >= 15_000) {
      lastReport = Date.now();
      const done = jobs.filter((j) => j.finalAt !== undefined).length;
      console.warn(
        `  platform ${s(Date.now() - t0)} s: ${jobs.filter((j) => j.answeredAt).length} answered, ${done} final`,
      );
    }
  }
  // Refused at the door and no record: failed when answered.
  for (const j of jobs) {
    if (j.finalAt !== undefined || j.recordSeen || j.httpStatus === undefined || j.httpStatus === 202)
      continue;
    j.finalAt = j.answeredAt!;
    j.status = 'failed';
    j.errorCode = `HTTP_${j.httpStatus}`;
  }
  await posting;
  sampler.stop();
  const counters = sim.admin.counters();
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1000 / (Date.now() - t0);

  // Leases, from the pool's own audit trail (account ids; leased_at/released_at to the ms, checked below).
  const leaseRows = await sequelize.query<LeaseRow>(
    `SELECT account_id, holder, leased_at, released_at, outcome FROM jimeng_account_leases WHERE capability = 'image'`,
    { type: QueryTypes.SELECT },
  );
  const [precision] = await sequelize.query<{ fractional: string | number | null }>(
    `SELECT SUM(MICROSECOND(leased_at) <> 0 OR MICROSECOND(released_at) <> 0) AS fractional
       FROM jimeng_account_leases WHERE capability = 'image'`,
    { type: QueryTypes.SELECT },
  );
  // Where each job spent its time, to the millisecond: the server's event times in its workflow history.
  const withRecord = jobs.filter((j) => j.recordSeen);
  const timelines = new Map<PlatformJob, Timeline>();
  let h = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = h++; i < withRecord.length; i = h++) {
        const job = withRecord[i]!;
        const history = await stack.client.workflow
          .getHandle(generationWorkflowId('image', job.projectId, job.storyboardId))
          .fetchHistory()
          .catch(() => null);
        if (history) timelines.set(job, timelineOf(history.events ?? []));
      }
    }),
  );
  await stack.close();

  const msOf = (d: Date | string): number => new Date(d).getTime();
  /** to - from, when both happened. */
  const hop = (list: number[], from: number, to: number): void => {
    if (Number.isFinite(from) && Number.isFinite(to)) list.push(to - from);
  };

  // Each job's leases, oldest first (holder = workflow id).
  const rowsByHolder = new Map<string, LeaseRow[]>();
  for (const row of leaseRows) {
    const list = rowsByHolder.get(row.holder ?? '') ?? [];
    list.push(row);
    rowsByHolder.set(row.holder ?? '', list);
  }
  for (const list of rowsByHolder.values()) list.sort((x, y) => msOf(x.leased_at) - msOf(y.leased_at));
  // Accounts' leases straight from the rows (DATETIME(3), written on this machine's clock like the server's
  // event times): whatever the workflow shape, no pairing with the histories needed.
  const perAccount: { start: number; end: number }[][] = sessions.map(() => []);
  for (const row of leaseRows) {
    const a = accountIndex.get(String(row.account_id));
    if (a !== undefined && row.released_at !== null)
      perAccount[a]!.push({ start: msOf(row.leased_at), end: msOf(row.released_at) });
  }
  for (const list of perAccount) list.sort((x, y) => x.start - y.start);
  const releaseTimes = perAccount.flatMap((list) => list.map((l) => l.end)).sort((x, y) => x - y);
  // Which release's signal woke a job is not recorded: the latest release before the signal bounds the
  // release -> signal hop from below.
  const releaseBefore = (t: number): number => {
    let lo = 0;
    let hi = releaseTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (releaseTimes[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? NaN : releaseTimes[lo - 1]!;
  };

  interface Woken {
    waits: number;
    toNext: number[];
    toLease: number[];
    noAccountAgain: number;
  }
  const woken: Record<Wait['wokenBy'], Woken> = {
    signal: { waits: 0, toNext: [], toLease: [], noAccountAgain: 0 },
    timer: { waits: 0, toNext: [], toLease: [], noAccountAgain: 0 },
    pending: { waits: 0, toNext: [], toLease: [], noAccountAgain: 0 },
  };
  const waitingForAccount: { start: number; end: number }[] = [];
  const lines = {
    admit: [] as number[],
    wait: [] as number[],
    queued: [] as number[],
    toLease: [] as number[],
    leased: [] as number[],
    toClose: [] as number[],
    toFinal: [] as number[],
    waits: [] as number[],
    parked: [] as number[],
    releaseToSignal: [] as number[],
  };
  const kinds: AttemptKind[] = [];
  let jobsWithoutAccount = 0;
  let unwoken = 0;
  let unpaired = 0;
  for (const [job, tl] of timelines) {
    const rows = rowsByHolder.get(generationWorkflowId('image', job.projectId, job.storyboardId)) ?? [];
    // The lease is taken and given back inside an attempt: the k-th row is the k-th attempt that did not
    // answer no_account. When the counts differ, no attempt of the job is paired.
    const leasing = tl.attempts.flatMap((a, k) => (a.kind === 'no_account' ? [] : [k]));
    const leaseOf = new Map<number, LeaseRow>();
    if (leasing.length === rows.length) leasing.forEach((k, i) => leaseOf.set(k, rows[i]!));
    else unpaired++;

    for (const [k, a] of tl.attempts.entries()) {
      kinds.push(a.kind);
      hop(lines.queued, a.scheduledAt, a.startedAt);
      const lease = leaseOf.get(k);
      if (!lease) continue;
      const leasedAt = msOf(lease.leased_at);
      const releasedAt = lease.released_at === null ? NaN : msOf(lease.released_at);
      hop(lines.toLease, a.startedAt, leasedAt);
      hop(lines.leased, leasedAt, releasedAt);
      hop(lines.toClose, releasedAt, a.closedAt);
    }

    const noAccount = tl.attempts.filter((a) => a.kind === 'no_account').length;
    if (noAccount > 0) jobsWithoutAccount++;
    unwoken += noAccount - tl.waits.length;
    lines.waits.push(tl.waits.length);
    lines.parked.push(tl.waits.reduce((total, w) => total + (w.wokenAt - w.parkedAt), 0));
    for (const w of tl.waits) {
      const by = woken[w.wokenBy];
      by.waits++;
      if (w.wokenBy === 'signal') hop(lines.releaseToSignal, releaseBefore(w.wokenAt), w.wokenAt);
      const next = tl.attempts[w.after + 1];
      if (!next) continue;
      hop(by.toNext, w.wokenAt, next.startedAt);
      const lease = leaseOf.get(w.after + 1);
      if (lease) hop(by.toLease, next.startedAt, msOf(lease.leased_at));
      else if (next.kind === 'no_account') by.noAccountAgain++;
    }

    const first = tl.attempts[0];
    if (first === undefined) continue;
    hop(lines.admit, tl.startedAt, first.scheduledAt);
    const firstLease = rows[0];
    if (firstLease === undefined) continue;
    hop(lines.wait, first.scheduledAt, msOf(firstLease.leased_at));
    waitingForAccount.push({ start: first.scheduledAt, end: msOf(firstLease.leased_at) });
    const lastRelease = rows.at(-1)!.released_at;
    if (job.finalAt !== undefined && lastRelease !== null) hop(lines.toFinal, msOf(lastRelease), job.finalAt);
  }
  const waitingNow = new Coverage(waitingForAccount);
  const time = accountTime(sampler, (t) => waitingNow.at(t) > 0, perAccount);

  // Gaps: an account released while jobs were waiting, until its next lease.
  const gaps: number[] = [];
  const gapCoverage = new Coverage(waitingForAccount);
  const releases = perAccount
    .flatMap((list) => list.slice(0, -1).map((l, k) => ({ at: l.end, next: list[k + 1]!.start })))
    .sort((x, y) => x.at - y.at);
  for (const r of releases) if (gapCoverage.at(r.at) > 0) gaps.push(r.next - r.at);

  const answered = jobs.filter((j) => j.answeredAt !== undefined);
  const admissionMs = Math.max(...answered.map((j) => j.answeredAt!)) - t0;
  const postMs = answered.map((j) => j.answeredAt! - j.postAt);
  const finals = jobs.filter((j) => j.finalAt !== undefined);
  const histories = [...timelines.values()];
  const handOff = (w: Woken): string =>
    `${spread(w.toNext)}; that attempt started -> leased: ${spread(w.toLease)}; it found no account again: ${w.noAccountAgain}`;
  const diagnostics = [
    `admission: ${answered.length} POSTs answered in ${s(admissionMs)} s (${(answered.length / (admissionMs / 1000)).toFixed(1)}/s, ${POSTERS} clients), ` +
      `POST latency p50 ${s(quantile(postMs, 0.5))} s, p99 ${s(quantile(postMs, 0.99))} s; HTTP ${listed(tally(answered.map((j) => String(j.httpStatus))))}`,
    ...[...new Set(jobs.flatMap((j) => (j.answer ? [j.answer] : [])))].map(
      (a) => `POST answered ${a} (${jobs.filter((j) => j.answer === a).length} jobs)`,
    ),
    `histories: ${histories.length}; attempts as ${listed(tally(histories.map((tl) => tl.shape)))}; ` +
      `jobs running these as local activities: ${listed(tally(histories.flatMap((tl) => [...tl.localActivities])))}`,
    `per job, workflow start -> first attempt scheduled (admission): ${spread(lines.admit)}`,
    `per job, first attempt scheduled -> account leased (waiting for an account): ${spread(lines.wait)}`,
    `attempts: ${kinds.length} (${listed(tally(kinds))}); jobs that found no account at least once: ${jobsWithoutAccount}; ` +
      `waits per job: ${spread(lines.waits, '')}; time waiting per job (no_account answered -> woken): ${spread(lines.parked)}`,
    `waits ended by an ${ACCOUNT_FREED_SIGNAL} signal: ${woken.signal.waits}, by the fallback timer: ${woken.timer.waits}, ` +
      `at once by a signal received during the attempt: ${woken.pending.waits}; no_account answers with no wake after them: ${unwoken}`,
    `hand-off, latest release before the signal -> ${ACCOUNT_FREED_SIGNAL} received: ${spread(lines.releaseToSignal)}`,
    `hand-off, signal received -> next attempt started: ${handOff(woken.signal)}`,
    `hand-off, fallback timer fired -> next attempt started: ${handOff(woken.timer)}`,
    `hand-off, no_account answered with a signal already in -> next attempt started: ${handOff(woken.pending)}`,
    `inside an attempt, scheduled -> started (queued for a worker): ${spread(lines.queued)}`,
    `inside an attempt, started -> leased: ${spread(lines.toLease)}`,
    `inside an attempt, leased -> released (the call, as the pool saw it): ${spread(lines.leased)}`,
    `inside an attempt, released -> completed: ${spread(lines.toClose)}`,
    `per job, last release -> final record seen (outputs stored, points settled; read every 0.5 s): ${spread(lines.toFinal)}`,
    `account free while jobs waited, release -> next lease of that account: ${spread(gaps)}`,
    `this process (API, worker, simulator, OSS server, clients) used ${cpuShare.toFixed(2)} cores on average during the run`,
    `while jobs waited for an account (${s(time.windowMs)} s of the makespan): account-time generating ${pct(time.generating)}, ` +
      `leased but no call in flight ${pct(time.leasedNotGenerating)}, free ${pct(time.free)}`,
    `leases: ${leaseRows.length} (${listed(tally(leaseRows.map((l) => l.outcome ?? 'live')))}); ` +
      `jobs with more than one: ${[...rowsByHolder.values()].filter((l) => l.length > 1).length}; ` +
      `lease rows with a fraction of a second in leased_at/released_at: ${Number(precision?.fractional ?? 0)}` +
      (unpaired > 0 ? `; jobs whose leases and attempts did not pair: ${unpaired}` : ''),
    `unfinished at the deadline: ${JOBS - finals.length}`,
  ];
  return {
    figures: {
      label: 'platform (API + workflows + pool)',
      completed: jobs.filter((j) => j.status === 'completed').length,
      failed: jobs.filter((j) => j.status === 'failed').length,
      failureCodes: tally(jobs.filter((j) => j.status === 'failed').map((j) => j.errorCode ?? '?')),
      makespanMs: Math.max(...finals.map((j) => j.finalAt!)) - t0,
      counters,
      accountTime: time,
    },
    diagnostics,
  };
}

function simLimits() {
  return { maxConcurrent: LIMITS.maxConcurrent, rateLimit: LIMITS.rateLimit, dailyQuota: LIMITS.dailyQuota };
}

// ---------------------------------------------------------------------------------------------------------
// Baseline: the naive client

async function runBaseline(): Promise<{ figures: Figures; diagnostics: string[] }> {
  const sim = await startJimengSimulator({ port: 0, ...SIMULATOR });
  const sessions = Array.from({ length: ACCOUNTS }, () => `naive-${randomUUID()}`);
  for (const sessionId of sessions) sim.admin.registerSession({ sessionId, ...simLimits() });
  const client = new JimengClient({ baseUrls: { default: sim.url }, timeoutMs: 3 * LATENCY_MS + 30_000 });
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

  const results: { ok: boolean; code?: string; finalAt: number }[] = [];
  const attemptCodes: string[] = [];
  const sampler = new InFlightSampler(sim, sessions);
  sim.admin.resetCounters();
  sampler.start();
  const t0 = Date.now();
  let queueEmptyAt = t0;
  let next = 0;
  await Promise.all(
    Array.from({ length: BASELINE_CLIENTS }, async () => {
      for (let i = next++; i < JOBS; i = next++) {
        if (next >= JOBS) queueEmptyAt = Date.now();
        let code: string | undefined;
        for (let attempts = 0; attempts <= BASELINE_RETRIES; attempts++) {
          if (attempts > 0) await sleep(BASELINE_RETRY_DELAY_MS);
          const sessionId = sessions[Math.floor(random() * sessions.length)]!;
          try {
            await client.generateImages({ sessionId, siteType: 0 }, { prompt: 'pool capacity benchmark' });
            code = undefined;
            attemptCodes.push('ok');
            break;
          } catch (err) {
            if (!JimengError.is(err)) throw err;
            code = codeOf(err);
            attemptCodes.push(code);
          }
        }
        results.push({
          ok: code === undefined,
          ...(code === undefined ? {} : { code }),
          finalAt: Date.now(),
        });
      }
    }),
  );
  sampler.stop();
  const counters = sim.admin.counters();
  await sim.close();
  const time = accountTime(sampler, (t) => t < queueEmptyAt, null);
  return {
    figures: {
      label: `baseline: naive client (${BASELINE_CLIENTS} workers, random account, ${BASELINE_RETRIES} retries)`,
      completed: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok).length,
      failureCodes: tally(results.filter((r) => !r.ok).map((r) => r.code!)),
      makespanMs: Math.max(...results.map((r) => r.finalAt)) - t0,
      counters,
      accountTime: time,
    },
    diagnostics: [
      `attempts: ${attemptCodes.length} (${listed(tally(attemptCodes))})`,
      `while jobs were queued (${s(time.windowMs)} s): account-time generating ${pct(time.generating)}, free ${pct(time.free)}`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const capacity = poolCapacity(POOL);
  const ideal = idealBurst(POOL, JOBS);
  console.log(
    `pool: ${ACCOUNTS} accounts, each: image call ${LATENCY_MS / 1000} s, maxConcurrent ${LIMITS.maxConcurrent}, ` +
      `rate limit ${LIMITS.rateLimit.maxRequests} per ${LIMITS.rateLimit.windowMs / 1000} s, quota ${LIMITS.dailyQuota}/day`,
  );
  console.log(
    FORK_EXTENSIONS
      ? 'simulator: fork extensions (the rate window answers HTTP 429 + Retry-After)'
      : "simulator: the proxy's answers (the rate window answers -2001 risk control, ret 1019, no Retry-After)",
  );
  console.log(
    `theoretical capacity: ${capacity.jobsPerMinute.toFixed(1)} jobs/min (bound by ${capacity.boundBy}), ` +
      `quota for ${capacity.quotaJobs} jobs; burst of ${JOBS}: ideal makespan ${s(ideal.makespanMs)} s for ${ideal.completed} jobs\n`,
  );

  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  const loads = [`start ${load()}`];
  const platform = await runPlatform();
  loads.push(`after the platform ${load()}`);
  console.warn('platform done; baseline next');
  const baseline = await runBaseline();
  loads.push(`after the baseline ${load()}`);

  const row = (f: Figures) => {
    const perMin = f.completed / (f.makespanMs / 60_000);
    const cap = capacityOverRun(POOL, f.makespanMs);
    return (
      `| ${f.label} | ${f.completed}/${JOBS} | ${f.failed}${f.failed ? ` (${listed(f.failureCodes)})` : ''} | ${s(f.makespanMs)} | ` +
      `${perMin.toFixed(1)} | ${pct(perMin / cap)} | ${pct(f.accountTime.generating)} | ` +
      `${generationCalls(f.counters)} | ${sum(f.counters.refusals)}${sum(f.counters.refusals) ? ` (${listed(f.counters.refusals)})` : ''} | ` +
      `${sum(f.counters.callsAfterRefusal)}${sum(f.counters.callsAfterRefusal) ? ` (${listed(f.counters.callsAfterRefusal)})` : ''} |`
    );
  };
  console.log(
    '| strategy | completed | failed (codes) | makespan s | jobs/min (makespan) | % of capacity | ' +
      'account-time generating while work waited | generation calls | refusals | wasted calls (after refusal) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  console.log(row(platform.figures));
  console.log(row(baseline.figures));
  console.log('\nplatform:');
  for (const line of platform.diagnostics) console.log(`- ${line}`);
  console.log('\nbaseline:');
  for (const line of baseline.diagnostics) console.log(`- ${line}`);
  // The platform should make none: when it does, the evidence.
  const wasted = platform.figures.counters.callsAfterRefusalLog;
  if (wasted.length > 0) {
    console.log('\nplatform, first calls after a refusal (session, reason, ms since the account was told):');
    for (const c of wasted.slice(0, 10))
      console.log(`- ${c.sessionId} ${c.reason} +${c.atMs - c.toldAtMs} ms`);
  }
  console.log(`\nload average (1, 5, 15 min): ${loads.join('; ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
