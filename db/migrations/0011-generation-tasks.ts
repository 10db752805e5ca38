/**
 * generation_tasks: every generation task ever admitted, one row each, never deleted (issue 17). Ours.
 *
 * Why a table of ours and not the records: seed 002's UNIQUE (project_id, storyboard_id, is_deleted) holds one
 * live and one retired record per storyboard, so the records cannot be the history of a storyboard generated
 * three times or more (the old supersede path hard-deleted the older retired record, and the API, which read
 * tasks from the records, lost a task its caller had paid for). Why not template_executions alone: seed 000's
 * execution row is kept for every job and carries its state, progress, cost, result and timings, but not who
 * asked (the tenant) nor what for (project, storyboard, work, model), and its primary key is an AUTO_INCREMENT
 * while the task id sits in a non-unique credit_transaction_id; adding columns would make it differ from the
 * seed. So a task is: this row (who, for whom, what, when), its template_executions row (its state, cost and
 * result), its job_outputs rows (its outputs), its ledger rows, and, while it runs, its record (the finer
 * status: retrying, the error that caused a wait). The begin activity writes this row in the transaction that
 * writes the record and the execution row, so a task is never half there.
 *
 * - task_id: the snowflake task id = record id = template_executions.credit_transaction_id = the ledger's
 *   source_id = job_outputs.job_id.
 * - tenant: the API key owner that asked (the workflow input's createdBy), who may read and cancel it. NULL
 *   for tasks started without the API (the Temporal client, scripts/submit) or whose owner is not known:
 *   those only admin keys see.
 * - created_at: the worker's clock when the task began, the clock of jimeng_account_leases.leased_at, so a
 *   task's attempts are the leases of its workflow id from its created_at until the next task of the same
 *   storyboard began.
 *
 * Existing rows migrate as follows:
 * - every record (live or retired) becomes a task: its create_by is the tenant when it is the owner of some
 *   API key, else (the user id the Temporal client's starters leave there) the tenant is NULL;
 * - a template_executions row of ours (execution_config.workflowId is a generation's) whose record the old
 *   supersede path deleted becomes a task again, for the project and storyboard of its workflow id, its
 *   work_id unknown (''), and the tenant its user belongs to (migration 0010), or NULL when the user belongs
 *   to none: the task is readable again, with its outputs, cost and final state.
 *
 * Deploy this with workers of the same release: a task begun by a worker of the previous release after this
 * migration ran has no row here and is not listed (its records and execution are intact; an INSERT ... SELECT
 * like the one below adds it).
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const GENERATION_TASKS_SQL = `CREATE TABLE generation_tasks (
    task_id VARCHAR(36) NOT NULL COMMENT '任务ID（雪花）= 生成记录 id = template_executions.credit_transaction_id',
    tenant VARCHAR(50) NULL COMMENT '所属租户（api_keys.owner），可读取与取消任务；NULL 为不经 API 创建或归属未知，仅管理员可见',
    type ENUM('image','video') NOT NULL COMMENT '生成类型',
    user_id VARCHAR(255) NULL COMMENT '终端用户 ID（积分所属）',
    project_id VARCHAR(50) NOT NULL COMMENT '推理项目ID',
    storyboard_id VARCHAR(50) NOT NULL COMMENT '分镜ID',
    work_id VARCHAR(50) NOT NULL COMMENT '作品ID',
    model VARCHAR(50) NOT NULL COMMENT '使用的模型',
    created_at DATETIME(3) NOT NULL COMMENT '任务开始时间（worker 时钟，与租约 leased_at 同源）',
    PRIMARY KEY (task_id),
    INDEX idx_tenant_created (tenant, created_at, task_id),
    INDEX idx_created (created_at, task_id),
    INDEX idx_project_storyboard (project_id, storyboard_id, created_at)
) ${TABLE_CHARSET} COMMENT='生成任务历史表：每个任务一行，永不删除'`;

const TENANT_OF_RECORD = 'IF(r.create_by IN (SELECT owner FROM api_keys), r.create_by, NULL)';

const RECORD_TASKS_SQL = (type: 'image' | 'video') => `INSERT INTO generation_tasks
    (task_id, tenant, type, user_id, project_id, storyboard_id, work_id, model, created_at)
  SELECT r.id, ${TENANT_OF_RECORD}, '${type}',
         (SELECT MIN(e.user_id) FROM template_executions e WHERE e.credit_transaction_id = r.id),
         r.project_id, r.storyboard_id, r.work_id, r.model, r.create_time
    FROM jimeng_${type}_generation_records r`;

const WORKFLOW_ID = "JSON_UNQUOTE(JSON_EXTRACT(e.execution_config, '$.workflowId'))";

// jimeng-<type>/<project_id>/<storyboard_id> (workflows/generation-definitions.ts); neither part holds a '/'.
const ORPHANED_EXECUTION_TASKS_SQL = `INSERT INTO generation_tasks
    (task_id, tenant, type, user_id, project_id, storyboard_id, work_id, model, created_at)
  SELECT e.credit_transaction_id, (SELECT tu.tenant FROM tenant_users tu WHERE tu.user_id = e.user_id), e.type,
         e.user_id, SUBSTRING_INDEX(SUBSTRING_INDEX(${WORKFLOW_ID}, '/', 2), '/', -1),
         SUBSTRING_INDEX(${WORKFLOW_ID}, '/', -1), '',
         COALESCE(JSON_UNQUOTE(JSON_EXTRACT(e.input_params, '$.model')), ''), e.created_at
    FROM template_executions e
   WHERE e.credit_transaction_id IS NOT NULL
     AND (${WORKFLOW_ID} LIKE 'jimeng-image/%/%' OR ${WORKFLOW_ID} LIKE 'jimeng-video/%/%')
     AND NOT EXISTS (SELECT 1 FROM generation_tasks t WHERE t.task_id = e.credit_transaction_id)`;

export const migration: Migration = {
  name: '0011-generation-tasks',
  async up({ sql }) {
    await sql(GENERATION_TASKS_SQL);
    await sql(RECORD_TASKS_SQL('image'));
    await sql(RECORD_TASKS_SQL('video'));
    await sql(ORPHANED_EXECUTION_TASKS_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS generation_tasks');
  },
};
