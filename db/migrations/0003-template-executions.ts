/**
 * Seed 000 (template-execution.entity.ts, TypeORM): template_executions, the caller-facing execution row.
 *
 * Column types are what TypeORM's MySQL driver creates for that entity: `number` → INT, `string` →
 * VARCHAR(255), `length: n` → VARCHAR(n), `Date` → DATETIME, enums → ENUM, @CreateDateColumn /
 * @UpdateDateColumn → DATETIME(6) with CURRENT_TIMESTAMP(6). Comments are the seed's doc comments.
 *
 * Choices the seed leaves open:
 * - `platform` is an ENUM of `PlatformType`, whose values live in a file the seed does not include. We use
 *   the platforms a mini-app backend serves plus `api` for this platform's HTTP callers.
 * - The @ManyToOne to n8n_templates is not a database FOREIGN KEY: that table is not part of this system
 *   (the seeds treat such links as logical foreign keys, as jimeng_*_generation_records do).
 * - Index names follow the seeds' `idx_<columns>` style instead of TypeORM's hashed names.
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const TEMPLATE_EXECUTIONS_SQL = `CREATE TABLE template_executions (
    id INT NOT NULL AUTO_INCREMENT COMMENT '主键 - 模板执行记录的唯一标识符',
    template_id INT NOT NULL COMMENT '模板ID - 关联的N8N模板ID标识使用的模板配置',
    user_id VARCHAR(255) NOT NULL COMMENT '用户ID - 发起执行任务的用户标识',
    platform ENUM('wechat','douyin','alipay','web','api') NOT NULL COMMENT '执行平台 - 任务发起的平台来源',
    type ENUM('image','video') NOT NULL COMMENT '执行类型 - 标识生成内容的类型(图片或视频)',
    prompt TEXT NOT NULL COMMENT '用户提示词 - 用户输入的内容生成描述作为AI模型的输入',
    input_image_url VARCHAR(500) NULL COMMENT '输入图片URL - 作为参考或处理基础的输入图片地址(可选)',
    output_url VARCHAR(500) NULL COMMENT '输出内容URL - 生成完成后的图片或视频文件地址',
    thumbnail_url VARCHAR(500) NULL COMMENT '缩略图URL - 生成内容的预览缩略图地址,用于快速预览',
    status ENUM('pending','processing','completed','failed','cancelled') NOT NULL DEFAULT 'pending' COMMENT '执行状态 - 当前任务的处理状态',
    progress INT NOT NULL DEFAULT 0 COMMENT '执行进度 - 任务完成百分比(0-100),用于显示进度条',
    error_message TEXT NULL COMMENT '错误信息 - 任务失败时的详细错误描述',
    execution_result JSON NULL COMMENT '执行结果 - AI模型返回的完整结果数据包含生成参数和元信息',
    credit_cost INT NOT NULL DEFAULT 0 COMMENT '积分消耗 - 本次执行实际消耗的用户积分数量',
    credit_transaction_id VARCHAR(100) NULL COMMENT '积分交易ID - 关联的积分消费记录ID用于财务对账和退款处理',
    input_params JSON NULL COMMENT '输入参数 - 用户提供的完整输入参数,包含提示词、样式、尺寸等配置',
    execution_config JSON NULL COMMENT '执行配置 - 模板执行的技术配置,包含模型参数、生成选项等',
    started_at DATETIME NULL COMMENT '开始执行时间 - 任务实际开始处理的时间戳',
    completed_at DATETIME NULL COMMENT '完成时间 - 任务执行完成(成功或失败)的时间戳',
    execution_duration INT NULL COMMENT '执行时长 - 任务的实际处理时间(毫秒),用于性能分析和优化',
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT '创建时间 - 执行记录的创建时间戳',
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6) COMMENT '更新时间 - 记录最后修改时间,用于状态变更追踪',
    PRIMARY KEY (id),
    INDEX idx_template_id (template_id),
    INDEX idx_user_id (user_id),
    INDEX idx_platform (platform),
    INDEX idx_status (status),
    INDEX idx_type (type),
    INDEX idx_credit_transaction_id (credit_transaction_id)
) ${TABLE_CHARSET} COMMENT='模板执行记录表'`;

export const migration: Migration = {
  name: '0003-template-executions',
  async up({ sql }) {
    await sql(TEMPLATE_EXECUTIONS_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS template_executions');
  },
};
