import { QueryTypes, type Sequelize } from 'sequelize';

export interface LiveColumn {
  name: string;
  /** COLUMN_TYPE, lower case, integer display widths removed (MariaDB shows int(11), MySQL 8 int). */
  type: string;
  nullable: boolean;
  /** Unquoted default; null when there is none (MariaDB reports the string NULL for nullable columns). */
  default: string | null;
  extra: string;
  comment: string;
}

export interface LiveIndex {
  name: string;
  unique: boolean;
  columns: string[];
}

export interface LiveTable {
  comment: string;
  columns: LiveColumn[];
  indexes: LiveIndex[];
}

export function normaliseType(type: string): string {
  return type
    .toLowerCase()
    .replace(/^(tinyint|smallint|mediumint|int|bigint)\((\d+)\)/, (_m, base: string, width: string) =>
      // tinyint(1) is how both servers spell a boolean: keep that width, drop the others.
      base === 'tinyint' && width === '1' ? 'tinyint(1)' : base,
    );
}

function normaliseDefault(value: string | null): string | null {
  if (value === null || value === 'NULL') return null;
  const quoted = /^'(.*)'$/s.exec(value);
  if (quoted) return quoted[1]!;
  return value.toLowerCase().replace(/^current_timestamp\(\)$/, 'current_timestamp');
}

export async function describeTable(
  sequelize: Sequelize,
  schema: string,
  table: string,
): Promise<LiveTable | null> {
  const tables = await sequelize.query<{ TABLE_COMMENT: string }>(
    'SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    { replacements: [schema, table], type: QueryTypes.SELECT },
  );
  if (tables.length === 0) return null;
  const columns = await sequelize.query<{
    COLUMN_NAME: string;
    COLUMN_TYPE: string;
    IS_NULLABLE: string;
    COLUMN_DEFAULT: string | null;
    EXTRA: string;
    COLUMN_COMMENT: string;
  }>(
    `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    { replacements: [schema, table], type: QueryTypes.SELECT },
  );
  const stats = await sequelize.query<{
    INDEX_NAME: string;
    NON_UNIQUE: number | string;
    COLUMN_NAME: string;
  }>(
    `SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    { replacements: [schema, table], type: QueryTypes.SELECT },
  );
  const indexes = new Map<string, LiveIndex>();
  for (const s of stats) {
    const index = indexes.get(s.INDEX_NAME) ?? {
      name: s.INDEX_NAME,
      unique: Number(s.NON_UNIQUE) === 0,
      columns: [],
    };
    index.columns.push(s.COLUMN_NAME);
    indexes.set(s.INDEX_NAME, index);
  }
  return {
    comment: tables[0]!.TABLE_COMMENT,
    columns: columns.map((c) => ({
      name: c.COLUMN_NAME,
      type: normaliseType(c.COLUMN_TYPE),
      nullable: c.IS_NULLABLE === 'YES',
      default: normaliseDefault(c.COLUMN_DEFAULT),
      extra: c.EXTRA.toLowerCase()
        .replace(/current_timestamp\(\)/g, 'current_timestamp')
        .replace('default_generated', '')
        .trim(),
      comment: c.COLUMN_COMMENT,
    })),
    indexes: [...indexes.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export interface LiveCharacterColumn {
  table: string;
  column: string;
  charset: string;
  collation: string;
  /** A JSON column: on MariaDB a LONGTEXT checked by json_valid() (MySQL 8's JSON has no character set). */
  json: boolean;
}

/** Every column of `schema` that has a character set, with whether it is MariaDB's JSON. */
export async function characterColumns(sequelize: Sequelize, schema: string): Promise<LiveCharacterColumn[]> {
  const columns = await sequelize.query<{
    TABLE_NAME: string;
    COLUMN_NAME: string;
    CHARACTER_SET_NAME: string;
    COLLATION_NAME: string;
  }>(
    `SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND COLLATION_NAME IS NOT NULL ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    { replacements: [schema], type: QueryTypes.SELECT },
  );
  const checks = await sequelize.query<{ TABLE_NAME: string; CHECK_CLAUSE: string }>(
    'SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
    { replacements: [schema], type: QueryTypes.SELECT },
  );
  const json = new Set(checks.map((c) => `${c.TABLE_NAME}.${c.CHECK_CLAUSE}`));
  return columns.map((c) => ({
    table: c.TABLE_NAME,
    column: c.COLUMN_NAME,
    charset: c.CHARACTER_SET_NAME,
    collation: c.COLLATION_NAME,
    json: json.has(`${c.TABLE_NAME}.json_valid(\`${c.COLUMN_NAME}\`)`),
  }));
}
