/**
 * The account pool's own audit trail of image leases (jimeng_account_leases), read after a run and grouped per
 * job and per account.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface LeaseRow {
  account_id: string;
  holder: string | null;
  leased_at: Date;
  released_at: Date | null;
  outcome: string | null;
}

export interface Interval {
  start: number;
  end: number;
}

/** A lease time as ms since the epoch. */
export const msOf = (d: Date | string): number => new Date(d).getTime();

/**
 * Every image lease (account ids; leased_at/released_at to the ms), and how many rows carry a fraction of a
 * second, which says whether the columns really hold milliseconds.
 */
export async function readImageLeases(
  sequelize: Sequelize,
): Promise<{ rows: LeaseRow[]; fractionalRows: number }> {
  const rows = await sequelize.query<LeaseRow>(
    `SELECT account_id, holder, leased_at, released_at, outcome FROM jimeng_account_leases WHERE capability = 'image'`,
    { type: QueryTypes.SELECT },
  );
  const [precision] = await sequelize.query<{ fractional: string | number | null }>(
    `SELECT SUM(MICROSECOND(leased_at) <> 0 OR MICROSECOND(released_at) <> 0) AS fractional
       FROM jimeng_account_leases WHERE capability = 'image'`,
    { type: QueryTypes.SELECT },
  );
  return { rows, fractionalRows: Number(precision?.fractional ?? 0) };
}

/** Each job's leases, oldest first (holder = workflow id). */
export function leasesByHolder(rows: readonly LeaseRow[]): Map<string, LeaseRow[]> {
  const byHolder = new Map<string, LeaseRow[]>();
  for (const row of rows) {
    const list = byHolder.get(row.holder ?? '') ?? [];
    list.push(row);
    byHolder.set(row.holder ?? '', list);
  }
  for (const list of byHolder.values()) list.sort((x, y) => msOf(x.leased_at) - msOf(y.leased_at));
  return byHolder;
}

/**
 * Accounts' released leases straight from the rows (DATETIME(3), written on this machine's clock like the
 * server's event times): whatever the workflow shape, no pairing with the histories needed. One list per
 * account, at the index `accountIndex` gives its id, oldest first.
 */
export function leasesByAccount(
  rows: readonly LeaseRow[],
  accountIndex: ReadonlyMap<string, number>,
): Interval[][] {
  const perAccount: Interval[][] = Array.from({ length: accountIndex.size }, () => []);
  for (const row of rows) {
    const a = accountIndex.get(String(row.account_id));
    if (a !== undefined && row.released_at !== null)
      perAccount[a]!.push({ start: msOf(row.leased_at), end: msOf(row.released_at) });
  }
  for (const list of perAccount) list.sort((x, y) => x.start - y.start);
  return perAccount;
}

/**
 * The latest release at or before a time, NaN when none. Which release's signal woke a job is not recorded:
 * the latest release before the signal bounds the release -> signal hop from below.
 */
export function latestReleaseBefore(perAccount: readonly Interval[][]): (t: number) => number {
  const releaseTimes = perAccount.flatMap((list) => list.map((l) => l.end)).sort((x, y) => x - y);
  return (t) => {
    let lo = 0;
    let hi = releaseTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (releaseTimes[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? NaN : releaseTimes[lo - 1]!;
  };
}
