import { overlapSecondsArg } from './lib/overlap-seconds-arg';
import { parseArgs } from 'node:util';
import { databaseOptions } from '../config/database';
import { ConfigError, loadConfig } from '../config/settings';
import { createSequelize } from '../db/connection';
import { CallbackSecretCipher } from '../services/callbacks/callback-secret-cipher';
import {
  MAX_ROTATION_OVERLAP_SECONDS,
  TenantCallbackSecrets,
} from '../services/callbacks/tenant-callback-secrets';

/** A week: existing receivers have to be told, and nothing breaks while they are. */
const DEFAULT_HANDOVER_SECONDS = 7 * 24 * 60 * 60;

const USAGE = `usage: node dist/scripts/backfill-callback-secrets.js [--overlap-seconds <n>] [--dry-run]
  Gives every tenant that has API keys but no callback secret (tenants from before migration 0012) a secret
  of its own, printed once each. For --overlap-seconds (default ${DEFAULT_HANDOVER_SECONDS}, a week; at most
  ${MAX_ROTATION_OVERLAP_SECONDS}) their callbacks carry a second v1 signature by CALLBACK_SIGNING_SECRET, the
  legacy secret their receivers verify today, so nothing breaks while each receiver switches.
  --dry-run  list the tenants, change nothing`;

function usage(problems: readonly string[]): never {
  for (const problem of problems) console.error(problem);
  console.error(USAGE);
  process.exit(2);
}

function parse(argv: string[]): { overlapSeconds: number; dryRun: boolean } {
  let values: { 'overlap-seconds'?: string; 'dry-run'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'overlap-seconds': { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usage([(err as Error).message]);
  }
  if (values.help) return usage([]);
  const overlap = overlapSecondsArg(values['overlap-seconds'] ?? String(DEFAULT_HANDOVER_SECONDS));
  if ('problem' in overlap) return usage([overlap.problem]);
  return { overlapSeconds: overlap.seconds, dryRun: values['dry-run'] ?? false };
}

/**
 * Run once after migration 0012, before or right after deploying the release that signs per tenant: with
 * NODE_ENV=production a tenant without a secret gets no callbacks. Safe to run again: tenants that have a
 * secret are left alone.
 */
async function main(): Promise<void> {
  const input = parse(process.argv.slice(2));
  const config = loadConfig();
  const sequelize = createSequelize({ ...databaseOptions(config), poolMax: 1 });
  try {
    const secrets = new TenantCallbackSecrets({
      sequelize,
      cipher: new CallbackSecretCipher(config.callbackSecretEncryptionKey),
    });
    const owners = await secrets.ownersWithoutSecret();
    if (owners.length === 0) {
      console.log('Every tenant with an API key has a callback secret: nothing to do.');
      return;
    }
    if (input.dryRun) {
      console.log(`${owners.length} tenant(s) without a callback secret:`);
      for (const owner of owners) console.log(`  ${owner}`);
      return;
    }
    console.log('New callback secrets, each shown only this once: hand each to its tenant.');
    for (const owner of owners) {
      const created = await secrets.createIfAbsent(owner, {
        legacy: { secret: config.callbackSigningSecret, overlapSeconds: input.overlapSeconds },
      });
      // Made meanwhile by a first key or another run: that secret stands, and was shown to whoever made it.
      if (!created) continue;
      const until = created.status.previous
        ? `the legacy secret also signs until ${created.status.previous.expiresAt.toISOString()}`
        : 'only this secret signs';
      console.log(`  ${owner}  ${created.secret}  (${until})`);
    }
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
