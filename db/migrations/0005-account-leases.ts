/**
 * jimeng_account_leases: who holds which account's image or video capacity, until when, and how it ended.
 *
 * Not in the seeds: seed 002's jimeng_accounts must stay exactly as its DDL says, so lease state lives
 * beside it. The row is also the audit trail operators asked for ("which account served a request and why").
 *
 * One account serves one image and one video generation at a time. `live_key` is
 * `<account_id>:<capability>` while a lease is live and NULL afterwards; its UNIQUE key is what makes
 * double-booking impossible even if two transactions chose the same account (MySQL and MariaDB allow any
 * number of NULLs in a unique index). An expired lease is reaped (live_key cleared) by the next lease call,
 * so a crashed worker's capacity comes back by itself.
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const LEASES_SQL = `CREATE TABLE jimeng_account_leases (
    token CHAR(36) NOT NULL COMMENT '租约令牌（UUID），release 以此幂等',
    account_id VARCHAR(36) NOT NULL COMMENT '即梦账号ID（逻辑外键 jimeng_accounts.id）',
    capability VARCHAR(10) NOT NULL COMMENT '租用能力：image / video',
    holder VARCHAR(200) NULL COMMENT '持有者（workflow id 等），便于排查',
    live_key VARCHAR(50) NULL COMMENT '存活期间为 account_id:capability，释放或过期后为 NULL（唯一键防止重复租用）',
    leased_at DATETIME(3) NOT NULL COMMENT '租用时间',
    expires_at DATETIME(3) NOT NULL COMMENT '租约过期时间，过期后账号自动回到池中',
    released_at DATETIME(3) NULL COMMENT '释放时间（含过期回收）',
    outcome VARCHAR(32) NULL COMMENT '结果：success / rate_limited / quota_exhausted / session_invalid / banned / failed / expired',
    PRIMARY KEY (token),
    UNIQUE KEY uk_live_key (live_key),
    INDEX idx_account_capability_leased (account_id, capability, leased_at),
    INDEX idx_expires_live (expires_at, live_key)
) ${TABLE_CHARSET} COMMENT='即梦账号租约表'`;

export const migration: Migration = {
  name: '0005-account-leases',
  async up({ sql }) {
    await sql(LEASES_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS jimeng_account_leases');
  },
};
