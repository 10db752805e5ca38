import { QueryTypes, type Sequelize } from 'sequelize';
import type { IsolationLevel } from '../../db/connection';
import { SnowflakeGenerator } from '../../db/ids/snowflake';
import { migratedTestDatabaseAt } from './database';

const ids = new SnowflakeGenerator({ nodeId: 900 });

export interface AccountRow {
  id: string;
  jimeng_account: string;
  session_id: string;
  site_type: number | null;
  account_status: number | null;
  image_generation_status: number | null;
  video_generation_status: number | null;
  image_count: number;
  video_count: number;
  image_unavailable_time: Date | null;
  video_unavailable_time: Date | null;
  quota_reset_time: Date | null;
  priority: number;
  max_retry_count: number;
  version: number;
  is_deleted: number;
}

/** Inserts one jimeng_accounts row with the seed's defaults unless overridden; returns its id. */
export async function insertAccount(sequelize: Sequelize, row: Partial<AccountRow> = {}): Promise<string> {
  const id = row.id ?? ids.next();
  const full: Partial<AccountRow> = {
    jimeng_account: `acct-${id.slice(-6)}`,
    session_id: `sess-${id}`,
    ...row,
    id,
  };
  const columns = Object.keys(full);
  await sequelize.query(
    `INSERT INTO jimeng_accounts (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    { replacements: columns.map((c) => full[c as keyof AccountRow] ?? null) },
  );
  return id;
}

export async function readAccount(sequelize: Sequelize, id: string): Promise<AccountRow> {
  const rows = await sequelize.query<AccountRow>('SELECT * FROM jimeng_accounts WHERE id = ?', {
    replacements: [id],
    type: QueryTypes.SELECT,
  });
  if (!rows[0]) throw new Error(`no account ${id}`);
  return rows[0];
}

export async function clearAccounts(sequelize: Sequelize): Promise<void> {
  await sequelize.query('DELETE FROM jimeng_account_leases');
  await sequelize.query('DELETE FROM jimeng_account_waiters');
  await sequelize.query('DELETE FROM jimeng_accounts');
}

/**
 * The hooks of a suite over the account tables: the database at `isolationLevel` (handed to `use`), the
 * accounts, leases and waiters cleared before each test and after the suite.
 */
export function accountTablesAt(isolationLevel: IsolationLevel, use: (sequelize: Sequelize) => void): void {
  let sequelize: Sequelize;
  beforeAll(async () => {
    sequelize = await migratedTestDatabaseAt(isolationLevel);
    use(sequelize);
  });
  afterAll(async () => {
    await clearAccounts(sequelize);
    await sequelize.close();
  });
  beforeEach(() => clearAccounts(sequelize));
}
