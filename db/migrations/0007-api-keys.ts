/**
 * What the API needs to know who calls it and to make retried POSTs safe; not in the seeds, both ours:
 *
 * - api_keys: one row per issued key. Only the SHA-256 of the key is kept (keys are 256 random bits, so a
 *   fast hash is enough: there is nothing to brute-force), and the UNIQUE key_hash is the lookup. key_prefix
 *   is the part operators may see to tell keys apart. `owner` is the tenant the key acts for: what the key
 *   creates belongs to it. Keys are revoked (revoked_at), never deleted, so the audit trail stays.
 * - api_idempotency_keys: one row per (owner, Idempotency-Key). The PRIMARY KEY is the lock: the INSERT that
 *   wins runs the request, the others see its row. request_hash tells a true retry from a different request
 *   reusing the key. A row is `in_progress` while its request runs and `done` with the response to replay;
 *   expires_at bounds both: an abandoned claim (its process died) and a finished key are reusable after it.
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const API_KEYS_SQL = `CREATE TABLE api_keys (
    id CHAR(36) NOT NULL COMMENT '主键（UUID）',
    key_hash CHAR(64) NOT NULL COMMENT '完整密钥的 SHA-256（十六进制），密钥本身不保存',
    key_prefix VARCHAR(16) NOT NULL COMMENT '密钥前缀，供运维识别（可展示）',
    name VARCHAR(100) NULL COMMENT '备注名称',
    owner VARCHAR(50) NOT NULL COMMENT '所属租户：用此密钥创建的任务归属于它',
    scope ENUM('caller', 'admin') NOT NULL COMMENT '权限范围：caller 调用方 / admin 管理员',
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT '创建时间',
    last_used_at DATETIME(3) NULL COMMENT '最近使用时间（至多每分钟更新一次）',
    revoked_at DATETIME(3) NULL COMMENT '吊销时间，非空即失效',
    PRIMARY KEY (id),
    UNIQUE KEY uk_key_hash (key_hash),
    INDEX idx_owner (owner)
) ${TABLE_CHARSET} COMMENT='API 密钥表'`;

const IDEMPOTENCY_KEYS_SQL = `CREATE TABLE api_idempotency_keys (
    owner VARCHAR(50) NOT NULL COMMENT '所属租户（幂等键按租户隔离）',
    idempotency_key VARCHAR(255) NOT NULL COMMENT '调用方提供的 Idempotency-Key',
    method VARCHAR(10) NOT NULL COMMENT '请求方法',
    path VARCHAR(500) NOT NULL COMMENT '请求路径，供排查',
    request_hash CHAR(64) NOT NULL COMMENT '方法、地址与请求体的 SHA-256，同键不同请求拒绝',
    state ENUM('in_progress', 'done') NOT NULL COMMENT '状态：in_progress 处理中 / done 已完成',
    response_status INT NULL COMMENT '首次响应的状态码',
    response_headers JSON NULL COMMENT '首次响应中需重放的头（Location、Content-Type）',
    response_body LONGTEXT NULL COMMENT '首次响应体，重试时原样返回',
    created_at DATETIME(3) NOT NULL COMMENT '创建时间（认领时间）',
    expires_at DATETIME(3) NOT NULL COMMENT '过期时间，过期后此键视为新键',
    PRIMARY KEY (owner, idempotency_key),
    INDEX idx_expires (expires_at)
) ${TABLE_CHARSET} COMMENT='API 幂等键表'`;

export const migration: Migration = {
  name: '0007-api-keys',
  async up({ sql }) {
    await sql(API_KEYS_SQL);
    await sql(IDEMPOTENCY_KEYS_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS api_idempotency_keys');
    await sql('DROP TABLE IF EXISTS api_keys');
  },
};
