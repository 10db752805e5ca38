/**
 * Every table of the schema, and the database's default, in utf8mb4 / utf8mb4_unicode_ci (issue 18; why that
 * collation: db/charset.ts).
 *
 * Until now no CREATE TABLE named a character set, so a table took the database's default: utf8mb4_0900_ai_ci
 * on MySQL 8, possibly utf8mb3 on RDS, where an emoji in a prompt is refused in strict mode. Migrations 0001 to
 * 0012 now pin it in every CREATE TABLE, which only serves fresh installs; this migration converts the tables
 * a database already has, whichever migration made them (the migrations table too, which umzug made utf8mb3),
 * and sets the database's default, so a table made by hand or by a tool later gets it as well.
 *
 * - Only what differs is converted, column by column, keeping each column's type, nullability, default and
 *   comment (db/charset.ts says why not CONVERT TO); a fresh install finds nothing to convert. Binary
 *   collations stay binary (MariaDB's JSON columns are utf8mb4_bin).
 * - Converting rebuilds the table (ALTER TABLE copies it): on a large deployed table run it in a maintenance
 *   window. A unique key whose values are distinct under the old collation but equal under utf8mb4_unicode_ci
 *   (two values differing only in an emoji, or in trailing spaces) makes the ALTER fail with a duplicate
 *   key and the migration stop with nothing of that table changed: fix those rows and run it again.
 * - Indexed VARCHAR(500) columns take 2,000 bytes of key in utf8mb4: within the 3,072-byte limit of the
 *   DYNAMIC row format, the default of MariaDB 10.2+ and MySQL 5.7+.
 * - ALTER DATABASE needs the ALTER privilege on the database, which an application user that runs
 *   migrations has (it creates tables).
 *
 * down() changes nothing: going back to the server's default would make an emoji prompt fail again, and
 * 4-byte characters already stored have no utf8mb3 form.
 */
import { QueryTypes } from 'sequelize';
import type { Migration } from '../migration';
import { CHARSET, characterColumnsOf, COLLATION, convertTableSql, needsConversion } from '../charset';

export const migration: Migration = {
  name: '0014-utf8mb4-unicode-ci',
  async up({ sequelize, sql }) {
    await sql(`ALTER DATABASE CHARACTER SET ${CHARSET} COLLATE ${COLLATION}`);
    const [{ version }] = await sequelize.query<{ version: string }>('SELECT VERSION() AS version', {
      type: QueryTypes.SELECT,
    });
    const spelling = /mariadb/i.test(version) ? 'expression' : 'value';
    const tables = await sequelize.query<{ name: string; collation: string | null }>(
      `SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
      { type: QueryTypes.SELECT },
    );
    for (const table of tables) {
      const converted = (await characterColumnsOf(sequelize, table.name)).filter((c) => needsConversion(c));
      const generated = converted.find((c) => c.generated);
      if (generated) {
        // No table of ours has one; restating its expression is beyond what information_schema says safely.
        throw new Error(`${table.name}.${generated.name} is a generated column: convert it by hand`);
      }
      if (converted.length === 0 && table.collation === COLLATION) continue;
      await sql(convertTableSql(table.name, converted, spelling));
    }
  },
  async down() {},
};
