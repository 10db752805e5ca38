import type { Sequelize } from 'sequelize';
import { databaseOptions } from '../../config/database';
import { loadConfig } from '../../config/settings';
import { createMigrator } from '../../db/migrator';
import { createSequelize, type DatabaseOptions } from '../../db/connection';

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

/** Brings the test database to the newest schema; returns the connection. */
export async function migratedTestDatabase(): Promise<Sequelize> {
  const sequelize = connectTestDatabase();
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
