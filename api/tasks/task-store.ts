import { QueryTypes, type Sequelize } from 'sequelize';
import { generationWorkflowId } from '../../workflows/generation-definitions';
import type { TimeCursor } from '../http/keyset-cursor';
import { taskStatusOf, type TaskOutput, type TaskStatus, type TaskView } from './task-view';
import type { GenerationType } from '../../domain/generation/generation-types';

const TABLES: Record<GenerationType, string> = {
  image: 'jimeng_image_generation_records',
  video: 'jimeng_video_generation_records',
};

interface Row {
  type: GenerationType;
  id: string;
  project_id: string;
  storyboard_id: string;
  work_id: string;
  model: string;
  prompt: string;
  generation_status: number;
  error_code: string | null;
  error_message: string | null;
  create_time: Date;
  update_time: Date;
  create_by: string | null;
  user_id: string | null;
  execution_status: string | null;
  progress: number | null;
  credit_cost: number | null;
  started_at: Date | null;
  completed_at: Date | null;
}

const COLUMNS = (
  type: GenerationType,
) => `'${type}' AS type, r.id, r.project_id, r.storyboard_id, r.work_id, r.model,
  r.prompt, r.generation_status, r.error_code, r.error_message, r.create_time, r.update_time, r.create_by,
  e.user_id, e.status AS execution_status, e.progress, e.credit_cost, e.started_at, e.completed_at`;
const FROM = (type: GenerationType) =>
  `FROM ${TABLES[type]} r LEFT JOIN template_executions e ON e.credit_transaction_id = r.id`;

/** Reads tasks for the API: reads only, from the rows the workflows keep true. */
export class TaskStore {
  constructor(private readonly sequelize: Sequelize) {}

  /** A task by id, or null when it does not exist or belongs to another owner (null owner = admin: any). */
  async find(id: string, owner: string | null): Promise<TaskView | null> {
    for (const type of ['image', 'video'] as const) {
      const rows = await this.sequelize.query<Row>(
        `SELECT ${COLUMNS(type)} ${FROM(type)} WHERE r.id = ?${owner === null ? '' : ' AND r.create_by = ?'}`,
        { replacements: owner === null ? [id] : [id, owner], type: QueryTypes.SELECT },
      );
      if (rows[0]) return (await this.views(rows))[0]!;
    }
    return null;
  }

  /**
   * Newest first, by (create_time, id) keyset: a page never repeats or skips a row, whatever is inserted
   * meanwhile (new tasks sort before the cursor, snowflake ids grow with time).
   */
  async list(
    filter: TaskFilter,
    owner: string | null,
    limit: number,
    after?: TimeCursor,
  ): Promise<TaskView[]> {
    const parts: string[] = [];
    const replacements: unknown[] = [];
    for (const type of filter.type ? [filter.type] : (['image', 'video'] as const)) {
      const where: string[] = [];
      const add = (sql: string, ...values: unknown[]) => {
        where.push(sql);
        replacements.push(...values);
      };
      if (owner !== null) add('r.create_by = ?', owner);
      if (filter.projectId) add('r.project_id = ?', filter.projectId);
      if (filter.storyboardId) add('r.storyboard_id = ?', filter.storyboardId);
      if (filter.createdFrom) add('r.create_time >= ?', filter.createdFrom);
      if (filter.createdTo) add('r.create_time < ?', filter.createdTo);
      if (filter.status) {
        const [sql, values] = statusCondition(filter.status);
        add(sql, ...values);
      }
      if (after)
        add(
          '(r.create_time < ? OR (r.create_time = ? AND r.id < ?))',
          after.createdAt,
          after.createdAt,
          after.id,
        );
      parts.push(
        `SELECT ${COLUMNS(type)} ${FROM(type)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
         ORDER BY r.create_time DESC, r.id DESC LIMIT ${limit}`,
      );
    }
    const rows = await this.sequelize.query<Row>(
      `SELECT * FROM (${parts.map((p) => `(${p})`).join(' UNION ALL ')}) t ORDER BY create_time DESC, id DESC LIMIT ${limit}`,
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
      const status = taskStatusOf(r.generation_status, r.error_code, r.execution_status);
      return {
        id: r.id,
        type: r.type,
        status,
        progress: r.progress ?? 0,
        attempts: attempts.get(r.id) ?? 0,
        user_id: r.user_id,
        project_id: r.project_id,
        storyboard_id: r.storyboard_id,
        work_id: r.work_id,
        model: r.model,
        prompt: r.prompt,
        outputs: byJob.get(r.id) ?? [],
        error:
          status === 'failed' || status === 'cancelled' || status === 'retrying'
            ? { code: r.error_code ?? 'FAILED', message: r.error_message ?? '' }
            : null,
        cost: status === 'completed' ? (r.credit_cost ?? 0) : 0,
        created_at: iso(r.create_time)!,
        updated_at: iso(r.update_time)!,
        started_at: iso(r.started_at),
        completed_at: iso(r.completed_at),
      };
    });
  }

  /** Attempts = leases the task's workflow took since the task was created. */
  private async attempts(rows: Row[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const clauses = rows.map(() => '(holder = ? AND leased_at >= ?)').join(' OR ');
    const replacements = rows.flatMap((r) => [
      generationWorkflowId(r.type, r.project_id, r.storyboard_id),
      r.create_time,
    ]);
    const counts = await this.sequelize.query<{ holder: string; n: number }>(
      `SELECT holder, COUNT(*) AS n FROM jimeng_account_leases WHERE ${clauses} GROUP BY holder`,
      { replacements, type: QueryTypes.SELECT },
    );
    const byHolder = new Map(counts.map((c) => [c.holder, Number(c.n)]));
    for (const r of rows)
      out.set(r.id, byHolder.get(generationWorkflowId(r.type, r.project_id, r.storyboard_id)) ?? 0);
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

function statusCondition(status: TaskStatus): [string, unknown[]] {
  switch (status) {
    case 'pending':
      return ['r.generation_status = 0', []];
    case 'processing':
      return ['r.generation_status = 1', []];
    case 'completed':
      return ['r.generation_status = 2', []];
    case 'retrying':
      return ['r.generation_status = 4', []];
    case 'failed':
      return ["r.generation_status = 3 AND COALESCE(r.error_code, '') <> 'CANCELLED'", []];
    case 'cancelled':
      return ["r.generation_status = 3 AND r.error_code = 'CANCELLED'", []];
  }
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
