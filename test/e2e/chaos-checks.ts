import OSS from 'ali-oss';
import { QueryTypes } from 'sequelize';
import { filesUnder } from '../support/files-under';
import { ledgerInvariantViolations, ledgerRows } from '../support/ledger-invariants';
import type { DriveReport, SubmittedTask } from './chaos-driver';
import { CHAOS_BUCKET, CHAOS_OSS_KEY, type ChaosStack } from './chaos-stack';
import { classifyBusy, classifyCallsAfterRefusal } from './refusal-races';

/*
 * What must hold after a chaos run, read from the database, OSS, the simulator's counters, Temporal and the
 * callback receivers: each check returns what is wrong (empty = it holds), so a failure names every broken
 * job at once instead of the first.
 */

export interface ChaosFindings {
  /** Check name → what is wrong. */
  readonly violations: Readonly<Record<string, string[]>>;
  /** Label → figure, for the summary table. */
  readonly figures: ReadonlyArray<readonly [string, string]>;
  /** What a reader of the summary may want in detail: the calls that raced a refusal, busy refusals. */
  readonly notes: readonly string[];
  /** The node id each API process of the run holds (node_id_leases), by process id. */
  readonly apiNodeIds: ReadonlyMap<number, number>;
}

interface ExecutionRow {
  credit_transaction_id: string;
  status: string;
}

const TEMPORAL_FOR: Readonly<Record<string, readonly string[]>> = {
  completed: ['COMPLETED'],
  failed: ['FAILED'],
  // A cancel signal ends the run normally with status cancelled; a Temporal cancellation ends it Canceled.
  cancelled: ['COMPLETED', 'CANCELLED'],
};
const RECORD_STATUS_FOR: Readonly<Record<string, number>> = { completed: 2, failed: 3, cancelled: 3 };

export async function checkChaosRun(
  stack: ChaosStack,
  report: DriveReport,
  apiStatus: ReadonlyMap<string, string>,
): Promise<ChaosFindings> {
  const { sequelize } = stack;
  const select = <T extends object>(sql: string, replacements: unknown[] = []) =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const tasks = report.tasks;
  const ids = tasks.map((t) => t.taskId);
  const byId = new Map(tasks.map((t) => [t.taskId, t]));

  // --- every job final; Temporal, MySQL and the API agree ---------------------------------------------------
  const final: string[] = [];
  const executions = new Map(
    (
      await select<ExecutionRow>(
        `SELECT credit_transaction_id, status FROM template_executions WHERE credit_transaction_id IN (?)`,
        [ids],
      )
    ).map((r) => [r.credit_transaction_id, r.status]),
  );
  const records = new Map<string, number>();
  for (const table of ['jimeng_image_generation_records', 'jimeng_video_generation_records']) {
    for (const r of await select<{ id: string; status: number }>(
      `SELECT id, generation_status AS status FROM ${table} WHERE id IN (?)`,
      [ids],
    ))
      records.set(String(r.id), Number(r.status));
  }
  const runs = new Map<string, string[]>();
  for await (const wf of stack.client.workflow.list({
    query: `TaskQueue = "${stack.taskQueue}" AND WorkflowType IN ("imageGeneration", "videoGeneration")`,
  })) {
    const taskId = String((wf.memo as { taskId?: unknown } | undefined)?.taskId ?? '');
    // Visibility is written after the run closes and can lag it by a moment; a run it still lists as running
    // is asked directly (describe reads the run itself), so only a run that really runs is reported.
    const status =
      wf.status.name === 'RUNNING'
        ? (await stack.client.workflow.getHandle(wf.workflowId, wf.runId).describe()).status.name
        : wf.status.name;
    runs.set(taskId, [...(runs.get(taskId) ?? []), status]);
  }
  for (const t of tasks) {
    const api = apiStatus.get(t.taskId);
    const execution = executions.get(t.taskId);
    const temporal = runs.get(t.taskId) ?? [];
    if (api === undefined || !(api in TEMPORAL_FOR)) final.push(`${t.taskId}: API says ${api ?? 'nothing'}`);
    if (execution !== api) final.push(`${t.taskId}: template_executions ${execution} vs API ${api}`);
    if (records.get(t.taskId) !== RECORD_STATUS_FOR[api ?? ''])
      final.push(`${t.taskId}: record status ${records.get(t.taskId)} for ${api}`);
    if (temporal.length !== 1) final.push(`${t.taskId}: ${temporal.length} Temporal runs`);
    else if (!(TEMPORAL_FOR[api ?? ''] ?? []).includes(temporal[0]!))
      final.push(`${t.taskId}: Temporal ${temporal[0]} vs ${api}`);
  }
  for (const [taskId, statuses] of runs) {
    if (!byId.has(taskId)) final.push(`a run for unknown task ${taskId} (${statuses.join(',')})`);
    if (statuses.includes('RUNNING')) final.push(`${taskId}: still running in Temporal`);
  }
  const liveLeases = await select<{ n: number }>(
    'SELECT COUNT(*) AS n FROM jimeng_account_leases WHERE released_at IS NULL',
  );
  if (Number(liveLeases[0]!.n) !== 0) final.push(`${liveLeases[0]!.n} account leases never released`);

  // --- points: completed charged its price once, others net zero, ledger invariants per user ----------------
  const ledger: string[] = [];
  const moves = await select<{ source_id: string; type: string; total: number; n: number }>(
    `SELECT source_id, type, SUM(amount) AS total, COUNT(*) AS n FROM mjk_point_transactions
      WHERE type IN ('consume', 'refund') GROUP BY source_id, type`,
  );
  const consumed = new Map<string, number>();
  const refunded = new Map<string, number>();
  for (const m of moves) {
    if (!byId.has(m.source_id)) ledger.push(`${m.type} of ${m.total} for ${m.source_id}, which is no task`);
    (m.type === 'consume' ? consumed : refunded).set(m.source_id, Number(m.total));
  }
  let charged = 0;
  for (const t of tasks) {
    const status = apiStatus.get(t.taskId);
    const net = (consumed.get(t.taskId) ?? 0) - (refunded.get(t.taskId) ?? 0);
    if (status === 'completed') {
      charged += net;
      if (net !== t.expectedPrice)
        ledger.push(`${t.taskId}: completed, charged ${net} for ${t.expectedPrice}`);
      if ((consumed.get(t.taskId) ?? 0) !== t.expectedPrice)
        ledger.push(`${t.taskId}: reserved ${consumed.get(t.taskId) ?? 0}, price ${t.expectedPrice}`);
    } else if (net !== 0) ledger.push(`${t.taskId}: ${status}, yet ${net} points kept`);
  }
  for (const userId of new Set(tasks.map((t) => t.userId))) {
    const balance = await select<{ balance: number }>(
      'SELECT balance FROM mjk_user_points WHERE user_id = ?',
      [userId],
    );
    const b = Number(balance[0]?.balance);
    for (const v of ledgerInvariantViolations(await ledgerRows(sequelize, userId), b))
      ledger.push(`user ${userId}: ${v}`);
    const spent = tasks
      .filter((t) => t.userId === userId && apiStatus.get(t.taskId) === 'completed')
      .reduce((sum, t) => sum + t.expectedPrice, 0);
    if (b !== 1_000_000 - spent) ledger.push(`user ${userId}: balance ${b}, expected ${1_000_000 - spent}`);
  }

  // --- outputs: one row and one object per output, nothing else in the bucket, no temp file ----------------
  const outputs: string[] = [];
  const rows = await select<{ job_id: string; oss_path: string }>('SELECT job_id, oss_path FROM job_outputs');
  const rowsByJob = new Map<string, string[]>();
  for (const r of rows)
    rowsByJob.set(String(r.job_id), [...(rowsByJob.get(String(r.job_id)) ?? []), r.oss_path]);
  for (const t of tasks) {
    const n = rowsByJob.get(t.taskId)?.length ?? 0;
    const completed = apiStatus.get(t.taskId) === 'completed';
    if (completed && n === 0) outputs.push(`${t.taskId}: completed without outputs`);
    if (!completed && n !== 0) outputs.push(`${t.taskId}: ${apiStatus.get(t.taskId)} with ${n} outputs`);
  }
  for (const jobId of rowsByJob.keys())
    if (!byId.has(jobId)) outputs.push(`job_outputs rows for unknown job ${jobId}`);
  const objects = await listObjects(stack);
  const paths = new Set(rows.map((r) => r.oss_path));
  if (paths.size !== rows.length)
    outputs.push(`${rows.length - paths.size} job_outputs rows share an object`);
  for (const p of paths) if (!objects.has(p)) outputs.push(`${p}: in job_outputs, not in OSS`);
  for (const o of objects) if (!paths.has(o)) outputs.push(`${o}: orphan object in OSS`);
  for (let slot = 0; slot < stack.workerSlots; slot++)
    for (const f of await filesUnder(stack.workerTmpDir(slot))) outputs.push(`temp file left: ${f}`);

  // --- accounts: never called after the pool knew it could not serve, never above its concurrency ----------
  const accounts: string[] = [];
  const counters = stack.sim.admin.counters();
  const accountOf = new Map(report.sessionIds.map((s, i) => [s, report.accountIds[i]!]));
  const writes = (
    await select<{
      account_id: string;
      at_ms: number;
      account_status: number | null;
      is_deleted: number | null;
      image_generation_status: number | null;
      video_generation_status: number | null;
    }>('SELECT * FROM chaos_account_writes ORDER BY at_ms, seq')
  ).map((w) => ({
    accountId: String(w.account_id),
    atMs: Number(w.at_ms),
    accountStatus: w.account_status,
    isDeleted: w.is_deleted,
    imageStatus: w.image_generation_status,
    videoStatus: w.video_generation_status,
  }));
  const grants = (
    await select<{
      token: string;
      account_id: string;
      capability: string;
      holder: string | null;
      at_ms: number;
    }>('SELECT token, account_id, capability, holder, at_ms FROM chaos_lease_grants ORDER BY at_ms, seq')
  ).map((g) => ({
    token: g.token,
    accountId: String(g.account_id),
    capability: g.capability,
    holder: g.holder,
    atMs: Number(g.at_ms),
  }));
  const maxConcurrent = Math.max(...report.plan.accounts.map((a) => a.maxConcurrent));
  const races = classifyCallsAfterRefusal({
    calls: counters.callsAfterRefusalLog,
    refusals: counters.refusalLog,
    accountOfSession: accountOf,
    writes,
    grants,
    maxConcurrent,
  });
  const iso = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString());
  for (const c of races.calls) {
    if (c.verdict === 'raced') continue;
    accounts.push(
      `${c.verdict === 'after' ? 'after the pool knew' : 'never recorded'}: ${c.call.endpoint} to account ` +
        `${c.accountId} at ${iso(c.call.atMs)}, told ${c.call.reason} at ${iso(c.call.toldAtMs)}, recorded ` +
        `${iso(c.recordedAtMs)}; lease ${c.lease?.token ?? 'none'} granted ${iso(c.lease?.atMs)} to ${c.lease?.holder}`,
    );
  }
  if (races.raced > races.racedBound)
    accounts.push(`${races.raced} calls raced a refusal's recording, above the bound ${races.racedBound}`);
  const notes: string[] = [];
  for (const c of races.calls.filter((x) => x.verdict === 'raced'))
    notes.push(
      `(b) ${c.call.endpoint} to account ${c.accountId} at ${iso(c.call.atMs)}: told ${c.call.reason} ` +
        `${c.call.atMs - c.call.toldAtMs} ms before, recorded ${(c.recordedAtMs ?? 0) - c.call.toldAtMs} ms after ` +
        `being told; lease granted ${(c.lease?.atMs ?? 0) - c.call.toldAtMs} ms after being told, to ${c.lease?.holder}`,
    );
  const busy = classifyBusy(counters.refusalLog);
  for (const b of busy)
    notes.push(
      `busy ${b.entry.endpoint} to account ${accountOf.get(b.entry.sessionId)} at ${iso(b.entry.atMs)}, running ` +
        (b.entry.inFlight ?? [])
          .map(
            (c) =>
              `${c.endpoint} since ${b.entry.atMs - c.sinceMs} ms${c.callerGone ? ' (caller gone)' : ''}`,
          )
          .join(', '),
    );
  for (const b of busy) {
    if (b.abandonedJobRunning) continue;
    accounts.push(
      `above the concurrency of account ${accountOf.get(b.entry.sessionId)}: ${b.entry.endpoint} at ` +
        `${iso(b.entry.atMs)} while it ran ${JSON.stringify(b.entry.inFlight)}`,
    );
  }
  const busyAbandoned = busy.filter((b) => b.abandonedJobRunning).length;
  // The pool leases an account's image and video capabilities apart, so an account may run one of each: with
  // videos on the synchronous route both are calls in flight at once (why the plan's maxConcurrent is 2).
  const overlapping = await select<{ n: number }>(
    `SELECT COUNT(*) AS n FROM jimeng_account_leases i JOIN jimeng_account_leases v
        ON v.account_id = i.account_id AND i.capability = 'image' AND v.capability = 'video'
       AND i.leased_at < COALESCE(v.released_at, NOW(3)) AND v.leased_at < COALESCE(i.released_at, NOW(3))`,
  );
  if (busyAbandoned > counters.abandonedCalls)
    accounts.push(
      `${busyAbandoned} busy refusals behind abandoned jobs, above the ${counters.abandonedCalls} abandoned`,
    );

  // The proxy has no ban signal (it answers a banned session as a dead one: -1000 "Cannot read properties of
  // undefined (reading 'gift_credit')", or the login error), so the pool cannot tell a ban from a logout: an
  // account banned upstream ends as a dead session (both capabilities unavailable), never account_status 2.
  const dead = new Set<number>([
    ...report.plan.events.flatMap((e) =>
      e.kind === 'ban-account' || e.kind === 'expire-session' ? [e.account] : [],
    ),
    ...report.plan.accountFaults.flatMap((f) =>
      f.kind === 'banned' || f.kind === 'session_invalid' ? [f.account] : [],
    ),
  ]);
  let deadMarked = 0;
  let deadTold = 0;
  for (const index of dead) {
    const id = report.accountIds[index]!;
    const session = report.sessionIds[index]!;
    const told = counters.refusalLog.some(
      (r) => r.sessionId === session && r.remembered && (r.reason === 'invalid' || r.reason === 'banned'),
    );
    const row = (
      await select<{
        account_status: number;
        image_generation_status: number;
        video_generation_status: number;
      }>(
        'SELECT account_status, image_generation_status, video_generation_status FROM jimeng_accounts WHERE id = ?',
        [id],
      )
    )[0]!;
    const marked = Number(row.image_generation_status) === 0 && Number(row.video_generation_status) === 0;
    if (told) deadTold++;
    if (told && marked) deadMarked++;
    if (Number(row.account_status) === 2)
      accounts.push(`account ${id} (${index}) ended banned: no answer says so`);
    if (told && !marked)
      accounts.push(
        `account ${id} (${index}) was told its session is dead, yet ends image ${row.image_generation_status} ` +
          `video ${row.video_generation_status}`,
      );
  }

  // --- callbacks: one final event per job, duplicates carry the same event id --------------------------------
  const callbacks: string[] = [];
  let deliveries = 0;
  let redeliveries = 0;
  const seen = new Map<string, { eventIds: Set<string>; acknowledged: boolean; count: number }>();
  for (const receiver of stack.receivers) {
    for (const d of receiver.deliveries) {
      deliveries++;
      if (!d.signatureValid) callbacks.push(`${d.taskId}: delivery with a bad signature`);
      const s = seen.get(d.taskId) ?? { eventIds: new Set<string>(), acknowledged: false, count: 0 };
      s.eventIds.add(d.eventId);
      s.acknowledged ||= d.answered === 200;
      s.count++;
      seen.set(d.taskId, s);
    }
  }
  for (const t of tasks) {
    const s = seen.get(t.taskId);
    const status = apiStatus.get(t.taskId);
    if (t.receiver === null) {
      if (s !== undefined) callbacks.push(`${t.taskId}: notified without a callback_url`);
      continue;
    }
    if (s === undefined || !s.acknowledged) {
      callbacks.push(`${t.taskId}: the receiver never acknowledged a final notification`);
      continue;
    }
    if (s.eventIds.size !== 1 || !s.eventIds.has(`${t.taskId}:${status}`))
      callbacks.push(`${t.taskId}: event ids ${[...s.eventIds].join(', ')} for final ${status}`);
    redeliveries += s.count - 1;
  }
  for (const taskId of seen.keys())
    if (!byId.has(taskId)) callbacks.push(`notification for unknown ${taskId}`);

  const count = (status: string) => tasks.filter((t) => apiStatus.get(t.taskId) === status).length;
  const figures: [string, string][] = [
    ['jobs planned / tasks', `${new Set(tasks.map((t) => t.job.index)).size} / ${tasks.length}`],
    ['completed / failed / cancelled', `${count('completed')} / ${count('failed')} / ${count('cancelled')}`],
    ['duplicate requests attached / new task', `${report.duplicatesAttached} / ${report.duplicatesNew}`],
    ['cancels sent', String(report.cancelsSent)],
    ['API calls retried by the caller', String(report.apiRetries)],
    ['points charged (completed jobs)', String(charged)],
    ['job_outputs rows / OSS objects', `${rows.length} / ${objects.size}`],
    [
      'OSS server: PUTs / injected failures / error answers',
      `${stack.oss.stats.byOperation.PutObject ?? 0} / ${stack.oss.stats.faultsInjected} / ` +
        JSON.stringify(stack.oss.stats.errorsByCode),
    ],
    ['simulator calls', String(counters.total)],
    ['simulator faults fired', JSON.stringify(faultsFired(stack))],
    ['refusals for account state', JSON.stringify(counters.refusals)],
    ['calls after a refusal (simulator)', JSON.stringify(counters.callsAfterRefusal)],
    ['(a) calls after the pool recorded the refusal', String(races.after)],
    [
      '(b) calls that raced the recording / bound',
      `${races.raced} / ${races.racedBound} (remembered refusals × ${maxConcurrent - 1}); longest window ` +
        `${races.longestRacedWindowMs} ms`,
    ],
    ['(c) refusals the pool never recorded, calls after them', String(races.neverRecorded)],
    [
      'busy refusals: over-commit / behind an abandoned job (abandoned jobs)',
      `${busy.length - busyAbandoned} / ${busyAbandoned} (${counters.abandonedCalls})`,
    ],
    ['dead sessions told / marked invalid (none banned)', `${deadTold} / ${deadMarked}`],
    ['image and video leases overlapping on one account', String(overlapping[0]!.n)],
    ['callback deliveries / redeliveries', `${deliveries} / ${redeliveries}`],
    [
      'workers stopped (worker: signal, exit code)',
      report.workerExits.map((e) => `${e.worker}: ${e.signal}, ${e.code ?? '-'}`).join('; '),
    ],
    ['kill caught an upload in flight', String(report.uploadCaughtByKill)],
    ['disasters', report.eventsDone.join(' ')],
  ];
  const leases = await select<{ node_id: number; pid: number }>(
    "SELECT node_id, pid FROM node_id_leases WHERE holder IS NOT NULL AND role = 'api'",
  );
  const apiNodeIds = new Map(leases.map((l) => [Number(l.pid), Number(l.node_id)]));
  figures.push(['API processes: node ids', [...apiNodeIds.values()].join(', ')]);
  figures.push([
    'APIs stopped (api: exit code)',
    report.apiExits.map((e) => `${e.api}: ${e.code}`).join('; '),
  ]);
  return {
    apiNodeIds,
    violations: {
      'final state, Temporal = MySQL = API': final,
      'points charged once / refunded': ledger,
      'one row and one object per output': outputs,
      'accounts used within their limits': accounts,
      'one final notification per job': callbacks,
    },
    figures,
    notes,
  };
}

/** Fired counts by kind, slow ones included (they only delay, so the counters do not see them). */
export function faultsFired(stack: ChaosStack): Record<string, number> {
  const fired: Record<string, number> = {};
  for (const f of stack.sim.admin.faults()) fired[f.kind] = (fired[f.kind] ?? 0) + f.fired;
  return fired;
}

async function listObjects(stack: ChaosStack): Promise<Set<string>> {
  const client = new OSS({
    bucket: CHAOS_BUCKET,
    endpoint: stack.oss.endpoint,
    cname: true,
    ...CHAOS_OSS_KEY,
  });
  const keys = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    const page = await client.list({ 'max-keys': 1000, ...(marker ? { marker } : {}) }, {});
    for (const o of page.objects ?? []) keys.add(o.name);
    if (!page.isTruncated) return keys;
    marker = page.nextMarker;
  }
}

/** The summary printed at the end of a run: figures, then each check with its verdict. */
export function summaryTable(findings: ChaosFindings, seconds: number): string {
  const rows: [string, string][] = [
    ...findings.figures.map(([k, v]) => [k, v] as [string, string]),
    ['wall time', `${seconds} s`],
    ...Object.entries(findings.violations).map(
      ([check, v]) => [check, v.length === 0 ? 'holds' : `${v.length} VIOLATIONS`] as [string, string],
    ),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join('\n');
}

export type { SubmittedTask };
