import { databaseOptions } from '../config/database';
import { ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db';
import { DEV_USER_ID, seedDevData } from './lib/dev-data';

/** `npm start` runs this after the migrations: a first generation then works on a fresh machine. */
async function main(): Promise<void> {
  const config = loadConfig();
  const sequelize = createSequelize(databaseOptions(config));
  try {
    const seeded = await seedDevData(sequelize, { quotaTimeZone: config.quotaTimeZone });
    console.log(
      `dev data: ${seeded.accountsAdded} simulator account(s) added, dev user ${DEV_USER_ID} has ${seeded.balance} points`,
    );
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
