import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';

/**
 * The workflows the Temporal Schedules start (worker/schedules.ts). Each runs one idempotent activity:
 * 5 minutes is far more than a pool of accounts or a day of batches needs, and five attempts with the
 * SDK's exponential retry ride out a database restart.
 */
const maintenance = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '5 seconds' },
});

export async function quotaRefreshWorkflow() {
  return maintenance.refreshAccountQuotas();
}

export async function pointsExpiryWorkflow() {
  return maintenance.expirePointBatches();
}

export async function recordsPruneWorkflow() {
  return maintenance.pruneOldRecords();
}

/** Started by jimeng-cleanup before schedule version 2 (worker/schedules.ts): kept for a rollout's old schedule. */
export async function cleanupWorkflow() {
  return maintenance.cleanupTempFiles();
}
