/**
 * Tenancy (issue 17): which tenant an end user and a project belong to. Not in the seeds; both ours.
 *
 * A tenant is an API key's `owner` (api_keys.owner). An end user (`user_id`) and a project (`project_id`)
 * belong to the tenant that used them first: its first recharge or generation writes the row, and the
 * PRIMARY KEY is what makes that atomic (two tenants racing for a new user: one INSERT wins, the other finds
 * the winner's row). A row is never changed or deleted afterwards: who holds a user decides whose points they
 * are, so moving one is an operator's deliberate act in SQL, not something a request can do.
 *
 * - tenant_users: user_id is CHAR(36) like the ledger's (mjk_*): only such users have points.
 * - tenant_projects: project_id is VARCHAR(50) like the records'.
 *
 * Existing rows migrate to the owner that created them: records' create_by is the API key owner that asked
 * (api/generations sets it). A project goes to the owner of its oldest record, a user to the owner of their
 * oldest record (joined through template_executions, which carries the user_id the records lack); when two
 * owners used the same one before tenancy existed, the first keeps it and the other's later requests for it
 * are refused (their old tasks stay theirs: tasks carry their own tenant, migration 0011).
 *
 * Rows with no known owner stay unclaimed until their first use:
 * - records whose create_by is not the owner of any API key (tasks started with the Temporal client, whose
 *   create_by is the user id, or written by hand) claim nothing;
 * - users with only points rows (recharged or given points, never generating through the API): the ledger
 *   does not say which tenant the points were for, so the next recharge (which must then name the tenant)
 *   or generation claims them. Until then a caller key reads them as 404 and an admin key reads them as
 *   belonging to no tenant.
 */
import { TABLE_CHARSET } from '../charset';
import type { Migration } from '../migration';

const TENANT_USERS_SQL = `CREATE TABLE tenant_users (
    user_id CHAR(36) NOT NULL COMMENT '终端用户 ID（与积分表的 user_id 相同）',
    tenant VARCHAR(50) NOT NULL COMMENT '所属租户（api_keys.owner）：首次充值或生成的租户，此后不变',
    claimed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT '归属时间（首次使用）',
    PRIMARY KEY (user_id),
    INDEX idx_tenant (tenant)
) ${TABLE_CHARSET} COMMENT='终端用户所属租户表'`;

const TENANT_PROJECTS_SQL = `CREATE TABLE tenant_projects (
    project_id VARCHAR(50) NOT NULL COMMENT '推理项目ID（与生成记录的 project_id 相同）',
    tenant VARCHAR(50) NOT NULL COMMENT '所属租户（api_keys.owner）：首次生成的租户，此后不变',
    claimed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT '归属时间（首次使用）',
    PRIMARY KEY (project_id),
    INDEX idx_tenant (tenant)
) ${TABLE_CHARSET} COMMENT='推理项目所属租户表'`;

/** Every record of both types whose create_by is a tenant (the owner of some API key). */
const RECORDS = `(SELECT id, project_id, create_by, create_time FROM jimeng_image_generation_records
      UNION ALL
     SELECT id, project_id, create_by, create_time FROM jimeng_video_generation_records) r`;
const OWNED = 'r.create_by IN (SELECT owner FROM api_keys)';

// ROW_NUMBER() picks the oldest use (MariaDB 10.2+ and MySQL 8 both have window functions).
const CLAIM_PROJECTS_SQL = `INSERT INTO tenant_projects (project_id, tenant, claimed_at)
  SELECT project_id, create_by, create_time FROM (
    SELECT r.project_id, r.create_by, r.create_time,
           ROW_NUMBER() OVER (PARTITION BY r.project_id ORDER BY r.create_time, r.id) AS nth
      FROM ${RECORDS}
     WHERE ${OWNED}
  ) firsts WHERE nth = 1`;

// User ids longer than the ledger's CHAR(36) cannot hold points: there is nothing of theirs to protect.
const CLAIM_USERS_SQL = `INSERT INTO tenant_users (user_id, tenant, claimed_at)
  SELECT user_id, create_by, create_time FROM (
    SELECT e.user_id, r.create_by, r.create_time,
           ROW_NUMBER() OVER (PARTITION BY e.user_id ORDER BY r.create_time, r.id) AS nth
      FROM ${RECORDS}
      JOIN template_executions e ON e.credit_transaction_id = r.id
     WHERE ${OWNED} AND CHAR_LENGTH(e.user_id) <= 36
  ) firsts WHERE nth = 1`;

export const migration: Migration = {
  name: '0010-tenants',
  async up({ sql }) {
    await sql(TENANT_USERS_SQL);
    await sql(TENANT_PROJECTS_SQL);
    await sql(CLAIM_PROJECTS_SQL);
    await sql(CLAIM_USERS_SQL);
  },
  async down({ sql }) {
    await sql('DROP TABLE IF EXISTS tenant_projects');
    await sql('DROP TABLE IF EXISTS tenant_users');
  },
};
