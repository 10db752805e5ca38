import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { QueryTypes, type Sequelize } from 'sequelize';
import { hashApiKey } from '../api/auth/api-key-secret';
import { issueApiKey } from '../api/auth/issue-api-key';
import { databaseOptions } from '../config/database';
import { ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { withLeasedIds } from '../services/ids/node-id-leases';
import { DEV_USER_ID, seedDevData } from './lib/dev-data';

/** `npm start` runs this after the migrations: a first generation then works on a fresh machine. */
async function main(): Promise<void> {
  const config = loadConfig();
  const sequelize = createSequelize(databaseOptions(config));
  try {
    // The account ids are snowflakes like the API's: minted under a leased node id, so they never collide.
    const seeded = await withLeasedIds({ sequelize, role: 'seed-dev' }, (ids) =>
      seedDevData(sequelize, { quotaTimeZone: config.quotaTimeZone, ids }),
    );
    console.log(
      `dev data: ${seeded.accountsAdded} simulator account(s) added, dev user ${DEV_USER_ID} has ${seeded.balance} points`,
    );
    const keyFile = process.env.JIMENG_FLOW_DEV_KEY_FILE;
    if (keyFile)
      console.log(
        `dev API key (caller, owner "dev") in ${keyFile}: ${await ensureDevKey(sequelize, keyFile)}`,
      );
  } finally {
    await sequelize.close();
  }
}

/**
 * A caller key for trying the API on the dev stack, kept in a git-ignored file (the database stores only its
 * hash, so the file is the one place it can be read again). Reused while it still exists in the database.
 */
async function ensureDevKey(sequelize: Sequelize, file: string): Promise<'kept' | 'issued'> {
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    const rows = await sequelize.query('SELECT id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL', {
      replacements: [hashApiKey(key)],
      type: QueryTypes.SELECT,
    });
    if (rows.length > 0) return 'kept';
  }
  const issued = await issueApiKey(sequelize, { owner: 'dev', scope: 'caller', name: 'dev stack' });
  writeFileSync(file, `${issued.key}\n`, { mode: 0o600 });
  return 'issued';
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
