import type http from 'node:http';
import type { Counters, InFlightCall } from './counters';
import type { Endpoint } from './endpoints';

/*
 * The jobs each session runs for synchronous calls (between the account's enter and leave), so the counters
 * can say what a busy account was doing when it refused a call, and whose caller had already gone.
 */

/** A job the simulator runs for a synchronous call, and whether its caller is still there to hear the answer. */
interface RunningCall {
  readonly endpoint: Endpoint;
  readonly sinceMs: number;
  readonly gone: () => boolean;
}

export class RunningCalls {
  private readonly bySession = new Map<string, Set<RunningCall>>();

  constructor(
    private readonly counters: Counters,
    private readonly now: () => number,
  ) {}

  /** Tracks the job of a call answered on `res` from now on; the function returned stops tracking it. */
  start(sessionId: string, res: http.ServerResponse, endpoint: Endpoint): () => void {
    let gone = false;
    res.once('close', () => {
      if (res.writableFinished) return;
      gone = true;
      this.counters.callerGone();
    });
    const call: RunningCall = { endpoint, sinceMs: this.now(), gone: () => gone };
    const calls = this.bySession.get(sessionId) ?? new Set<RunningCall>();
    calls.add(call);
    this.bySession.set(sessionId, calls);
    return () => {
      calls.delete(call);
    };
  }

  inFlight(sessionId: string): InFlightCall[] {
    return [...(this.bySession.get(sessionId) ?? [])].map((c) => ({
      endpoint: c.endpoint,
      sinceMs: c.sinceMs,
      callerGone: c.gone(),
    }));
  }

  clear(): void {
    this.bySession.clear();
  }
}
