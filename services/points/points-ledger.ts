import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { isUniqueViolation, retryingDeadlocks } from '../../db/errors';
import { LedgerError } from './ledger-errors';
import type { TransactionType } from './points-reads';
import {
  checkAmount,
  checkOneOf,
  checkText,
  checkUserId,
  CONSUME_SOURCE_TYPES,
  RECHARGE_SOURCE_TYPES,
  type ConsumeSourceType,
  type RechargeSourceType,
} from './ledger-input';

export interface PointsLedgerOptions {
  sequelize: Sequelize;
  now: () => Date;
}

export interface RechargeRequest {
  idempotencyKey: string;
  userId: string;
  amount: number;
  /** null = never expires. */
  expiresAt: Date | null;
  sourceType: RechargeSourceType;
  sourceId?: string;
}

export interface ReserveRequest {
  idempotencyKey: string;
  userId: string;
  amount: number;
  sourceType: ConsumeSourceType;
  sourceId: string;
  /** Seconds, for per-second billing (seed 001's duration column). */
  duration?: number;
}

export type SettleOutcome = 'completed' | 'failed' | 'cancelled';

export interface SettleRequest {
  idempotencyKey: string;
  sourceType: ConsumeSourceType;
  sourceId: string;
  outcome: SettleOutcome;
  /** What the job really cost (completed only); capped at the reserved amount. */
  actualCost?: number;
}

export interface RechargeResult {
  batchId: string;
  balance: number;
}
export interface ReserveResult {
  reserved: number;
  balance: number;
  batches: Array<{ batchId: string; amount: number }>;
}
export interface SettleResult {
  outcome: SettleOutcome;
  cost: number;
  refunded: number;
  balance: number;
}

const LABELS: Record<ConsumeSourceType, string> = {
  image: '图片生成',
  video: '视频生成',
  script: '脚本生成',
  polish: '文案润色',
  voice_clone: '声音克隆',
  tts: '配音合成',
};

interface BatchRow {
  id: string;
  remaining: number;
  expires_at: Date | null;
  status: string;
}

/**
 * The points ledger over mjk_user_points (balance), mjk_point_batches (FIFO by expiry) and
 * mjk_point_transactions (one row per batch touched). Every call is one MySQL transaction that first
 * locks the user's balance row, so all changes to one user are serialised and the check of the balance
 * and its decrement cannot be separated. Every call carries an idempotency key recorded in the same
 * transaction: a retry returns the first result and writes nothing.
 *
 * Correct under READ COMMITTED as under REPEATABLE READ (MYSQL_ISOLATION_LEVEL; the tests run both): every
 * read a decision rests on is a locking read of rows that exist (the balance row, created or locked by the
 * INSERT ... ON DUPLICATE KEY UPDATE of a recharge; the user's batches; the reservation), which sees the latest
 * committed row under both levels; an idempotency key and a job's reservation are PRIMARY and UNIQUE keys, so a
 * second one is refused by the key, not by a gap lock.
 */
export class PointsLedger {
  private readonly sequelize: Sequelize;
  private readonly now: () => Date;

  constructor(options: PointsLedgerOptions) {
    this.sequelize = options.sequelize;
    this.now = options.now;
  }

  async recharge(request: RechargeRequest): Promise<RechargeResult> {
    const userId = checkUserId(request.userId);
    const amount = checkAmount(request.amount);
    const sourceType = checkOneOf(request.sourceType, RECHARGE_SOURCE_TYPES, 'sourceType');
    if (
      request.expiresAt !== null &&
      !(request.expiresAt instanceof Date && !Number.isNaN(request.expiresAt.getTime()))
    ) {
      throw new LedgerError('invalid_argument', 'expiresAt', 'expiresAt must be a date or null');
    }
    const sourceId = request.sourceId === undefined ? null : checkText(request.sourceId, 'sourceId', 64);
    const now = this.now();
    return this.once(
      request.idempotencyKey,
      userId,
      'recharge',
      { userId, amount, sourceType, sourceId, expiresAt: request.expiresAt },
      async (t) => {
        await this.sequelize.query(
          // ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once; INSERT IGNORE would take a shared
          // one, and two recharges upgrading it to exclusive deadlock each other.
          'INSERT INTO mjk_user_points (user_id, balance) VALUES (?, 0) ON DUPLICATE KEY UPDATE version = version',
          {
            replacements: [userId],
            transaction: t,
          },
        );
        // Expired batches leave first, so the balance answered is the one PointsReads shows.
        const { balance: before } = await this.expireUserBatches(userId, t, now);
        const [batchId] = await this.sequelize.query(
          `INSERT INTO mjk_point_batches (user_id, amount, remaining, expires_at, status, source_type, source_id)
         VALUES (?, ?, ?, ?, 'active', ?, ?)`,
          {
            replacements: [userId, amount, amount, request.expiresAt, sourceType, sourceId],
            type: QueryTypes.INSERT,
            transaction: t,
          },
        );
        await this.writeTransaction(t, {
          userId,
          type: 'recharge',
          amount,
          before,
          after: before + amount,
          sourceType,
          sourceId,
          batchId: String(batchId),
          description: '【充值】',
          now,
        });
        await this.setBalance(userId, before + amount, t);
        return { batchId: String(batchId), balance: before + amount };
      },
    );
  }

  /** Pre-deducts a job's estimated cost, from the batches that expire first. */
  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const userId = checkUserId(request.userId);
    const amount = checkAmount(request.amount);
    const sourceType = checkOneOf(request.sourceType, CONSUME_SOURCE_TYPES, 'sourceType');
    const sourceId = checkText(request.sourceId, 'sourceId', 64);
    if (
      request.duration !== undefined &&
      !(typeof request.duration === 'number' && request.duration > 0 && Number.isFinite(request.duration))
    ) {
      throw new LedgerError('invalid_argument', 'duration', 'duration must be a positive number of seconds');
    }
    const now = this.now();
    return this.once(
      request.idempotencyKey,
      userId,
      'reserve',
      { userId, amount, sourceType, sourceId },
      async (t) => {
        let { balance } = await this.expireUserBatches(userId, t, now);
        if (balance < amount) {
          throw new LedgerError(
            'insufficient_points',
            'amount',
            `insufficient points: balance ${balance}, needed ${amount}`,
          );
        }
        const batches = await this.sequelize.query<BatchRow>(
          `SELECT id, remaining, expires_at, status FROM mjk_point_batches
          WHERE user_id = ? AND status = 'active' AND remaining > 0 AND (expires_at IS NULL OR expires_at > ?)
          ORDER BY expires_at IS NULL, expires_at, id FOR UPDATE`,
          { replacements: [userId, now], type: QueryTypes.SELECT, transaction: t },
        );
        const taken: Array<{ batchId: string; amount: number }> = [];
        let left = amount;
        for (const batch of batches) {
          if (left === 0) break;
          const take = Math.min(left, batch.remaining);
          await this.sequelize.query('UPDATE mjk_point_batches SET remaining = remaining - ? WHERE id = ?', {
            replacements: [take, batch.id],
            transaction: t,
          });
          await this.writeTransaction(t, {
            userId,
            type: 'consume',
            amount: take,
            before: balance,
            after: balance - take,
            sourceType,
            sourceId,
            batchId: String(batch.id),
            duration: request.duration ?? null,
            description: `【${LABELS[sourceType]}】`,
            now,
          });
          balance -= take;
          left -= take;
          taken.push({ batchId: String(batch.id), amount: take });
        }
        // The balance row and the batches disagree: a bug elsewhere. Refuse rather than go on.
        if (left > 0)
          throw new Error(
            `ledger inconsistency for user ${userId}: balance covers ${amount} but batches do not`,
          );
        await this.setBalance(userId, balance, t);
        try {
          await this.sequelize.query(
            'INSERT INTO mjk_point_reservations (user_id, source_type, source_id, reserved, batches) VALUES (?, ?, ?, ?, ?)',
            { replacements: [userId, sourceType, sourceId, amount, JSON.stringify(taken)], transaction: t },
          );
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new LedgerError(
              'invalid_argument',
              'sourceId',
              `${sourceType} ${sourceId} already has a reservation`,
            );
          }
          throw err;
        }
        return { reserved: amount, balance, batches: taken };
      },
    );
  }

  /**
   * Resolves a job's reservation once: the cost is kept, the rest goes back to the batches it came from
   * (an expired batch's refund expires at once). A second settle, whatever its outcome, returns the first.
   */
  async settle(request: SettleRequest): Promise<SettleResult> {
    const sourceType = checkOneOf(request.sourceType, CONSUME_SOURCE_TYPES, 'sourceType');
    const sourceId = checkText(request.sourceId, 'sourceId', 64);
    const outcome = checkOneOf(request.outcome, ['completed', 'failed', 'cancelled'] as const, 'outcome');
    const actual =
      outcome === 'completed' ? checkAmount(request.actualCost, 'actualCost', { allowZero: true }) : 0;
    const now = this.now();
    const rows = await this.sequelize.query<{ user_id: string }>(
      'SELECT user_id FROM mjk_point_reservations WHERE source_type = ? AND source_id = ?',
      { replacements: [sourceType, sourceId], type: QueryTypes.SELECT },
    );
    if (!rows[0])
      throw new LedgerError(
        'unknown_reservation',
        'sourceId',
        `no reservation for ${sourceType} ${sourceId}`,
      );
    const userId = rows[0].user_id;
    // The job is the identity of a settlement; its outcome is content, and the first one wins.
    return this.once(request.idempotencyKey, userId, 'settle', { sourceType, sourceId }, async (t) => {
      let balance = await this.lockBalance(userId, t);
      const found = await this.sequelize.query<{
        id: string;
        reserved: number;
        batches: string | Array<{ batchId: string; amount: number }>;
        state: string;
        outcome: SettleOutcome | null;
        actual_cost: number | null;
        refunded: number | null;
      }>(
        'SELECT id, reserved, batches, state, outcome, actual_cost, refunded FROM mjk_point_reservations WHERE source_type = ? AND source_id = ? FOR UPDATE',
        { replacements: [sourceType, sourceId], type: QueryTypes.SELECT, transaction: t },
      );
      const reservation = found[0]!;
      if (reservation.state === 'settled') {
        return {
          outcome: reservation.outcome!,
          cost: reservation.actual_cost!,
          refunded: reservation.refunded!,
          balance,
        };
      }
      const cost = Math.min(actual, reservation.reserved);
      let refund = reservation.reserved - cost;
      const refunded = refund;
      const taken =
        typeof reservation.batches === 'string'
          ? (JSON.parse(reservation.batches) as Array<{ batchId: string; amount: number }>)
          : reservation.batches;
      // Refund the last-consumed batches first: the points that would have been spent last come back.
      for (const part of [...taken].reverse()) {
        if (refund === 0) break;
        const back = Math.min(refund, part.amount);
        const batch = (
          await this.sequelize.query<BatchRow>(
            'SELECT id, remaining, expires_at, status FROM mjk_point_batches WHERE id = ? FOR UPDATE',
            {
              replacements: [part.batchId],
              type: QueryTypes.SELECT,
              transaction: t,
            },
          )
        )[0]!;
        await this.sequelize.query('UPDATE mjk_point_batches SET remaining = remaining + ? WHERE id = ?', {
          replacements: [back, batch.id],
          transaction: t,
        });
        await this.writeTransaction(t, {
          userId,
          type: 'refund',
          amount: back,
          before: balance,
          after: balance + back,
          sourceType,
          sourceId,
          batchId: String(batch.id),
          description: `【退还】${LABELS[sourceType]}`,
          now,
        });
        balance += back;
        const expired =
          batch.status === 'expired' ||
          (batch.expires_at !== null && batch.expires_at.getTime() <= now.getTime());
        if (expired) {
          await this.sequelize.query(
            "UPDATE mjk_point_batches SET remaining = remaining - ?, status = 'expired' WHERE id = ?",
            {
              replacements: [back, batch.id],
              transaction: t,
            },
          );
          await this.writeTransaction(t, {
            userId,
            type: 'expire',
            amount: back,
            before: balance,
            after: balance - back,
            sourceType,
            sourceId,
            batchId: String(batch.id),
            description: '【过期】退还时批次已过期',
            now,
          });
          balance -= back;
        }
        refund -= back;
      }
      await this.setBalance(userId, balance, t);
      await this.sequelize.query(
        "UPDATE mjk_point_reservations SET state = 'settled', outcome = ?, actual_cost = ?, refunded = ?, settled_at = ? WHERE id = ?",
        { replacements: [outcome, cost, refunded, now, reservation.id], transaction: t },
      );
      return { outcome, cost, refunded, balance };
    });
  }

  /** Moves the unused rest of every batch expired by now out of its owner's balance. Idempotent. */
  async expireDue(limit = 500): Promise<number> {
    const now = this.now();
    const users = await this.sequelize.query<{ user_id: string }>(
      `SELECT DISTINCT user_id FROM mjk_point_batches WHERE status = 'active' AND expires_at <= ? LIMIT ?`,
      { replacements: [now, limit], type: QueryTypes.SELECT },
    );
    let expired = 0;
    for (const { user_id: userId } of users) {
      expired += await this.sequelize.transaction(
        async (t) => (await this.expireUserBatches(userId, t, now)).expiredBatches,
      );
    }
    return expired;
  }

  /** Locks the user's balance row, expires their due batches, and returns the balance after that. */
  private async expireUserBatches(
    userId: string,
    t: Transaction,
    now: Date,
  ): Promise<{ balance: number; expiredBatches: number }> {
    let balance = await this.lockBalance(userId, t);
    const due = await this.sequelize.query<BatchRow>(
      `SELECT id, remaining, expires_at, status FROM mjk_point_batches
        WHERE user_id = ? AND status = 'active' AND expires_at <= ? ORDER BY expires_at, id FOR UPDATE`,
      { replacements: [userId, now], type: QueryTypes.SELECT, transaction: t },
    );
    for (const batch of due) {
      if (batch.remaining > 0) {
        await this.writeTransaction(t, {
          userId,
          type: 'expire',
          amount: batch.remaining,
          before: balance,
          after: balance - batch.remaining,
          sourceType: null,
          sourceId: null,
          batchId: String(batch.id),
          description: '【过期】',
          now,
        });
        balance -= batch.remaining;
      }
      await this.sequelize.query(
        "UPDATE mjk_point_batches SET remaining = 0, status = 'expired' WHERE id = ?",
        {
          replacements: [batch.id],
          transaction: t,
        },
      );
    }
    if (due.length > 0) await this.setBalance(userId, balance, t);
    return { balance, expiredBatches: due.length };
  }

  private async lockBalance(userId: string, t: Transaction): Promise<number> {
    const rows = await this.sequelize.query<{ balance: number }>(
      'SELECT balance FROM mjk_user_points WHERE user_id = ? FOR UPDATE',
      {
        replacements: [userId],
        type: QueryTypes.SELECT,
        transaction: t,
      },
    );
    if (!rows[0]) throw new LedgerError('unknown_user', 'userId', `user ${userId} has no points account`);
    return Number(rows[0].balance);
  }

  private async setBalance(userId: string, balance: number, t: Transaction): Promise<void> {
    await this.sequelize.query(
      'UPDATE mjk_user_points SET balance = ?, version = version + 1 WHERE user_id = ?',
      {
        replacements: [balance, userId],
        transaction: t,
      },
    );
  }

  private async writeTransaction(
    t: Transaction,
    row: {
      userId: string;
      type: TransactionType;
      amount: number;
      before: number;
      after: number;
      sourceType: string | null;
      sourceId: string | null;
      batchId: string;
      duration?: number | null;
      description: string;
      now: Date;
    },
  ): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO mjk_point_transactions
         (user_id, type, amount, balance_before, balance_after, source_type, source_id, batch_id, duration, description, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      {
        replacements: [
          row.userId,
          row.type,
          row.amount,
          row.before,
          row.after,
          row.sourceType,
          row.sourceId,
          row.batchId,
          row.duration ?? null,
          row.description,
          row.now,
          row.now,
        ],
        transaction: t,
      },
    );
  }

  /**
   * Runs `work` once per idempotency key. The key's row is inserted first, inside the transaction: a
   * concurrent call with the same key waits on it, then finds the committed result (or, if the first
   * rolled back, runs itself). The same key with a different request is refused.
   */
  private async once<T>(
    key: string,
    userId: string,
    kind: string,
    request: unknown,
    work: (t: Transaction) => Promise<T>,
  ): Promise<T> {
    checkText(key, 'idempotencyKey', 128);
    const hash = createHash('sha256').update(JSON.stringify({ kind, request })).digest('hex');
    // A deadlock victim was rolled back whole, idempotency row included: running it again is safe.
    return retryingDeadlocks(() => this.onceAttempt(key, userId, kind, hash, work));
  }

  private async onceAttempt<T>(
    key: string,
    userId: string,
    kind: string,
    hash: string,
    work: (t: Transaction) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.sequelize.transaction(async (t) => {
        await this.sequelize.query(
          "INSERT INTO mjk_point_operations (idempotency_key, user_id, kind, request_hash, result) VALUES (?, ?, ?, ?, '{}')",
          { replacements: [key, userId, kind, hash], transaction: t },
        );
        const result = await work(t);
        await this.sequelize.query('UPDATE mjk_point_operations SET result = ? WHERE idempotency_key = ?', {
          replacements: [JSON.stringify(result), key],
          transaction: t,
        });
        return result;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const rows = await this.sequelize.query<{ request_hash: string; result: string | T }>(
        'SELECT request_hash, result FROM mjk_point_operations WHERE idempotency_key = ?',
        { replacements: [key], type: QueryTypes.SELECT },
      );
      const first = rows[0]!;
      if (first.request_hash !== hash) {
        throw new LedgerError(
          'idempotency_conflict',
          'idempotencyKey',
          `idempotency key ${key} was used for a different request`,
        );
      }
      return typeof first.result === 'string' ? (JSON.parse(first.result) as T) : first.result;
    }
  }
}
