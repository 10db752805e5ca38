import { rm, stat, writeFile } from 'node:fs/promises';
import type { WorkerStatus } from '@temporalio/worker';

/**
 * The worker's liveness for a container healthcheck (WORKER_HEALTH_FILE): while it can take work it rewrites a
 * file every few seconds; a probe in the same container reads the file's age. A stuck event loop, failed
 * pollers or a shutdown all stop the rewrites, so the file goes stale within HEALTH_MAX_AGE_MS.
 */

/** How often a healthy worker rewrites its file. */
export const HEALTH_WRITE_INTERVAL_MS = 5_000;
/** Older than this, the worker is unhealthy: six missed rewrites, so a busy moment does not flap it. */
export const HEALTH_MAX_AGE_MS = 30_000;

/** Running, and polling for both workflow and activity tasks. */
export function workerCanTakeWork(
  status: Pick<WorkerStatus, 'runState' | 'workflowPollerState' | 'activityPollerState'>,
): boolean {
  return (
    status.runState === 'RUNNING' &&
    status.workflowPollerState === 'POLLING' &&
    status.activityPollerState === 'POLLING'
  );
}

/** Whether a health file last written at `writtenAtMs` still vouches for the worker at `nowMs`. */
export function healthFileIsFresh(writtenAtMs: number, nowMs: number): boolean {
  return nowMs - writtenAtMs <= HEALTH_MAX_AGE_MS;
}

export interface HealthFile {
  /** Stops the rewrites and removes the file (a stopping worker is not healthy). */
  stop(): Promise<void>;
}

/**
 * Rewrites `path` every `intervalMs` while `status()` says the worker can take work. A file left by an earlier
 * run of the same container is removed first, so it cannot vouch for this one before it polls.
 */
export async function startHealthFile(
  path: string,
  status: () => Parameters<typeof workerCanTakeWork>[0],
  intervalMs = HEALTH_WRITE_INTERVAL_MS,
): Promise<HealthFile> {
  await rm(path, { force: true });
  let writing: Promise<void> = Promise.resolve();
  const tick = (): Promise<void> => {
    if (workerCanTakeWork(status()))
      writing = writing.then(() => writeFile(path, `${new Date().toISOString()}\n`)).catch(() => undefined);
    return writing;
  };
  await tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await writing;
      await rm(path, { force: true });
    },
  };
}

/** The probe's side: true while the file exists and is fresh. */
export async function healthFileVouches(path: string, nowMs: number = Date.now()): Promise<boolean> {
  try {
    return healthFileIsFresh((await stat(path)).mtimeMs, nowMs);
  } catch {
    return false;
  }
}
