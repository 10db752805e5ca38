import { DataTypes, type Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { CHARSET, COLLATION } from './charset';
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
    storage: new SequelizeStorage({ model: migrationsModel(sequelize) }),
    logger: {
      info: (event) => log(`migration ${JSON.stringify(event)}`),
      warn: (event) => log(`migration warning ${JSON.stringify(event)}`),
      error: (event) => log(`migration error ${JSON.stringify(event)}`),
      debug: () => {},
    },
  });
}

/**
 * umzug's own model of the migrations table would create it in utf8 (utf8mb3, deprecated on MySQL 8); this is
 * the same table (one `name` column, the key) in the schema's character set and collation.
 */
function migrationsModel(sequelize: Sequelize) {
  const modelName = 'SchemaMigration';
  if (sequelize.isDefined(modelName)) return sequelize.model(modelName);
  return sequelize.define(
    modelName,
    {
      name: {
        type: DataTypes.STRING,
        allowNull: false,
        unique: true,
        primaryKey: true,
        autoIncrement: false,
      },
    },
    { tableName: MIGRATIONS_TABLE, timestamps: false, charset: CHARSET, collate: COLLATION },
  );
}
