import { QueryTypes, type Sequelize } from 'sequelize';

/**
 * The character set and collation of every table, pinned instead of inherited from the server.
 *
 * utf8mb4, because prompts, comments and names carry 4-byte characters (emoji, rare CJK): a utf8mb3 column
 * (RDS parameter groups may still default to it) refuses them in strict mode. utf8mb4_unicode_ci, because it
 * exists on both MariaDB and MySQL 8: MySQL 8's default, utf8mb4_0900_ai_ci, does not exist on MariaDB (a
 * dump of production would not load here), and MariaDB's default utf8mb4_general_ci compares worse.
 *
 * What that collation means for keys: comparisons ignore case and accents and, being PAD SPACE, trailing
 * spaces; characters beyond the BMP (emoji) all weigh the same, so two values differing only in an emoji are
 * one key. Identifiers we make (UUIDs, snowflakes, hashes) are not affected.
 */
export const CHARSET = 'utf8mb4';
export const COLLATION = 'utf8mb4_unicode_ci';

/** Table options every CREATE TABLE of the migrations ends with. */
export const TABLE_CHARSET = `DEFAULT CHARSET=${CHARSET} COLLATE=${COLLATION}`;

/** A character column as information_schema.COLUMNS describes it. */
export interface CharacterColumn {
  name: string;
  /** COLUMN_TYPE: varchar(50), text, enum('a','b')... */
  columnType: string;
  collation: string;
  nullable: boolean;
  /** COLUMN_DEFAULT as the server reports it (see `defaultSpelling`). */
  columnDefault: string | null;
  comment: string;
}

/**
 * MariaDB reports COLUMN_DEFAULT as an SQL expression (a string default quoted, an explicit NULL as the word
 * NULL); MySQL 8 reports the bare value and SQL NULL for none.
 */
export type DefaultSpelling = 'expression' | 'value';

/** The collation a column converts to: binary comparison stays binary (MariaDB's JSON is utf8mb4_bin). */
export function targetCollation(collation: string): string {
  return collation.endsWith('_bin') ? `${CHARSET}_bin` : COLLATION;
}

export function needsConversion(column: Pick<CharacterColumn, 'collation'>): boolean {
  return column.collation !== targetCollation(column.collation);
}

function quoted(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function defaultClause(column: CharacterColumn, spelling: DefaultSpelling): string {
  const value = column.columnDefault;
  if (value === null) return '';
  if (spelling === 'expression') return value === 'NULL' ? '' : ` DEFAULT ${value}`;
  return ` DEFAULT ${quoted(value)}`;
}

/**
 * `ALTER TABLE` that moves a table's default and the given columns to utf8mb4 / `collationOf(column)`.
 *
 * Column by column (MODIFY with the column's own type, nullability, default and comment) rather than
 * `CONVERT TO CHARACTER SET`: CONVERT widens TEXT to MEDIUMTEXT when the new character set needs more bytes
 * per character (utf8mb3 to utf8mb4), which would make the schema differ from the seeds, and it would also
 * move MariaDB's JSON columns off utf8mb4_bin. MODIFY keeps the declared type: a utf8mb3 TEXT value fits the
 * same TEXT in utf8mb4, since every utf8mb3 character has the same bytes in utf8mb4.
 */
export function convertTableSql(
  table: string,
  columns: readonly CharacterColumn[],
  spelling: DefaultSpelling,
  collationOf: (column: CharacterColumn) => string = (c) => targetCollation(c.collation),
  tableCollation: string = COLLATION,
): string {
  const charsetOf = (collation: string) => collation.slice(0, collation.indexOf('_'));
  const parts = [`DEFAULT CHARSET=${charsetOf(tableCollation)} COLLATE=${tableCollation}`];
  for (const c of columns) {
    const collation = collationOf(c);
    parts.push(
      `MODIFY \`${c.name}\` ${c.columnType} CHARACTER SET ${charsetOf(collation)} COLLATE ${collation}` +
        `${c.nullable ? ' NULL' : ' NOT NULL'}${defaultClause(c, spelling)} COMMENT ${quoted(c.comment)}`,
    );
  }
  return `ALTER TABLE \`${table}\` ${parts.join(', ')}`;
}

/** The columns of `table`, in the connection's database, that have a collation; `generated` for computed ones. */
export async function characterColumnsOf(
  sequelize: Sequelize,
  table: string,
): Promise<Array<CharacterColumn & { generated: boolean }>> {
  const rows = await sequelize.query<{
    name: string;
    columnType: string;
    collation: string;
    nullable: string;
    columnDefault: string | null;
    comment: string;
    extra: string;
  }>(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS columnType, COLLATION_NAME AS collation, IS_NULLABLE AS nullable,
            COLUMN_DEFAULT AS columnDefault, COLUMN_COMMENT AS comment, EXTRA AS extra
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLLATION_NAME IS NOT NULL
      ORDER BY ORDINAL_POSITION`,
    { replacements: [table], type: QueryTypes.SELECT },
  );
  return rows.map(({ nullable, extra, ...column }) => ({
    ...column,
    nullable: nullable === 'YES',
    generated: /GENERATED/i.test(extra),
  }));
}
