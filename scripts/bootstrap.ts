import { parseArgs } from 'node:util';
import { databaseOptions } from '../config/database';
import { ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { CallbackSecretCipher } from '../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../services/callbacks/tenant-callback-secrets';
import { BOOTSTRAP_ADMIN_KEY, bootstrap } from './lib/bootstrap';
import { DEV_USER_ID } from './lib/dev-data';
import { printIssuedKey } from './lib/print-issued-key';

const USAGE = `usage: node dist/scripts/bootstrap.js [--dev-data]
  --dev-data  also seed the stand-ins' accounts and the dev user's points (the compose standins profile)`;

/**
 * The compose stack's bootstrap job, after the migrations: prints an admin key the first time, and nothing new
 * on any later run (README, Docker Compose).
 */
async function main(): Promise<void> {
  let devData: boolean;
  try {
    const { values } = parseArgs({ options: { 'dev-data': { type: 'boolean' } }, strict: true });
    devData = values['dev-data'] === true;
  } catch (err) {
    console.error((err as Error).message);
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig();
  const sequelize = createSequelize({ ...databaseOptions(config), poolMax: 2 });
  try {
    const result = await bootstrap(sequelize, {
      callbackSecrets: new TenantCallbackSecrets({
        sequelize,
        cipher: new CallbackSecretCipher(config.callbackSecretEncryptionKey),
      }),
      ...(devData ? { devData: { quotaTimeZone: config.quotaTimeZone } } : {}),
    });
    if (result.adminKey.minted) {
      console.log(`First start: an admin key for "${BOOTSTRAP_ADMIN_KEY.owner}".`);
      printIssuedKey(BOOTSTRAP_ADMIN_KEY, result.adminKey.issued);
    } else {
      const { prefix, createdAt } = result.adminKey.existing;
      console.log(
        `"${BOOTSTRAP_ADMIN_KEY.owner}" already has an admin key (${prefix}…, made ${createdAt.toISOString()}): ` +
          'no other minted. A lost key is replaced with create-api-key (README, Docker Compose).',
      );
    }
    if (result.devData)
      console.log(
        `dev data: ${result.devData.accountsAdded} stand-in account(s) added, ` +
          `dev user ${DEV_USER_ID} has ${result.devData.balance} points`,
      );
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
