import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import { purgeExpiredIdempotencyKeys } from '../db/idempotency-keys';
import type { AccountPool, RefreshResult } from '../services/accounts/account-pool';
import { cleanupOldTempFiles } from '../services/oss/temp-files';
import type { PointsLedger } from '../services/points/points-ledger';

export interface MaintenanceDependencies {
  sequelize: Sequelize;
  pool: AccountPool;
  ledger: PointsLedger;
  /** Where generation outputs are staged before upload (<os tmp>/jimeng-flow). */
  tmpDir: string;
  now: () => Date;
  logger: Logger;
}

/** Temp files older than this are left over by a crash: seed 003's daily backstop uses 24 h. */
export const TEMP_FILE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Finished lease rows are kept this long for operators, then pruned. */
export const LEASE_HISTORY_MS = 7 * 24 * 60 * 60 * 1000;

/** The activities the Temporal Schedules run. Each is idempotent: a retry or an overlapping run is harmless. */
export function createMaintenanceActivities(deps: MaintenanceDependencies) {
  const pruneOldRecords = async (): Promise<{ prunedLeases: number; purgedIdempotencyKeys: number }> => {
    const prunedLeases = await deps.pool.pruneLeases(LEASE_HISTORY_MS);
    // The API's Idempotency-Key replays expire after 24 h.
    const purgedIdempotencyKeys = await purgeExpiredIdempotencyKeys(deps.sequelize, deps.now());
    return { prunedLeases, purgedIdempotencyKeys };
  };
  return {
    async refreshAccountQuotas(): Promise<RefreshResult> {
      return deps.pool.refreshDueAccounts();
    },
    async expirePointBatches(): Promise<{ expiredBatches: number }> {
      return { expiredBatches: await deps.ledger.expireDue() };
    },
    /** What jimeng-cleanup runs: rows any worker may prune, whatever host it is on. */
    pruneOldRecords,
    /**
     * What jimeng-cleanup ran before schedule version 2, kept for the runs a schedule of the previous release
     * still starts during a rollout. Its temp-file part sweeps only the host of the worker that happens to run
     * it; each worker now sweeps its own (worker/temp-file-sweeper.ts).
     */
    async cleanupTempFiles(): Promise<{
      removedFiles: number;
      prunedLeases: number;
      purgedIdempotencyKeys: number;
    }> {
      const removedFiles = await cleanupOldTempFiles(
        deps.tmpDir,
        TEMP_FILE_MAX_AGE_MS,
        deps.now().getTime(),
        deps.logger,
      );
      return { removedFiles, ...(await pruneOldRecords()) };
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
