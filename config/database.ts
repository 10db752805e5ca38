import type { DatabaseOptions } from '../db/connection';
import type { Config } from './settings';

export function databaseOptions(config: Config, overrides: Partial<DatabaseOptions> = {}): DatabaseOptions {
  return {
    host: config.mysqlHost,
    port: config.mysqlPort,
    user: config.mysqlUser,
    password: config.mysqlPassword,
    database: config.mysqlDatabase,
    poolMax: config.mysqlPoolMax,
    isolationLevel: config.mysqlIsolationLevel,
    ...overrides,
  };
}
