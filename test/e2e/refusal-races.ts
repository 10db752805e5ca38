import type { CallAfterRefusal, RefusalEntry } from '../../dev/jimeng-sim/counters';
import { VIDEO_ENDPOINTS, type Endpoint } from '../../dev/jimeng-sim/endpoints';

/*
 * The calls the simulator counts as "after a refusal", held against what the pool had recorded when each one
 * began. The pool cannot know a refusal earlier than it is told: between the answer reaching the refused job
 * and that job's write, another job may already hold the account (its other capability) and call it. So:
 *
 * (a) after: the call's lease was granted after the pool had recorded the capability unusable. A lease and the
 *     pool's write both lock the account row (SELECT … FOR UPDATE in the lease, the UPDATE of the write), so a
 *     lease granted after a write had seen it: the pool handed out an account it knew could not serve. Must be 0.
 * (b) raced: the lease was granted before the write: the refused job had not written it yet (it may first
 *     verify the answer: a dead session's TypeError is checked with /token/check, seconds with a slow proxy).
 *     Until it writes, it holds the refused capability's lease, so a racing call is on another capability of
 *     the account: at most one lease each, and its holder is refused in turn and writes the refusal itself
 *     once answered. So at most (remembered refusals) × (jobs an account runs at once − 1) of them.
 * (c) never recorded: the pool had not written the capability unusable by the end of the run.
 *
 * Times are the simulator's (arrival, when told) and MariaDB's SYSDATE(3) (writes, lease grants), one clock.
 */

/** A write to jimeng_accounts (chaos_account_writes): the row's state after it. */
export interface AccountWrite {
  readonly accountId: string;
  readonly atMs: number;
  readonly accountStatus: number | null;
  readonly isDeleted: number | null;
  readonly imageStatus: number | null;
  readonly videoStatus: number | null;
}

/** A lease granted (chaos_lease_grants). */
export interface LeaseGrant {
  readonly token: string;
  readonly accountId: string;
  readonly capability: string;
  readonly holder: string | null;
  readonly atMs: number;
}

export interface ClassifiedCall {
  readonly call: CallAfterRefusal;
  readonly accountId: string;
  readonly capability: 'image' | 'video';
  readonly verdict: 'after' | 'raced' | 'never_recorded';
  /** When the pool recorded the capability unusable (the write's time), if it did. */
  readonly recordedAtMs?: number;
  /** The lease the call was made on. */
  readonly lease?: LeaseGrant;
}

export interface RaceFigures {
  readonly after: number;
  readonly raced: number;
  readonly neverRecorded: number;
  /** (remembered refusals) × (maxConcurrent − 1). */
  readonly racedBound: number;
  /** Longest time from a refusal being told to the pool's write, over the windows that were raced. */
  readonly longestRacedWindowMs: number;
  readonly calls: readonly ClassifiedCall[];
}

const capabilityOf = (endpoint: string): 'image' | 'video' =>
  VIDEO_ENDPOINTS.includes(endpoint as Endpoint) ? 'video' : 'image';

function usable(w: AccountWrite, capability: 'image' | 'video'): boolean {
  const status = capability === 'image' ? w.imageStatus : w.videoStatus;
  return Number(w.accountStatus) === 0 && Number(w.isDeleted) === 0 && Number(status) === 1;
}

/**
 * When the pool had the capability recorded unusable, as of a refusal told at `toldAtMs`: the start of the
 * unusable stretch the row was in at that moment, or the first write after it that made it unusable.
 */
export function recordedAt(
  writes: readonly AccountWrite[],
  capability: 'image' | 'video',
  toldAtMs: number,
): number | undefined {
  let stretchStart: number | undefined;
  for (const w of writes) {
    if (w.atMs < toldAtMs) {
      stretchStart = usable(w, capability) ? undefined : (stretchStart ?? w.atMs);
      continue;
    }
    if (stretchStart !== undefined) return stretchStart;
    if (!usable(w, capability)) return w.atMs;
  }
  return stretchStart;
}

export function classifyCallsAfterRefusal(input: {
  readonly calls: readonly CallAfterRefusal[];
  readonly refusals: readonly RefusalEntry[];
  readonly accountOfSession: ReadonlyMap<string, string>;
  readonly writes: readonly AccountWrite[];
  readonly grants: readonly LeaseGrant[];
  readonly maxConcurrent: number;
}): RaceFigures {
  const writesOf = new Map<string, AccountWrite[]>();
  for (const w of [...input.writes].sort((a, b) => a.atMs - b.atMs))
    writesOf.set(w.accountId, [...(writesOf.get(w.accountId) ?? []), w]);
  const calls: ClassifiedCall[] = [];
  let longest = 0;
  for (const call of input.calls) {
    const accountId = input.accountOfSession.get(call.sessionId) ?? '?';
    const capability = capabilityOf(call.endpoint);
    const recorded = recordedAt(writesOf.get(accountId) ?? [], capability, call.toldAtMs);
    // The lease the call was made on: the account's capability has one live lease at a time, so the last one
    // granted before the call arrived.
    const lease = input.grants
      .filter((g) => g.accountId === accountId && g.capability === capability && g.atMs <= call.atMs)
      .reduce<LeaseGrant | undefined>(
        (last, g) => (last === undefined || g.atMs >= last.atMs ? g : last),
        undefined,
      );
    const verdict: ClassifiedCall['verdict'] =
      recorded === undefined
        ? 'never_recorded'
        : lease !== undefined && lease.atMs > recorded
          ? 'after'
          : 'raced';
    if (verdict === 'raced' && recorded !== undefined) longest = Math.max(longest, recorded - call.toldAtMs);
    calls.push({
      call,
      accountId,
      capability,
      verdict,
      ...(recorded !== undefined ? { recordedAtMs: recorded } : {}),
      ...(lease !== undefined ? { lease } : {}),
    });
  }
  const remembered = input.refusals.filter((r) => r.remembered).length;
  return {
    after: calls.filter((c) => c.verdict === 'after').length,
    raced: calls.filter((c) => c.verdict === 'raced').length,
    neverRecorded: calls.filter((c) => c.verdict === 'never_recorded').length,
    racedBound: remembered * Math.max(0, input.maxConcurrent - 1),
    longestRacedWindowMs: longest,
    calls,
  };
}

/** A busy refusal (more jobs than the account runs at once), and whether the pool could have known. */
export interface BusyVerdict {
  readonly entry: RefusalEntry;
  /**
   * One of the jobs the account ran had been left by its caller (a cancelled or killed call): the proxy polls
   * it on, the pool had given the account back on the caller's side. The pool cannot know when it ends.
   */
  readonly abandonedJobRunning: boolean;
}

export function classifyBusy(refusals: readonly RefusalEntry[]): BusyVerdict[] {
  return refusals
    .filter((r) => r.reason === 'busy')
    .map((entry) => ({ entry, abandonedJobRunning: (entry.inFlight ?? []).some((c) => c.callerGone) }));
}
