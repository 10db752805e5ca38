import { Counters } from './counters';
import type { CreditCostTable } from './credits';
import { FaultRegistry } from './faults';
import { FileStore } from './file-store';
import type { Latency } from './latency';
import { Prng } from './prng';
import { RefusalLog } from './refusals';
import { RunningCalls } from './running-calls';
import { SessionRegistry, type SessionDefaults } from './sessions';
import { VideoTaskStore } from './video-tasks';

/*
 * Everything one running simulator holds, shared by its protocol routes and its admin API: the settings it
 * started with, its registries, its one PRNG and clock, the timers close() cancels and the URL its result
 * links point at.
 */

/** The options of startJimengSimulator with every default applied. */
export interface SimulatorSettings {
  readonly seed: number;
  readonly now: () => number;
  readonly latency: Latency;
  readonly imagesPerCall: number;
  readonly costs: CreditCostTable;
  readonly fork: boolean;
  readonly sessionDefaults: SessionDefaults;
  readonly autoCreateSessions: boolean;
}

const URL_LIFETIME_S = 86_400;

export class SimulatorState {
  /** Replaced by reset(): read it at each use, never keep it. */
  prng: Prng;
  /** Set once the server listens. */
  baseUrl = '';
  readonly sessions: SessionRegistry;
  readonly faults = new FaultRegistry();
  readonly counters = new Counters();
  readonly refusals = new RefusalLog();
  readonly files = new FileStore();
  readonly tasks = new VideoTaskStore();
  readonly running: RunningCalls;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly settings: SimulatorSettings) {
    this.prng = new Prng(settings.seed);
    this.sessions = new SessionRegistry(settings.sessionDefaults, settings.autoCreateSessions, settings.now);
    this.running = new RunningCalls(this.counters, settings.now);
  }

  now(): number {
    return this.settings.now();
  }

  /** Timers are tracked so close() leaves nothing running; a request cut off by close() simply never answers. */
  delay(ms: number): Promise<void> {
    return ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const t = setTimeout(() => {
            this.timers.delete(t);
            resolve();
          }, ms);
          this.timers.add(t);
        });
  }

  cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  fileUrl(name: string): string {
    return `${this.baseUrl}/files/${name}?x-expires=${Math.floor(this.now() / 1000) + URL_LIFETIME_S}`;
  }

  /** A `created` field: epoch seconds. */
  created(): number {
    return Math.floor(this.now() / 1000);
  }

  /** A session is dead when unknown (and not auto-created), logged out or banned. */
  alive(sessionId: string): boolean {
    if (sessionId === '') return false;
    const s = this.sessions.resolve(sessionId);
    return s !== undefined && s.state === 'ok';
  }

  /** Ends a session's login (state invalid or banned) so later calls meet a dead session. */
  kill(sessionId: string, state: 'invalid' | 'banned'): void {
    if (sessionId !== '') this.sessions.upsert({ sessionId, state });
  }

  /** Back to the state right after start: no sessions, faults, tasks, files or counts; the PRNG reseeded. */
  reset(): void {
    this.refusals.clear();
    this.running.clear();
    this.sessions.clear();
    this.faults.clear();
    this.tasks.clear();
    this.files.clear();
    this.counters.reset();
    this.prng = new Prng(this.settings.seed);
  }
}
