/**
 * Where the platform's time went, once its run is over: each job's attempts and waits from its workflow history,
 * paired with its leases from the pool's audit trail, the hand-offs between them, and how the accounts spent
 * their time while jobs waited; the platform's row of the table and its diagnostic lines.
 */
import type { CountersSnapshot } from '../dev/jimeng-sim/counters';
import { ACCOUNT_FREED_SIGNAL } from '../domain/generation/account-freed-signal';
import { generationWorkflowId } from '../workflows/generation-definitions';
import {
  latestReleaseBefore,
  leasesByAccount,
  leasesByHolder,
  msOf,
  type Interval,
  type LeaseRow,
} from './account-leases';
import { accountTime, type AccountTime } from './account-time';
import { listed, tally } from './counts';
import type { InFlightSampler } from './in-flight-sampler';
import { IntervalCoverage } from './interval-coverage';
import type { AttemptKind, Timeline, Wait } from './job-timeline';
import type { PlatformJob } from './pool-capacity-burst';
import type { SideRun } from './pool-capacity-figures';
import { asPercent, inSeconds, spread } from './pool-capacity-format';
import { ACCOUNTS, JOBS, POSTERS } from './pool-capacity-setup';
import { quantile } from './quantile';

/** What the platform's run left behind for the breakdown. */
export interface PlatformRunRecord {
  jobs: readonly PlatformJob[];
  /** The jobs' reduced histories, for those with a record whose history could be read. */
  timelines: ReadonlyMap<PlatformJob, Timeline>;
  leases: readonly LeaseRow[];
  /** Lease rows with a fraction of a second in leased_at or released_at. */
  fractionalLeaseRows: number;
  /** jimeng_accounts id -> the account's index in the sampler's rows. */
  accountIndex: ReadonlyMap<string, number>;
  sampler: InFlightSampler;
  counters: CountersSnapshot;
  /** When the burst began, just before the first POST (ms since the epoch). */
  t0: number;
  /** Cores this process used on average during the run. */
  cpuShare: number;
}

/** After a wait ended one way: how long until the next attempt, and how that attempt fared. */
interface Woken {
  waits: number;
  toNext: number[];
  toLease: number[];
  noAccountAgain: number;
}

/** The durations (ms) of each hop of a job's way through the pool, and the counts beside them. */
interface Hops {
  /** Workflow start -> first attempt scheduled. */
  admit: number[];
  /** First attempt scheduled -> first lease. */
  wait: number[];
  /** Per attempt: scheduled -> started, started -> leased, leased -> released, released -> closed. */
  queued: number[];
  toLease: number[];
  leased: number[];
  toClose: number[];
  /** Last release -> final record seen. */
  toFinal: number[];
  /** Waits per job (a count, not a duration). */
  waits: number[];
  /** Per job, the time its waits took together. */
  parked: number[];
  /** Latest release before an accountFreed signal -> the signal received. */
  releaseToSignal: number[];
  woken: Record<Wait['wokenBy'], Woken>;
  kinds: AttemptKind[];
  jobsWithoutAccount: number;
  unwoken: number;
  unpaired: number;
  /** From each job's first attempt to its first lease. */
  waitingForAccount: Interval[];
}

const noHops = (): Hops => ({
  admit: [],
  wait: [],
  queued: [],
  toLease: [],
  leased: [],
  toClose: [],
  toFinal: [],
  waits: [],
  parked: [],
  releaseToSignal: [],
  woken: {
    signal: { waits: 0, toNext: [], toLease: [], noAccountAgain: 0 },
    timer: { waits: 0, toNext: [], toLease: [], noAccountAgain: 0 },
    pending: { waits: 0, toNext: [], toLease: [], noAccountAgain: 0 },
  },
  kinds: [],
  jobsWithoutAccount: 0,
  unwoken: 0,
  unpaired: 0,
  waitingForAccount: [],
});

/** to - from, when both happened. */
const hop = (list: number[], from: number, to: number): void => {
  if (Number.isFinite(from) && Number.isFinite(to)) list.push(to - from);
};

/**
 * The lease of each attempt that took one. The lease is taken and given back inside an attempt: the k-th row is
 * the k-th attempt that did not answer no_account. When the counts differ, no attempt of the job is paired
 * (null).
 */
function pairLeases(tl: Timeline, rows: readonly LeaseRow[]): Map<number, LeaseRow> | null {
  const leasing = tl.attempts.flatMap((a, k) => (a.kind === 'no_account' ? [] : [k]));
  if (leasing.length !== rows.length) return null;
  const leaseOf = new Map<number, LeaseRow>();
  leasing.forEach((k, i) => leaseOf.set(k, rows[i]!));
  return leaseOf;
}

/** Inside each attempt: queued for a worker, started -> leased, the call, released -> closed. */
function addAttempts(hops: Hops, tl: Timeline, leaseOf: ReadonlyMap<number, LeaseRow>): void {
  for (const [k, a] of tl.attempts.entries()) {
    hops.kinds.push(a.kind);
    hop(hops.queued, a.scheduledAt, a.startedAt);
    const lease = leaseOf.get(k);
    if (!lease) continue;
    const leasedAt = msOf(lease.leased_at);
    const releasedAt = lease.released_at === null ? NaN : msOf(lease.released_at);
    hop(hops.toLease, a.startedAt, leasedAt);
    hop(hops.leased, leasedAt, releasedAt);
    hop(hops.toClose, releasedAt, a.closedAt);
  }
}

/** The waits after no_account answers: how many, how long, what woke them and what the wake led to. */
function addWaits(
  hops: Hops,
  tl: Timeline,
  leaseOf: ReadonlyMap<number, LeaseRow>,
  releaseBefore: (t: number) => number,
): void {
  const noAccount = tl.attempts.filter((a) => a.kind === 'no_account').length;
  if (noAccount > 0) hops.jobsWithoutAccount++;
  hops.unwoken += noAccount - tl.waits.length;
  hops.waits.push(tl.waits.length);
  hops.parked.push(tl.waits.reduce((total, w) => total + (w.wokenAt - w.parkedAt), 0));
  for (const w of tl.waits) {
    const by = hops.woken[w.wokenBy];
    by.waits++;
    if (w.wokenBy === 'signal') hop(hops.releaseToSignal, releaseBefore(w.wokenAt), w.wokenAt);
    const next = tl.attempts[w.after + 1];
    if (!next) continue;
    hop(by.toNext, w.wokenAt, next.startedAt);
    const lease = leaseOf.get(w.after + 1);
    if (lease) hop(by.toLease, next.startedAt, msOf(lease.leased_at));
    else if (next.kind === 'no_account') by.noAccountAgain++;
  }
}

/** The job end to end: admission, waiting for its first account, last release -> final record. */
function addJourney(hops: Hops, job: PlatformJob, tl: Timeline, rows: readonly LeaseRow[]): void {
  const first = tl.attempts[0];
  if (first === undefined) return;
  hop(hops.admit, tl.startedAt, first.scheduledAt);
  const firstLease = rows[0];
  if (firstLease === undefined) return;
  hop(hops.wait, first.scheduledAt, msOf(firstLease.leased_at));
  hops.waitingForAccount.push({ start: first.scheduledAt, end: msOf(firstLease.leased_at) });
  const lastRelease = rows.at(-1)!.released_at;
  if (job.finalAt !== undefined && lastRelease !== null) hop(hops.toFinal, msOf(lastRelease), job.finalAt);
}

function hopsOf(
  timelines: ReadonlyMap<PlatformJob, Timeline>,
  rowsByHolder: ReadonlyMap<string, LeaseRow[]>,
  releaseBefore: (t: number) => number,
): Hops {
  const hops = noHops();
  for (const [job, tl] of timelines) {
    const rows = rowsByHolder.get(generationWorkflowId('image', job.projectId, job.storyboardId)) ?? [];
    const paired = pairLeases(tl, rows);
    if (paired === null) hops.unpaired++;
    const leaseOf = paired ?? new Map<number, LeaseRow>();
    addAttempts(hops, tl, leaseOf);
    addWaits(hops, tl, leaseOf, releaseBefore);
    addJourney(hops, job, tl, rows);
  }
  return hops;
}

/** An account released while jobs were waiting, until its next lease. */
function gapsWhileWaiting(
  perAccount: readonly Interval[][],
  waitingForAccount: readonly Interval[],
): number[] {
  const gaps: number[] = [];
  const gapCoverage = new IntervalCoverage(waitingForAccount);
  const releases = perAccount
    .flatMap((list) => list.slice(0, -1).map((l, k) => ({ at: l.end, next: list[k + 1]!.start })))
    .sort((x, y) => x.at - y.at);
  for (const r of releases) if (gapCoverage.at(r.at) > 0) gaps.push(r.next - r.at);
  return gaps;
}

function diagnosticsOf(
  record: PlatformRunRecord,
  hops: Hops,
  gaps: readonly number[],
  time: AccountTime,
  rowsByHolder: ReadonlyMap<string, LeaseRow[]>,
): string[] {
  const { jobs, timelines, leases, t0 } = record;
  const answered = jobs.filter((j) => j.answeredAt !== undefined);
  const admissionMs = Math.max(...answered.map((j) => j.answeredAt!)) - t0;
  const postMs = answered.map((j) => j.answeredAt! - j.postAt);
  const finals = jobs.filter((j) => j.finalAt !== undefined);
  const histories = [...timelines.values()];
  const { woken } = hops;
  const handOff = (w: Woken): string =>
    `${spread(w.toNext)}; that attempt started -> leased: ${spread(w.toLease)}; it found no account again: ${w.noAccountAgain}`;
  return [
    `admission: ${answered.length} POSTs answered in ${inSeconds(admissionMs)} s (${(answered.length / (admissionMs / 1000)).toFixed(1)}/s, ${POSTERS} clients), ` +
      `POST latency p50 ${inSeconds(quantile(postMs, 0.5))} s, p99 ${inSeconds(quantile(postMs, 0.99))} s; HTTP ${listed(tally(answered.map((j) => String(j.httpStatus))))}`,
    ...[...new Set(jobs.flatMap((j) => (j.answer ? [j.answer] : [])))].map(
      (a) => `POST answered ${a} (${jobs.filter((j) => j.answer === a).length} jobs)`,
    ),
    `histories: ${histories.length}; attempts as ${listed(tally(histories.map((tl) => tl.shape)))}; ` +
      `jobs running these as local activities: ${listed(tally(histories.flatMap((tl) => [...tl.localActivities])))}`,
    `per job, workflow start -> first attempt scheduled (admission): ${spread(hops.admit)}`,
    `per job, first attempt scheduled -> account leased (waiting for an account): ${spread(hops.wait)}`,
    `attempts: ${hops.kinds.length} (${listed(tally(hops.kinds))}); jobs that found no account at least once: ${hops.jobsWithoutAccount}; ` +
      `waits per job: ${spread(hops.waits, '')}; time waiting per job (no_account answered -> woken): ${spread(hops.parked)}`,
    `waits ended by an ${ACCOUNT_FREED_SIGNAL} signal: ${woken.signal.waits}, by the fallback timer: ${woken.timer.waits}, ` +
      `at once by a signal received during the attempt: ${woken.pending.waits}; no_account answers with no wake after them: ${hops.unwoken}`,
    `hand-off, latest release before the signal -> ${ACCOUNT_FREED_SIGNAL} received: ${spread(hops.releaseToSignal)}`,
    `hand-off, signal received -> next attempt started: ${handOff(woken.signal)}`,
    `hand-off, fallback timer fired -> next attempt started: ${handOff(woken.timer)}`,
    `hand-off, no_account answered with a signal already in -> next attempt started: ${handOff(woken.pending)}`,
    `inside an attempt, scheduled -> started (queued for a worker): ${spread(hops.queued)}`,
    `inside an attempt, started -> leased: ${spread(hops.toLease)}`,
    `inside an attempt, leased -> released (the call, as the pool saw it): ${spread(hops.leased)}`,
    `inside an attempt, released -> completed: ${spread(hops.toClose)}`,
    `per job, last release -> final record seen (outputs stored, points settled; read every 0.5 s): ${spread(hops.toFinal)}`,
    `account free while jobs waited, release -> next lease of that account: ${spread(gaps)}`,
    `this process (API, worker, simulator, OSS server, clients) used ${record.cpuShare.toFixed(2)} cores on average during the run`,
    `while jobs waited for an account (${inSeconds(time.windowMs)} s of the makespan): account-time generating ${asPercent(time.generating)}, ` +
      `leased but no call in flight ${asPercent(time.leasedNotGenerating)}, free ${asPercent(time.free)}`,
    `leases: ${leases.length} (${listed(tally(leases.map((l) => l.outcome ?? 'live')))}); ` +
      `jobs with more than one: ${[...rowsByHolder.values()].filter((l) => l.length > 1).length}; ` +
      `lease rows with a fraction of a second in leased_at/released_at: ${record.fractionalLeaseRows}` +
      (hops.unpaired > 0 ? `; jobs whose leases and attempts did not pair: ${hops.unpaired}` : ''),
    `unfinished at the deadline: ${JOBS - finals.length}`,
  ];
}

export function platformBreakdown(record: PlatformRunRecord): SideRun {
  const { jobs, t0 } = record;
  const rowsByHolder = leasesByHolder(record.leases);
  const perAccount = leasesByAccount(record.leases, record.accountIndex);
  const hops = hopsOf(record.timelines, rowsByHolder, latestReleaseBefore(perAccount));
  const waitingNow = new IntervalCoverage(hops.waitingForAccount);
  const time = accountTime(record.sampler, ACCOUNTS, (t) => waitingNow.at(t) > 0, perAccount);
  const gaps = gapsWhileWaiting(perAccount, hops.waitingForAccount);
  const finals = jobs.filter((j) => j.finalAt !== undefined);
  return {
    figures: {
      label: 'platform (API + workflows + pool)',
      completed: jobs.filter((j) => j.status === 'completed').length,
      failed: jobs.filter((j) => j.status === 'failed').length,
      failureCodes: tally(jobs.filter((j) => j.status === 'failed').map((j) => j.errorCode ?? '?')),
      makespanMs: Math.max(...finals.map((j) => j.finalAt!)) - t0,
      counters: record.counters,
      accountTime: time,
    },
    diagnostics: diagnosticsOf(record, hops, gaps, time, rowsByHolder),
  };
}
