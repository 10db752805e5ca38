import { QueryTypes, type Sequelize } from 'sequelize';
import { GenerationStatus } from '../../db/codes';
import { isUniqueViolation, retryingDeadlocks } from '../../db/errors';
import { sqlTime } from '../../db/sql-time';
import type { GenerationPlan } from '../../domain/generation/generation-types';
import type {
  FinalStatus,
  GeneratedOutput,
  GenerationTaskFields,
} from '../../domain/generation/generation-types';
import type { GenerationType } from '../../domain/generation/generation-types';

const RECORD_TABLE: Record<GenerationType, string> = {
  image: 'jimeng_image_generation_records',
  video: 'jimeng_video_generation_records',
};
const URL_COLUMN: Record<GenerationType, string> = { image: 'image_urls', video: 'video_urls' };
const LIVE: readonly number[] = [
  GenerationStatus.PENDING,
  GenerationStatus.PROCESSING,
  GenerationStatus.RETRYING,
];

/** Another generation of this storyboard is still running under a different task id. */
export class StoryboardBusyError extends Error {
  override readonly name = 'StoryboardBusyError';
}

export interface OpenedRecords {
  executionId: number;
  /** False when an earlier attempt of this activity already created them. */
  created: boolean;
}

/**
 * Creates the task's generation record and template_executions row, or finds them when a retried activity
 * already did: one transaction, keyed by the task id (record id, and credit_transaction_id of the execution,
 * which is also the ledger's source_id of the task's point rows).
 *
 * The same transaction writes the task's row of generation_tasks, the history callers read tasks from
 * (migration 0011): who asked (`createdBy`, the tenant), for whom, for which storyboard, when.
 *
 * Seed 002's UNIQUE (project_id, storyboard_id, is_deleted) allows one live record per storyboard. A new task on
 * a storyboard whose last generation is final retires that record (is_deleted = 1); the key leaves room for one
 * retired record, so the one retired before it is archived: is_deleted NULL, which the key does not compare
 * (MySQL and MariaDB admit any number of NULLs in a unique key). No record is ever deleted: each is a task its
 * caller paid for, and stays readable by id with its template_executions, job_outputs and ledger rows.
 */
export async function openRecords(
  sequelize: Sequelize,
  args: {
    type: GenerationType;
    task: GenerationTaskFields;
    plan: GenerationPlan;
    prompt: string;
    negativePrompt?: string;
    inputImages?: string[];
    workflowId: string;
    /** The worker's clock, which also stamps the leases: a task's attempts are the leases since it began. */
    now: Date;
  },
): Promise<OpenedRecords> {
  const table = RECORD_TABLE[args.type];
  const { task } = args;
  try {
    return await retryingDeadlocks(() => openRecordsOnce(sequelize, table, args));
  } catch (err) {
    // Two first attempts racing on the storyboard key: the loser sees the winner's row on its retry.
    if (isUniqueViolation(err))
      throw new StoryboardBusyError(`storyboard ${task.projectId}/${task.storyboardId} is being created`);
    throw err;
  }
}

function openRecordsOnce(
  sequelize: Sequelize,
  table: string,
  args: Parameters<typeof openRecords>[1],
): Promise<OpenedRecords> {
  const { task, plan } = args;
  return sequelize.transaction(async (transaction) => {
    const q = <T extends object>(sql: string, replacements: unknown[]) =>
      sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, transaction });
    const run = (sql: string, replacements: unknown[]) => sequelize.query(sql, { replacements, transaction });

    // What keeps a storyboard to one live record is seed 002's unique key, not this read. Under REPEATABLE READ,
    // when no live record exists, it takes a gap lock and two first tasks racing deadlock (the rerun sees the
    // winner); under READ COMMITTED it locks nothing, both INSERTs reach the key and the second is refused as a
    // duplicate (StoryboardBusyError; the activity's retry sees the winner). A live record's row lock orders
    // callers under both levels.
    const current = await q<{ id: string; generation_status: number }>(
      `SELECT id, generation_status FROM ${table} WHERE project_id = ? AND storyboard_id = ? AND is_deleted = 0 FOR UPDATE`,
      [task.projectId, task.storyboardId],
    );
    let created = false;
    const existing = current[0];
    if (existing && existing.id !== task.taskId) {
      if (LIVE.includes(existing.generation_status))
        throw new StoryboardBusyError(
          `storyboard ${task.projectId}/${task.storyboardId} is still generating (task ${existing.id})`,
        );
      // update_time stays: retiring is a change of the storyboard, not of the task the record describes.
      await run(
        `UPDATE ${table} SET is_deleted = NULL, version = version + 1, update_time = update_time
          WHERE project_id = ? AND storyboard_id = ? AND is_deleted = 1`,
        [task.projectId, task.storyboardId],
      );
      await run(
        `UPDATE ${table} SET is_deleted = 1, version = version + 1, update_time = update_time WHERE id = ?`,
        [existing.id],
      );
    }
    if (!existing || existing.id !== task.taskId) {
      const columns: Record<string, unknown> = {
        id: task.taskId,
        // NOT NULL in the seed, known only once an account is leased.
        jimeng_accounts_id: '',
        project_id: task.projectId,
        project_name: task.projectName,
        storyboard_id: task.storyboardId,
        work_id: task.workId,
        model: plan.model,
        prompt: args.prompt,
        negative_prompt: args.negativePrompt ?? null,
        ratio: plan.ratio,
        resolution: plan.resolution,
        input_images: args.inputImages ? JSON.stringify(args.inputImages) : null,
        generation_status: GenerationStatus.PENDING,
        priority: task.priority ?? 0,
        callback_url: task.callbackUrl ?? null,
        create_by: (task.createdBy ?? task.userId).slice(0, 50),
      };
      if (plan.type === 'video') columns.duration = plan.durationSeconds;
      else {
        const call = plan.call;
        columns.intelligent_ratio = call.intelligentRatio ? 1 : 0;
        columns.sample_strength = call.sampleStrength ?? null;
      }
      const names = Object.keys(columns);
      await run(
        `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
        names.map((n) => columns[n]),
      );
      created = true;
    }
    // A retried activity finds the row its first attempt wrote: the no-op update keeps it as it was.
    await run(
      `INSERT INTO generation_tasks (task_id, tenant, type, user_id, project_id, storyboard_id, work_id, model, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE task_id = task_id`,
      [
        task.taskId,
        task.createdBy ?? null,
        args.type,
        task.userId,
        task.projectId,
        task.storyboardId,
        task.workId,
        plan.model,
        sqlTime(args.now),
      ],
    );

    // credit_transaction_id is not unique, and under READ COMMITTED this read locks nothing when the row is
    // missing: what keeps a task to one execution is that this transaction holds the task's record row (locked
    // above, or inserted with the task id as its primary key), so two attempts of one task never get here at once.
    const executions = await q<{ id: number }>(
      'SELECT id FROM template_executions WHERE credit_transaction_id = ? FOR UPDATE',
      [task.taskId],
    );
    if (executions[0]) return { executionId: executions[0].id, created };
    const [insertId] = (await sequelize.query(
      `INSERT INTO template_executions (template_id, user_id, platform, type, prompt, input_image_url, status, progress,
                                          credit_cost, credit_transaction_id, input_params, execution_config)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
      {
        replacements: [
          task.templateId ?? 0,
          task.userId,
          task.platform ?? 'api',
          args.type,
          args.prompt,
          args.inputImages?.[0] ?? null,
          plan.price,
          task.taskId,
          JSON.stringify({ ...plan.call, taskId: task.taskId }),
          JSON.stringify({ workflowId: args.workflowId, recordTable: table, sites: plan.sites }),
        ],
        type: QueryTypes.INSERT,
        transaction,
      },
    )) as unknown as [number, number];
    return { executionId: insertId, created: true };
  });
}

/** An attempt starts on a leased account: which account, which site, and how many site switches so far. */
export async function markProcessing(
  sequelize: Sequelize,
  args: {
    type: GenerationType;
    taskId: string;
    accountId: string;
    siteType: number;
    /** Kept only from the first account used (seed 002: original_session_id). */
    sessionId: string;
    siteSwitchCount: number;
    progress: number;
    now: Date;
  },
): Promise<void> {
  const table = RECORD_TABLE[args.type];
  await sequelize.query(
    `UPDATE ${table} SET generation_status = ?, jimeng_accounts_id = ?, site_used = ?,
            original_session_id = COALESCE(original_session_id, ?), site_switch_count = ?
      WHERE id = ? AND generation_status IN (?)`,
    {
      replacements: [
        GenerationStatus.PROCESSING,
        args.accountId,
        args.siteType,
        args.sessionId,
        args.siteSwitchCount,
        args.taskId,
        LIVE,
      ],
    },
  );
  await sequelize.query(
    `UPDATE template_executions SET status = 'processing', progress = GREATEST(progress, ?),
            started_at = COALESCE(started_at, ?)
      WHERE credit_transaction_id = ? AND status IN ('pending', 'processing')`,
    { replacements: [args.progress, args.now, args.taskId] },
  );
}

/** The upstream job id a fork's async route returned for the video job (NULL with the proxy's sync route). */
export async function readRemoteTaskId(sequelize: Sequelize, taskId: string): Promise<string | null> {
  const rows = await sequelize.query<{ remote_task_id: string | null }>(
    'SELECT remote_task_id FROM jimeng_video_generation_records WHERE id = ?',
    { replacements: [taskId], type: QueryTypes.SELECT },
  );
  return rows[0]?.remote_task_id ?? null;
}

export async function markVideoSubmitted(
  sequelize: Sequelize,
  taskId: string,
  remoteTaskId: string,
): Promise<void> {
  await sequelize.query('UPDATE jimeng_video_generation_records SET remote_task_id = ? WHERE id = ?', {
    replacements: [remoteTaskId, taskId],
  });
}

export async function markProgress(sequelize: Sequelize, taskId: string, progress: number): Promise<void> {
  await sequelize.query(
    `UPDATE template_executions SET progress = GREATEST(progress, ?)
      WHERE credit_transaction_id = ? AND status IN ('pending', 'processing')`,
    { replacements: [progress, taskId] },
  );
}

/** Waiting on a backoff timer: status 4, and the failure that caused the wait, so operators see why. */
export async function markRetrying(
  sequelize: Sequelize,
  args: { type: GenerationType; taskId: string; errorCode: string; errorMessage: string },
): Promise<void> {
  await sequelize.query(
    `UPDATE ${RECORD_TABLE[args.type]} SET generation_status = ?, error_code = ?, error_message = ?
      WHERE id = ? AND generation_status IN (?)`,
    {
      replacements: [
        GenerationStatus.RETRYING,
        args.errorCode.slice(0, 20),
        args.errorMessage,
        args.taskId,
        LIVE,
      ],
    },
  );
}

/**
 * The final state of both rows. Record: completed (2) or failed (3; a cancel is a failure with error_code
 * CANCELLED, the seed has no cancelled status); outputs are OSS URLs, never local paths, so *_local_paths stay
 * NULL. Execution: the seed's own completed / failed / cancelled. Re-running it writes the same values.
 */
export async function closeRecords(
  sequelize: Sequelize,
  args: {
    type: GenerationType;
    taskId: string;
    status: FinalStatus;
    outputs: GeneratedOutput[];
    cost: number;
    errorCode?: string;
    errorMessage?: string;
    now: Date;
  },
): Promise<void> {
  const table = RECORD_TABLE[args.type];
  const completed = args.status === 'completed';
  const urls = args.outputs.map((o) => o.ossCdnUrl ?? o.ossUrl);
  await sequelize.transaction(async (transaction) => {
    await sequelize.query(
      `UPDATE ${table} SET generation_status = ?, ${URL_COLUMN[args.type]} = ?,
              generation_time = GREATEST(0, TIMESTAMPDIFF(SECOND, create_time, ?)), error_code = ?, error_message = ?
        WHERE id = ?`,
      {
        replacements: [
          completed ? GenerationStatus.COMPLETED : GenerationStatus.FAILED,
          completed ? JSON.stringify(urls) : null,
          args.now,
          completed ? null : (args.errorCode ?? 'FAILED').slice(0, 20),
          completed ? null : (args.errorMessage ?? null),
          args.taskId,
        ],
        transaction,
      },
    );
    const primary = args.outputs[0];
    await sequelize.query(
      `UPDATE template_executions SET status = ?, progress = ?, output_url = ?, error_message = ?, execution_result = ?,
              credit_cost = ?, completed_at = ?,
              execution_duration = TIMESTAMPDIFF(MICROSECOND, COALESCE(started_at, created_at), ?) DIV 1000
        WHERE credit_transaction_id = ?`,
      {
        replacements: [
          args.status,
          completed ? 100 : 0,
          primary ? (primary.ossCdnUrl ?? primary.ossUrl) : null,
          completed ? null : (args.errorMessage ?? null),
          JSON.stringify({
            taskId: args.taskId,
            status: args.status,
            outputs: args.outputs,
            ...(completed ? {} : { errorCode: args.errorCode ?? 'FAILED' }),
          }),
          args.cost,
          args.now,
          args.now,
          args.taskId,
        ],
        transaction,
      },
    );
  });
}

export interface RecordSnapshot {
  status: number;
  callbackUrl: string | null;
  /** create_by: the API key's owner (the tenant) for tasks started through the API. */
  createdBy: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export async function readRecord(
  sequelize: Sequelize,
  type: GenerationType,
  taskId: string,
): Promise<RecordSnapshot | null> {
  const rows = await sequelize.query<{
    generation_status: number;
    callback_url: string | null;
    create_by: string | null;
    error_code: string | null;
    error_message: string | null;
  }>(
    `SELECT generation_status, callback_url, create_by, error_code, error_message FROM ${RECORD_TABLE[type]} WHERE id = ?`,
    {
      replacements: [taskId],
      type: QueryTypes.SELECT,
    },
  );
  const row = rows[0];
  return row
    ? {
        status: row.generation_status,
        callbackUrl: row.callback_url,
        createdBy: row.create_by,
        errorCode: row.error_code,
        errorMessage: row.error_message,
      }
    : null;
}
