import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createMigrator } from '../../db/migrator';
import { connectTestDatabase, freshlyMigratedTestDatabase, testDatabaseOptions } from '../support/database';
import { characterColumns, describeTable, type LiveTable } from '../support/information-schema';
import {
  seed000TemplateExecutions,
  seed001PointTransactions,
  seed002CreateTables,
  seed003JobOutputs,
  seed004ModelImageFields,
  SEEDS_DIR,
  type ExpectedTable,
} from '../support/seed-documents';

/**
 * The seeds are the specification: the live schema, as information_schema reports it after the
 * migrations ran, must say what they say. Each mismatch is listed by table, column and field.
 */

function mismatches(live: LiveTable | null, expected: ExpectedTable): string[] {
  if (!live) return [`${expected.table}: table missing`];
  const out: string[] = [];
  for (const col of expected.columns) {
    const at = `${expected.table}.${col.name} (seed ${expected.source})`;
    const actual = live.columns.find((c) => c.name === col.name);
    if (!actual) {
      out.push(`${at}: column missing`);
      continue;
    }
    if (
      col.types &&
      !col.types.some((t) => t === actual.type || (t === 'enum(*)' && actual.type.startsWith('enum(')))
    ) {
      out.push(`${at}: type ${actual.type}, seed says ${col.types.join(' or ')}`);
    }
    if (col.nullable !== undefined && col.nullable !== actual.nullable) {
      out.push(`${at}: ${actual.nullable ? 'nullable' : 'NOT NULL'}, seed says the opposite`);
    }
    if (col.default !== undefined && col.default !== actual.default) {
      out.push(`${at}: default ${String(actual.default)}, seed says ${String(col.default)}`);
    }
    if (col.comment !== undefined && col.comment !== actual.comment) {
      out.push(`${at}: comment "${actual.comment}", seed says "${col.comment}"`);
    }
    if (col.autoIncrement && !actual.extra.includes('auto_increment')) out.push(`${at}: not AUTO_INCREMENT`);
    if (col.onUpdateCurrentTimestamp && !actual.extra.includes('on update current_timestamp')) {
      out.push(`${at}: no ON UPDATE CURRENT_TIMESTAMP`);
    }
  }
  for (const index of expected.indexes) {
    const found = live.indexes.some(
      (i) =>
        i.unique === index.unique &&
        i.columns.join(',') === index.columns.join(',') &&
        (!index.primary || i.name === 'PRIMARY'),
    );
    if (!found) {
      out.push(
        `${expected.table}: no ${index.unique ? 'unique ' : ''}index on (${index.columns.join(', ')}) (seed ${expected.source})`,
      );
    }
  }
  return out;
}

describe('schema: the migrated database says what the seeds say', () => {
  let sequelize: Sequelize;
  let scratch: Sequelize;
  const database = testDatabaseOptions().database;
  const scratchDatabase = `${database}_seedcheck`;

  beforeAll(async () => {
    sequelize = await freshlyMigratedTestDatabase();
    // Seed 002's SQL, loaded as written into a scratch database, is the reference the migration must equal.
    await sequelize.query(`DROP DATABASE IF EXISTS \`${scratchDatabase}\``);
    await sequelize.query(
      `CREATE DATABASE \`${scratchDatabase}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    scratch = connectTestDatabase({ database: scratchDatabase, poolMax: 1 });
    for (const statement of seed002CreateTables()) await scratch.query(statement);
  });

  afterAll(async () => {
    await scratch?.close();
    await sequelize?.query(`DROP DATABASE IF EXISTS \`${scratchDatabase}\``);
    await sequelize?.close();
  });

  it('keeps its copies of the design documents identical to ../shared/seeds', () => {
    const shared = join(__dirname, '..', '..', '..', 'shared', 'seeds');
    // The specification sits beside the clone (DEVELOPERS.md); without it this check cannot be made.
    expect({ shared, present: existsSync(shared) }).toEqual({ shared, present: true });
    expect(readdirSync(shared).sort()).toEqual(readdirSync(SEEDS_DIR).sort());
    for (const file of readdirSync(shared)) {
      expect({ file, text: readFileSync(join(SEEDS_DIR, file), 'utf8') }).toEqual({
        file,
        text: readFileSync(join(shared, file), 'utf8'),
      });
    }
  });

  it('finds three CREATE TABLE statements in seed 002', () => {
    expect(seed002CreateTables().map((s) => /CREATE TABLE (\w+)/.exec(s)![1])).toEqual([
      'jimeng_accounts',
      'jimeng_image_generation_records',
      'jimeng_video_generation_records',
    ]);
  });

  it.each(['jimeng_accounts', 'jimeng_image_generation_records', 'jimeng_video_generation_records'])(
    '%s equals what seed 002 creates: columns, types, defaults, comments, indexes, unique keys',
    async (table) => {
      const live = await describeTable(sequelize, database, table);
      const reference = await describeTable(scratch, scratchDatabase, table);
      expect(reference).not.toBeNull();
      expect(live).toEqual(reference);
    },
  );

  it('mjk_point_transactions has every column of seed 001 with its type, nullability, default and comment', async () => {
    const expected = seed001PointTransactions();
    expect(expected.columns).toHaveLength(10);
    // BaseModelBigInt, the seed's base class, gives a BIGINT primary key and the two timestamps.
    expected.columns.unshift({ name: 'id', types: ['bigint'], nullable: false, autoIncrement: true });
    expected.columns.push(
      { name: 'created_at', types: ['datetime'], nullable: false },
      { name: 'updated_at', types: ['datetime'], nullable: false, onUpdateCurrentTimestamp: true },
    );
    expected.indexes.push({ columns: ['id'], unique: true, primary: true });
    expect(mismatches(await describeTable(sequelize, database, expected.table), expected)).toEqual([]);
  });

  it('has the point batch table batch_id refers to, and one balance row per user', async () => {
    const batches: ExpectedTable = {
      table: 'mjk_point_batches',
      source: '001 (batch_id)',
      columns: [
        { name: 'id', types: ['bigint'], nullable: false, autoIncrement: true },
        { name: 'user_id', types: ['char(36)'], nullable: false },
        { name: 'amount', types: ['int'], nullable: false },
        { name: 'remaining', types: ['int'], nullable: false },
        { name: 'expires_at', types: ['datetime'], nullable: true },
      ],
      indexes: [{ columns: ['id'], unique: true, primary: true }],
    };
    const balances: ExpectedTable = {
      table: 'mjk_user_points',
      source: '001 (balance_before / balance_after)',
      columns: [
        { name: 'user_id', types: ['char(36)'], nullable: false },
        { name: 'balance', types: ['int'], nullable: false, default: '0' },
      ],
      indexes: [{ columns: ['user_id'], unique: true, primary: true }],
    };
    expect(mismatches(await describeTable(sequelize, database, batches.table), batches)).toEqual([]);
    expect(mismatches(await describeTable(sequelize, database, balances.table), balances)).toEqual([]);
  });

  it('template_executions has every column and index of seed 000 as TypeORM would create them', async () => {
    const expected = seed000TemplateExecutions();
    expect(expected.columns).toHaveLength(22);
    expect(expected.indexes).toHaveLength(6);
    expected.indexes.push({ columns: ['id'], unique: true, primary: true });
    expect(mismatches(await describeTable(sequelize, database, expected.table), expected)).toEqual([]);
  });

  it('job_outputs has the fields of seed 003 and the image fields of seed 004 model_image', async () => {
    const from003 = seed003JobOutputs();
    expect(from003.columns.map((c) => c.name)).toEqual([
      'id',
      'job_id',
      'user_id',
      'type',
      'oss_url',
      'oss_path',
      'size',
      'meta',
      'created_at',
    ]);
    const from004 = seed004ModelImageFields();
    expect(from004.columns).toHaveLength(11);
    const live = await describeTable(sequelize, database, 'job_outputs');
    expect([...mismatches(live, from003), ...mismatches(live, from004)]).toEqual([]);
  });
});

/**
 * Issue 18: the schema never depends on the server's default character set or collation (MySQL 8's
 * utf8mb4_0900_ai_ci does not exist on MariaDB; RDS may default to utf8mb3, which refuses emoji). The
 * migrations run into a database whose default is latin1, so a table that took the default would show.
 */
describe('schema: utf8mb4 / utf8mb4_unicode_ci everywhere, whatever the server default', () => {
  const scratchDatabase = `${testDatabaseOptions().database}_charset`;
  const statements: string[] = [];
  let admin: Sequelize;
  let scratch: Sequelize;

  beforeAll(async () => {
    admin = connectTestDatabase({ poolMax: 1 });
    await admin.query(`DROP DATABASE IF EXISTS \`${scratchDatabase}\``);
    await admin.query(
      `CREATE DATABASE \`${scratchDatabase}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`,
    );
    scratch = connectTestDatabase({
      database: scratchDatabase,
      poolMax: 1,
      logSql: (sql) => statements.push(sql),
    });
    await createMigrator(scratch).up();
  });

  afterAll(async () => {
    await scratch?.close();
    await admin?.query(`DROP DATABASE IF EXISTS \`${scratchDatabase}\``);
    await admin?.close();
  });

  it('pins the character set and collation in every CREATE TABLE the migrations run', () => {
    const creates = statements.filter((sql) => /\bCREATE TABLE\b/i.test(sql));
    expect(creates.length).toBeGreaterThan(15);
    const unpinned = creates
      .filter((sql) => !/\bCHARSET=utf8mb4 COLLATE[= ]utf8mb4_unicode_ci\b/.test(sql))
      .map((sql) => /CREATE TABLE (?:IF NOT EXISTS )?`?(\w+)/i.exec(sql)?.[1] ?? sql);
    expect(unpinned).toEqual([]);
  });

  it('converts no table of a fresh install: each was created right', () => {
    expect(statements.filter((sql) => /\bMODIFY\b/.test(sql))).toEqual([]);
  });

  it('gives the database utf8mb4_unicode_ci as its default, for tables made outside the migrations', async () => {
    const [row] = await admin.query<{ charset: string; collation: string }>(
      `SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`,
      { replacements: [scratchDatabase], type: QueryTypes.SELECT },
    );
    expect(row).toEqual({ charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' });
  });

  it('leaves no table, and no text column but JSON ones (utf8mb4_bin), in another character set or collation', async () => {
    const tables = await admin.query<{ TABLE_NAME: string; TABLE_COLLATION: string }>(
      'SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      { replacements: [scratchDatabase], type: QueryTypes.SELECT },
    );
    expect(tables.length).toBeGreaterThan(15);
    expect(tables.filter((t) => t.TABLE_COLLATION !== 'utf8mb4_unicode_ci')).toEqual([]);
    const columns = await characterColumns(admin, scratchDatabase);
    expect(columns.filter((c) => !c.json).length).toBeGreaterThan(100);
    const wrong = columns.filter(
      (c) => c.charset !== 'utf8mb4' || c.collation !== (c.json ? 'utf8mb4_bin' : 'utf8mb4_unicode_ci'),
    );
    expect(wrong).toEqual([]);
  });
});
