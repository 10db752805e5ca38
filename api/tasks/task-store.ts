import { QueryTypes, type Sequelize } from 'sequelize';
import { generationWorkflowId } from '../../workflows/generation-definitions';
import { sqlTime } from '../../db/sql-time';
import type { TimeCursor } from '../http/keyset-cursor';
import { type TaskOutput, type TaskStatus, type TaskView } from './task-view';
import { tasksInScope, type TenantScope } from '../../services/tenants/tenant-ownership';
import type { GenerationType } from '../../domain/generation/generation-types';

interface Row {
  type: GenerationType;
  id: string;
  tenant: string | null;
  user_id: string | null;
  project_id: string;
  storyboard_id: string;
  work_id: string;
  model: string;
  prompt: string | null;
  status: TaskStatus | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  next_created_at: Date | null;
  update_time: Date | null;
  progress: number | null;
  credit_cost: number | null;
  started_at: Date | null;
  completed_at: Date | null;
}

/**
 * A task is its generation_tasks row (t), its execution (e: state, cost, result, timings) and its record (the
 * image or the video one: ri, rv), which every task begun since migration 0011 keeps; a task whose record the
 * old supersede path deleted is told by its execution alone.
 */
const FROM = `FROM generation_tasks t
  LEFT JOIN jimeng_image_generation_records ri ON t.type = 'image' AND ri.id = t.task_id
  LEFT JOIN jimeng_video_generation_records rv ON t.type = 'video' AND rv.id = t.task_id
  LEFT JOIN template_executions e ON e.credit_transaction_id = t.task_id`;

const RECORD = (column: string) => `COALESCE(ri.${column}, rv.${column})`;
const ERROR_CODE = `COALESCE(${RECORD('error_code')}, JSON_UNQUOTE(JSON_EXTRACT(e.execution_result, '$.errorCode')))`;

/**
 * The caller's status from the seed's two vocabularies, for the view and the filter alike: records have no
 * "cancelled" (a cancel is status 3 with error_code CANCELLED) and executions have no "retrying" (status 4 of
 * the record); without a record, the execution's own status.
 */
const STATUS = `CASE ${RECORD('generation_status')}
    WHEN 0 THEN 'pending' WHEN 1 THEN 'processing' WHEN 2 THEN 'completed' WHEN 4 THEN 'retrying'
    WHEN 3 THEN IF(${ERROR_CODE} = 'CANCELLED' OR e.status = 'cancelled', 'cancelled', 'failed')
    ELSE e.status END`;

const COLUMNS = `t.type, t.task_id AS id, t.tenant, t.user_id, t.project_id, t.storyboard_id, t.work_id, t.model,
  COALESCE(${RECORD('prompt')}, e.prompt) AS prompt, ${STATUS} AS status, ${ERROR_CODE} AS error_code,
  COALESCE(${RECORD('error_message')}, e.error_message) AS error_message, t.created_at,
  (SELECT MIN(n.created_at) FROM generation_tasks n
    WHERE n.project_id = t.project_id AND n.storyboard_id = t.storyboard_id AND n.type = t.type
      AND n.created_at > t.created_at) AS next_created_at,
  COALESCE(${RECORD('update_time')}, e.updated_at) AS update_time,
  e.progress, e.credit_cost, e.started_at, e.completed_at`;

/**
 * Reads tasks for the API: reads only, from the rows the workflows keep true. Every task ever admitted is
 * there, however often its storyboard was generated again. `scope` is whose tasks may be read
 * (services/tenants/tenant-ownership.ts): another tenant's task is not found, like one that does not exist.
 */
export class TaskStore {
  constructor(private readonly sequelize: Sequelize) {}

  async find(id: string, scope: TenantScope): Promise<TaskView | null> {
    const where = ['t.task_id = ?'];
    const replacements: unknown[] = [id];
    const visible = tasksInScope(scope, 't');
    if (visible) {
      where.push(visible[0]);
      replacements.push(...visible[1]);
    }
    const rows = await this.sequelize.query<Row>(`SELECT ${COLUMNS} ${FROM} WHERE ${where.join(' AND ')}`, {
      replacements,
      type: QueryTypes.SELECT,
    });
    return (await this.views(rows))[0] ?? null;
  }

  /**
   * Newest first, by (created_at, id) keyset: a page never repeats or skips a row, whatever is inserted
   * meanwhile (new tasks sort before the cursor, snowflake ids grow with time).
   */
  async list(filter: TaskFilter, scope: TenantScope, limit: number, after?: TimeCursor): Promise<TaskView[]> {
    const where: string[] = [];
    const replacements: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      where.push(sql);
      replacements.push(...values);
    };
    const visible = tasksInScope(scope, 't');
    if (visible) add(visible[0], ...visible[1]);
    if (filter.type) add('t.type = ?', filter.type);
    if (filter.projectId) add('t.project_id = ?', filter.projectId);
    if (filter.storyboardId) add('t.storyboard_id = ?', filter.storyboardId);
    if (filter.createdFrom) add('t.created_at >= ?', sqlTime(filter.createdFrom));
    if (filter.createdTo) add('t.created_at < ?', sqlTime(filter.createdTo));
    if (filter.status) add(`${STATUS} = ?`, filter.status);
    // Milliseconds matter: created_at is DATETIME(3), and Sequelize would write a Date to the second.
    if (after) {
      const at = sqlTime(after.createdAt);
      add('(t.created_at < ? OR (t.created_at = ? AND t.task_id < ?))', at, at, after.id);
    }
    const rows = await this.sequelize.query<Row>(
      `SELECT ${COLUMNS} ${FROM}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
        ORDER BY t.created_at DESC, t.task_id DESC LIMIT ${Math.trunc(limit)}`,
      { replacements, type: QueryTypes.SELECT },
    );
    return this.views(rows);
  }

  private async views(rows: Row[]): Promise<TaskView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const outputs = await this.sequelize.query<{
      job_id: string;
      oss_url: string;
      oss_cdn_url: string | null;
      size: string | number;
      content_type: string | null;
      width: number | null;
      height: number | null;
      meta: { duration?: number } | string | null;
      is_primary: number;
    }>(
      `SELECT job_id, oss_url, oss_cdn_url, size, content_type, width, height, meta, is_primary
         FROM job_outputs WHERE job_id IN (?) ORDER BY job_id, sort_order`,
      { replacements: [ids], type: QueryTypes.SELECT },
    );
    const byJob = new Map<string, TaskOutput[]>();
    for (const o of outputs) {
      const meta = typeof o.meta === 'string' ? (JSON.parse(o.meta) as { duration?: number }) : o.meta;
      const list = byJob.get(o.job_id) ?? [];
      list.push({
        url: o.oss_cdn_url ?? o.oss_url,
        oss_url: o.oss_url,
        size: Number(o.size),
        content_type: o.content_type,
        width: o.width,
        height: o.height,
        duration: meta?.duration ?? null,
        is_primary: o.is_primary === 1,
      });
      byJob.set(o.job_id, list);
    }
    const attempts = await this.attempts(rows);
    return rows.map((r) => {
      // Every task has an execution row; a status the query could not tell is one not begun yet.
      const status: TaskStatus = r.status ?? 'pending';
      return {
        id: r.id,
        type: r.type,
        tenant: r.tenant,
        status,
        progress: r.progress ?? 0,
        attempts: attempts.get(r.id) ?? 0,
        user_id: r.user_id,
        project_id: r.project_id,
        storyboard_id: r.storyboard_id,
        work_id: r.work_id,
        model: r.model,
        prompt: r.prompt ?? '',
        outputs: byJob.get(r.id) ?? [],
        error:
          status === 'failed' || status === 'cancelled' || status === 'retrying'
            ? { code: r.error_code ?? 'FAILED', message: r.error_message ?? '' }
            : null,
        cost: status === 'completed' ? (r.credit_cost ?? 0) : 0,
        created_at: iso(r.created_at)!,
        updated_at: iso(r.update_time ?? r.created_at)!,
        started_at: iso(r.started_at),
        completed_at: iso(r.completed_at),
      };
    });
  }

  /**
   * Attempts = leases its workflow took from the task's beginning until the next task of its storyboard began
   * (both stamped by the worker's clock): the workflow id is the storyboard's, shared by all its tasks.
   */
  private async attempts(rows: Row[]): Promise<Map<string, number>> {
    const holderOf = (r: Row) => generationWorkflowId(r.type, r.project_id, r.storyboard_id);
    const since = new Date(Math.min(...rows.map((r) => r.created_at.getTime())));
    const leases = await this.sequelize.query<{ holder: string; leased_at: Date }>(
      'SELECT holder, leased_at FROM jimeng_account_leases WHERE holder IN (?) AND leased_at >= ?',
      { replacements: [[...new Set(rows.map(holderOf))], sqlTime(since)], type: QueryTypes.SELECT },
    );
    const out = new Map<string, number>();
    for (const r of rows) {
      const holder = holderOf(r);
      const from = r.created_at.getTime();
      const until = r.next_created_at?.getTime() ?? Number.POSITIVE_INFINITY;
      out.set(
        r.id,
        leases.filter(
          (l) => l.holder === holder && l.leased_at.getTime() >= from && l.leased_at.getTime() < until,
        ).length,
      );
    }
    return out;
  }
}

export interface TaskFilter {
  type?: GenerationType;
  status?: TaskStatus;
  projectId?: string;
  storyboardId?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

export type { TimeCursor as TaskCursor } from '../http/keyset-cursor';

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
