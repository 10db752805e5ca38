import type { JimengSimulator } from '../dev/jimeng-sim/simulator';

/** Which accounts have a generation call in flight, read from the simulator (in this process) at an interval. */
export class InFlightSampler {
  readonly times: number[] = [];
  /** Per sample, per account (in the order of the sessions given): 1 while a call is in flight. */
  readonly busy: Uint8Array[] = [];
  private readonly index: Map<string, number>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sim: JimengSimulator,
    sessions: readonly string[],
    private readonly intervalMs: number,
  ) {
    this.index = new Map(sessions.map((id, i) => [id, i]));
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const row = new Uint8Array(this.index.size);
    for (const session of this.sim.admin.sessions()) {
      const i = this.index.get(session.sessionId);
      if (i !== undefined && session.inFlight > 0) row[i] = 1;
    }
    this.times.push(Date.now());
    this.busy.push(row);
  }
}
