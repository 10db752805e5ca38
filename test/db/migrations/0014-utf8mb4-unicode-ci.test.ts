import { QueryTypes, type Sequelize } from 'sequelize';
import { characterColumnsOf, convertTableSql } from '../../../db/charset';
import { createMigrator, MIGRATIONS_TABLE } from '../../../db/migrator';
import { connectTestDatabase, testDatabaseOptions } from '../../support/database';
import { characterColumns, describeTable, type LiveTable } from '../../support/information-schema';

/**
 * Migration 0014 over a database as deployments hold it: tables that took the server's default, utf8mb3 (as
 * RDS may have it) or another utf8mb4 collation (utf8mb4_general_ci here, standing in for MySQL 8's
 * utf8mb4_0900_ai_ci, which MariaDB does not have), with rows in them.
 */
describe('migration 0014-utf8mb4-unicode-ci on tables in the server default', () => {
  const scratchDatabase = `${testDatabaseOptions().database}_charset0014`;
  // The rest take utf8mb3_general_ci, as on a server whose default is utf8mb3.
  const GENERAL_CI_TABLES = ['api_keys', 'jimeng_accounts', 'mjk_point_transactions', 'tenant_users'];
  let admin: Sequelize;
  let scratch: Sequelize;
  const before = new Map<string, LiveTable | null>();

  const tableNames = async () =>
    (
      await admin.query<{ TABLE_NAME: string }>(
        'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
        { replacements: [scratchDatabase], type: QueryTypes.SELECT },
      )
    ).map((t) => t.TABLE_NAME);
  const insertRecord = (id: string, prompt: string) =>
    scratch.query(
      `INSERT INTO jimeng_image_generation_records
         (id, jimeng_accounts_id, project_id, project_name, storyboard_id, work_id, model, prompt)
       VALUES (?, '', 'p-0014', '项目', ?, 'w', 'jimeng-4.0', ?)`,
      { replacements: [id, id, prompt] },
    );
  const promptOf = async (id: string) =>
    (
      await scratch.query<{ prompt: string }>(
        'SELECT prompt FROM jimeng_image_generation_records WHERE id = ?',
        {
          replacements: [id],
          type: QueryTypes.SELECT,
        },
      )
    )[0]?.prompt;

  beforeAll(async () => {
    admin = connectTestDatabase({ poolMax: 1 });
    await admin.query(`DROP DATABASE IF EXISTS \`${scratchDatabase}\``);
    await admin.query(
      `CREATE DATABASE \`${scratchDatabase}\` CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci`,
    );
    scratch = connectTestDatabase({ database: scratchDatabase, poolMax: 1 });
    await createMigrator(scratch).up({ to: '0013-node-id-leases' });
    // Back to what the tables were before their CREATE TABLE named a character set; binary columns (MariaDB's
    // JSON) were utf8mb4_bin then too. umzug made the migrations table utf8mb3_unicode_ci.
    for (const table of await tableNames()) {
      const collation =
        table === MIGRATIONS_TABLE
          ? 'utf8mb3_unicode_ci'
          : GENERAL_CI_TABLES.includes(table)
            ? 'utf8mb4_general_ci'
            : 'utf8mb3_general_ci';
      const columns = (await characterColumnsOf(scratch, table)).filter((c) => !c.collation.endsWith('_bin'));
      await scratch.query(convertTableSql(table, columns, 'expression', () => collation, collation));
      before.set(table, await describeTable(admin, scratchDatabase, table));
    }
    await insertRecord('r-before', '雪中的红狐狸');
  });

  afterAll(async () => {
    await scratch?.close();
    await admin?.query(`DROP DATABASE IF EXISTS \`${scratchDatabase}\``);
    await admin?.close();
  });

  it('starts from tables that refuse a 4-byte character, as a utf8mb3 deployment does in strict mode', async () => {
    const records = (await characterColumns(admin, scratchDatabase)).find(
      (c) => c.table === 'jimeng_image_generation_records' && c.column === 'prompt',
    );
    expect(records?.collation).toBe('utf8mb3_general_ci');
    await expect(insertRecord('r-refused', '狐狸 🦊')).rejects.toThrow(/Incorrect string value/);
  });

  it('converts every table and text column to utf8mb4_unicode_ci (JSON stays utf8mb4_bin), and the database default', async () => {
    await createMigrator(scratch).up();
    const [schema] = await admin.query<{ collation: string }>(
      'SELECT DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      { replacements: [scratchDatabase], type: QueryTypes.SELECT },
    );
    expect(schema?.collation).toBe('utf8mb4_unicode_ci');
    const tables = await admin.query<{ TABLE_NAME: string; TABLE_COLLATION: string }>(
      'SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      { replacements: [scratchDatabase], type: QueryTypes.SELECT },
    );
    expect(tables.filter((t) => t.TABLE_COLLATION !== 'utf8mb4_unicode_ci')).toEqual([]);
    const wrong = (await characterColumns(admin, scratchDatabase)).filter(
      (c) => c.charset !== 'utf8mb4' || c.collation !== (c.json ? 'utf8mb4_bin' : 'utf8mb4_unicode_ci'),
    );
    expect(wrong).toEqual([]);
  });

  it('keeps every column’s type (TEXT stays TEXT), nullability, default and comment, every index, and the rows', async () => {
    for (const table of await tableNames()) {
      expect({ table, ...(await describeTable(admin, scratchDatabase, table)) }).toEqual({
        table,
        ...before.get(table),
      });
    }
    expect(await promptOf('r-before')).toBe('雪中的红狐狸');
  });

  it('stores a 4-byte character afterwards', async () => {
    await insertRecord('r-emoji', '狐狸 🦊 𠀋');
    expect(await promptOf('r-emoji')).toBe('狐狸 🦊 𠀋');
  });
});
