import { Sequelize } from 'sequelize';

export interface DatabaseOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Upper bound of pooled connections; a worker's concurrency is derived from it (worker/worker-concurrency.ts). */
  poolMax?: number;
  logSql?: (sql: string) => void;
}

/**
 * One Sequelize instance per process. The session time zone is UTC so DATETIME columns hold UTC and
 * TIMESTAMP columns convert to nothing: the application decides time zones (quota resets are Asia/Shanghai).
 */
export function createSequelize(options: DatabaseOptions): Sequelize {
  return new Sequelize(options.database, options.user, options.password, {
    host: options.host,
    port: options.port,
    dialect: 'mysql',
    timezone: '+00:00',
    logging: options.logSql ?? false,
    pool: { max: options.poolMax ?? 10, min: 0, idle: 10_000, acquire: 30_000 },
    dialectOptions: {
      charset: 'utf8mb4',
      dateStrings: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
    },
    define: { freezeTableName: true, underscored: true },
  });
}
