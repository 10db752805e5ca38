import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * The real worker process (dist/worker/main.js, built by scripts/test.sh) with `env`, resolved once it logs that
 * it polls, so a test can SIGKILL it. Every output chunk also goes to `onOutput` (a log file, say).
 */
export async function spawnWorker(
  env: NodeJS.ProcessEnv,
  onOutput: (chunk: Buffer) => void = () => undefined,
): Promise<ChildProcess> {
  const entry = join(__dirname, '..', '..', 'dist', 'worker', 'main.js');
  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start polling:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      onOutput(chunk);
      if (output.length < 100_000) output += chunk.toString();
      if (output.includes('"worker polling"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code ?? signal}) before polling:\n${output.slice(-4000)}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}
