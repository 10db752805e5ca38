import type { Endpoint } from './endpoints';

/**
 * What the simulator received, counted on arrival (before faults, limits or validation), so a test can
 * assert how many calls a client really made, and per session whether retries moved to another account.
 */
export interface CountersSnapshot {
  readonly total: number;
  readonly byEndpoint: Readonly<Record<string, number>>;
  /** Keyed by bare session id (region prefix removed); calls without one are under `(none)`. */
  readonly bySession: Readonly<
    Record<string, { readonly total: number; readonly byEndpoint: Readonly<Record<string, number>> }>
  >;
  /** How often each fault kind fired. */
  readonly faultsFired: Readonly<Record<string, number>>;
  /**
   * Generation calls refused because of the account's state (injected or real): invalid, banned, rate_limited,
   * quota, and busy (more synchronous jobs than the account's maxConcurrent).
   */
  readonly refusals: Readonly<Record<string, number>>;
  /**
   * Generation calls made to an account after it had been told it could not serve them (see refusals.ts), by
   * the refusal they ignored: the calls a pool should never make.
   */
  readonly callsAfterRefusal: Readonly<Record<string, number>>;
  readonly callsAfterRefusalBySession: Readonly<Record<string, number>>;
  /** Those calls in detail (the first 10 000), for a post-mortem or an exact account of each. */
  readonly callsAfterRefusalLog: readonly CallAfterRefusal[];
  /** When each call arrived, per bare session id (first 10 000 per session), in arrival order. */
  readonly arrivalsBySession: Readonly<Record<string, readonly Arrival[]>>;
  /** Every counted refusal in detail (first 10 000): when it was told and whether it was remembered. */
  readonly refusalLog: readonly RefusalEntry[];
  /** Generation calls whose caller went away while the job ran (the proxy polls on and the job completes). */
  readonly abandonedCalls: number;
}

export interface Arrival {
  readonly endpoint: string;
  readonly atMs: number;
}

export interface RefusalEntry {
  readonly sessionId: string;
  readonly endpoint: string;
  readonly reason: string;
  readonly atMs: number;
  /**
   * Whether the refusal was remembered as told (refusals.ts): not for `busy`, an injected risk_control without
   * cooldownMs, nor an answer whose caller had gone.
   */
  readonly remembered: boolean;
  /** busy: the calls the account was running when this one was refused. */
  readonly inFlight?: readonly InFlightCall[];
}

export interface InFlightCall {
  readonly endpoint: string;
  readonly sinceMs: number;
  /** Its caller had gone (aborted, or its process killed) while the job ran on: the proxy keeps polling it. */
  readonly callerGone: boolean;
}

export interface CallAfterRefusal {
  readonly sessionId: string;
  readonly endpoint: string;
  readonly reason: string;
  readonly toldAtMs: number;
  readonly atMs: number;
}

const LOG_LIMIT = 10_000;

export const NO_SESSION = '(none)';

export class Counters {
  private total = 0;
  private byEndpoint = new Map<string, number>();
  private bySession = new Map<string, { total: number; byEndpoint: Map<string, number> }>();
  private faults = new Map<string, number>();
  private refused = new Map<string, number>();
  private ignored = new Map<string, number>();
  private ignoredBySession = new Map<string, number>();
  private ignoredLog: CallAfterRefusal[] = [];
  private arrivals = new Map<string, Arrival[]>();
  private refusalEntries: RefusalEntry[] = [];
  private abandoned = 0;

  received(endpoint: Endpoint, sessionId: string | undefined, atMs: number): void {
    this.total += 1;
    bump(this.byEndpoint, endpoint);
    const key = sessionId ?? NO_SESSION;
    const s = this.bySession.get(key) ?? { total: 0, byEndpoint: new Map<string, number>() };
    s.total += 1;
    bump(s.byEndpoint, endpoint);
    this.bySession.set(key, s);
    const list = this.arrivals.get(key) ?? [];
    if (list.length < LOG_LIMIT) list.push({ endpoint, atMs });
    this.arrivals.set(key, list);
  }

  callerGone(): void {
    this.abandoned += 1;
  }

  faultFired(kind: string): void {
    bump(this.faults, kind);
  }

  refusal(entry: RefusalEntry): void {
    bump(this.refused, entry.reason);
    if (this.refusalEntries.length < LOG_LIMIT) this.refusalEntries.push(entry);
  }

  callAfterRefusal(call: CallAfterRefusal): void {
    bump(this.ignored, call.reason);
    bump(this.ignoredBySession, call.sessionId);
    if (this.ignoredLog.length < LOG_LIMIT) this.ignoredLog.push(call);
  }

  reset(): void {
    this.total = 0;
    this.byEndpoint.clear();
    this.bySession.clear();
    this.faults.clear();
    this.refused.clear();
    this.ignored.clear();
    this.ignoredBySession.clear();
    this.ignoredLog = [];
    this.arrivals.clear();
    this.refusalEntries = [];
    this.abandoned = 0;
  }

  snapshot(): CountersSnapshot {
    const bySession: Record<string, { total: number; byEndpoint: Record<string, number> }> = {};
    for (const [k, v] of this.bySession)
      bySession[k] = { total: v.total, byEndpoint: Object.fromEntries(v.byEndpoint) };
    return {
      total: this.total,
      byEndpoint: Object.fromEntries(this.byEndpoint),
      bySession,
      faultsFired: Object.fromEntries(this.faults),
      refusals: Object.fromEntries(this.refused),
      callsAfterRefusal: Object.fromEntries(this.ignored),
      callsAfterRefusalBySession: Object.fromEntries(this.ignoredBySession),
      callsAfterRefusalLog: [...this.ignoredLog],
      arrivalsBySession: Object.fromEntries([...this.arrivals].map(([k, v]) => [k, [...v]])),
      refusalLog: [...this.refusalEntries],
      abandonedCalls: this.abandoned,
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
