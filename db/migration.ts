import type { Sequelize, Transaction } from 'sequelize';

/** What every versioned migration receives: raw SQL is the schema's source of truth, not model sync. */
export interface MigrationContext {
  sequelize: Sequelize;
  sql(statement: string, transaction?: Transaction): Promise<void>;
}

export interface Migration {
  /** Sortable, never renamed once released: it is the key in the `schema_migrations` table. */
  name: string;
  up(context: MigrationContext): Promise<void>;
  down(context: MigrationContext): Promise<void>;
}
