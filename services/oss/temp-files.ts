import { createHash, randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageLogger } from './storage-logger';

/**
 * Temp files live in one directory owned by this module (seed 003: /tmp/<app>/), named
 * `<job>.<uuid>[.<ext>]`. The uuid keeps concurrent attempts of one job apart; the '.' after the job part
 * cannot occur inside it, so "files of job 12" never matches job "12-3".
 */
export function tempFilePath(tmpDir: string, jobId: string | null, ext: string | null): string {
  const name = `${jobPart(jobId)}.${randomUUID()}${ext ? `.${ext}` : ''}`;
  return join(tmpDir, name);
}

/** Removes a temp file; a file already gone is fine. Never throws: cleanup must not fail the main flow. */
export async function removeTempFile(path: string, logger?: StorageLogger): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch (error) {
    logger?.warn({ path, err: error }, 'could not remove temp file');
  }
}

/** Seed 003: on job completion its temp files go. Returns how many were removed. */
export async function cleanupJobTempFiles(
  tmpDir: string,
  jobId: string,
  logger?: StorageLogger,
): Promise<number> {
  const prefix = `${jobPart(jobId)}.`;
  return removeMatching(tmpDir, (name) => name.startsWith(prefix), logger);
}

/** Seed 003's daily backstop: temp files older than `olderThanMs` (by mtime) go, whatever job left them. */
export async function cleanupOldTempFiles(
  tmpDir: string,
  olderThanMs: number,
  nowMs: number,
  logger?: StorageLogger,
): Promise<number> {
  const cutoff = nowMs - olderThanMs;
  return removeMatching(tmpDir, () => true, logger, cutoff);
}

async function removeMatching(
  tmpDir: string,
  matches: (name: string) => boolean,
  logger?: StorageLogger,
  modifiedBeforeMs?: number,
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tmpDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger?.warn({ tmpDir, err: error }, 'could not list temp dir');
    return 0;
  }
  let removed = 0;
  for (const name of names.filter(matches)) {
    const path = join(tmpDir, name);
    try {
      const info = await stat(path);
      if (!info.isFile()) continue;
      if (modifiedBeforeMs !== undefined && info.mtimeMs >= modifiedBeforeMs) continue;
      await rm(path, { force: true });
      removed += 1;
    } catch (error) {
      logger?.warn({ path, err: error }, 'could not remove temp file');
    }
  }
  return removed;
}

function jobPart(jobId: string | null): string {
  if (jobId === null) return 'download';
  // Job ids are snowflakes in practice; anything else is hashed rather than trusted as a file name.
  return /^[A-Za-z0-9_-]{1,64}$/.test(jobId)
    ? jobId
    : `h${createHash('sha256').update(jobId).digest('hex').slice(0, 16)}`;
}
