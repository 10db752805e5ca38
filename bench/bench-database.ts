import type { Sequelize } from 'sequelize';
import { databaseOptions } from '../config/database';
import { loadConfig } from '../config/settings';
import { createMigrator } from '../db/migrator';
import { CHARSET, COLLATION } from '../db/charset';
import { createSequelize } from '../db/connection';

/** Benchmarks run in their own database, <MYSQL_DATABASE>_bench, created and migrated on first use. */
export async function openBenchDatabase(poolMax: number): Promise<Sequelize> {
  const config = loadConfig();
  const admin = createSequelize(databaseOptions(config, { poolMax: 1 }));
  const benchDb = `${config.mysqlDatabase}_bench`;
  await admin.query(
    `CREATE DATABASE IF NOT EXISTS \`${benchDb}\` CHARACTER SET ${CHARSET} COLLATE ${COLLATION}`,
  );
  await admin.close();
  const sequelize = createSequelize(databaseOptions(config, { database: benchDb, poolMax }));
  await createMigrator(sequelize).up();
  return sequelize;
}
