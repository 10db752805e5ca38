import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { TimeCursor } from '../http/keyset-cursor';
import { isUniqueViolation } from '../../db/errors';
import type { IdSource } from '../../db/ids/snowflake';
import { PROXY_URL_COLUMN } from '../../services/accounts/account-columns';
import { sessionSiteKey, type AccountInput, type AccountPatch } from './account-schemas';
import type { AccountRow } from './account-view';

export interface AccountStoreOptions {
  sequelize: Sequelize;
  /** Mints the account ids (the process's leased snowflake node id). */
  ids: IdSource;
  now: () => Date;
  /** quota_reset_time of a new account (the seed: the day after creation, 00:30 in the quota time zone). */
  quotaResetTimeFor: (createdAt: Date) => Date;
}

export interface AccountFilter {
  siteType?: number;
  accountStatus?: number;
  imageStatus?: number;
  videoStatus?: number;
  /** Prefix of jimeng_account. */
  namePrefix?: string;
}

export type CreateResult =
  | { ok: true; rows: AccountRow[] }
  /** Indexes (in the batch) whose (session_id, site_type) a row already holds; empty = lost a race. */
  | { ok: false; conflicts: number[] };

export type UpdateResult =
  | { ok: true; row: AccountRow }
  | { ok: false; reason: 'not_found' | 'duplicate_session' }
  | { ok: false; reason: 'version_mismatch'; row: AccountRow };

const COLUMNS = `id, jimeng_account, jimeng_account_type, session_id, site_type, account_status,
  image_generation_status, video_generation_status, image_count, video_count, image_unavailable_time,
  video_unavailable_time, quota_reset_time, priority, max_retry_count, version, create_time, update_time,
  ${PROXY_URL_COLUMN} AS proxy_url`;

/** The pool's rows for the admin API: soft-deleted rows are invisible, writes are whole or nothing. */
export class AccountStore {
  private readonly sequelize: Sequelize;
  private readonly ids: IdSource;

  constructor(private readonly options: AccountStoreOptions) {
    this.sequelize = options.sequelize;
    this.ids = options.ids;
  }

  async find(id: string, transaction?: Transaction): Promise<AccountRow | null> {
    const rows = await this.sequelize.query<AccountRow>(
      `SELECT ${COLUMNS} FROM jimeng_accounts WHERE id = ? AND is_deleted = 0`,
      { replacements: [id], type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) },
    );
    return rows[0] ?? null;
  }

  /** Newest first by (create_time, id): a walk through the pages meets every row once. */
  async list(filter: AccountFilter, limit: number, after?: TimeCursor): Promise<AccountRow[]> {
    const where = ['is_deleted = 0'];
    const replacements: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      where.push(sql);
      replacements.push(...values);
    };
    if (filter.siteType !== undefined) add('site_type = ?', filter.siteType);
    if (filter.accountStatus !== undefined) add('account_status = ?', filter.accountStatus);
    if (filter.imageStatus !== undefined) add('image_generation_status = ?', filter.imageStatus);
    if (filter.videoStatus !== undefined) add('video_generation_status = ?', filter.videoStatus);
    if (filter.namePrefix !== undefined)
      add("jimeng_account LIKE ? ESCAPE '!'", `${filter.namePrefix.replace(/[!%_]/g, '!$&')}%`);
    if (after)
      add('(create_time < ? OR (create_time = ? AND id < ?))', after.createdAt, after.createdAt, after.id);
    return this.sequelize.query<AccountRow>(
      `SELECT ${COLUMNS} FROM jimeng_accounts WHERE ${where.join(' AND ')}
        ORDER BY create_time DESC, id DESC LIMIT ${Number(limit)}`,
      { replacements, type: QueryTypes.SELECT },
    );
  }

  /**
   * Creates every account or none, in one transaction. quota_reset_time is written now, as the seed asks
   * (the daily refresh only repairs rows that lack it). A pair (session_id, site_type) held by any row,
   * soft-deleted ones included (the unique key does not know about is_deleted), is a conflict.
   */
  async create(inputs: readonly AccountInput[], createdBy: string): Promise<CreateResult> {
    // TIMESTAMP keeps whole seconds: the row and the quota reset are computed from the same instant.
    const createdAt = new Date(Math.floor(this.options.now().getTime() / 1000) * 1000);
    const quotaResetTime = this.options.quotaResetTimeFor(createdAt);
    const rows = inputs.map((input) => ({ id: this.ids.next(), input }));
    return secretSafe('creating accounts', async () => {
      try {
        return await this.sequelize.transaction(async (transaction): Promise<CreateResult> => {
          const conflicts = await this.heldPairs(inputs, transaction);
          if (conflicts.length > 0) return { ok: false, conflicts };
          await this.sequelize.query(
            `INSERT INTO jimeng_accounts (id, jimeng_account, jimeng_account_type, session_id, site_type, priority,
               max_retry_count, quota_reset_time, create_time, update_time, create_by, update_by,
               ${PROXY_URL_COLUMN})
             VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
            {
              replacements: rows.flatMap(({ id, input }) => [
                id,
                input.jimeng_account,
                input.jimeng_account_type,
                input.session_id,
                input.site_type,
                input.priority,
                input.max_retry_count,
                quotaResetTime,
                createdAt,
                createdAt,
                createdBy,
                createdBy,
                input.proxy_url ?? null,
              ]),
              transaction,
            },
          );
          const created = await this.sequelize.query<AccountRow>(
            `SELECT ${COLUMNS} FROM jimeng_accounts WHERE id IN (?)`,
            { replacements: [rows.map((r) => r.id)], type: QueryTypes.SELECT, transaction },
          );
          const byId = new Map(created.map((row) => [row.id, row]));
          return { ok: true, rows: rows.map((r) => byId.get(r.id)!) };
        });
      } catch (err) {
        // Another request took one of the pairs between our check and our insert; the transaction rolled back.
        if (isUniqueViolation(err)) return { ok: false, conflicts: [] };
        throw err;
      }
    });
  }

  /**
   * Applies a patch and moves `version` on by one. With `expectedVersion` (If-Match) the change applies only
   * to that version: a concurrent edit is refused instead of silently overwritten.
   */
  async update(
    id: string,
    patch: AccountPatch,
    updatedBy: string,
    expectedVersion?: number,
  ): Promise<UpdateResult> {
    const now = this.options.now();
    const set: string[] = [];
    const replacements: unknown[] = [];
    const assign = (sql: string, ...values: unknown[]) => {
      set.push(sql);
      replacements.push(...values);
    };
    if (patch.priority !== undefined) assign('priority = ?', patch.priority);
    if (patch.max_retry_count !== undefined) assign('max_retry_count = ?', patch.max_retry_count);
    if (patch.account_status !== undefined) assign('account_status = ?', patch.account_status);
    if (patch.session_id !== undefined) assign('session_id = ?', patch.session_id);
    // null clears it: the account calls the Jimeng proxy directly again.
    if (patch.proxy_url !== undefined) assign(`${PROXY_URL_COLUMN} = ?`, patch.proxy_url);
    for (const [status, column] of [
      [patch.image_generation_status, 'image'],
      [patch.video_generation_status, 'video'],
    ] as const) {
      if (status === undefined) continue;
      // A status set by hand has no unavailable time, so the daily refresh leaves it as the operator chose
      // (README): except a rate limit (2), which the pool lifts after the cooldown counted from that time.
      assign(
        `${column}_generation_status = ?, ${column}_unavailable_time = ?`,
        status,
        status === 2 ? now : null,
      );
    }
    assign('version = version + 1, update_by = ?', updatedBy);
    const where = expectedVersion === undefined ? '' : ' AND version = ?';
    return secretSafe('updating an account', async () => {
      try {
        // One transaction: the row read back is the one this update wrote, not a later writer's.
        return await this.sequelize.transaction(async (transaction): Promise<UpdateResult> => {
          const [, affected] = await this.sequelize.query(
            `UPDATE jimeng_accounts SET ${set.join(', ')} WHERE id = ? AND is_deleted = 0${where}`,
            {
              replacements: [
                ...replacements,
                id,
                ...(expectedVersion === undefined ? [] : [expectedVersion]),
              ],
              type: QueryTypes.UPDATE,
              transaction,
            },
          );
          const row = await this.find(id, transaction);
          if (!row) return { ok: false, reason: 'not_found' };
          if (affected !== 1) return { ok: false, reason: 'version_mismatch', row };
          return { ok: true, row };
        });
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, reason: 'duplicate_session' };
        throw err;
      }
    });
  }

  /** Marks the row deleted (the pool stops leasing it); false when there is no live row to delete. */
  async softDelete(id: string, deletedBy: string): Promise<boolean> {
    const [, affected] = await this.sequelize.query(
      'UPDATE jimeng_accounts SET is_deleted = 1, version = version + 1, update_by = ? WHERE id = ? AND is_deleted = 0',
      { replacements: [deletedBy, id], type: QueryTypes.UPDATE },
    );
    return affected === 1;
  }

  /** Indexes of `inputs` whose (session_id, site_type) some row holds, compared as the unique key does. */
  private async heldPairs(inputs: readonly AccountInput[], transaction: Transaction): Promise<number[]> {
    const held = await this.sequelize.query<{ session_id: string; site_type: number }>(
      `SELECT session_id, site_type FROM jimeng_accounts WHERE (session_id, site_type) IN (${inputs
        .map(() => '(?, ?)')
        .join(', ')})`,
      {
        replacements: inputs.flatMap((input) => [input.session_id, input.site_type]),
        type: QueryTypes.SELECT,
        transaction,
      },
    );
    const keys = new Set(held.map((row) => sessionSiteKey({ ...row, site_type: Number(row.site_type) })));
    return inputs.flatMap((input, index) => (keys.has(sessionSiteKey(input)) ? [index] : []));
  }
}

/**
 * Database errors carry the statement and its values (Sequelize's `sql`, `parameters`, the server's
 * "Duplicate entry '<session>-0'"): logged as they are, a failed write would print a session id. What leaves
 * here names the operation and the error class only.
 */
async function secretSafe<T>(operation: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const name = err instanceof Error ? err.name : typeof err;
    const errno = (err as { parent?: { errno?: number } }).parent?.errno;
    // Deliberately no `cause`: pino prints causes' messages, and that message is what must not be printed.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${operation} failed: ${name}${errno === undefined ? '' : ` (errno ${errno})`}`);
  }
}
