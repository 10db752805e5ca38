import { overlapSecondsArg } from './lib/overlap-seconds-arg';
import { parseArgs } from 'node:util';
import { OWNER_PATTERN } from '../api/auth/issue-api-key';
import { databaseOptions } from '../config/database';
import { ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { CallbackSecretCipher } from '../services/callbacks/callback-secret-cipher';
import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  MAX_ROTATION_OVERLAP_SECONDS,
  TenantCallbackSecrets,
} from '../services/callbacks/tenant-callback-secrets';

const USAGE = `usage: node dist/scripts/rotate-callback-secret.js --owner <owner> [--overlap-seconds <n>]
  --owner            the tenant whose callback secret is replaced
  --overlap-seconds  how long the replaced secret keeps signing next to the new one, 0 to ${MAX_ROTATION_OVERLAP_SECONDS}
                     (default ${DEFAULT_ROTATION_OVERLAP_SECONDS}, a day; 0 stops it at once, for a leaked secret)`;

function usage(problems: readonly string[]): never {
  for (const problem of problems) console.error(problem);
  console.error(USAGE);
  process.exit(2);
}

function parse(argv: string[]): { owner: string; overlapSeconds: number } {
  let values: { owner?: string; 'overlap-seconds'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        owner: { type: 'string' },
        'overlap-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usage([(err as Error).message]);
  }
  if (values.help) return usage([]);
  const problems: string[] = [];
  if (values.owner === undefined || !OWNER_PATTERN.test(values.owner)) {
    problems.push('--owner must be 1 to 50 characters of A-Z a-z 0-9 _ . : @ -');
  }
  const overlap = overlapSecondsArg(values['overlap-seconds'] ?? String(DEFAULT_ROTATION_OVERLAP_SECONDS));
  if ('problem' in overlap) problems.push(overlap.problem);
  if (problems.length > 0 || !('seconds' in overlap)) return usage(problems);
  return { owner: values.owner!, overlapSeconds: overlap.seconds };
}

/** What POST /v1/callback-secrets/{owner}/rotate does, for operators at a shell: the new secret is printed once. */
async function main(): Promise<void> {
  const input = parse(process.argv.slice(2));
  const config = loadConfig();
  const sequelize = createSequelize({ ...databaseOptions(config), poolMax: 1 });
  try {
    const secrets = new TenantCallbackSecrets({
      sequelize,
      cipher: new CallbackSecretCipher(config.callbackSecretEncryptionKey),
    });
    const rotated = await secrets.rotate(input.owner, input.overlapSeconds);
    if (!rotated) {
      console.error(
        `${input.owner} has no callback secret to rotate: its first API key makes one, ` +
          'or node dist/scripts/backfill-callback-secrets.js for tenants from before them',
      );
      process.exit(1);
    }
    console.log('Callback secret rotated. The new one is shown only this once: hand it to the tenant now.');
    console.log(`  secret    ${rotated.secret}`);
    console.log(`  owner     ${rotated.status.owner}`);
    console.log(`  prefix    ${rotated.status.prefix}`);
    if (rotated.status.previous) {
      console.log(
        `  previous  ${rotated.status.previous.prefix}… keeps signing next to it until ` +
          rotated.status.previous.expiresAt.toISOString(),
      );
    } else {
      console.log('  previous  none: only the new secret signs from now on');
    }
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
