import { randomBytes, randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';

/**
 * Rows as a database of an earlier release holds them, written by hand for the migration tests: records,
 * executions and API key owners, each with only the columns the seeds require and those under test.
 */
export class LegacyRows {
  private readonly written: Array<[table: string, column: string, id: string | number]> = [];

  constructor(private readonly sequelize: Sequelize) {}

  /** An API key of `owner` (revoked: it is its owner that matters, not whether the key still works). */
  async apiKeyOwner(owner: string): Promise<void> {
    const id = randomUUID();
    await this.sequelize.query(
      `INSERT INTO api_keys (id, key_hash, key_prefix, owner, scope, revoked_at)
       VALUES (?, ?, 'legacy', ?, 'caller', CURRENT_TIMESTAMP(3))`,
      { replacements: [id, randomBytes(32).toString('hex'), owner] },
    );
    this.written.push(['api_keys', 'id', id]);
  }

  async record(row: {
    type: 'image' | 'video';
    id: string;
    projectId: string;
    storyboardId: string;
    createBy: string;
    createTime: string;
    isDeleted?: number;
    workId?: string;
    model?: string;
  }): Promise<void> {
    const table = `jimeng_${row.type}_generation_records`;
    await this.sequelize.query(
      `INSERT INTO ${table} (id, jimeng_accounts_id, project_id, project_name, storyboard_id, work_id, model, prompt,
                             generation_status, create_by, create_time, is_deleted)
       VALUES (?, '', ?, 'legacy', ?, ?, ?, 'legacy prompt', 2, ?, ?, ?)`,
      {
        replacements: [
          row.id,
          row.projectId,
          row.storyboardId,
          row.workId ?? 'w-legacy',
          row.model ?? 'jimeng-4.5',
          row.createBy,
          row.createTime,
          row.isDeleted ?? 0,
        ],
      },
    );
    this.written.push([table, 'id', row.id]);
  }

  /** A template_executions row; `workflowId` is what this platform writes in execution_config. */
  async execution(row: {
    taskId: string;
    userId: string;
    type: 'image' | 'video';
    status?: string;
    creditCost?: number;
    workflowId?: string;
    model?: string;
    platform?: string;
    createdAt?: string;
  }): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO template_executions (template_id, user_id, platform, type, prompt, status, credit_cost,
                                        credit_transaction_id, input_params, execution_config, execution_result,
                                        created_at)
       VALUES (0, ?, ?, ?, 'legacy prompt', ?, ?, ?, ?, ?, ?, ?)`,
      {
        replacements: [
          row.userId,
          row.platform ?? 'api',
          row.type,
          row.status ?? 'completed',
          row.creditCost ?? 0,
          row.taskId,
          JSON.stringify({ model: row.model ?? 'jimeng-4.5', taskId: row.taskId }),
          row.workflowId === undefined ? null : JSON.stringify({ workflowId: row.workflowId }),
          JSON.stringify({ taskId: row.taskId, status: row.status ?? 'completed', outputs: [] }),
          row.createdAt ?? '2026-01-01 00:00:00',
        ],
      },
    );
    this.written.push(['template_executions', 'credit_transaction_id', row.taskId]);
  }

  async output(jobId: string, userId: string): Promise<void> {
    const id = randomUUID();
    await this.sequelize.query(
      `INSERT INTO job_outputs (id, job_id, user_id, type, oss_url, oss_path, size, is_primary, sort_order)
       VALUES (?, ?, ?, 'image', ?, ?, 123, 1, 0)`,
      {
        replacements: [
          id,
          jobId,
          userId,
          `https://oss.example.com/users/${userId}/jobs/${jobId}/image-1.png`,
          `users/${userId}/jobs/${jobId}/image-1.png`,
        ],
      },
    );
    this.written.push(['job_outputs', 'id', id]);
  }

  /** A user with points and nothing else, as a recharge leaves one. */
  async pointsOnly(userId: string, balance: number): Promise<void> {
    await this.sequelize.query('INSERT INTO mjk_user_points (user_id, balance) VALUES (?, ?)', {
      replacements: [userId, balance],
    });
    this.written.push(['mjk_user_points', 'user_id', userId]);
  }

  /** Removes what this helper wrote, so no other suite meets it. */
  async remove(): Promise<void> {
    for (const [table, column, id] of this.written.reverse())
      await this.sequelize.query(`DELETE FROM ${table} WHERE ${column} = ?`, { replacements: [id] });
    this.written.length = 0;
  }
}
