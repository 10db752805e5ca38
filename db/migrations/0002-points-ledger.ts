/**
 * Seed 001 (point-transaction-model.py): mjk_point_transactions, plus the point batch table its
 * `batch_id` points to and a per-user balance row.
 *
 * Type mapping from the SQLAlchemy model (the seed is PostgreSQL-flavoured):
 * - BaseModelBigInt → `id BIGINT AUTO_INCREMENT` with `created_at` / `updated_at` (the base class is not in
 *   the seed; these are the columns such a base class carries).
 * - `UUID(as_uuid=True)` → CHAR(36): user ids travel as UUID strings.
 * - `Mapped[int]` → INT, `String(n)` → VARCHAR(n), `Text` → TEXT, `BigInteger` → BIGINT,
 *   `Mapped[float]` → FLOAT (SQLAlchemy's Float is MySQL FLOAT).
 * - Comments are the seed's, verbatim.
 *
 * The seed names the batch table only through `batch_id` ("积分批次 ID"): mjk_point_batches is ours. Its id
 * is BIGINT because batch_id is BigInteger. `remaining` is what FIFO-by-expiry consumption decrements; a
 * CHECK keeps it within [0, amount] even if application code is wrong.
 *
 * mjk_user_points holds the balance that the ledger decrements with a conditional UPDATE
 * (`balance >= ?`), so the check and the decrement are one statement; the CHECK is a second guard.
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const BATCHES_SQL = `CREATE TABLE mjk_point_batches (
    id BIGINT NOT NULL AUTO_INCREMENT COMMENT '积分批次 ID（mjk_point_transactions.batch_id 指向此列）',
    user_id CHAR(36) NOT NULL COMMENT '用户 ID',
    amount INT NOT NULL COMMENT '批次充值数量（正数）',
    remaining INT NOT NULL COMMENT '批次剩余可用数量',
    expires_at DATETIME NULL COMMENT '过期时间，NULL 表示永不过期',
    status VARCHAR(20) NOT NULL DEFAULT 'active' COMMENT '批次状态：active / expired',
    source_type VARCHAR(32) NULL COMMENT '来源类型：recharge / gift / compensation',
    source_id VARCHAR(64) NULL COMMENT '关联的订单 ID',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    INDEX idx_user_status_expires (user_id, status, expires_at),
    INDEX idx_status_expires (status, expires_at),
    CONSTRAINT chk_batch_remaining CHECK (remaining >= 0 AND remaining <= amount)
) ${TABLE_CHARSET} COMMENT='积分批次表'`;

const USER_POINTS_SQL = `CREATE TABLE mjk_user_points (
    user_id CHAR(36) NOT NULL COMMENT '用户 ID',
    balance INT NOT NULL DEFAULT 0 COMMENT '当前总余额（= 各批次 remaining 之和）',
    version INT NOT NULL DEFAULT 1 COMMENT '版本号',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (user_id),
    CONSTRAINT chk_user_balance CHECK (balance >= 0)
) ${TABLE_CHARSET} COMMENT='用户积分余额表'`;

const TRANSACTIONS_SQL = `CREATE TABLE mjk_point_transactions (
    id BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
    user_id CHAR(36) NOT NULL COMMENT '用户 ID',
    type VARCHAR(20) NOT NULL COMMENT '变动类型:recharge / consume / expire / refund',
    amount INT NOT NULL DEFAULT 0 COMMENT '变动数量(正数)',
    balance_before INT NOT NULL DEFAULT 0 COMMENT '变动前总余额',
    balance_after INT NOT NULL DEFAULT 0 COMMENT '变动后总余额',
    source_type VARCHAR(32) NULL COMMENT '消费来源类型:script / polish / voice_clone / tts / video',
    source_id VARCHAR(64) NULL COMMENT '关联的任务 ID 或订单 ID',
    batch_id BIGINT NULL COMMENT '关联的积分批次 ID(消费时记录从哪个批次扣)',
    duration FLOAT NULL COMMENT '时长(秒),按秒计费业务记录',
    description TEXT NULL COMMENT '描述',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    INDEX idx_user_id_id (user_id, id),
    INDEX idx_source (source_type, source_id),
    INDEX idx_batch_id (batch_id)
) ${TABLE_CHARSET} COMMENT='积分流水表'`;

export const migration: Migration = {
  name: '0002-points-ledger',
  async up({ sql }) {
    await sql(BATCHES_SQL);
    await sql(USER_POINTS_SQL);
    await sql(TRANSACTIONS_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS mjk_point_transactions');
    await sql('DROP TABLE IF EXISTS mjk_user_points');
    await sql('DROP TABLE IF EXISTS mjk_point_batches');
  },
};
