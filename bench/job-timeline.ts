/**
 * A generation workflow's history reduced to what the account pool sees: its image attempts, what each
 * answered, and the waits between them after a no_account answer, with the server's event times (ms).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { AttemptResult } from '../activities/generation/generation-activity-shapes';
import { ACCOUNT_FREED_SIGNAL } from '../domain/generation/account-freed-signal';

/**
 * How a history runs an image attempt: one activity that leases, calls and releases (lease-in-call), or the
 * three activities leaseAccount -> generateImages -> releaseAccount of runs recorded before it.
 */
export type Shape = 'lease-in-call' | 'three activities' | 'no attempt';

/** The attempt's answer; before lease-in-call, leaseAccount only tells whether it got an account. */
export type AttemptKind = AttemptResult['kind'] | 'leased' | 'unknown';
const ATTEMPT_KINDS: readonly AttemptResult['kind'][] = ['no_account', 'withdrawn', 'produced', 'failed'];

/**
 * One attempt, server event times (ms). Lease-in-call: the leaseAndGenerateImages activity. Before it: from
 * leaseAccount scheduled and started to the close of the releaseAccount that gave the lease back (of the
 * leaseAccount itself when it found no account), so the hops around the lease compare across shapes.
 */
export interface Attempt {
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
export interface Wait {
  /** Index of the attempt that found no account; the attempt after it is the one the wake led to. */
  after: number;
  parkedAt: number;
  wokenBy: 'signal' | 'timer' | 'pending';
  wokenAt: number;
}

/** A job's history, reduced to what the pool sees. */
export interface Timeline {
  shape: Shape;
  /** Activity types the history ran as local activities (markers). */
  localActivities: Set<string>;
  startedAt: number;
  attempts: Attempt[];
  waits: Wait[];
}

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
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

/** Something that could end a wait: a fired timer or an accountFreed signal. */
interface Wake {
  id: number;
  at: number;
  by: 'signal' | 'timer';
}

/** The history's events, read once: its activities, its wakes, its local activities, when it started. */
function readEvents(events: readonly HistoryEvent[]): {
  activities: Activity[];
  wakes: Wake[];
  localActivities: Set<string>;
  startedAt: number;
} {
  const activities: Activity[] = [];
  const byId = new Map<number, Activity>();
  const wakes: Wake[] = [];
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
  return { activities, wakes, localActivities, startedAt };
}

/** The image attempts among the activities, in the shape the history runs them. */
function attemptsOf(activities: readonly Activity[]): { shape: Shape; attempts: Attempt[] } {
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
  return { shape, attempts };
}

/**
 * The first wake after a no_account answer, before the next attempt, ended its wait. A signal since the
 * previous wait ended but before the answer was already pending: the condition held at once, and the timer
 * it started and cancelled in the same workflow task never reached the history.
 */
function waitsOf(attempts: readonly Attempt[], wakes: readonly Wake[]): Wait[] {
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
  return waits;
}

export function timelineOf(events: readonly HistoryEvent[]): Timeline {
  const { activities, wakes, localActivities, startedAt } = readEvents(events);
  const { shape, attempts } = attemptsOf(activities);
  return { shape, localActivities, startedAt, attempts, waits: waitsOf(attempts, wakes) };
}
