import { parseArgs } from 'node:util';
import { apiKeyInputProblems, issueApiKey } from '../api/auth/issue-api-key';
import { databaseOptions } from '../config/database';
import { ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { type ApiKeyScope } from '../db/codes';
import { CallbackSecretCipher } from '../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../services/callbacks/tenant-callback-secrets';
import { printIssuedKey } from './lib/print-issued-key';

const USAGE = `usage: node dist/scripts/create-api-key.js --owner <owner> --scope caller|admin [--name <text>]
  --owner  the tenant the key acts for: 1 to 50 characters of A-Z a-z 0-9 _ . : @ -
  --scope  caller (uses the API) or admin (also operates it)
  --name   a note telling operators what the key is for (at most 100 characters)`;

function usage(problems: readonly string[]): never {
  for (const problem of problems) console.error(problem);
  console.error(USAGE);
  process.exit(2);
}

function parse(argv: string[]): { owner: string; scope: ApiKeyScope; name?: string } {
  let values: { owner?: string; scope?: string; name?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        owner: { type: 'string' },
        scope: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usage([(err as Error).message]);
  }
  if (values.help) return usage([]);
  const problems = apiKeyInputProblems(values);
  if (problems.length > 0) return usage(problems);
  return { owner: values.owner!, scope: values.scope as ApiKeyScope, name: values.name };
}

/**
 * Operators run this to hand out a key: it is printed once, and only its hash is stored. An owner's first key
 * also makes the owner's callback secret, printed once with it (stored sealed: README, Callbacks).
 */
async function main(): Promise<void> {
  const input = parse(process.argv.slice(2));
  const config = loadConfig();
  const sequelize = createSequelize({ ...databaseOptions(config), poolMax: 1 });
  try {
    const callbackSecrets = new TenantCallbackSecrets({
      sequelize,
      cipher: new CallbackSecretCipher(config.callbackSecretEncryptionKey),
    });
    printIssuedKey(input, await issueApiKey(sequelize, input, callbackSecrets));
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
