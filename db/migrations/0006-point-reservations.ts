/**
 * What the ledger needs beyond seed 001's tables, both ours:
 *
 * - mjk_point_operations: one row per ledger call, keyed by its idempotency key (job id + step). The
 *   PRIMARY KEY is what makes a retried activity safe: the second call finds the first one's result.
 *   request_hash tells a true retry from a different request reusing a key (refused, as Stripe does).
 * - mjk_point_reservations: the pre-deduction of one job, UNIQUE on (source_type, source_id). `state` moves
 *   held -> settled exactly once by a compare-and-set, so completion and cancel racing settle once.
 *   `batches` records where the points came from, so refunds go back to the same batches.
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const OPERATIONS_SQL = `CREATE TABLE mjk_point_operations (
    idempotency_key VARCHAR(128) NOT NULL COMMENT '幂等键（任务ID + 步骤）',
    user_id CHAR(36) NOT NULL COMMENT '用户 ID',
    kind VARCHAR(20) NOT NULL COMMENT '操作：recharge / reserve / settle / expire',
    request_hash CHAR(64) NOT NULL COMMENT '请求内容的 SHA-256，同键不同请求拒绝',
    result JSON NOT NULL COMMENT '首次执行的结果，重试时原样返回',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    PRIMARY KEY (idempotency_key),
    INDEX idx_user_created (user_id, created_at)
) ${TABLE_CHARSET} COMMENT='积分操作幂等表'`;

const RESERVATIONS_SQL = `CREATE TABLE mjk_point_reservations (
    id BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
    user_id CHAR(36) NOT NULL COMMENT '用户 ID',
    source_type VARCHAR(32) NOT NULL COMMENT '消费来源类型',
    source_id VARCHAR(64) NOT NULL COMMENT '关联的任务 ID',
    reserved INT NOT NULL COMMENT '预扣数量',
    batches JSON NOT NULL COMMENT '预扣来源批次 [{batchId, amount}]',
    state VARCHAR(10) NOT NULL DEFAULT 'held' COMMENT 'held / settled',
    outcome VARCHAR(10) NULL COMMENT 'completed / failed / cancelled',
    actual_cost INT NULL COMMENT '实际消耗',
    refunded INT NULL COMMENT '返还数量',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    settled_at DATETIME NULL COMMENT '结算时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_source (source_type, source_id),
    INDEX idx_user_state (user_id, state)
) ${TABLE_CHARSET} COMMENT='积分预扣表'`;

export const migration: Migration = {
  name: '0006-point-reservations',
  async up({ sql }) {
    await sql(OPERATIONS_SQL);
    await sql(RESERVATIONS_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS mjk_point_reservations');
    await sql('DROP TABLE IF EXISTS mjk_point_operations');
  },
};
