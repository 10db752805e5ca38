import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * SQL must run on MariaDB (development, tests) and MySQL 8 (production), and the test run has only MariaDB.
 * These are the constructs one of the two refuses, deprecates or reads differently, each with the form both
 * accept; the check reads the source, so CI catches them without a MySQL 8 server. Tests are not read: they
 * run on MariaDB only, and some build the states the code must cope with on purpose (utf8mb3 tables). SQL
 * keywords are written in capitals throughout, so the VALUES patterns match capitals only (not Object.values).
 */
interface Banned {
  name: string;
  pattern: RegExp;
  reason: string;
  /** Caught by the pattern. */
  example: string;
  /** The portable form, not caught. */
  instead: string;
}

const BANNED: readonly Banned[] = [
  {
    name: 'VALUES() in ON DUPLICATE KEY UPDATE',
    pattern: /=\s*VALUES\s*\(/,
    reason:
      'deprecated since MySQL 8.0.20, and its replacement (a row alias) does not exist on MariaDB: bind the value again',
    example: 'ON DUPLICATE KEY UPDATE sites = VALUES(sites)',
    instead: 'ON DUPLICATE KEY UPDATE sites = :sites',
  },
  {
    name: 'a row alias after VALUES',
    pattern: /\bVALUES\s*\([^)]*\)\s+AS\s+\w+/,
    reason: 'MySQL 8.0.19+ only: MariaDB refuses `INSERT ... VALUES (...) AS new`',
    example: 'INSERT INTO t (a) VALUES (?) AS new ON DUPLICATE KEY UPDATE a = new.a',
    instead: 'INSERT INTO t (a) VALUES (:a) ON DUPLICATE KEY UPDATE a = :a',
  },
  {
    name: 'RETURNING',
    pattern: /\bRETURNING\b/,
    reason: 'MariaDB only (INSERT/DELETE ... RETURNING): read the row back by its key',
    example: 'INSERT INTO t (a) VALUES (?) RETURNING id',
    instead: 'INSERT INTO t (a) VALUES (?)',
  },
  {
    name: 'IF [NOT] EXISTS on a column, index, key or constraint',
    pattern:
      /\b(?:ADD|DROP)\s+(?:COLUMN\s+|INDEX\s+|KEY\s+|CONSTRAINT\s+|UNIQUE\s+(?:KEY\s+|INDEX\s+)?)?IF\s+(?:NOT\s+)?EXISTS\b|\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\b/i,
    reason:
      'MariaDB only: MySQL 8 has IF [NOT] EXISTS for tables and databases, not inside ALTER TABLE or for indexes',
    example: 'ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT',
    instead: 'ALTER TABLE t ADD COLUMN a INT',
  },
  {
    name: 'CREATE OR REPLACE TABLE',
    pattern: /\bCREATE\s+OR\s+REPLACE\s+TABLE\b/i,
    reason: 'MariaDB only: DROP TABLE IF EXISTS, then CREATE TABLE',
    example: 'CREATE OR REPLACE TABLE t (a INT)',
    instead: 'CREATE TABLE t (a INT)',
  },
  {
    name: 'sequences',
    pattern: /\b(?:CREATE|ALTER|DROP)\s+SEQUENCE\b|\bNEXTVAL\s*\(|\bNEXT\s+VALUE\s+FOR\b/i,
    reason: 'MariaDB only: use AUTO_INCREMENT or ids made by the application (db/ids)',
    example: 'SELECT NEXTVAL(task_ids)',
    instead: 'id BIGINT NOT NULL AUTO_INCREMENT',
  },
  {
    name: 'functions of one dialect',
    pattern:
      /\b(?:NVL2?|DECODE_ORACLE|SYS_GUID|JSON_(?:VALUE|QUERY|DETAILED|COMPACT|LOOSE|EXISTS|EQUALS|NORMALIZE))\s*\(/i,
    reason:
      'MariaDB only, or (JSON_VALUE) on MySQL only since 8.0.21 and with other defaults: use COALESCE, UUID(), JSON_UNQUOTE(JSON_EXTRACT(...))',
    example: "SELECT JSON_VALUE(execution_config, '$.workflowId')",
    instead: "SELECT JSON_UNQUOTE(JSON_EXTRACT(execution_config, '$.workflowId'))",
  },
  {
    name: 'JSON path operators',
    pattern: /\w\s*->>?\s*'\$/,
    reason: "MySQL only: MariaDB has no column->'$.path' nor ->>; use JSON_UNQUOTE(JSON_EXTRACT(...))",
    example: "SELECT execution_config->>'$.workflowId' FROM template_executions",
    instead: "SELECT JSON_UNQUOTE(JSON_EXTRACT(execution_config, '$.workflowId')) FROM template_executions",
  },
  {
    name: 'FOR SHARE',
    pattern: /\bFOR\s+SHARE\b/i,
    reason: 'MySQL 8 only (MariaDB before 11.x has none): LOCK IN SHARE MODE is what both accept',
    example: 'SELECT balance FROM mjk_user_points WHERE user_id = ? FOR SHARE',
    instead: 'SELECT balance FROM mjk_user_points WHERE user_id = ? FOR UPDATE',
  },
  {
    name: 'INTERSECT and EXCEPT',
    pattern: /\b(?:INTERSECT|EXCEPT)\s+(?:ALL\s+|DISTINCT\s+)?\(?\s*SELECT\b/,
    reason: 'MySQL before 8.0.31 has neither: use EXISTS / NOT EXISTS',
    example: 'SELECT a FROM t EXCEPT SELECT a FROM u',
    instead: 'SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.a = t.a)',
  },
  {
    name: 'CAST(... AS INTEGER)',
    pattern: /\bAS\s+INT(?:EGER)?\s*\)/i,
    reason: 'MariaDB only: MySQL casts to SIGNED or UNSIGNED',
    example: 'CAST(x AS INTEGER)',
    instead: 'CAST(x AS SIGNED)',
  },
  {
    name: 'zero dates',
    pattern: /'0000-00-00/,
    reason: "MySQL 8's default sql_mode (NO_ZERO_DATE, strict) refuses them: use NULL",
    example: "UPDATE t SET settled_at = '0000-00-00 00:00:00'",
    instead: 'UPDATE t SET settled_at = NULL',
  },
  {
    name: 'the isolation variable by name',
    pattern:
      /@@(?:(?:SESSION|GLOBAL)\.)?(?:tx_isolation|transaction_isolation)\b|\bSET\s+(?:SESSION\s+|GLOBAL\s+)?(?:tx|transaction)_isolation\b/i,
    reason:
      'tx_isolation on MariaDB 10.11, transaction_isolation on MySQL 8 (which dropped tx_isolation): SET SESSION TRANSACTION ISOLATION LEVEL',
    example: "SET SESSION tx_isolation = 'READ-COMMITTED'",
    instead: 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  },
  {
    name: 'collations of one dialect, and utf8 (utf8mb3)',
    pattern:
      /\bCOLLATE\s*=?\s*'?utf8mb4_(?:0900|uca1400)_|\b(?:CHARSET|CHARACTER\s+SET)\s*=?\s*'?utf8(?:mb3)?\b/i,
    reason:
      'utf8mb4_0900_* is MySQL 8 only, utf8mb4_uca1400_* MariaDB only, utf8 (utf8mb3) refuses 4-byte characters: utf8mb4 / utf8mb4_unicode_ci (db/charset.ts)',
    example: 'CREATE TABLE t (a TEXT) DEFAULT CHARSET=utf8 COLLATE=utf8mb4_0900_ai_ci',
    instead: 'CREATE TABLE t (a TEXT) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  },
  {
    name: 'CREATE DATABASE without a character set',
    pattern: /\bCREATE\s+DATABASE\b(?![^;]*CHARACTER\s+SET)/i,
    reason:
      'the database would take the server default (utf8mb4_0900_ai_ci on MySQL 8, maybe utf8mb3 on RDS)',
    example: 'CREATE DATABASE IF NOT EXISTS jimeng_flow_bench;',
    instead:
      'CREATE DATABASE IF NOT EXISTS jimeng_flow_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
  },
];

const ROOT = join(__dirname, '..');
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', 'test', 'docs']);
const SOURCE = /\.(?:ts|mjs|sh|sql)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

describe('SQL both MariaDB and MySQL 8 accept', () => {
  const files = sourceFiles(ROOT);

  it('reads the whole source: migrations, services, API stores, scripts and benchmarks', () => {
    const read = files.map((f) => relative(ROOT, f));
    expect(read).toEqual(
      expect.arrayContaining([
        'db/migrations/0001-jimeng-tables.ts',
        'services/accounts/account-pool.ts',
        'api/tasks/task-store.ts',
        'scripts/mariadb.sh',
        'bench/bench-database.ts',
      ]),
    );
  });

  it.each(BANNED)(
    'finds $name in its example and not in the portable form',
    ({ pattern, example, instead }) => {
      expect(pattern.test(example)).toBe(true);
      expect(pattern.test(instead)).toBe(false);
    },
  );

  it('finds none of them in the source', () => {
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const { name, pattern, reason } of BANNED) {
        const global = new RegExp(pattern.source, `${pattern.flags}g`);
        for (const match of text.matchAll(global)) {
          const line = text.slice(0, match.index).split('\n').length;
          found.push(`${relative(ROOT, file)}:${line}: ${name}: ${reason}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
