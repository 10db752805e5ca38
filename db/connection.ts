import { Sequelize } from 'sequelize';

/**
 * The isolation levels the code is written and tested for (test/services: the pool, ledger and records suites
 * run under both). Spelled as the servers' transaction_isolation variable spells them.
 */
export const ISOLATION_LEVELS = ['REPEATABLE-READ', 'READ-COMMITTED'] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

export interface DatabaseOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Upper bound of pooled connections; a worker's concurrency is derived from it (worker/worker-concurrency.ts). */
  poolMax?: number;
  /**
   * Set on every session when it connects, so no transaction depends on the server's (or a parameter
   * group's) default; the server's default when absent.
   */
  isolationLevel?: IsolationLevel;
  logSql?: (sql: string) => void;
}

/** The part of a mysql2 connection the session set-up uses. */
interface RawConnection {
  query(sql: string, callback: (err: Error | null) => void): void;
}

function runOnConnection(connection: RawConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.query(sql, (err) => (err ? reject(err) : resolve())));
}

/**
 * One Sequelize instance per process. The session time zone is UTC so DATETIME columns hold UTC and
 * TIMESTAMP columns convert to nothing: the application decides time zones (quota resets are Asia/Shanghai).
 * The connection's character set is utf8mb4, as every table's (db/charset.ts), so 4-byte characters survive
 * the wire. The isolation level is set with `SET SESSION TRANSACTION ISOLATION LEVEL`, which both servers
 * accept (the variable's name differs: tx_isolation on MariaDB 10.11, transaction_isolation on MySQL 8).
 */
export function createSequelize(options: DatabaseOptions): Sequelize {
  const isolation = options.isolationLevel;
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
    hooks: isolation
      ? {
          afterConnect: (connection) =>
            runOnConnection(
              connection as RawConnection,
              `SET SESSION TRANSACTION ISOLATION LEVEL ${isolation.replace('-', ' ')}`,
            ),
        }
      : {},
  });
}
