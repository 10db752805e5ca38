import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  removeAbandonedTempDirs,
  removeInheritedTempFiles,
  type TempDirOwner,
} from '../services/oss/temp-dir-owners';
import { cleanupOldTempFiles } from '../services/oss/temp-files';

/** How often a worker sweeps its temp dir besides at start: a crash's leftovers wait at most this past 24 h. */
export const TEMP_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface TempFileSweeperOptions {
  /** The host's temp root (<TMPDIR>/jimeng-flow), holding a folder per worker process (temp-dir-owners.ts). */
  root: string;
  /** This worker process, whose own folder is not swept but by age. */
  self: TempDirOwner;
  /** Whether a process of this host runs (processIsAlive; tests stub it). */
  isAlive: (pid: number) => boolean;
  /** Files modified longer ago than this are leftovers whatever folder holds them (TEMP_FILE_MAX_AGE_MS). */
  maxAgeMs: number;
  intervalMs?: number;
  now: () => Date;
  logger: Logger;
}

/**
 * Each worker sweeps the temp files of its own host, in its own process: a Temporal Schedule's run lands on
 * whichever worker polls first, so with workers on several hosts a host's leftovers were swept only when the
 * schedule happened to pick it. The folders of this host's workers that no longer run go whole (a worker
 * SIGKILLed mid-download left them, and the job finished on another worker, which cannot reach them); in
 * every folder, files older than `maxAgeMs` go too, a backstop no running job's file reaches. Several workers
 * sharing one TMPDIR sweep it each; removing a file already gone is harmless.
 */
export class TempFileSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly options: TempFileSweeperOptions) {}

  /**
   * Sweeps once now (the worker awaits this before it polls), then every interval until stop(). At start its
   * own folder goes too: nothing of this process is in it yet.
   */
  async start(): Promise<number> {
    const { root, self, logger } = this.options;
    const removed = (await removeInheritedTempFiles(root, self, logger)) + (await this.sweep());
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? TEMP_SWEEP_INTERVAL_MS);
    this.timer.unref();
    return removed;
  }

  /** One sweep; a sweep already running is joined, not doubled. Never throws: the worker must go on. */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce()
      .then((removed) => {
        if (removed > 0) this.options.logger.info({ root: this.options.root, removed }, 'temp files swept');
        return removed;
      })
      .catch((err: unknown) => {
        this.options.logger.warn({ err, root: this.options.root }, 'temp file sweep failed');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const { root, self, isAlive, maxAgeMs, logger } = this.options;
    let removed = await removeAbandonedTempDirs(root, self, isAlive, logger);
    const nowMs = this.options.now().getTime();
    const folders = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const dir of [root, ...folders.filter((f) => f.isDirectory()).map((f) => join(root, f.name))])
      removed += await cleanupOldTempFiles(dir, maxAgeMs, nowMs, logger);
    return removed;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
