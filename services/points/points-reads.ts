import { QueryTypes, Transaction, type Sequelize } from 'sequelize';

/** The kinds of row the ledger writes in mjk_point_transactions. */
export const TRANSACTION_TYPES = ['recharge', 'consume', 'refund', 'expire'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export interface ExpiringBatch {
  batchId: string;
  remaining: number;
  expiresAt: Date;
}

export interface PointsBalance {
  balance: number;
  /** Batches with points left that have not expired yet, soonest first. */
  expiring: ExpiringBatch[];
}

export interface TransactionFilter {
  type?: TransactionType;
  sourceType?: string;
  sourceId?: string;
}

export interface PointTransaction {
  id: string;
  type: TransactionType;
  amount: number;
  balanceBefore: number;
  balanceAfter: number;
  sourceType: string | null;
  sourceId: string | null;
  batchId: string | null;
  description: string | null;
  createdAt: Date;
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

/**
 * What a user can spend now: the stored balance less the rest of the batches already past their expiry.
 * Those stay in mjk_user_points.balance until the expiry schedule (or the user's next reservation or
 * recharge) moves them out, but they cannot be spent, so no reader may count them. A user without a row has 0.
 */
const SPENDABLE_BALANCE_SQL = `SELECT p.balance - COALESCE((SELECT SUM(b.remaining) FROM mjk_point_batches b
    WHERE b.user_id = p.user_id AND b.status = 'active' AND b.expires_at <= :now), 0) AS balance
   FROM mjk_user_points p WHERE p.user_id = :userId`;

/** The ledger's tables as callers see them; every write goes through PointsLedger. */
export class PointsReads {
  constructor(private readonly sequelize: Sequelize) {}

  async balance(userId: string, now: Date, transaction?: Transaction): Promise<number> {
    const [row] = await this.sequelize.query<{ balance: string | number }>(SPENDABLE_BALANCE_SQL, {
      replacements: { now, userId },
      type: QueryTypes.SELECT,
      ...(transaction ? { transaction } : {}),
    });
    return Number(row?.balance ?? 0);
  }

  /**
   * Both reads share one transaction's snapshot: the batches shown never add up to more than the balance. The
   * transaction asks for REPEATABLE READ whatever the session's level (MYSQL_ISOLATION_LEVEL): under READ
   * COMMITTED each read would take its own snapshot, and a reserve committing between them would show.
   */
  async balanceWithExpiring(userId: string, now: Date, expiringShown: number): Promise<PointsBalance> {
    const isolationLevel = Transaction.ISOLATION_LEVELS.REPEATABLE_READ;
    return this.sequelize.transaction({ isolationLevel }, async (transaction) => {
      const balance = await this.balance(userId, now, transaction);
      const expiring = await this.sequelize.query<{ id: string; remaining: number; expires_at: Date }>(
        `SELECT id, remaining, expires_at FROM mjk_point_batches
          WHERE user_id = ? AND status = 'active' AND remaining > 0 AND expires_at > ?
          ORDER BY expires_at, id LIMIT ${Math.trunc(expiringShown)}`,
        { replacements: [userId, now], type: QueryTypes.SELECT, transaction },
      );
      return {
        balance,
        expiring: expiring.map((b) => ({
          batchId: String(b.id),
          remaining: Number(b.remaining),
          expiresAt: b.expires_at,
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
  ): Promise<PointTransaction[]> {
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
         FROM mjk_point_transactions WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${Math.trunc(limit)}`,
      { replacements, type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({
      id: String(r.id),
      type: r.type,
      amount: Number(r.amount),
      balanceBefore: Number(r.balance_before),
      balanceAfter: Number(r.balance_after),
      sourceType: r.source_type,
      sourceId: r.source_id,
      batchId: r.batch_id === null ? null : String(r.batch_id),
      description: r.description,
      createdAt: r.created_at,
    }));
  }
}
