import { QueryTypes, type Sequelize } from 'sequelize';

export interface LedgerRow {
  id: number;
  type: 'recharge' | 'consume' | 'refund' | 'expire';
  amount: number;
  balance_before: number;
  balance_after: number;
  source_type: string | null;
  source_id: string | null;
  batch_id: string | null;
  description: string | null;
}

export async function ledgerRows(sequelize: Sequelize, userId: string): Promise<LedgerRow[]> {
  const rows = await sequelize.query<LedgerRow>(
    `SELECT id, type, amount, balance_before, balance_after, source_type, source_id, batch_id, description
       FROM mjk_point_transactions WHERE user_id = ? ORDER BY id`,
    { replacements: [userId], type: QueryTypes.SELECT },
  );
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    amount: Number(r.amount),
    balance_before: Number(r.balance_before),
    balance_after: Number(r.balance_after),
    batch_id: r.batch_id === null ? null : String(r.batch_id),
  }));
}

/**
 * The invariants of pool-and-ledger.md, as a list of what is wrong (empty = all hold): each row's
 * balance_before is the previous row's balance_after; each row moves the balance by its amount in its
 * direction; no balance is negative; each consume has at most one refund; when `balance` is given, the
 * sum of the transactions equals it.
 */
export function ledgerInvariantViolations(rows: readonly LedgerRow[], balance?: number | null): string[] {
  const out: string[] = [];
  let previous = 0;
  let sum = 0;
  const refunds = new Map<string, number>();
  const consumed = new Map<string, number>();
  for (const r of rows) {
    const sign = r.type === 'recharge' || r.type === 'refund' ? 1 : -1;
    if (r.amount <= 0) out.push(`row ${r.id}: amount ${r.amount} is not positive`);
    if (r.balance_before !== previous)
      out.push(`row ${r.id}: balance_before ${r.balance_before} != previous balance_after ${previous}`);
    if (r.balance_after !== r.balance_before + sign * r.amount)
      out.push(`row ${r.id}: ${r.type} of ${r.amount} does not explain the change`);
    if (r.balance_after < 0) out.push(`row ${r.id}: negative balance ${r.balance_after}`);
    const key = `${r.source_type}:${r.source_id}:${r.batch_id}`;
    if (r.type === 'consume') consumed.set(key, (consumed.get(key) ?? 0) + 1);
    if (r.type === 'refund') {
      refunds.set(key, (refunds.get(key) ?? 0) + 1);
      if (refunds.get(key)! > (consumed.get(key) ?? 0)) out.push(`row ${r.id}: second refund for ${key}`);
    }
    previous = r.balance_after;
    sum += sign * r.amount;
  }
  if (balance !== undefined && balance !== null && sum !== balance)
    out.push(`transactions sum to ${sum}, balance is ${balance}`);
  return out;
}

/** mjk_user_points.balance as stored (expired batches not yet moved out included), or null without a row. */
export async function storedBalance(sequelize: Sequelize, userId: string): Promise<number | null> {
  const rows = await sequelize.query<{ balance: number }>(
    'SELECT balance FROM mjk_user_points WHERE user_id = ?',
    {
      replacements: [userId],
      type: QueryTypes.SELECT,
    },
  );
  return rows[0] ? Number(rows[0].balance) : null;
}
