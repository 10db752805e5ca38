/*
 * What each account has been told it cannot do, so the simulator can count the calls a client makes anyway.
 * A client that honours the answers (marks a dead account unusable, rests a rate-limited one, leaves an
 * exhausted one until the next quota day) makes none of these; a naive client makes many. Injected faults count like real refusals: the client cannot tell them apart.
 *
 * An account is invalid, banned or withdrawn as a whole; a rate limit or an exhausted quota is remembered per
 * capability (image, video), as the upstream words them apart (-2009 image credits, -2008 video credits) and
 * the pool rests the two capabilities separately (jimeng_accounts' image_/video_ status and unavailable time).
 */

export const REFUSAL_REASONS = [
  /** Login expired / session invalid: until an operator re-registers the session. */
  'invalid',
  'banned',
  /**
   * Rate limited: fork mode's 429, until its Retry-After has passed; default mode's risk control (-2001 …
   * (错误码: 1019)) from the account's window, which gives no Retry-After, until the window is under its limit
   * again (when a 429 would have let the caller back); an injected risk_control only for its `cooldownMs`.
   */
  'rate_limited',
  /** Today's credits are gone: until the next quota day. */
  'quota',
  /** Taken out of the pool by an operator (the test tells the simulator when). */
  'withdrawn',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type Capability = 'image' | 'video';

const keyOf = (sessionId: string, reason: RefusalReason, capability: Capability): string =>
  reason === 'rate_limited' || reason === 'quota' ? `${sessionId}\u0000${capability}` : sessionId;

interface Told {
  readonly reason: RefusalReason;
  readonly toldAtMs: number;
  /** Epoch ms from which the account may be called again; null = until an operator steps in. */
  readonly untilMs: number | null;
}

export class RefusalLog {
  private readonly told = new Map<string, Told>();

  /**
   * Remembers a refusal. A lasting refusal is not shortened by a later temporary one (a banned account that
   * also answered 429 stays banned).
   */
  refused(
    sessionId: string,
    capability: Capability,
    reason: RefusalReason,
    untilMs: number | null,
    nowMs: number,
  ): void {
    const key = keyOf(sessionId, reason, capability);
    const previous = this.told.get(key);
    if (previous !== undefined && previous.untilMs === null && untilMs !== null) return;
    if (previous !== undefined && previous.untilMs !== null && untilMs !== null && previous.untilMs > untilMs)
      return;
    this.told.set(key, { reason, untilMs, toldAtMs: nowMs });
  }

  /** The refusal a call arriving now ignores, if any. */
  ignoredBy(
    sessionId: string,
    capability: Capability,
    nowMs: number,
  ): { reason: RefusalReason; toldAtMs: number } | undefined {
    for (const key of [sessionId, `${sessionId}\u0000${capability}`]) {
      const told = this.told.get(key);
      if (told === undefined) continue;
      if (told.untilMs !== null && nowMs >= told.untilMs) this.told.delete(key);
      else return { reason: told.reason, toldAtMs: told.toldAtMs };
    }
    return undefined;
  }

  /** An operator re-registered the session: what it was told before no longer holds. */
  forget(sessionId: string): void {
    for (const key of [sessionId, `${sessionId}\u0000image`, `${sessionId}\u0000video`])
      this.told.delete(key);
  }

  clear(): void {
    this.told.clear();
  }
}
