import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { databaseOptions } from '../../config/database';
import { loadConfig } from '../../config/settings';
import { createMigrator } from '../../db/migrator';
import { createSequelize, type DatabaseOptions, type IsolationLevel } from '../../db/connection';

/**
 * Tests use their own database next to the dev one (created by scripts/mariadb.sh), so a test run never
 * touches dev data.
 */
export function testDatabaseOptions(overrides: Partial<DatabaseOptions> = {}): DatabaseOptions {
  const config = loadConfig();
  return databaseOptions(config, {
    database: process.env.MYSQL_TEST_DATABASE ?? `${config.mysqlDatabase}_test`,
    poolMax: 20,
    ...overrides,
  });
}

export function connectTestDatabase(overrides: Partial<DatabaseOptions> = {}): Sequelize {
  return createSequelize(testDatabaseOptions(overrides));
}

/**
 * The test database at the newest schema, every session of the connection at `isolationLevel` (checked, so a
 * suite never believes it ran under a level it did not).
 */
export async function migratedTestDatabaseAt(isolationLevel: IsolationLevel): Promise<Sequelize> {
  const sequelize = await migratedTestDatabase({ isolationLevel });
  const actual = await sessionIsolationLevel(sequelize);
  if (actual !== isolationLevel) throw new Error(`sessions run at ${actual}, not ${isolationLevel}`);
  return sequelize;
}

/** Brings the test database to the newest schema; returns the connection. */
export async function migratedTestDatabase(overrides: Partial<DatabaseOptions> = {}): Promise<Sequelize> {
  const sequelize = connectTestDatabase(overrides);
  await createMigrator(sequelize).up();
  return sequelize;
}

/** Drops every table the migrations made and builds them again: the schema then is what the code says. */
export async function freshlyMigratedTestDatabase(): Promise<Sequelize> {
  const sequelize = connectTestDatabase();
  const migrator = createMigrator(sequelize);
  await migrator.down({ to: 0 });
  await migrator.up();
  return sequelize;
}

/**
 * The isolation level of the session that runs the query (of `transaction`'s connection, when given). Read
 * through SHOW VARIABLES, which answers under either name: tx_isolation (MariaDB 10.11) and
 * transaction_isolation (MySQL 8).
 */
export async function sessionIsolationLevel(
  sequelize: Sequelize,
  transaction?: Transaction,
): Promise<IsolationLevel> {
  const rows = await sequelize.query<{ Value: IsolationLevel }>(
    "SHOW SESSION VARIABLES WHERE Variable_name IN ('tx_isolation', 'transaction_isolation')",
    { type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) },
  );
  return rows[0]!.Value;
}
