import { ConfigError, loadConfig } from '../config/settings';
import { healthFileVouches } from '../worker/health-file';

/**
 * The worker container's healthcheck: exits 0 while the worker's health file (WORKER_HEALTH_FILE) is fresh,
 * 1 otherwise, saying why on stderr (docker inspect shows it).
 */
async function main(): Promise<void> {
  const file = loadConfig().workerHealthFile;
  if (!file) {
    console.error('WORKER_HEALTH_FILE is not set: the worker writes no health file to check');
    process.exit(1);
  }
  if (!(await healthFileVouches(file))) {
    console.error(`${file} is missing or stale: the worker is not polling (starting, stopping or stuck)`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
