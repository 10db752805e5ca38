import { SIMULATOR_DEFAULTS, startJimengSimulator } from './simulator';

/*
 * The simulator as a process for the dev stack: `node dist/dev/jimeng-sim/main.js` (or ts-node). Point the
 * worker's Jimeng base URL at the printed address. Settings come from the environment; latencies default to
 * the realistic figures of latency.ts (tens of seconds for images, minutes for videos).
 */

function optionalIntFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? undefined : intFromEnv(name, 0);
}

function boolFromEnv(name: string): boolean {
  const raw = (process.env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  console.error(`${name} must be true or false, got "${process.env[name]}"`);
  return process.exit(2);
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    console.error(`${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return Number(raw);
}

const defined = <K extends string>(key: K, v: number | undefined): Partial<Record<K, number>> =>
  v === undefined ? {} : ({ [key]: v } as Record<K, number>);

async function main(): Promise<void> {
  const port = intFromEnv('JIMENG_SIM_PORT', 8790);
  if (port > 65535) {
    console.error(`JIMENG_SIM_PORT must be a port number, got ${port}`);
    process.exit(2);
  }
  const sim = await startJimengSimulator({
    port,
    host: process.env.JIMENG_SIM_HOST ?? SIMULATOR_DEFAULTS.host,
    seed: intFromEnv('JIMENG_SIM_SEED', SIMULATOR_DEFAULTS.seed),
    latency: {
      ...defined('imageMs', optionalIntFromEnv('JIMENG_SIM_IMAGE_LATENCY_MS')),
      ...defined('compositionMs', optionalIntFromEnv('JIMENG_SIM_COMPOSITION_LATENCY_MS')),
      ...defined('videoMs', optionalIntFromEnv('JIMENG_SIM_VIDEO_DURATION_MS')),
      ...defined('retryDelayMs', optionalIntFromEnv('JIMENG_SIM_RETRY_DELAY_MS')),
      ...defined('upstreamTimeoutMs', optionalIntFromEnv('JIMENG_SIM_UPSTREAM_TIMEOUT_MS')),
    },
    forkExtensions: boolFromEnv('JIMENG_SIM_FORK_EXTENSIONS'),
    dailyQuota: intFromEnv('JIMENG_SIM_DAILY_QUOTA', SIMULATOR_DEFAULTS.dailyQuota),
    autoCreateSessions: process.env.JIMENG_SIM_AUTO_CREATE_SESSIONS !== 'false',
  });
  console.log(
    `jimeng simulator listening on ${sim.url} (admin: ${sim.url}/__admin/counters)` +
      (sim.forkExtensions ? ' with fork extensions' : ''),
  );
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
