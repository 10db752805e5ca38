import type { ChildProcess } from 'node:child_process';

/**
 * Sends `signal` to a child process and resolves with its exit code once it is gone (null: ended by the
 * signal); a process already gone resolves at once with the code it had.
 */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
