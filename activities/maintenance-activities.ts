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
  return {
    async refreshAccountQuotas(): Promise<RefreshResult> {
      return deps.pool.refreshDueAccounts();
    },
    async expirePointBatches(): Promise<{ expiredBatches: number }> {
      return { expiredBatches: await deps.ledger.expireDue() };
    },
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
      const prunedLeases = await deps.pool.pruneLeases(LEASE_HISTORY_MS);
      // The API's Idempotency-Key replays expire after 24 h.
      const purgedIdempotencyKeys = await purgeExpiredIdempotencyKeys(deps.sequelize, deps.now());
      return { removedFiles, prunedLeases, purgedIdempotencyKeys };
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
