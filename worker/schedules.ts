import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';

export interface ScheduleSettings {
  taskQueue: string;
  /** The accounts' quota time zone: the refresh runs at 00:30 there. */
  timeZone: string;
  /** Schedule (and workflow) id prefix; tests use their own so they never touch the dev stack's schedules. */
  idPrefix?: string;
}

/**
 * The platform's Temporal Schedules, visible (and pausable) in the Web UI under Schedules. The quota
 * refresh runs daily at 00:30 in the quota time zone and also every 15 minutes, because each account has its
 * own quota_reset_time and the activity only touches the accounts that are due. Overlaps are skipped: every
 * job is idempotent and the next run catches up.
 */
export function scheduleDefinitions(settings: ScheduleSettings): ScheduleOptions[] {
  const action = (workflowType: string, id: string) => ({
    type: 'startWorkflow' as const,
    workflowType,
    workflowId: id,
    taskQueue: settings.taskQueue,
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
      scheduleId: `${prefix}cleanup`,
      spec: { intervals: [{ every: '1 hour' }] },
      action: action('cleanupWorkflow', `${prefix}cleanup`),
      policies,
      memo: { purpose: 'delete temp files older than 24 h, prune old lease rows' },
    },
  ];
}

/** Creates the schedules that are missing and brings existing ones to the current definition. */
export async function ensureSchedules(
  client: Client,
  settings: ScheduleSettings,
): Promise<{ created: string[]; updated: string[] }> {
  const created: string[] = [];
  const updated: string[] = [];
  for (const definition of scheduleDefinitions(settings)) {
    try {
      await client.schedule.create(definition);
      created.push(definition.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      // An operator's pause survives: update() keeps the schedule's state, only spec/action/policies change.
      await client.schedule.getHandle(definition.scheduleId).update((previous) => ({
        ...previous,
        spec: definition.spec,
        action: definition.action,
        policies: { ...previous.policies, ...definition.policies },
      }));
      updated.push(definition.scheduleId);
    }
  }
  return { created, updated };
}
