/**
 * Seed 002 (jimeng-tables.md): jimeng_accounts, jimeng_image_generation_records,
 * jimeng_video_generation_records.
 *
 * The CREATE TABLE statements are the seed's, byte for byte (only wrapped in template literals): the
 * reference says the schema must equal what that SQL creates, and the schema test loads the seed's SQL
 * into a scratch database and compares both through information_schema.
 *
 * Where the seed disagrees with itself, the SQL wins:
 * - jimeng_accounts.max_retry_count: DEFAULT 4 in the SQL, 6 in the summary table. 4 is kept because it is
 *   what the executable DDL creates and it matches the default backoff 3-5-10-15 s (four waits); the longer
 *   documented table of waits lets operators raise it per account.
 * - jimeng_image_generation_records.intelligent_ratio: the comment names 4.0/4.1/4.5 only; the protocol
 *   reference also allows 4.6 and 5.0. The comment is kept as written (schema), the code follows the protocol.
 * - The "关键索引设计" section lists (project_id, storyboard_id, is_deleted) as an index; the SQL makes it the
 *   UNIQUE KEY uk_project_storyboard. Unique it is: workflow ids are derived from (project_id, storyboard_id)
 *   so Temporal and this key agree on "one live generation per storyboard".
 *
 * The seed names no character set; each statement is run with TABLE_CHARSET appended (db/charset.ts), so the
 * SQL above stays the seed's and the tables do not take whatever the server's default is.
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const JIMENG_ACCOUNTS_SQL = `CREATE TABLE jimeng_accounts (
    id VARCHAR(36) PRIMARY KEY COMMENT '雪花UUID',
    jimeng_account VARCHAR(100) NOT NULL COMMENT '即梦账号',
    jimeng_account_type TINYINT(1) DEFAULT 0 COMMENT '即梦账号类型：0-国内账号，1-国外账号',
    session_id VARCHAR(200) NOT NULL COMMENT '登录状态ID',
    site_type TINYINT(1) DEFAULT 0 COMMENT '站点类型：0-cn，1-us，2-hk，3-jp，4-sg',
    account_status TINYINT(1) DEFAULT 0 COMMENT '账号状态：0-active(正常)，1-inactive(停用)，2-banned(封禁)',
    image_generation_status TINYINT(1) DEFAULT 1 COMMENT '生图状态：0-不可用，1-可用，2-速率限制',
    video_generation_status TINYINT(1) DEFAULT 1 COMMENT '生视频状态：0-不可用，1-可用，2-速率限制',
    image_count INT DEFAULT 0 COMMENT '图片生成次数',
    video_count INT DEFAULT 0 COMMENT '视频生成次数',
    image_unavailable_time TIMESTAMP NULL COMMENT '生图失效时间，当生图状态变为0，2不可用时记录，用于额度刷新时恢复状态',
    video_unavailable_time TIMESTAMP NULL COMMENT '生视频失效时间，当生视频状态变为0，2不可用时记录，用于额度刷新时恢复状态',
    quota_reset_time TIMESTAMP NULL COMMENT '额度重置时间，由应用在账号创建时写入为“创建日期+1天的0:30”，后续在额度隔天刷新为可用状态时一并更新',
    priority INT DEFAULT 0 COMMENT '账号优先级',
    max_retry_count INT DEFAULT 4 COMMENT '最大重试次数，代码中默认的采用指数退避3-5-10-15，请你写的更多点，方便我以后增加重试次数，能够知道后续等待时间',
    version INT DEFAULT 1 COMMENT '版本号',
    is_deleted TINYINT(1) DEFAULT 0 COMMENT '逻辑删除标记',
    create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    create_by VARCHAR(50) COMMENT '创建人',
    update_by VARCHAR(50) COMMENT '修改人',
    attr1 VARCHAR(255) COMMENT '扩展字段1',
    attr2 VARCHAR(255) COMMENT '扩展字段2',
    attr3 TEXT COMMENT '扩展字段3',

    UNIQUE KEY uk_session_site (session_id, site_type),
    INDEX idx_account_status (account_status),
    INDEX idx_generation_status (image_generation_status, video_generation_status),
    INDEX idx_priority_create_time (priority DESC, create_time DESC)
) COMMENT='即梦账号管理表'`;

const JIMENG_IMAGE_GENERATION_RECORDS_SQL = `CREATE TABLE jimeng_image_generation_records (
    id VARCHAR(36) PRIMARY KEY COMMENT '雪花UUID',
    jimeng_accounts_id VARCHAR(36) NOT NULL COMMENT '即梦账号表ID 逻辑外键不建立外键索引',
    project_id VARCHAR(50) NOT NULL COMMENT '推理项目ID',
    project_name VARCHAR(50) NOT NULL COMMENT '推理项目名称',   
    storyboard_id VARCHAR(50) NOT NULL COMMENT '分镜ID',
    work_id VARCHAR(50) NOT NULL COMMENT '作品id',
    model VARCHAR(50) NOT NULL COMMENT '使用的模型',
    prompt TEXT NOT NULL COMMENT '生成提示词',
    negative_prompt TEXT COMMENT '负面提示词',
    ratio VARCHAR(10) DEFAULT '1:1' COMMENT '宽高比，支持：1:1, 4:3, 3:4, 16:9, 9:16, 3:2, 2:3, 21:9',
    resolution VARCHAR(10) DEFAULT '2k' COMMENT '分辨率，支持：1k, 2k, 4k',
    intelligent_ratio TINYINT(1) DEFAULT 0 COMMENT '是否启用智能比例，0-否，1-是，仅对jimeng-4.0/jimeng-4.1/jimeng-4.5模型有效',
    sample_strength DECIMAL(3,2) COMMENT '采样强度，范围0.0-1.0',
    response_format VARCHAR(20) DEFAULT 'url' COMMENT '响应格式，url或b64_json',
    input_images JSON COMMENT '输入图片URLs数组（图生图时使用）',
    original_session_id VARCHAR(200) COMMENT '原始session_id',
    site_used TINYINT(1) COMMENT '实际使用的站点：0-cn，1-us，2-hk，3-jp，4-sg',
    generation_status TINYINT(1) DEFAULT 0 COMMENT '生成状态：0-pending，1-processing，2-completed，3-failed，4-retrying',
    image_urls JSON COMMENT '生成图片URL数组',
    image_local_paths JSON COMMENT '图片本地路径数组',
    generation_time INT COMMENT '生成耗时(秒)',
    error_code VARCHAR(20) COMMENT '错误码',
    error_message TEXT COMMENT '错误信息',
    site_switch_count INT DEFAULT 0 COMMENT '站点切换次数',
    priority INT DEFAULT 0 COMMENT '任务优先级',
    callback_url VARCHAR(500) COMMENT '回调地址',
    version INT DEFAULT 1 COMMENT '版本号',
    is_deleted TINYINT(1) DEFAULT 0 COMMENT '逻辑删除标记',
    create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    create_by VARCHAR(50) COMMENT '创建人',
    update_by VARCHAR(50) COMMENT '修改人',
    attr1 VARCHAR(255) COMMENT '扩展字段1',
    attr2 VARCHAR(255) COMMENT '扩展字段2',
    attr3 TEXT COMMENT '扩展字段3',

    INDEX idx_jimeng_accounts_id_status (jimeng_accounts_id, generation_status),
    UNIQUE KEY uk_project_storyboard (project_id, storyboard_id, is_deleted),
    INDEX idx_project_storyboard (project_id, storyboard_id),
    INDEX idx_status_create_time (generation_status, create_time)
) COMMENT='图片生成任务记录表'`;

const JIMENG_VIDEO_GENERATION_RECORDS_SQL = `CREATE TABLE jimeng_video_generation_records (
    id VARCHAR(36) PRIMARY KEY COMMENT '雪花UUID',
    jimeng_accounts_id VARCHAR(36) NOT NULL COMMENT '即梦账号表ID 逻辑外键不建立外键索引',
    project_id VARCHAR(50) NOT NULL COMMENT '推理项目ID',
    project_name VARCHAR(50) NOT NULL COMMENT '推理项目名称',   
    storyboard_id VARCHAR(50) NOT NULL COMMENT '分镜ID',
    work_id VARCHAR(50) NOT NULL COMMENT '作品id',
    model VARCHAR(50) NOT NULL COMMENT '使用的模型',
    prompt TEXT NOT NULL COMMENT '生成提示词',
    negative_prompt TEXT COMMENT '负面提示词',
    ratio VARCHAR(10) DEFAULT '16:9' COMMENT '宽高比，支持：1:1, 4:3, 3:4, 16:9, 9:16, 21:9（图生视频时此参数会被忽略）',
    resolution VARCHAR(10) DEFAULT '720p' COMMENT '视频分辨率，支持：720p, 1080p',
    duration INT DEFAULT 5 COMMENT '视频时长(秒)，支持：5, 10',
    response_format VARCHAR(20) DEFAULT 'url' COMMENT '响应格式，url或b64_json',
    input_images JSON COMMENT '输入图片URLs数组(图生视频或首尾帧视频)',
    original_session_id VARCHAR(200) COMMENT '原始session_id',
    site_used TINYINT(1) COMMENT '实际使用的站点：0-cn，1-us，2-hk，3-jp，4-sg',
    generation_status TINYINT(1) DEFAULT 0 COMMENT '生成状态：0-pending，1-processing，2-completed，3-failed，4-retrying',
    remote_task_id VARCHAR(100) COMMENT '远程任务ID',
    video_urls JSON COMMENT '生成视频URL数组',
    video_local_paths JSON COMMENT '视频本地路径数组',
    generation_time INT COMMENT '生成耗时(秒)',
    error_code VARCHAR(20) COMMENT '错误码',
    error_message TEXT COMMENT '错误信息',
    site_switch_count INT DEFAULT 0 COMMENT '站点切换次数',
    priority INT DEFAULT 0 COMMENT '任务优先级',
    callback_url VARCHAR(500) COMMENT '回调地址',
    version INT DEFAULT 1 COMMENT '版本号',
    is_deleted TINYINT(1) DEFAULT 0 COMMENT '逻辑删除标记',
    create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    create_by VARCHAR(50) COMMENT '创建人',
    update_by VARCHAR(50) COMMENT '修改人',
    attr1 VARCHAR(255) COMMENT '扩展字段1',
    attr2 VARCHAR(255) COMMENT '扩展字段2',
    attr3 TEXT COMMENT '扩展字段3',

    INDEX idx_jimeng_accounts_id_status (jimeng_accounts_id, generation_status),
    UNIQUE KEY uk_project_storyboard (project_id, storyboard_id, is_deleted),
    INDEX idx_project_storyboard (project_id, storyboard_id),
    INDEX idx_status_create_time (generation_status, create_time),
    INDEX idx_remote_task_id (remote_task_id)
) COMMENT='视频生成任务记录表'`;

export const migration: Migration = {
  name: '0001-jimeng-tables',
  async up({ sql }) {
    await sql(`${JIMENG_ACCOUNTS_SQL} ${TABLE_CHARSET}`);
    await sql(`${JIMENG_IMAGE_GENERATION_RECORDS_SQL} ${TABLE_CHARSET}`);
    await sql(`${JIMENG_VIDEO_GENERATION_RECORDS_SQL} ${TABLE_CHARSET}`);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS jimeng_video_generation_records');
    await sql('DROP TABLE IF EXISTS jimeng_image_generation_records');
    await sql('DROP TABLE IF EXISTS jimeng_accounts');
  },
};
