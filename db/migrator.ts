import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { MigrationContext } from './migration';
import { migrations } from './migrations/index';

export const MIGRATIONS_TABLE = 'schema_migrations';

export type Migrator = Umzug<MigrationContext>;

export function createMigrator(sequelize: Sequelize, log: (message: string) => void = () => {}): Migrator {
  const context: MigrationContext = {
    sequelize,
    async sql(statement, transaction) {
      await sequelize.query(statement, transaction ? { transaction } : {});
    },
  };
  return new Umzug<MigrationContext>({
    migrations: migrations.map((m) => ({
      name: m.name,
      up: ({ context: c }) => m.up(c),
      down: ({ context: c }) => m.down(c),
    })),
    context,
    storage: new SequelizeStorage({ sequelize, tableName: MIGRATIONS_TABLE }),
    logger: {
      info: (event) => log(`migration ${JSON.stringify(event)}`),
      warn: (event) => log(`migration warning ${JSON.stringify(event)}`),
      error: (event) => log(`migration error ${JSON.stringify(event)}`),
      debug: () => {},
    },
  });
}
