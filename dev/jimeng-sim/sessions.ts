import {
  AdminInputError,
  objectBody,
  optionalInt,
  optionalOneOf,
  rejectUnknownKeys,
  sessionIdField,
} from './admin-input';

/*
 * Per-session account state: credits (gift, purchase, vip, as getCredit reads them, src/api/controllers/core.ts:
 * 185-204), the daily gift claim (receiveCredit, core.ts:211-225), a request-rate limit, a concurrency cap and a
 * health state. Unknown sessions are created with the defaults on first use unless auto-creation is off, in which
 * case they answer as a dead session. The quota day turns at 00:00 Asia/Shanghai (UTC+8, no DST; the proxy
 * claims with time_zone "Asia/Shanghai", core.ts:216-218).
 *
 * The day's gift: `dailyQuota` is what one claim grants (receive_quota). Gift credits expire when the day turns
 * (the upstream's `expiring_credits`, reference section 7), after which one claim is available again. The proxy
 * claims only when the total is <= 0, so a session created or registered now counts as having claimed today.
 * Jobs are charged by model and resolution (credits.ts), gift credits first, then vip, then purchase.
 */

export const SESSION_STATES = ['ok', 'invalid', 'banned'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export interface RateLimit {
  readonly maxRequests: number;
  readonly windowMs: number;
}

export interface SessionDefaults {
  readonly dailyQuota: number;
  readonly rateLimit: RateLimit;
}

export interface SessionInput {
  readonly sessionId: string;
  readonly state?: SessionState;
  /** Credits one daily claim grants (default 66). */
  readonly dailyQuota?: number;
  /** Sets the gift credits left today (default: the daily quota on creation, unchanged on update). */
  readonly remainingQuota?: number;
  /** Purchased and membership credits (default 0): they do not expire at the day's turn. */
  readonly purchaseCredit?: number;
  readonly vipCredit?: number;
  /** Whether today's claim is still to be made (default false: a new session has claimed today's gift). */
  readonly claimAvailable?: boolean;
  readonly rateLimit?: RateLimit;
  /** Generation calls the account runs at once; beyond it the upstream refuses (ret 5001). Null = no limit. */
  readonly maxConcurrent?: number | null;
}

export interface SessionSnapshot {
  readonly sessionId: string;
  readonly state: SessionState;
  readonly dailyQuota: number;
  /** Gift credits left. */
  readonly remainingQuota: number;
  readonly purchaseCredit: number;
  readonly vipCredit: number;
  readonly totalCredit: number;
  readonly claimAvailable: boolean;
  readonly rateLimit: RateLimit;
  /** Requests inside the current rate window. */
  readonly recentRequests: number;
  readonly maxConcurrent: number | null;
  /** Synchronous generation calls being served now. */
  readonly inFlight: number;
}

/** How the upstream refuses a claim (reference section 6: ret 34010100 `param error`, iptag #108). */
export interface ClaimRefusal {
  readonly ret: string;
  readonly errmsg: string;
}
export const DEFAULT_CLAIM_REFUSAL: ClaimRefusal = { ret: '34010100', errmsg: 'param error' };

export interface Credits {
  readonly giftCredit: number;
  readonly purchaseCredit: number;
  readonly vipCredit: number;
  readonly totalCredit: number;
}

interface SessionRecord {
  sessionId: string;
  state: SessionState;
  dailyQuota: number;
  remaining: number;
  purchase: number;
  vip: number;
  claimed: boolean;
  claimRefusal: ClaimRefusal;
  quotaDay: number;
  rateLimit: RateLimit;
  /** Arrival times of accepted requests still inside the window. */
  hits: number[];
  maxConcurrent: number | null;
  inFlight: number;
}

const DAY_MS = 86_400_000;
const UTC8_MS = 8 * 3_600_000;
export const quotaDayOf = (nowMs: number): number => Math.floor((nowMs + UTC8_MS) / DAY_MS);
/** When the quota day after the one containing nowMs begins. */
export const nextQuotaDayStartMs = (nowMs: number): number => (quotaDayOf(nowMs) + 1) * DAY_MS - UTC8_MS;

export function parseSessionInput(value: unknown): SessionInput {
  const body = objectBody(value);
  rejectUnknownKeys(body, [
    'sessionId',
    'state',
    'dailyQuota',
    'remainingQuota',
    'purchaseCredit',
    'vipCredit',
    'claimAvailable',
    'rateLimit',
    'maxConcurrent',
  ]);
  const sessionId = sessionIdField(body, 'sessionId', true) as string;
  const state = optionalOneOf(body, 'state', SESSION_STATES);
  const dailyQuota = optionalInt(body, 'dailyQuota', 0);
  const remainingQuota = optionalInt(body, 'remainingQuota', 0);
  const purchaseCredit = optionalInt(body, 'purchaseCredit', 0);
  const vipCredit = optionalInt(body, 'vipCredit', 0);
  const claimAvailable = body.claimAvailable;
  if (claimAvailable !== undefined && typeof claimAvailable !== 'boolean')
    throw new AdminInputError('must be true or false', 'claimAvailable');
  const maxConcurrent = body.maxConcurrent === null ? null : optionalInt(body, 'maxConcurrent', 1);
  let rateLimit: RateLimit | undefined;
  if (body.rateLimit !== undefined) {
    if (typeof body.rateLimit !== 'object' || body.rateLimit === null || Array.isArray(body.rateLimit)) {
      throw new AdminInputError('must be an object { maxRequests, windowMs }', 'rateLimit');
    }
    const rl = body.rateLimit as Record<string, unknown>;
    rejectUnknownKeys(rl, ['maxRequests', 'windowMs'], 'rateLimit.');
    const maxRequests = optionalInt(rl, 'maxRequests', 1, Number.MAX_SAFE_INTEGER, 'rateLimit.');
    const windowMs = optionalInt(rl, 'windowMs', 1, Number.MAX_SAFE_INTEGER, 'rateLimit.');
    if (maxRequests === undefined) throw new AdminInputError('is required', 'rateLimit.maxRequests');
    if (windowMs === undefined) throw new AdminInputError('is required', 'rateLimit.windowMs');
    rateLimit = { maxRequests, windowMs };
  }
  return {
    sessionId,
    ...(state === undefined ? {} : { state }),
    ...(dailyQuota === undefined ? {} : { dailyQuota }),
    ...(remainingQuota === undefined ? {} : { remainingQuota }),
    ...(purchaseCredit === undefined ? {} : { purchaseCredit }),
    ...(vipCredit === undefined ? {} : { vipCredit }),
    ...(claimAvailable === undefined ? {} : { claimAvailable }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
  };
}

export class SessionRegistry {
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(
    private readonly defaults: SessionDefaults,
    private readonly autoCreate: boolean,
    private readonly now: () => number,
  ) {}

  /** Creates or updates; fields not given keep their value (or take the defaults on creation). */
  upsert(input: SessionInput): SessionSnapshot {
    const existing = this.sessions.get(input.sessionId);
    const record = existing ?? this.fresh(input.sessionId);
    if (input.state !== undefined) record.state = input.state;
    if (input.dailyQuota !== undefined) {
      record.dailyQuota = input.dailyQuota;
      if (existing === undefined) record.remaining = input.dailyQuota;
    }
    if (input.remainingQuota !== undefined) record.remaining = input.remainingQuota;
    if (input.purchaseCredit !== undefined) record.purchase = input.purchaseCredit;
    if (input.vipCredit !== undefined) record.vip = input.vipCredit;
    if (input.claimAvailable !== undefined) record.claimed = !input.claimAvailable;
    if (input.rateLimit !== undefined) record.rateLimit = input.rateLimit;
    if (input.maxConcurrent !== undefined) record.maxConcurrent = input.maxConcurrent;
    this.sessions.set(record.sessionId, record);
    return this.snapshot(record);
  }

  /** The session for a request: existing, auto-created, or undefined (an unknown login). */
  resolve(sessionId: string): SessionSnapshot | undefined {
    let record = this.sessions.get(sessionId);
    if (record === undefined) {
      if (!this.autoCreate) return undefined;
      record = this.fresh(sessionId);
      this.sessions.set(sessionId, record);
    }
    return this.snapshot(record);
  }

  get(sessionId: string): SessionSnapshot | undefined {
    const record = this.sessions.get(sessionId);
    return record === undefined ? undefined : this.snapshot(record);
  }

  list(): SessionSnapshot[] {
    return [...this.sessions.values()].map((r) => this.snapshot(r));
  }

  /** Records a request against the rate window; refuses it with the wait until a slot frees up. */
  admit(sessionId: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const record = this.must(sessionId);
    const now = this.now();
    record.hits = record.hits.filter((t) => t > now - record.rateLimit.windowMs);
    if (record.hits.length >= record.rateLimit.maxRequests) {
      return {
        ok: false,
        retryAfterMs: Math.max(1, (record.hits[0] as number) + record.rateLimit.windowMs - now),
      };
    }
    record.hits.push(now);
    return { ok: true };
  }

  /** Starts a synchronous generation call; false when the account already runs as many as it may. */
  enter(sessionId: string): boolean {
    const record = this.must(sessionId);
    if (record.maxConcurrent !== null && record.inFlight >= record.maxConcurrent) return false;
    record.inFlight += 1;
    return true;
  }

  leave(sessionId: string): void {
    const record = this.sessions.get(sessionId);
    if (record !== undefined && record.inFlight > 0) record.inFlight -= 1;
  }

  /** getCredit's view (core.ts:198-203). */
  credits(sessionId: string): Credits {
    const record = this.must(sessionId);
    this.rollDay(record);
    return creditsOf(record);
  }

  /** receiveCredit: one claim a day grants `dailyQuota`; a second one is refused. */
  claim(sessionId: string): { ok: true; received: number } | { ok: false; refusal: ClaimRefusal } {
    const record = this.must(sessionId);
    this.rollDay(record);
    if (record.claimed) return { ok: false, refusal: record.claimRefusal };
    record.claimed = true;
    record.remaining += record.dailyQuota;
    return { ok: true, received: record.dailyQuota };
  }

  /** The upstream's pre-deduction at submit; false (nothing taken) when the balance does not cover it. */
  charge(sessionId: string, cost: number): boolean {
    const record = this.must(sessionId);
    this.rollDay(record);
    if (creditsOf(record).totalCredit < cost) return false;
    let left = cost;
    for (const pot of ['remaining', 'vip', 'purchase'] as const) {
      const take = Math.min(record[pot], left);
      record[pot] -= take;
      left -= take;
    }
    return true;
  }

  /** A failed job's credits come back (as gift credits). */
  refund(sessionId: string, cost: number): void {
    const record = this.sessions.get(sessionId);
    if (record !== undefined) record.remaining += cost;
  }

  /** No credits and no claim left today; a later claim is refused as given. */
  exhaust(sessionId: string, refusal?: ClaimRefusal): void {
    const record = this.must(sessionId);
    this.rollDay(record);
    record.remaining = 0;
    record.purchase = 0;
    record.vip = 0;
    record.claimed = true;
    if (refusal !== undefined) record.claimRefusal = refusal;
  }

  clear(): void {
    this.sessions.clear();
  }

  private fresh(sessionId: string): SessionRecord {
    return {
      sessionId,
      state: 'ok',
      dailyQuota: this.defaults.dailyQuota,
      remaining: this.defaults.dailyQuota,
      purchase: 0,
      vip: 0,
      claimed: true,
      claimRefusal: DEFAULT_CLAIM_REFUSAL,
      quotaDay: quotaDayOf(this.now()),
      rateLimit: this.defaults.rateLimit,
      hits: [],
      maxConcurrent: null,
      inFlight: 0,
    };
  }

  private must(sessionId: string): SessionRecord {
    const record = this.sessions.get(sessionId);
    if (record === undefined) throw new Error(`session not resolved before use`);
    return record;
  }

  private rollDay(record: SessionRecord): void {
    const today = quotaDayOf(this.now());
    if (today !== record.quotaDay) {
      // Yesterday's gift expires; today's may be claimed once.
      record.quotaDay = today;
      record.remaining = 0;
      record.claimed = false;
      record.claimRefusal = DEFAULT_CLAIM_REFUSAL;
    }
  }

  private snapshot(record: SessionRecord): SessionSnapshot {
    this.rollDay(record);
    const now = this.now();
    return {
      sessionId: record.sessionId,
      state: record.state,
      dailyQuota: record.dailyQuota,
      remainingQuota: record.remaining,
      purchaseCredit: record.purchase,
      vipCredit: record.vip,
      totalCredit: creditsOf(record).totalCredit,
      claimAvailable: !record.claimed,
      rateLimit: record.rateLimit,
      recentRequests: record.hits.filter((t) => t > now - record.rateLimit.windowMs).length,
      maxConcurrent: record.maxConcurrent,
      inFlight: record.inFlight,
    };
  }
}

function creditsOf(record: SessionRecord): Credits {
  return {
    giftCredit: record.remaining,
    purchaseCredit: record.purchase,
    vipCredit: record.vip,
    totalCredit: record.remaining + record.purchase + record.vip,
  };
}
