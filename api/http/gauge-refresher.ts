import type { Logger } from 'pino';
import type { Gauge } from './metrics';

export interface GaugeRefresherOptions {
  /** Reads the gauges' current values (SQL, say): the expensive part a scrape must not wait for. */
  read: () => Promise<Gauge[]>;
  intervalMs: number;
  /** The gauge that says how old the values are, in seconds (+Inf before the first read succeeded). */
  ageGaugeName: string;
  now?: () => Date;
  logger?: Logger;
}

/**
 * Reads gauges in the background, one read at a time, every `intervalMs`; a scrape answers the last values at
 * once, with their age. A scrape then costs no query, however often Prometheus (or anyone: /metrics is
 * unauthenticated) asks, and a slow database makes the gauges older, not the scrape slower. A failed read
 * keeps the values before it, so the age says how stale they are.
 */
export class GaugeRefresher {
  private readonly now: () => Date;
  private last: { gauges: Gauge[]; readAt: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private running = false;

  constructor(private readonly options: GaugeRefresherOptions) {
    if (!(options.intervalMs > 0))
      throw new RangeError(`intervalMs must be positive, got ${options.intervalMs}`);
    this.now = options.now ?? (() => new Date());
  }

  /** Reads at once, then every interval until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** No read starts after this; one under way is waited for, so nothing queries a closed pool. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.reading;
  }

  /** The last values read, and their age. */
  gauges(): Gauge[] {
    const age = this.last ? (this.now().getTime() - this.last.readAt) / 1000 : Number.POSITIVE_INFINITY;
    return [
      ...(this.last?.gauges ?? []),
      {
        name: this.options.ageGaugeName,
        help: 'Seconds since the gauges were last read (+Inf: not read yet).',
        samples: [{ labels: {}, value: age }],
      },
    ];
  }

  private tick(): void {
    this.reading = this.read().finally(() => {
      this.reading = null;
      if (!this.running) return;
      this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
      // The owner stops it; it must not be what keeps a process alive.
      this.timer.unref();
    });
  }

  private async read(): Promise<void> {
    try {
      const gauges = await this.options.read();
      this.last = { gauges, readAt: this.now().getTime() };
    } catch (err) {
      this.options.logger?.warn({ err }, 'could not read the gauges; /metrics keeps the last values');
    }
  }
}
