import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A process of ours started from dist/ (built by scripts/test.sh), with what it printed so far. */
export interface BuiltProcess {
  child: ChildProcess;
  /** Its stdout and stderr so far (the first 1 MB). */
  output(): string;
  /** Resolves once its output contains `text` (a log message), now or later; rejects if it exits first. */
  logged(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with its exit code (null: killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Starts dist/<entry>.js with `env` and resolves once its output contains `readyText` (rejecting if it exits
 * or takes longer than `timeoutMs`). Every output chunk also goes to `onOutput` (a log file, say).
 */
export async function startBuilt(
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { readyText: string; onOutput?: (chunk: Buffer) => void; timeoutMs?: number },
): Promise<BuiltProcess> {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', `${entry}.js`)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    options.onOutput?.(chunk);
    if (output.length < 1_000_000) output += chunk.toString();
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
      for (const listener of [...listeners]) listener();
    }),
  );
  const logged = (text: string, timeoutMs = 90_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes(text)) finish();
        else if (exitCode !== undefined)
          finish(new Error(`${entry} exited (${exitCode}) before logging ${text}:\n${output.slice(-4000)}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`${entry} did not log ${text}:\n${output.slice(-4000)}`)),
        timeoutMs,
      );
      const finish = (err?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      listeners.add(check);
      check();
    });
  await logged(options.readyText, options.timeoutMs);
  return { child, output: () => output, logged, exited };
}
