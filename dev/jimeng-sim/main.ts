import { SIMULATOR_DEFAULTS, startJimengSimulator } from './simulator';

/*
 * The simulator as a process for the dev stack: `node dist/dev/jimeng-sim/main.js` (or ts-node). Point the
 * worker's Jimeng base URL at the printed address. Settings come from the environment; latencies default to
 * values that feel like a (fast) real service rather than the near-zero ones tests use.
 */

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    console.error(`${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return Number(raw);
}

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
    imageLatencyMs: intFromEnv('JIMENG_SIM_IMAGE_LATENCY_MS', 2_000),
    videoDurationMs: intFromEnv('JIMENG_SIM_VIDEO_DURATION_MS', 15_000),
    dailyQuota: intFromEnv('JIMENG_SIM_DAILY_QUOTA', SIMULATOR_DEFAULTS.dailyQuota),
    autoCreateSessions: process.env.JIMENG_SIM_AUTO_CREATE_SESSIONS !== 'false',
  });
  console.log(`jimeng simulator listening on ${sim.url} (admin: ${sim.url}/__admin/counters)`);
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
