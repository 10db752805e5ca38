import OSS from 'ali-oss';
import { QueryTypes } from 'sequelize';
import { filesUnder } from '../support/files-under';
import { ledgerInvariantViolations, ledgerRows } from '../support/ledger-invariants';
import type { DriveReport, SubmittedTask } from './chaos-driver';
import { CHAOS_BUCKET, CHAOS_OSS_KEY, type ChaosStack } from './chaos-stack';

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
    runs.set(taskId, [...(runs.get(taskId) ?? []), wf.status.name]);
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
  const leftovers = await filesUnder(stack.workerTmpDir);
  for (const f of leftovers) outputs.push(`temp file left: ${f}`);

  // --- accounts: never called after being told it could not serve, never above its concurrency --------------
  const accounts: string[] = [];
  const counters = stack.sim.admin.counters();
  for (const [reason, n] of Object.entries(counters.callsAfterRefusal))
    accounts.push(`${n} generation calls to accounts already known ${reason}`);
  const accountOf = new Map(report.sessionIds.map((s, i) => [s, report.accountIds[i]]));
  for (const call of counters.callsAfterRefusalLog) {
    const leases = await select<{
      capability: string;
      leased_at: Date;
      released_at: Date | null;
      holder: string;
    }>(
      `SELECT capability, leased_at, released_at, holder FROM jimeng_account_leases
        WHERE account_id = ? AND leased_at <= ? ORDER BY leased_at DESC LIMIT 1`,
      [accountOf.get(call.sessionId), new Date(call.atMs)],
    );
    const lease = leases[0];
    accounts.push(
      `  ${call.endpoint} to account ${accountOf.get(call.sessionId)} at ${new Date(call.atMs).toISOString()}, ` +
        `told ${call.reason} at ${new Date(call.toldAtMs).toISOString()}; lease ${lease?.capability} ` +
        `${lease?.leased_at?.toISOString()}..${lease?.released_at?.toISOString() ?? 'live'} by ${lease?.holder}`,
    );
  }
  if ((counters.refusals.busy ?? 0) > 0)
    accounts.push(`${counters.refusals.busy} calls above an account's concurrency limit`);

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
    ['calls after a refusal', JSON.stringify(counters.callsAfterRefusal)],
    ['callback deliveries / redeliveries', `${deliveries} / ${redeliveries}`],
    ['worker restarts (SIGKILL)', String(stack.workerRestarts)],
    ['kill caught an upload in flight', String(report.uploadCaughtByKill)],
    ['disasters', report.eventsDone.join(' ')],
  ];
  return {
    violations: {
      'final state, Temporal = MySQL = API': final,
      'points charged once / refunded': ledger,
      'one row and one object per output': outputs,
      'accounts used within their limits': accounts,
      'one final notification per job': callbacks,
    },
    figures,
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
