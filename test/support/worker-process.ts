import type { ChildProcess } from 'node:child_process';
import { startBuilt } from './built-process';

/**
 * The real worker process (dist/worker/main.js, built by scripts/test.sh) with `env`, resolved once it logs that
 * it polls, so a test can SIGKILL it. Every output chunk also goes to `onOutput` (a log file, say).
 */
export async function spawnWorker(
  env: NodeJS.ProcessEnv,
  onOutput: (chunk: Buffer) => void = () => undefined,
): Promise<ChildProcess> {
  const worker = await startBuilt('worker/main', env, { readyText: '"worker polling"', onOutput });
  return worker.child;
}
