/**
 * tenant_callback_secrets: one row per tenant (api_keys.owner) holding the HMAC key its callbacks are signed
 * with (issue 17). Until now one CALLBACK_SIGNING_SECRET signed every tenant's callbacks, so any tenant could
 * forge `generation.finished` to another tenant's receiver.
 *
 * - Why not a hash, as for API keys: the platform computes the HMAC, so it needs the secret itself. It is
 *   stored sealed with AES-256-GCM under CALLBACK_SECRET_ENCRYPTION_KEY (services/callbacks/
 *   callback-secret-cipher.ts), bound to the owner, so a dump of the database signs nothing.
 * - secret_*: the current secret, made with the tenant's first API key (api/auth/issue-api-key.ts) or by a
 *   rotation; its prefix is what operators may see. previous_*: the secret a rotation replaced, which keeps
 *   signing next to the new one until previous_expires_at, so receivers switch without losing a callback.
 * - Existing tenants (owners with keys, no row here) get no row from this migration: it cannot show anyone
 *   the secret it would make. Their rows come from `node dist/scripts/backfill-callback-secrets.js`, which
 *   prints each tenant's new secret once and keeps the legacy CALLBACK_SIGNING_SECRET signing next to it for
 *   an overlap window, so their receivers keep verifying while they switch. Until then the worker signs their
 *   callbacks with the legacy secret outside production only; with NODE_ENV=production such a callback is
 *   not sent (the delivery fails at once, naming the tenant and the script).
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

export const migration: Migration = {
  name: '0012-tenant-callback-secrets',
  async up({ sql }) {
    await sql(`CREATE TABLE tenant_callback_secrets (
      owner VARCHAR(50) NOT NULL COMMENT '租户（api_keys.owner）：其任务的回调用此密钥签名',
      secret_sealed VARCHAR(255) NOT NULL COMMENT '当前签名密钥，AES-256-GCM 加密（CALLBACK_SECRET_ENCRYPTION_KEY），不存明文',
      secret_prefix VARCHAR(16) NOT NULL COMMENT '当前密钥前缀，供运维与接收方识别（可展示）',
      secret_created_at DATETIME(3) NOT NULL COMMENT '当前密钥生成时间（首个密钥或最近一次轮换）',
      previous_sealed VARCHAR(255) NULL COMMENT '轮换前的密钥（加密），过渡期内与新密钥同时签名',
      previous_prefix VARCHAR(16) NULL COMMENT '轮换前密钥的前缀（legacy 表示旧的全局密钥）',
      previous_expires_at DATETIME(3) NULL COMMENT '过渡期结束时间，此后只用当前密钥签名',
      created_at DATETIME(3) NOT NULL COMMENT '租户首次获得密钥的时间',
      PRIMARY KEY (owner)
    ) ${TABLE_CHARSET} COMMENT='租户回调签名密钥表'`);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS tenant_callback_secrets');
  },
};
