import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageLogger } from './storage-logger';

/** The worker process that owns a temp folder: its host and its process id there. */
export interface TempDirOwner {
  readonly host: string;
  readonly pid: number;
}

/**
 * Each worker process stages its downloads in a folder of its own under the host's temp root,
 * `<root>/<host>-<pid>`: a job's end removes its files from the folder of the worker that ran it, and a folder
 * whose process is gone holds only what a killed worker left, which the next worker of the host removes whole.
 * The host is in the name because a TMPDIR may be shared between hosts (or containers, where every worker
 * may be pid 7), and a process id says nothing about another host.
 */
export function ownTempDir(root: string, owner: TempDirOwner): string {
  return join(root, `${safeHost(owner.host)}-${owner.pid}`);
}

/**
 * Removes the folders under `root` that belong to processes of this host that no longer run, and returns how
 * many files they held. `isAlive` is asked only about this host's process ids; a pid reused by another process
 * keeps its dead owner's folder until the age backstop (TempFileSweeper) removes the files.
 */
export async function removeAbandonedTempDirs(
  root: string,
  self: TempDirOwner,
  isAlive: (pid: number) => boolean,
  logger?: StorageLogger,
): Promise<number> {
  const prefix = `${safeHost(self.host)}-`;
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger?.warn({ root, err: error }, 'could not list temp root');
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(prefix)) continue;
    const pidText = entry.name.slice(prefix.length);
    if (!/^\d+$/.test(pidText)) continue;
    const pid = Number(pidText);
    if (pid === self.pid || isAlive(pid)) continue;
    removed += await removeFolder(join(root, entry.name), logger);
  }
  return removed;
}

/**
 * Empties this process's own folder before it stages anything, and returns how many files it held: whatever is
 * there was left by an earlier process of the same host and pid (a restarted container keeps its host name,
 * and its worker often gets the same pid again).
 */
export async function removeInheritedTempFiles(
  root: string,
  self: TempDirOwner,
  logger?: StorageLogger,
): Promise<number> {
  return removeFolder(ownTempDir(root, self), logger);
}

/** Removes a folder whole and returns how many files it held; one that is not there holds none. */
async function removeFolder(dir: string, logger?: StorageLogger): Promise<number> {
  try {
    const files = await readdir(dir, { recursive: true, withFileTypes: true });
    await rm(dir, { recursive: true, force: true });
    return files.filter((f) => f.isFile()).length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger?.warn({ dir, err: error }, 'could not remove a temp folder');
    return 0;
  }
}

/** Whether a process of this host runs: signal 0 checks without sending (EPERM: it runs, as another user). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Host names are letters, digits, dots and dashes; anything else would not be a safe folder name. */
function safeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
}
