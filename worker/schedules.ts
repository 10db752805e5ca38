import { randomUUID } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
// The SDK's own encoders of a schedule, so the update below is the request ScheduleHandle.update() sends, plus
// the conflict token update() leaves out (@temporalio/client is pinned to an exact version in package.json).
import {
  compileUpdatedScheduleOptions,
  encodeScheduleAction,
  encodeSchedulePolicies,
  encodeScheduleSpec,
} from '@temporalio/client/lib/schedule-helpers';
import { defaultDataConverter } from '@temporalio/common';
import { scheduleWrite } from './schedule-versions';

export interface ScheduleSettings {
  taskQueue: string;
  /** The accounts' quota time zone: the refresh runs at 00:30 there. */
  timeZone: string;
  /** Schedule (and workflow) id prefix; tests use their own so they never touch the dev stack's schedules. */
  idPrefix?: string;
  /** The definitions' version; tests play an older or a newer worker with it. */
  definitionVersion?: number;
}

/**
 * The version of the definitions below. Raise it with every change to them: a worker writes a schedule only
 * when its version is newer than the one the schedule carries, so a worker of the previous release restarting
 * in the middle of a rollout leaves the new definitions alone.
 * 2: jimeng-cleanup prunes records only (recordsPruneWorkflow); each worker sweeps its own temp files.
 */
export const SCHEDULE_DEFINITIONS_VERSION = 2;

/**
 * Where a schedule carries its definition's version: the memo of the workflows it starts. The schedule's own
 * memo would read better, but UpdateSchedule cannot change it; the action can be, and a started run then says
 * which definition started it.
 */
export const DEFINITION_VERSION_MEMO = 'scheduleDefinitionVersion';

/**
 * The platform's Temporal Schedules, visible (and pausable) in the Web UI under Schedules. The quota
 * refresh runs daily at 00:30 in the quota time zone and also every 15 minutes, because each account has its
 * own quota_reset_time and the activity only touches the accounts that are due. Overlaps are skipped: every
 * job is idempotent and the next run catches up. Temp files are not here: a schedule's run lands on whichever
 * worker polls, so each worker sweeps its own host's (worker/temp-file-sweeper.ts).
 */
export function scheduleDefinitions(settings: ScheduleSettings): ScheduleOptions[] {
  const version = settings.definitionVersion ?? SCHEDULE_DEFINITIONS_VERSION;
  const action = (workflowType: string, id: string) => ({
    type: 'startWorkflow' as const,
    workflowType,
    workflowId: id,
    taskQueue: settings.taskQueue,
    memo: { [DEFINITION_VERSION_MEMO]: version },
  });
  const prefix = settings.idPrefix ?? 'jimeng-';
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' as const };
  return [
    {
      scheduleId: `${prefix}quota-refresh`,
      spec: {
        calendars: [{ hour: 0, minute: 30, comment: 'daily 00:30 quota reset' }],
        intervals: [{ every: '15 minutes' }],
        timezone: settings.timeZone,
      },
      action: action('quotaRefreshWorkflow', `${prefix}quota-refresh`),
      policies,
      memo: { purpose: 'restore accounts made unavailable automatically, reset daily counts (00:30)' },
    },
    {
      scheduleId: `${prefix}points-expiry`,
      spec: { intervals: [{ every: '10 minutes' }] },
      action: action('pointsExpiryWorkflow', `${prefix}points-expiry`),
      policies,
      memo: { purpose: 'expire the unused rest of expired point batches' },
    },
    {
      // The id of the schedule that also swept temp files before version 2, kept so that an upgrade changes it
      // in place: a deleted one would be created again by any worker of the previous release that restarts.
      scheduleId: `${prefix}cleanup`,
      spec: { intervals: [{ every: '1 hour' }] },
      action: action('recordsPruneWorkflow', `${prefix}cleanup`),
      policies,
      memo: {
        purpose: 'prune old lease rows and expired idempotency keys (temp files: each worker sweeps its own)',
      },
    },
  ];
}

/** The version a schedule's definition carries; 0 for one written before versions (or by hand). */
export function definitionVersionOf(described: Pick<ScheduleDescription, 'action'>): number {
  const value =
    described.action.type === 'startWorkflow' ? described.action.memo?.[DEFINITION_VERSION_MEMO] : 0;
  return typeof value === 'number' && Number.isInteger(value) ? value : 0;
}

/** How many times a write that met a concurrent change of the schedule is tried again. */
const WRITE_TRIES = 5;

/**
 * Creates the schedules that are missing and brings existing ones to this definition when theirs is older;
 * one with the same or a newer version is left as it is. An update carries the conflict token of the
 * description it was decided on, so it never overwrites what changed since (another worker's write, an
 * operator's pause): the server ignores such an update, and the schedule is read and decided again.
 */
export async function ensureSchedules(
  client: Client,
  settings: ScheduleSettings,
): Promise<{ created: string[]; updated: string[]; kept: string[] }> {
  const result = { created: [] as string[], updated: [] as string[], kept: [] as string[] };
  const ours = settings.definitionVersion ?? SCHEDULE_DEFINITIONS_VERSION;
  for (const definition of scheduleDefinitions(settings)) {
    try {
      await client.schedule.create(definition);
      result.created.push(definition.scheduleId);
      continue;
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    const handle = client.schedule.getHandle(definition.scheduleId);
    let wrote = false;
    for (let tries = 1; ; tries++) {
      const described = await handle.describe();
      if (scheduleWrite(definitionVersionOf(described), ours) === 'keep') {
        result[wrote ? 'updated' : 'kept'].push(definition.scheduleId);
        break;
      }
      if (tries > WRITE_TRIES)
        throw new Error(
          `schedule ${definition.scheduleId}: still not at version ${ours} after ${WRITE_TRIES} writes`,
        );
      await updateIfUnchanged(client, definition, described);
      wrote = true;
    }
  }
  return result;
}

/**
 * ScheduleHandle.update() with the conflict token of `described`: the definition's spec, action and policies
 * over the described ones, and the schedule's state (paused or not, its note) as it was described.
 */
async function updateIfUnchanged(
  client: Client,
  definition: ScheduleOptions,
  described: ScheduleDescription,
): Promise<void> {
  const compiled = compileUpdatedScheduleOptions(definition.scheduleId, {
    spec: definition.spec,
    action: definition.action,
    // What the definition sets wins; a policy only an operator set (pauseOnFailure, say) is kept.
    policies: { ...described.policies, ...definition.policies },
    state: {}, // not sent: the described state is
  });
  const header = described.raw.schedule?.action?.startWorkflow?.header?.fields ?? {};
  await client.workflowService.updateSchedule({
    namespace: client.options.namespace,
    scheduleId: definition.scheduleId,
    schedule: {
      spec: encodeScheduleSpec(compiled.spec),
      action: await encodeScheduleAction(
        defaultDataConverter,
        client.options.namespace,
        compiled.action,
        header,
      ),
      policies: encodeSchedulePolicies(compiled.policies),
      state: described.raw.schedule?.state ?? null,
    },
    conflictToken: described.raw.conflictToken ?? null,
    identity: client.options.identity,
    requestId: randomUUID(),
  });
}
