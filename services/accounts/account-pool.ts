import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { isDeadlock, isUniqueViolation, retryingDeadlocks } from '../../db/errors';
import { SiteType, siteTypeOf } from '../../db/codes';
import { sqlTime } from '../../db/sql-time';
import {
  cooldownCutoff,
  DEFAULT_RATE_LIMIT_COOLDOWN_MS,
  eligibleAccountSql,
  unleasedSql,
} from './account-eligibility';
import { capabilityColumns, PROXY_URL_COLUMN } from './account-columns';
import { accountChangesFor, callCountChange, type AccountChanges, type LeaseOutcome } from './lease-outcome';
import { initialQuotaResetTime, nextQuotaResetAfter } from '../../domain/quota-reset';
import type { GenerationType } from '../../domain/generation/generation-types';

export interface AccountPoolOptions {
  sequelize: Sequelize;
  logger: Logger;
  now: () => Date;
  /** How long a lease lives unless extended; a crashed holder's account returns after this. */
  leaseTtlMs?: number;
  /** How long a rate-limited capability (status 2) rests before lease() hands it out again. */
  rateLimitCooldownMs?: number;
  /** Time zone of the daily quota reset (00:30). */
  quotaTimeZone?: string;
  /** Malformed account rows are looked for, and reported, at most once per this interval. */
  malformedReportIntervalMs?: number;
}

export interface LeaseRequest {
  capability: GenerationType;
  /** Sites to use, best first; absent = any site. */
  sites?: readonly SiteType[];
  /** Accounts that just failed this request: a retry must move to another account. */
  excludeAccountIds?: readonly string[];
  /** Who holds it (workflow id), for operators reading jimeng_account_leases. */
  holder?: string;
  /**
   * Identifies the request across retries (an activity's run id + activity id): while the lease it took is
   * live, asking again returns that lease instead of taking another account.
   */
  requestKey?: string;
  ttlMs?: number;
}

/** What a holder needs; never the session id, which would end up in workflow histories. */
export interface Lease {
  token: string;
  accountId: string;
  capability: GenerationType;
  siteType: SiteType;
  maxRetryCount: number;
  expiresAt: string;
}

export interface ReleaseResult {
  /** False when this token was already released: the second call changes nothing. */
  applied: boolean;
  reason?: 'unknown_token' | 'already_released';
  /** The account's capability that was given back, when applied: whom a release may wake. */
  released?: { accountId: string; capability: GenerationType; siteType: SiteType | null };
}

/** The leased account as its holder calls it; `usable` by the pool's one eligibility rule. */
export interface LeasedAccount {
  sessionId: string;
  proxyUrl: string | null;
  usable: boolean;
}

export interface RefreshResult {
  refreshed: number;
  restoredImage: number;
  restoredVideo: number;
}

export interface PoolStats {
  leases: number;
  noAccountAvailable: number;
  expiredReaped: number;
  malformedSkipped: number;
}

const ALL_SITES = Object.values(SiteType);
const CANDIDATES_PER_ROUND = 20;
const ROUNDS = 3;

interface CandidateRow {
  id: string;
  site_type: number;
  max_retry_count: number | null;
}

/**
 * The pool of Jimeng accounts in jimeng_accounts, leased one capability at a time.
 *
 * Selection reads candidates without locks (ordered by site preference, priority, least recently leased),
 * then takes them one by one by primary key with FOR UPDATE SKIP LOCKED. Locking by key matters: a
 * locking SELECT with ORDER BY would lock every row it sorted and make concurrent leases skip accounts
 * that are actually free. The unique live_key of jimeng_account_leases is the last word on double-booking,
 * as the unique request_key is on a request leasing twice.
 *
 * Correct under READ COMMITTED as under REPEATABLE READ (MYSQL_ISOLATION_LEVEL; the tests run both): every
 * lock is taken by primary key on a row that exists, every read that decides is a locking read (which sees
 * the latest committed row under both levels) or is checked again by one, and nothing relies on a gap lock.
 */
export class AccountPool {
  readonly stats: PoolStats = { leases: 0, noAccountAvailable: 0, expiredReaped: 0, malformedSkipped: 0 };
  private readonly sequelize: Sequelize;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly leaseTtlMs: number;
  private readonly cooldownMs: number;
  private readonly timeZone: string;
  private readonly reportIntervalMs: number;
  private lastMalformedScanMs: number | null = null;

  constructor(options: AccountPoolOptions) {
    this.sequelize = options.sequelize;
    this.logger = options.logger;
    this.now = options.now;
    this.leaseTtlMs = options.leaseTtlMs ?? 15 * 60_000;
    this.cooldownMs = options.rateLimitCooldownMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS;
    this.timeZone = options.quotaTimeZone ?? 'Asia/Shanghai';
    this.reportIntervalMs = options.malformedReportIntervalMs ?? 60_000;
  }

  async lease(request: LeaseRequest): Promise<Lease | null> {
    const now = this.now();
    await this.reapExpired(now);
    await this.reportMalformed(now);
    const sites = request.sites && request.sites.length > 0 ? request.sites : ALL_SITES;
    if (request.requestKey !== undefined) {
      const earlier = await this.leaseOfRequest(request.requestKey, now);
      if (earlier !== null) return earlier;
    }
    for (let round = 0; round < ROUNDS; round++) {
      const candidates = await this.candidates(request, sites, now);
      if (candidates.length === 0) break;
      let contended = false;
      for (const candidate of candidates) {
        const result = await this.tryTake(candidate, request, now);
        if (result === 'contended') contended = true;
        else if (result) {
          this.stats.leases++;
          this.logger.debug(
            { accountId: result.accountId, capability: result.capability, holder: request.holder },
            'account leased',
          );
          return result;
        }
      }
      if (!contended) break; // every candidate was ineligible on a second look, not merely busy
    }
    // A concurrent attempt of the same request (a worker thought dead) may have won: its lease is ours.
    if (request.requestKey !== undefined) {
      const raced = await this.leaseOfRequest(request.requestKey, now);
      if (raced !== null) return raced;
    }
    this.stats.noAccountAvailable++;
    return null;
  }

  /**
   * The live lease an earlier attempt of this request took, or null. A lease of the request that ended
   * (released, expired) frees the key, so the request can lease again.
   */
  private async leaseOfRequest(requestKey: string, now: Date): Promise<Lease | null> {
    const rows = await this.sequelize.query<{
      token: string;
      account_id: string;
      capability: GenerationType;
      expires_at: Date;
      released_at: Date | null;
      site_type: number;
      max_retry_count: number | null;
    }>(
      `SELECT l.token, l.account_id, l.capability, l.expires_at, l.released_at, a.site_type, a.max_retry_count
         FROM jimeng_account_leases l JOIN jimeng_accounts a ON a.id = l.account_id
        WHERE l.request_key = ?`,
      { replacements: [requestKey], type: QueryTypes.SELECT },
    );
    const row = rows[0];
    if (row === undefined) return null;
    if (row.released_at === null && row.expires_at.getTime() > now.getTime()) {
      return {
        token: row.token,
        accountId: String(row.account_id),
        capability: row.capability,
        siteType: row.site_type as SiteType,
        maxRetryCount: row.max_retry_count ?? 4,
        expiresAt: row.expires_at.toISOString(),
      };
    }
    await this.sequelize.query('UPDATE jimeng_account_leases SET request_key = NULL WHERE token = ?', {
      replacements: [row.token],
    });
    return null;
  }

  /**
   * Applies what a failed call said about the account (cooldown, quota, invalid, banned) while its lease is
   * still held, so no other lease hands it out meanwhile. The release applies the same outcome again: each
   * change is idempotent (a cooldown only starts on an available capability).
   */
  async markAccount(accountId: string, capability: GenerationType, outcome: LeaseOutcome): Promise<void> {
    if (outcome === 'success' || outcome === 'failed') return;
    const now = this.now();
    await this.sequelize.transaction((transaction) =>
      this.applyChanges(accountId, accountChangesFor(outcome, capability, now), transaction),
    );
    this.logger.info({ accountId, capability, outcome }, 'account state changed');
  }

  /**
   * A paid call this worker gave up without its answer (stopped by a deploy past its shutdown grace): the proxy
   * does not cancel what it started, so the upstream may be generating on the account, and spending its credits,
   * all the same. It counts as a call of the day, as a success does, so the account's count says how many jobs it
   * may have run, not only the answered ones. The lease is not released: the account stays busy while the retry
   * (same lease, by its request key) runs, and that retry reads the account's credits before calling again.
   */
  async countUnansweredCall(accountId: string, capability: GenerationType): Promise<void> {
    await this.sequelize.transaction((transaction) =>
      this.applyChanges(accountId, callCountChange(capability), transaction),
    );
    this.logger.warn(
      { accountId, capability },
      'a call given up at shutdown may have started a paid job upstream; counted on the account',
    );
  }

  /** Gives back every live lease of a holder (a finished job's workflow id); returns how many. */
  async releaseHeldBy(holder: string): Promise<number> {
    // Found without locks over the few live leases, then cleared by primary key, as reapExpired does: a range
    // UPDATE would lock index ranges that concurrent lease inserts need.
    const live = await this.sequelize.query<{ token: string }>(
      'SELECT token FROM jimeng_account_leases WHERE live_key IS NOT NULL AND holder = ?',
      { replacements: [holder], type: QueryTypes.SELECT },
    );
    if (live.length === 0) return 0;
    const [, affected] = await this.sequelize.query(
      `UPDATE jimeng_account_leases SET live_key = NULL, released_at = ?, outcome = 'failed'
        WHERE token IN (?) AND live_key IS NOT NULL`,
      { replacements: [sqlTime(this.now()), live.map((l) => l.token)], type: QueryTypes.UPDATE },
    );
    if (affected > 0)
      this.logger.warn({ holder, leases: affected }, 'leases left by a finished job given back');
    return affected;
  }

  /**
   * The session and outbound proxy of a leased account, and whether the pool would still lease it: between a
   * lease and its call another job may have learned the account is banned or logged out, or an operator
   * switched it off. Null when the account row is gone.
   */
  async leasedAccount(lease: Pick<Lease, 'accountId' | 'capability'>): Promise<LeasedAccount | null> {
    const rows = await this.sequelize.query<{ session_id: string; proxy_url: string | null; usable: number }>(
      `SELECT a.session_id, a.${PROXY_URL_COLUMN} AS proxy_url, (${eligibleAccountSql(lease.capability)}) AS usable
         FROM jimeng_accounts a WHERE a.id = :id`,
      {
        replacements: { id: lease.accountId, cooldownCutoff: cooldownCutoff(this.now(), this.cooldownMs) },
        type: QueryTypes.SELECT,
      },
    );
    const row = rows[0];
    if (!row) return null;
    return { sessionId: row.session_id, proxyUrl: row.proxy_url, usable: Number(row.usable) === 1 };
  }

  /** Moves a live lease's expiry on (long video jobs heartbeat through this); false if it is gone. */
  async extend(token: string, ttlMs: number = this.leaseTtlMs): Promise<boolean> {
    const now = this.now();
    const [, affected] = await this.sequelize.query(
      'UPDATE jimeng_account_leases SET expires_at = ? WHERE token = ? AND live_key IS NOT NULL AND expires_at > ?',
      {
        replacements: [sqlTime(new Date(now.getTime() + ttlMs)), token, sqlTime(now)],
        type: QueryTypes.UPDATE,
      },
    );
    return affected === 1;
  }

  /**
   * Ends a lease and applies what happened to the account. Idempotent by token: a retried activity that
   * releases twice changes the account once. A lease that expired before its holder released it still
   * reports its outcome (a ban found late is still a ban), once.
   */
  async release(token: string, outcome: LeaseOutcome): Promise<ReleaseResult> {
    return retryingDeadlocks(() => this.releaseOnce(token, outcome));
  }

  private async releaseOnce(token: string, outcome: LeaseOutcome): Promise<ReleaseResult> {
    const now = this.now();
    return this.sequelize.transaction(async (transaction) => {
      const rows = await this.sequelize.query<{
        account_id: string;
        capability: GenerationType;
        outcome: string | null;
        released_at: Date | null;
      }>(
        'SELECT account_id, capability, outcome, released_at FROM jimeng_account_leases WHERE token = ? FOR UPDATE',
        { replacements: [token], type: QueryTypes.SELECT, transaction },
      );
      const lease = rows[0];
      if (!lease) return { applied: false, reason: 'unknown_token' as const };
      if (lease.released_at !== null && lease.outcome !== 'expired')
        return { applied: false, reason: 'already_released' as const };
      await this.applyChanges(
        lease.account_id,
        accountChangesFor(outcome, lease.capability, now),
        transaction,
      );
      await this.sequelize.query(
        'UPDATE jimeng_account_leases SET live_key = NULL, released_at = COALESCE(released_at, ?), outcome = ? WHERE token = ?',
        { replacements: [sqlTime(now), outcome, token], transaction },
      );
      if (outcome !== 'success' && outcome !== 'failed') {
        this.logger.info(
          { accountId: lease.account_id, capability: lease.capability, outcome },
          'account state changed',
        );
      }
      // Read after the account's update, so the lease's lock is always taken before the account's, as before.
      const [account] = await this.sequelize.query<{ site_type: SiteType | null }>(
        'SELECT site_type FROM jimeng_accounts WHERE id = ?',
        { replacements: [lease.account_id], type: QueryTypes.SELECT, transaction },
      );
      return {
        applied: true,
        released: {
          accountId: String(lease.account_id),
          capability: lease.capability,
          siteType: siteTypeOf(account?.site_type ?? null),
        },
      };
    });
  }

  /**
   * The daily refresh: for every account whose quota_reset_time has come, restore the capabilities that
   * were made unavailable automatically before that time, reset the daily counts and move quota_reset_time
   * to the next 00:30. Operator decisions are left alone: account_status is never touched, and a
   * capability switched off without an unavailable time (by hand) stays off.
   */
  async refreshDueAccounts(): Promise<RefreshResult> {
    const now = this.now();
    const result: RefreshResult = { refreshed: 0, restoredImage: 0, restoredVideo: 0 };
    const due = await this.sequelize.query<{
      id: string;
      quota_reset_time: Date | null;
      create_time: Date | null;
      image_generation_status: number | null;
      image_unavailable_time: Date | null;
      video_generation_status: number | null;
      video_unavailable_time: Date | null;
    }>(
      `SELECT id, quota_reset_time, create_time, image_generation_status, image_unavailable_time,
              video_generation_status, video_unavailable_time
         FROM jimeng_accounts
        WHERE is_deleted = 0 AND (quota_reset_time IS NULL OR quota_reset_time <= ?)`,
      { replacements: [now], type: QueryTypes.SELECT },
    );
    for (const row of due) {
      // An account inserted without quota_reset_time gets the seed's rule: creation date + 1 day, 00:30.
      const resetAt = row.quota_reset_time ?? initialQuotaResetTime(row.create_time ?? now, this.timeZone);
      if (resetAt.getTime() > now.getTime()) {
        await this.sequelize.query(
          'UPDATE jimeng_accounts SET quota_reset_time = ? WHERE id = ? AND quota_reset_time IS NULL',
          {
            replacements: [resetAt, row.id],
          },
        );
        continue;
      }
      const restorable = (status: number | null, since: Date | null) =>
        (status === 0 || status === 2) && since !== null && since.getTime() < resetAt.getTime();
      const image = restorable(row.image_generation_status, row.image_unavailable_time);
      const video = restorable(row.video_generation_status, row.video_unavailable_time);
      const [, affected] = await this.sequelize.query(
        `UPDATE jimeng_accounts
            SET image_generation_status = ${image ? '1' : 'image_generation_status'},
                image_unavailable_time = ${image ? 'NULL' : 'image_unavailable_time'},
                video_generation_status = ${video ? '1' : 'video_generation_status'},
                video_unavailable_time = ${video ? 'NULL' : 'video_unavailable_time'},
                image_count = 0, video_count = 0, quota_reset_time = ?, version = version + 1
          WHERE id = ? AND quota_reset_time <=> ?`,
        // The compare on quota_reset_time makes a concurrent second refresh of the same row a no-op.
        {
          replacements: [nextQuotaResetAfter(now, this.timeZone), row.id, row.quota_reset_time],
          type: QueryTypes.UPDATE,
        },
      );
      if (affected !== 1) continue;
      result.refreshed++;
      if (image) result.restoredImage++;
      if (video) result.restoredVideo++;
    }
    if (result.refreshed > 0) this.logger.info(result, 'account quotas refreshed');
    return result;
  }

  /** Deletes finished lease rows older than `olderThanMs` (the audit trail is kept that long). */
  async pruneLeases(olderThanMs: number): Promise<number> {
    const [result] = await this.sequelize.query(
      'DELETE FROM jimeng_account_leases WHERE live_key IS NULL AND released_at < ?',
      {
        replacements: [new Date(this.now().getTime() - olderThanMs)],
      },
    );
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  }

  private async reapExpired(now: Date): Promise<void> {
    // Find expired leases without locking, then clear them by primary key: a range UPDATE here locked (under
    // REPEATABLE READ) index gaps that concurrent lease inserts needed, and deadlocked under load
    // (bench/pool-fault-storm).
    const expired = await this.sequelize.query<{ token: string }>(
      'SELECT token FROM jimeng_account_leases WHERE live_key IS NOT NULL AND expires_at <= ? LIMIT 100',
      { replacements: [sqlTime(now)], type: QueryTypes.SELECT },
    );
    if (expired.length === 0) return;
    let affected: number;
    try {
      [, affected] = await this.sequelize.query(
        `UPDATE jimeng_account_leases SET live_key = NULL, released_at = ?, outcome = 'expired'
          WHERE token IN (?) AND live_key IS NOT NULL AND expires_at <= ?`,
        {
          replacements: [sqlTime(now), expired.map((e) => e.token), sqlTime(now)],
          type: QueryTypes.UPDATE,
        },
      );
    } catch (err) {
      if (!isDeadlock(err)) throw err;
      return; // a concurrent caller is reaping the same rows
    }
    if (affected > 0) {
      this.stats.expiredReaped += affected;
      this.logger.warn({ count: affected }, 'expired account leases returned to the pool');
    }
  }

  private async candidates(
    request: LeaseRequest,
    sites: readonly SiteType[],
    now: Date,
  ): Promise<CandidateRow[]> {
    const exclude =
      request.excludeAccountIds && request.excludeAccountIds.length > 0 ? request.excludeAccountIds : null;
    return this.sequelize.query<CandidateRow>(
      `SELECT a.id, a.site_type, a.max_retry_count,
              (SELECT MAX(l.leased_at) FROM jimeng_account_leases l
                WHERE l.account_id = a.id AND l.capability = :capability) AS last_leased_at
         FROM jimeng_accounts a
        WHERE ${eligibleAccountSql(request.capability)}
          AND a.site_type IN (:sites)
          ${exclude ? 'AND a.id NOT IN (:exclude)' : ''}
          AND ${unleasedSql(request.capability)}
        ORDER BY FIELD(a.site_type, :sites), a.priority DESC, last_leased_at IS NOT NULL, last_leased_at, a.id
        LIMIT ${CANDIDATES_PER_ROUND}`,
      {
        replacements: {
          capability: request.capability,
          sites: [...sites],
          exclude: exclude ? [...exclude] : [],
          cooldownCutoff: cooldownCutoff(now, this.cooldownMs),
        },
        type: QueryTypes.SELECT,
      },
    );
  }

  /** Takes one candidate in its own short transaction; 'contended' when another lease holds the row. */
  private async tryTake(
    candidate: CandidateRow,
    request: LeaseRequest,
    now: Date,
  ): Promise<Lease | null | 'contended'> {
    const c = capabilityColumns(request.capability);
    const token = randomUUID();
    const expiresAt = new Date(now.getTime() + (request.ttlMs ?? this.leaseTtlMs));
    try {
      return await this.sequelize.transaction(async (transaction) => {
        const locked = await this.sequelize.query<{ id: string; status: number }>(
          `SELECT a.id, a.${c.status} AS status FROM jimeng_accounts a
            WHERE a.id = :id AND ${eligibleAccountSql(request.capability)} FOR UPDATE SKIP LOCKED`,
          {
            replacements: { id: candidate.id, cooldownCutoff: cooldownCutoff(now, this.cooldownMs) },
            type: QueryTypes.SELECT,
            transaction,
          },
        );
        if (locked.length === 0) {
          const exists = await this.sequelize.query(
            'SELECT 1 FROM jimeng_accounts a WHERE a.id = ? FOR UPDATE SKIP LOCKED',
            {
              replacements: [candidate.id],
              type: QueryTypes.SELECT,
              transaction,
            },
          );
          return exists.length === 0 ? 'contended' : null;
        }
        if (locked[0]!.status === 2) {
          // The cooldown is over: the capability is available again.
          await this.sequelize.query(
            `UPDATE jimeng_accounts SET ${c.status} = 1, ${c.unavailable} = NULL, version = version + 1 WHERE id = ?`,
            { replacements: [candidate.id], transaction },
          );
        }
        await this.sequelize.query(
          `INSERT INTO jimeng_account_leases
             (token, account_id, capability, holder, request_key, live_key, leased_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          {
            replacements: [
              token,
              candidate.id,
              request.capability,
              request.holder ?? null,
              request.requestKey ?? null,
              `${candidate.id}:${request.capability}`,
              sqlTime(now),
              sqlTime(expiresAt),
            ],
            transaction,
          },
        );
        return {
          token,
          accountId: candidate.id,
          capability: request.capability,
          siteType: candidate.site_type as SiteType,
          maxRetryCount: candidate.max_retry_count ?? 4,
          expiresAt: expiresAt.toISOString(),
        };
      });
    } catch (err) {
      if (isUniqueViolation(err) || isDeadlock(err)) return 'contended';
      throw err;
    }
  }

  private async applyChanges(
    accountId: string,
    changes: AccountChanges,
    transaction: Transaction,
  ): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (sql: string, ...v: unknown[]) => {
      sets.push(sql);
      values.push(...v);
    };
    if (changes.accountStatus !== undefined) set('account_status = ?', changes.accountStatus);
    if (changes.incrementImageCount) set('image_count = COALESCE(image_count, 0) + 1');
    if (changes.incrementVideoCount) set('video_count = COALESCE(video_count, 0) + 1');
    for (const cap of ['image', 'video'] as const) {
      const status = cap === 'image' ? changes.imageGenerationStatus : changes.videoGenerationStatus;
      const since = cap === 'image' ? changes.imageUnavailableTime : changes.videoUnavailableTime;
      if (status === undefined) continue;
      const c = capabilityColumns(cap);
      if (changes.onlyIfAvailable) {
        set(`${c.unavailable} = IF(${c.status} = 1, ?, ${c.unavailable})`, since);
        set(`${c.status} = IF(${c.status} = 1, ?, ${c.status})`, status);
      } else {
        set(`${c.unavailable} = ?`, since);
        set(`${c.status} = ?`, status);
      }
    }
    if (sets.length === 0) return;
    await this.sequelize.query(
      `UPDATE jimeng_accounts SET ${sets.join(', ')}, version = version + 1 WHERE id = ?`,
      {
        replacements: [...values, accountId],
        transaction,
      },
    );
  }

  /**
   * The scan reads the whole table, so it runs at most once per report interval, not on every lease: the
   * eligibility filter already keeps malformed rows out, this only tells operators about them.
   */
  private async reportMalformed(now: Date): Promise<void> {
    const last = this.lastMalformedScanMs;
    if (last !== null && now.getTime() - last < this.reportIntervalMs) return;
    // Claimed before the query, so concurrent leases do not all scan.
    this.lastMalformedScanMs = now.getTime();
    const rows = await this.sequelize.query<{
      id: string;
      site_type: number | null;
      session_id_empty: number;
      account_status: number | null;
      image_generation_status: number | null;
      video_generation_status: number | null;
    }>(
      `SELECT id, site_type, (session_id IS NULL OR TRIM(session_id) = '') AS session_id_empty, account_status,
              image_generation_status, video_generation_status
         FROM jimeng_accounts
        WHERE is_deleted = 0 AND (site_type IS NULL OR site_type NOT IN (0, 1, 2, 3, 4)
           OR session_id IS NULL OR TRIM(session_id) = ''
           OR account_status IS NULL OR account_status NOT IN (0, 1, 2)
           OR image_generation_status IS NULL OR image_generation_status NOT IN (0, 1, 2)
           OR video_generation_status IS NULL OR video_generation_status NOT IN (0, 1, 2))`,
      { type: QueryTypes.SELECT },
    );
    for (const row of rows) {
      this.stats.malformedSkipped++;
      const problems: string[] = [];
      if (row.site_type === null || !ALL_SITES.includes(row.site_type as SiteType))
        problems.push(`unknown site_type ${String(row.site_type)}`);
      if (Number(row.session_id_empty) === 1) problems.push('empty session_id');
      if (row.account_status === null || ![0, 1, 2].includes(row.account_status))
        problems.push(`unknown account_status ${String(row.account_status)}`);
      for (const [name, v] of [
        ['image_generation_status', row.image_generation_status],
        ['video_generation_status', row.video_generation_status],
      ] as const) {
        if (v === null || ![0, 1, 2].includes(v)) problems.push(`unknown ${name} ${String(v)}`);
      }
      this.logger.warn({ accountId: row.id, problems }, 'account row skipped by the pool: malformed');
    }
  }
}
