import type { Logger } from 'pino';
import { cleanupOldTempFiles } from '../services/oss/temp-files';

/** How often a worker sweeps its temp dir besides at start: a crash's leftovers wait at most this past 24 h. */
export const TEMP_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface TempFileSweeperOptions {
  /** This worker's temp dir (<TMPDIR>/jimeng-flow on its host). */
  tmpDir: string;
  /** Files modified longer ago than this are a crash's leftovers (TEMP_FILE_MAX_AGE_MS). */
  maxAgeMs: number;
  intervalMs?: number;
  now: () => Date;
  logger: Logger;
}

/**
 * Each worker sweeps the temp files of its own host, in its own process: a Temporal Schedule's run lands on
 * whichever worker polls first, so with workers on several hosts a host's leftovers were swept only when the
 * schedule happened to pick it. Several workers sharing one host (and one TMPDIR) sweep it each; removing a
 * file already gone is harmless. Only files older than `maxAgeMs` go, so a running job's files are never touched.
 */
export class TempFileSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly options: TempFileSweeperOptions) {}

  /** Sweeps once now (the worker awaits this before it polls), then every interval until stop(). */
  async start(): Promise<number> {
    const removed = await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? TEMP_SWEEP_INTERVAL_MS);
    this.timer.unref();
    return removed;
  }

  /** One sweep; a sweep already running is joined, not doubled. Never throws: the worker must go on. */
  sweep(): Promise<number> {
    this.running ??= cleanupOldTempFiles(
      this.options.tmpDir,
      this.options.maxAgeMs,
      this.options.now().getTime(),
      this.options.logger,
    )
      .then((removed) => {
        if (removed > 0)
          this.options.logger.info({ tmpDir: this.options.tmpDir, removed }, 'old temp files swept');
        return removed;
      })
      .catch((err: unknown) => {
        this.options.logger.warn({ err, tmpDir: this.options.tmpDir }, 'temp file sweep failed');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
