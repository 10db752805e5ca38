/**
 * jimeng_account_leases.request_key: which lease request made the row, so a retried lease returns the lease
 * its first attempt took instead of taking a second account.
 *
 * Found by the chaos suite: a worker killed after the lease's INSERT committed but before Temporal heard the
 * activity complete left that lease live (its account idle for the whole lease TTL) while the retry leased
 * another account. The key is the activity's identity (run id + activity id, the same on every retry);
 * NULL for leases taken outside an activity. Unique, so two attempts racing each other end with one lease.
 */
import type { Migration } from '../migration';

export const migration: Migration = {
  name: '0008-lease-request-key',
  async up({ sql }) {
    await sql(`ALTER TABLE jimeng_account_leases
      ADD COLUMN request_key VARCHAR(120) NULL COMMENT '租用请求标识（活动重试时不变），重试返回同一租约' AFTER holder,
      ADD UNIQUE KEY uk_request_key (request_key)`);
  },
  async down({ sql }) {
    await sql('ALTER TABLE jimeng_account_leases DROP INDEX uk_request_key, DROP COLUMN request_key');
  },
};
