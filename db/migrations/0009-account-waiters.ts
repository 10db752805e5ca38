/**
 * jimeng_account_waiters: the jobs waiting for a free account, oldest first, so that a release wakes the job
 * that has waited longest instead of leaving the account idle until some job's next durable timer.
 *
 * Measured by bench/pool-capacity: with only timers (3-15 s) a burst of 1,000 jobs on 20 accounts reached
 * 92.9 % of the pool's capacity, the rest mostly accounts free while jobs slept. A row lives while its job
 * waits: written when an attempt finds no account, deleted when the job leases one or ends. `woken_at` marks
 * a wake sent, so one release wakes one job; a wake older than a minute may be sent again (a lost signal).
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

export const migration: Migration = {
  name: '0009-account-waiters',
  async up({ sql }) {
    await sql(`CREATE TABLE jimeng_account_waiters (
      holder VARCHAR(200) NOT NULL COMMENT '等待的任务（workflow id），唤醒信号发往此处',
      capability VARCHAR(10) NOT NULL COMMENT '等待的能力：image / video',
      sites VARCHAR(32) NOT NULL COMMENT '可用站点（逗号分隔的 site_type），只有这些站点的账号释放时唤醒',
      waiting_since DATETIME(3) NOT NULL COMMENT '开始等待时间（重新排队时不变，先等先醒）',
      woken_at DATETIME(3) NULL COMMENT '最近一次唤醒时间，NULL 为尚未唤醒',
      PRIMARY KEY (holder),
      INDEX idx_capability_since (capability, waiting_since)
    ) ${TABLE_CHARSET} COMMENT='等待空闲即梦账号的任务'`);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS jimeng_account_waiters');
  },
};
