import { databaseOptions } from '../config/database';
import { ConfigError, loadConfig } from '../config/settings';
import { createMigrator } from '../db/migrator';
import { createSequelize } from '../db/connection';

/** usage: node dist/scripts/migrate.js up|down|reset|status  (down = the last one; reset = all down) */
async function main(command: string): Promise<void> {
  const config = loadConfig();
  const sequelize = createSequelize({ ...databaseOptions(config), poolMax: 1 });
  const migrator = createMigrator(sequelize, (message) => console.log(message));
  try {
    if (command === 'up') {
      const ran = await migrator.up();
      console.log(ran.length ? `applied ${ran.map((m) => m.name).join(', ')}` : 'schema is up to date');
    } else if (command === 'down') {
      await migrator.down();
    } else if (command === 'reset') {
      await migrator.down({ to: 0 });
    } else if (command === 'status') {
      for (const m of await migrator.executed()) console.log(`applied  ${m.name}`);
      for (const m of await migrator.pending()) console.log(`pending  ${m.name}`);
    } else {
      throw new Error(`unknown command "${command}": use up, down, reset or status`);
    }
  } finally {
    await sequelize.close();
  }
}

main(process.argv[2] ?? 'up').catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
