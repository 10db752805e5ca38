import { QueryTypes, type Sequelize } from 'sequelize';
import { sqlTime } from './sql-time';

const PURGE_BATCH = 1000;

/** Removes expired api_idempotency_keys rows (the API's replay store); the hourly clean-up schedule runs it. */
export async function purgeExpiredIdempotencyKeys(sequelize: Sequelize, now: Date): Promise<number> {
  let total = 0;
  // In batches: one huge DELETE would hold its locks (and the replication stream) for a long time.
  for (;;) {
    const deleted = await sequelize.query(
      `DELETE FROM api_idempotency_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ${PURGE_BATCH}`,
      { replacements: [sqlTime(now)], type: QueryTypes.BULKDELETE },
    );
    total += deleted;
    if (deleted < PURGE_BATCH) return total;
  }
}
