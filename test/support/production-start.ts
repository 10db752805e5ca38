import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The variables whose development defaults NODE_ENV=production refuses (config/settings.ts). */
export const DEVELOPMENT_DEFAULT_VARIABLES = [
  'MYSQL_PASSWORD',
  'OSS_ACCESS_KEY',
  'OSS_SECRET',
  'CALLBACK_SIGNING_SECRET',
  'CALLBACK_SECRET_ENCRYPTION_KEY',
];

/**
 * Starts a built entry point (dist/<entry>.js, built by scripts/test.sh) with NODE_ENV=production and nothing
 * else of ours in its environment, and waits for it to end: it must refuse before connecting to anything.
 */
export function startInProduction(entry: string): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', `${entry}.js`)], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}
