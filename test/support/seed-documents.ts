import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the design documents (docs/seeds, copies of ../shared/seeds) into expectations about the live
 * schema. Parsing the seeds instead of restating them means a change to either the seed or a migration
 * shows up as a failing test.
 */
export const SEEDS_DIR = join(__dirname, '..', '..', 'docs', 'seeds');

export function readSeed(file: string): string {
  return readFileSync(join(SEEDS_DIR, file), 'utf8');
}

/** What a seed says about one column; absent fields are not specified by that seed. */
export interface ExpectedColumn {
  name: string;
  /** Normalised like information-schema.ts: lower case, no integer display widths. Alternatives allowed. */
  types?: string[];
  nullable?: boolean;
  default?: string | null;
  comment?: string;
  autoIncrement?: boolean;
  onUpdateCurrentTimestamp?: boolean;
}

export interface ExpectedIndex {
  columns: string[];
  unique: boolean;
  primary?: boolean;
}

export interface ExpectedTable {
  table: string;
  source: string;
  columns: ExpectedColumn[];
  indexes: ExpectedIndex[];
}

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Seed 002: the CREATE TABLE statements, verbatim, to be loaded into a scratch database. */
export function seed002CreateTables(): string[] {
  const text = readSeed('002-jimeng-tables.md');
  const blocks = [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
  return blocks.filter((b) => /^CREATE TABLE/i.test(b)).map((b) => b.replace(/;\s*$/, ''));
}

// MariaDB stores JSON as LONGTEXT with a json_valid CHECK; MySQL 8 has a real JSON type.
const JSON_TYPES = ['json', 'longtext'];

/**
 * Seed 001 (SQLAlchemy): `name: Mapped[T] = mapped_column(Type?, nullable=?, default=?, comment="...")`.
 * The columns of its BaseModelBigInt base class are not in the seed and are added by the caller.
 */
export function seed001PointTransactions(): ExpectedTable {
  const text = readSeed('001-point-transaction-model.py.txt');
  const table = /__tablename__ = "(\w+)"/.exec(text)![1]!;
  const columns: ExpectedColumn[] = [];
  for (const m of text.matchAll(/^\s*(\w+): Mapped\[([^\]]+)\]\s*=\s*mapped_column\(([\s\S]*?)\n\s*\)/gm)) {
    const [, name, pyType, body] = m as unknown as [string, string, string, string];
    const args = body.split('\n').map((l) => l.trim().replace(/,$/, ''));
    const sqlType = args.find((a) => /^(UUID|String|BigInteger|Text|Integer|Float)\b/.test(a));
    const nullable = /nullable=(True|False)/.exec(body)?.[1];
    const dflt = /default=([^,\n]+)/.exec(body)?.[1];
    columns.push({
      name: name!,
      types: [sqlAlchemyType(sqlType, pyType!)],
      nullable: nullable === undefined ? undefined : nullable === 'True',
      default: dflt === undefined ? undefined : dflt.trim(),
      comment: /comment="([^"]*)"/.exec(body)![1]!,
    });
  }
  return { table, source: '001-point-transaction-model.py.txt', columns, indexes: [] };
}

function sqlAlchemyType(sqlType: string | undefined, pyType: string): string {
  if (sqlType?.startsWith('UUID')) return 'char(36)';
  const string = /^String\((\d+)\)/.exec(sqlType ?? '');
  if (string) return `varchar(${string[1]})`;
  if (sqlType === 'BigInteger') return 'bigint';
  if (sqlType === 'Text') return 'text';
  const base = pyType.replace(/\s*\|\s*None/, '').trim();
  if (base === 'int') return 'int';
  if (base === 'float') return 'float';
  throw new Error(`seed 001: no MySQL type for ${sqlType ?? base}`);
}

/**
 * Seed 000 (TypeORM): each property is `/** comment *\/ @Column({...}) prop: Type;`, plus @Index([...])
 * on the class. Types are what TypeORM's MySQL driver creates.
 */
export function seed000TemplateExecutions(): ExpectedTable {
  const text = readSeed('000-template-execution-entity.ts.txt');
  const table = /@Entity\('(\w+)'\)/.exec(text)![1]!;
  const enums = new Map<string, string[]>();
  for (const m of text.matchAll(/export enum (\w+) \{([\s\S]*?)\}/g)) {
    enums.set(
      m[1]!,
      [...m[2]!.matchAll(/= '([^']+)'/g)].map((v) => v[1]!),
    );
  }
  const columns: ExpectedColumn[] = [];
  const decorated =
    /\/\*\*\s*([^*]+?)\s*\*\/\s*@(PrimaryGeneratedColumn|Column|CreateDateColumn|UpdateDateColumn)\((\{[\s\S]*?\})?\)\s*(\w+)[?!]?: (\w+);/g;
  for (const m of text.matchAll(decorated)) {
    const [, comment, decorator, options = '', property, tsType] = m as unknown as [
      string,
      string,
      string,
      string | undefined,
      string,
      string,
    ];
    const option = (key: string): string | undefined =>
      new RegExp(`${key}:\\s*([^,}\\n]+)`).exec(options)?.[1]?.trim();
    const name = option('name')?.replace(/'/g, '') ?? snakeCase(property);
    const column: ExpectedColumn = { name, comment };
    if (decorator === 'PrimaryGeneratedColumn') {
      Object.assign(column, { types: ['int'], nullable: false, autoIncrement: true });
    } else if (decorator === 'CreateDateColumn' || decorator === 'UpdateDateColumn') {
      Object.assign(column, { types: ['datetime(6)'], nullable: false, default: 'current_timestamp(6)' });
      if (decorator === 'UpdateDateColumn') column.onUpdateCurrentTimestamp = true;
    } else {
      const type = option('type')?.replace(/'/g, '');
      const length = option('length');
      const enumName = option('enum');
      if (type === 'enum') {
        const values = enumName ? enums.get(enumName) : undefined;
        // PlatformType lives in a file the seed does not include: any ENUM satisfies it.
        column.types = values ? [`enum(${values.map((v) => `'${v}'`).join(',')})`] : ['enum(*)'];
      } else if (type === 'json') column.types = JSON_TYPES;
      else if (type === 'text') column.types = ['text'];
      else if (length) column.types = [`varchar(${length})`];
      else
        column.types = [{ number: 'int', string: 'varchar(255)', Date: 'datetime' }[tsType] ?? `?${tsType}`];
      column.nullable = option('nullable') === 'true';
      const dflt = option('default');
      if (dflt !== undefined) {
        const enumRef = /^(\w+)\.(\w+)$/.exec(dflt);
        column.default = enumRef ? enumRef[2]!.toLowerCase() : dflt.replace(/'/g, '');
      }
    }
    columns.push(column);
  }
  const indexes = [...text.matchAll(/@Index\(\[([^\]]+)\]\)/g)].map((m) => ({
    columns: m[1]!.split(',').map((c) => snakeCase(c.trim().replace(/'/g, ''))),
    unique: false,
  }));
  return { table, source: '000-template-execution-entity.ts.txt', columns, indexes };
}

/** Seed 003: the `job_outputs` field list (camelCase, TypeORM-style) — names and the id's type. */
export function seed003JobOutputs(): ExpectedTable {
  const text = readSeed('003-oss-output-storage.md');
  const section = text.slice(text.indexOf('- `id`: UUID'));
  const columns: ExpectedColumn[] = [];
  for (const m of section.matchAll(/^- `(\w+)`: (.+)$/gm)) {
    if (columns.some((c) => c.name === snakeCase(m[1]!))) break;
    if (/\(\)$/.test(m[1]!) || /^✅/.test(m[2]!)) break;
    const column: ExpectedColumn = { name: snakeCase(m[1]!) };
    if (m[2]!.startsWith('UUID')) column.types = ['char(36)'];
    if (m[2]!.startsWith('JSON')) column.types = JSON_TYPES;
    columns.push(column);
    if (m[1] === 'createdAt') break;
  }
  return { table: 'job_outputs', source: '003-oss-output-storage.md', columns, indexes: [] };
}

/**
 * Seed 004: the image/file fields of `model_image` that job_outputs carries. `oss_object_name` is
 * job_outputs.oss_path (see migration 0004); comments are checked where the column comes from 004 alone.
 */
export const MODEL_IMAGE_FIELDS = [
  'width',
  'height',
  'size',
  'content_type',
  'extension',
  'oss_object_name',
  'oss_url',
  'oss_cdn_url',
  'image_type',
  'is_primary',
  'sort_order',
] as const;
const RENAMED: Record<string, string> = { oss_object_name: 'oss_path' };
const COMMENT_FROM_004 = new Set([
  'width',
  'height',
  'content_type',
  'extension',
  'image_type',
  'is_primary',
  'sort_order',
]);

export function seed004ModelImageFields(): ExpectedTable {
  const text = readSeed('004-model-photo-tables.md');
  const section = text.slice(text.indexOf('`model_image`'), text.indexOf('## 关系图'));
  const rows = new Map<string, { type: string; doc: string }>();
  for (const m of section.matchAll(/^\| (\w+) \| ([^|]+) \| ([^|]+) \|$/gm)) {
    rows.set(m[1]!, { type: m[2]!.trim(), doc: m[3]!.trim() });
  }
  const columns = MODEL_IMAGE_FIELDS.map((field): ExpectedColumn => {
    const row = rows.get(field);
    if (!row) throw new Error(`seed 004: model_image has no field ${field}`);
    const varchar = /^Varchar\((\d+)\)$/.exec(row.type);
    const type = varchar
      ? `varchar(${varchar[1]})`
      : ({ Int: 'int', BigInt: 'bigint', Boolean: 'tinyint(1)' } as Record<string, string>)[row.type];
    if (!type) throw new Error(`seed 004: no MySQL type for ${row.type}`);
    return {
      name: RENAMED[field] ?? field,
      types: [type],
      comment: COMMENT_FROM_004.has(field) ? row.doc.replace(/ \(idx\)$/, '') : undefined,
    };
  });
  const indexSection = section.slice(section.indexOf('**索引:**'));
  const indexes = [...indexSection.matchAll(/^- \(([^)]+)\)$/gm)]
    .map((m) => m[1]!.split(',').map((c) => RENAMED[c.trim()] ?? c.trim()))
    // model_photo_id has no counterpart: a job output belongs to a job (job_id, in uk_job_output).
    .filter((cols) => !cols.includes('model_photo_id'))
    .map((cols) => ({ columns: cols, unique: false }));
  return { table: 'job_outputs', source: '004-model-photo-tables.md', columns, indexes };
}
