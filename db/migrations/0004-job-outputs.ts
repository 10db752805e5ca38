/**
 * Seed 003 (oss-output-storage.md): job_outputs, with the image/file fields of seed 004's model_image.
 *
 * Seed 003 names its fields in camelCase (a TypeORM entity); the columns here are snake_case like every
 * other table of the system, the entity names being the model's attribute names.
 *
 * Where 003 and 004 overlap, one column serves both: 003's `ossPath` and 004's `oss_object_name` are the
 * same OSS object key (`users/{userId}/jobs/{jobId}/{type}-{timestamp}.{ext}`), kept as `oss_path` with
 * 004's type VARCHAR(500) and its index. 003's `size` takes 004's BIGINT. From 004 come width, height,
 * content_type, extension, oss_cdn_url, image_type, is_primary and sort_order. 003's `meta` JSON keeps what
 * has no column (duration, format, upstream URL...). 004's local_path / is_uploaded / uploaded_at /
 * oss_folder are left out on purpose: outputs live only in OSS (seed 003 forbids local copies), so a row
 * exists only once its object is uploaded.
 *
 * uk_job_output makes a retried upload of the same output land on the same row (idempotency).
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const JOB_OUTPUTS_SQL = `CREATE TABLE job_outputs (
    id CHAR(36) NOT NULL COMMENT 'UUID',
    job_id VARCHAR(64) NOT NULL COMMENT '关联的 Job ID',
    user_id VARCHAR(64) NOT NULL COMMENT '用户 ID（冗余字段，便于查询）',
    type VARCHAR(10) NOT NULL COMMENT '产物类型：image / video',
    oss_url VARCHAR(1000) NOT NULL COMMENT 'OSS 完整 URL（用于访问）',
    oss_cdn_url VARCHAR(1000) NULL COMMENT 'CDN URL（可选，由 OSS_BASE_URL 生成）',
    oss_path VARCHAR(500) NOT NULL COMMENT 'OSS 对象名/路径（users/{userId}/jobs/{jobId}/{type}-{timestamp}.{ext}）',
    size BIGINT NOT NULL DEFAULT 0 COMMENT '文件大小（字节）',
    content_type VARCHAR(100) NULL COMMENT 'MIME类型',
    extension VARCHAR(20) NULL COMMENT '.jpg/.png 等',
    width INT NULL COMMENT '宽度(px)',
    height INT NULL COMMENT '高度(px)',
    image_type VARCHAR(32) NULL COMMENT 'preview/result/thumbnail',
    is_primary TINYINT(1) NOT NULL DEFAULT 0 COMMENT '是否主图',
    sort_order INT NOT NULL DEFAULT 0 COMMENT '排序权重',
    meta JSON NULL COMMENT '元数据（宽度、高度、时长、格式等）',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_job_output (job_id, type, sort_order),
    INDEX idx_oss_path (oss_path),
    INDEX idx_user_created (user_id, created_at)
) ${TABLE_CHARSET} COMMENT='生成产物表（OSS 引用）'`;

export const migration: Migration = {
  name: '0004-job-outputs',
  async up({ sql }) {
    await sql(JOB_OUTPUTS_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS job_outputs');
  },
};
