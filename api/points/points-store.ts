import { QueryTypes, type Sequelize } from 'sequelize';
import { EXPIRING_BATCHES_SHOWN, type PointsBalanceView, type PointTransactionView } from './points-schemas';

export type TransactionType = PointTransactionView['type'];

export interface TransactionFilter {
  type?: TransactionType;
  sourceType?: string;
  sourceId?: string;
}

interface TransactionRow {
  id: string;
  type: TransactionType;
  amount: number;
  balance_before: number;
  balance_after: number;
  source_type: string | null;
  source_id: string | null;
  batch_id: string | null;
  description: string | null;
  created_at: Date;
}

/** Reads the ledger's tables for the API; every write goes through the ledger (in the worker). */
export class PointsStore {
  constructor(private readonly sequelize: Sequelize) {}

  /**
   * A user without a points row has nothing: balance 0, not an error. Both reads share one transaction's
   * snapshot, so the expiring batches never add up to more than the balance shown beside them.
   */
  async balance(userId: string, now: Date): Promise<PointsBalanceView> {
    return this.sequelize.transaction(async (transaction) => {
      // Batches past their expiry stay in the stored balance until the expiry schedule (or the user's next
      // reservation) moves them out; they cannot be spent, so they are not shown as spendable.
      const [row] = await this.sequelize.query<{ balance: string | number }>(
        `SELECT p.balance - COALESCE((SELECT SUM(b.remaining) FROM mjk_point_batches b
            WHERE b.user_id = p.user_id AND b.status = 'active' AND b.expires_at <= ?), 0) AS balance
           FROM mjk_user_points p WHERE p.user_id = ?`,
        { replacements: [now, userId], type: QueryTypes.SELECT, transaction },
      );
      const expiring = await this.sequelize.query<{ id: string; remaining: number; expires_at: Date }>(
        `SELECT id, remaining, expires_at FROM mjk_point_batches
          WHERE user_id = ? AND status = 'active' AND remaining > 0 AND expires_at > ?
          ORDER BY expires_at, id LIMIT ${EXPIRING_BATCHES_SHOWN}`,
        { replacements: [userId, now], type: QueryTypes.SELECT, transaction },
      );
      return {
        user_id: userId,
        balance: Number(row?.balance ?? 0),
        expiring: expiring.map((b) => ({
          batch_id: String(b.id),
          remaining: Number(b.remaining),
          expires_at: b.expires_at.toISOString(),
        })),
      };
    });
  }

  /** Newest first by id (ids grow with time): `limit` rows older than `beforeId`, when given. */
  async transactions(
    userId: string,
    filter: TransactionFilter,
    limit: number,
    beforeId?: string,
  ): Promise<PointTransactionView[]> {
    const where = ['user_id = ?'];
    const replacements: unknown[] = [userId];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      replacements.push(value);
    };
    if (filter.type) add('type = ?', filter.type);
    if (filter.sourceType) add('source_type = ?', filter.sourceType);
    if (filter.sourceId) add('source_id = ?', filter.sourceId);
    if (beforeId !== undefined) add('id < ?', beforeId);
    const rows = await this.sequelize.query<TransactionRow>(
      `SELECT id, type, amount, balance_before, balance_after, source_type, source_id, batch_id, description,
              created_at
         FROM mjk_point_transactions WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${limit}`,
      { replacements, type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({
      id: String(r.id),
      type: r.type,
      amount: Number(r.amount),
      balance_before: Number(r.balance_before),
      balance_after: Number(r.balance_after),
      source_type: r.source_type,
      source_id: r.source_id,
      batch_id: r.batch_id === null ? null : String(r.batch_id),
      description: r.description,
      created_at: r.created_at.toISOString(),
    }));
  }
}

/** Opaque to callers, so the page key can change without breaking them. */
export function encodeTransactionCursor(lastId: string): string {
  return Buffer.from(JSON.stringify(['tx', lastId])).toString('base64url');
}

/** The id the next page starts below, or null when the cursor is not one this API issued. */
export function decodeTransactionCursor(cursor: string): string | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[0] !== 'tx') return null;
    const id: unknown = decoded[1];
    // BIGINT ids travel as decimal strings: a Number would lose digits past 2^53.
    return typeof id === 'string' && /^[1-9]\d{0,18}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}
