import { startBuilt, type BuiltProcess } from './built-process';
import { freePort } from './free-port';
import { until } from './until';

export interface ApiProcess extends BuiltProcess {
  url: string;
  /** Resolves once /readyz answers 200: MySQL and Temporal answer and a node id is leased. */
  ready(): Promise<void>;
}

/**
 * The real API process (dist/api/main.js, built by scripts/test.sh) with `env` over a free loopback port,
 * resolved once it listens; every output chunk also goes to `onOutput` (a log file, say).
 */
export async function spawnApi(
  env: NodeJS.ProcessEnv,
  onOutput?: (chunk: Buffer) => void,
): Promise<ApiProcess> {
  const port = await freePort();
  const api = await startBuilt(
    'api/main',
    { ...env, API_HOST: '127.0.0.1', API_PORT: String(port) },
    { readyText: '"api listening"', ...(onOutput ? { onOutput } : {}) },
  );
  const url = `http://127.0.0.1:${port}`;
  const ready = () =>
    until(async () => (await fetch(`${url}/readyz`)).status === 200, `${url}/readyz to answer 200`);
  return { ...api, url, ready };
}
