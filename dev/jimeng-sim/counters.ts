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
  /** The first of those calls in detail (up to 100), for a post-mortem. */
  readonly callsAfterRefusalLog: readonly CallAfterRefusal[];
}

export interface CallAfterRefusal {
  readonly sessionId: string;
  readonly endpoint: string;
  readonly reason: string;
  readonly toldAtMs: number;
  readonly atMs: number;
}

const LOG_LIMIT = 100;

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

  received(endpoint: Endpoint, sessionId: string | undefined): void {
    this.total += 1;
    bump(this.byEndpoint, endpoint);
    const key = sessionId ?? NO_SESSION;
    const s = this.bySession.get(key) ?? { total: 0, byEndpoint: new Map<string, number>() };
    s.total += 1;
    bump(s.byEndpoint, endpoint);
    this.bySession.set(key, s);
  }

  faultFired(kind: string): void {
    bump(this.faults, kind);
  }

  refusal(reason: string): void {
    bump(this.refused, reason);
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
    };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
