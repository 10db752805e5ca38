import pino from 'pino';
import { QueryTypes, type Sequelize } from 'sequelize';
import { AccountPool } from '../../../services/accounts/account-pool';
import { type LeaseOutcome } from '../../../services/accounts/lease-outcome';
import { accountTablesAt, insertAccount, readAccount } from '../../support/accounts';
import { ISOLATION_LEVELS } from '../../../db/connection';
import { recordingLogger } from '../../support/recording-logger';

describe.each(ISOLATION_LEVELS)('account pool over jimeng_accounts (real MariaDB, %s)', (isolationLevel) => {
  let sequelize: Sequelize;
  let now: Date;
  const silent = pino({ level: 'silent' });
  const pool = (extra: Partial<ConstructorParameters<typeof AccountPool>[0]> = {}) =>
    new AccountPool({
      sequelize,
      logger: silent,
      now: () => now,
      leaseTtlMs: 60_000,
      rateLimitCooldownMs: 300_000,
      ...extra,
    });
  accountTablesAt(isolationLevel, (db) => (sequelize = db));
  beforeEach(() => {
    now = new Date('2026-11-23T04:00:00.000Z');
  });

  describe('lease', () => {
    it('never hands the same account capacity to two of 50 concurrent leases over 10 accounts', async () => {
      for (let i = 0; i < 10; i++) await insertAccount(sequelize);
      const accounts = pool();
      const leases = await Promise.all(
        Array.from({ length: 50 }, (_, i) => accounts.lease({ capability: 'image', holder: `wf-${i}` })),
      );
      const granted = leases.filter((l) => l !== null);
      expect(granted).toHaveLength(10);
      expect(new Set(granted.map((l) => l.accountId)).size).toBe(10);
      const live = await sequelize.query<{ n: number }>(
        'SELECT COUNT(*) AS n FROM jimeng_account_leases WHERE live_key IS NOT NULL',
        { type: QueryTypes.SELECT },
      );
      expect(Number(live[0]!.n)).toBe(10);
    });

    it('gives a retried request the lease its first attempt took, and a fresh one once that lease ended', async () => {
      const first = await insertAccount(sequelize, { priority: 10 });
      const second = await insertAccount(sequelize, { priority: 0 });
      const accounts = pool();
      const request = { capability: 'image' as const, holder: 'wf-retry', requestKey: 'run-1:3' };
      const taken = await accounts.lease(request);
      // The attempt's answer was lost (worker killed): the retry must not take the second account too.
      const retried = await accounts.lease(request);
      expect(retried).toEqual(taken);
      expect(taken?.accountId).toBe(first);
      const live = await sequelize.query<{ n: number }>(
        'SELECT COUNT(*) AS n FROM jimeng_account_leases WHERE live_key IS NOT NULL',
        { type: QueryTypes.SELECT },
      );
      expect(Number(live[0]!.n)).toBe(1);
      // Another request is not confused with it.
      expect((await accounts.lease({ ...request, requestKey: 'run-1:9' }))?.accountId).toBe(second);
      await accounts.release(taken!.token, 'success');
      const again = await accounts.lease(request);
      expect(again?.accountId).toBe(first);
      expect(again?.token).not.toBe(taken?.token);
    });

    it('keeps the milliseconds of lease times, so a lease never expires early', async () => {
      await insertAccount(sequelize);
      now = new Date('2026-11-23T04:00:00.750Z');
      const lease = await pool().lease({ capability: 'image' });
      const rows = await sequelize.query<{ leased_at: Date; expires_at: Date }>(
        'SELECT leased_at, expires_at FROM jimeng_account_leases WHERE token = ?',
        { replacements: [lease!.token], type: QueryTypes.SELECT },
      );
      expect(rows[0]!.leased_at.toISOString()).toBe('2026-11-23T04:00:00.750Z');
      expect(rows[0]!.expires_at.toISOString()).toBe('2026-11-23T04:01:00.750Z');
    });

    it("gives back every live lease of a finished job's holder, and only those", async () => {
      await insertAccount(sequelize);
      await insertAccount(sequelize);
      const accounts = pool();
      const mine = await accounts.lease({ capability: 'image', holder: 'wf-done' });
      const other = await accounts.lease({ capability: 'image', holder: 'wf-running' });
      expect(await accounts.releaseHeldBy('wf-done')).toBe(1);
      expect(await accounts.releaseHeldBy('wf-done')).toBe(0);
      const live = await sequelize.query<{ token: string }>(
        'SELECT token FROM jimeng_account_leases WHERE live_key IS NOT NULL',
        { type: QueryTypes.SELECT },
      );
      expect(live.map((l) => l.token)).toEqual([other!.token]);
      expect(mine).not.toBeNull();
    });

    it('leases image and video capacity of one account independently', async () => {
      const id = await insertAccount(sequelize);
      const accounts = pool();
      expect((await accounts.lease({ capability: 'image' }))?.accountId).toBe(id);
      expect((await accounts.lease({ capability: 'video' }))?.accountId).toBe(id);
      expect(await accounts.lease({ capability: 'image' })).toBeNull();
    });

    it('picks by priority first, then the least recently leased', async () => {
      const low = await insertAccount(sequelize, { priority: 1 });
      const highA = await insertAccount(sequelize, { priority: 5 });
      const highB = await insertAccount(sequelize, { priority: 5 });
      const accounts = pool();
      const first = await accounts.lease({ capability: 'image' });
      expect([highA, highB]).toContain(first!.accountId);
      await accounts.release(first!.token, 'success');
      now = new Date(now.getTime() + 1000);
      const second = await accounts.lease({ capability: 'image' });
      expect(second!.accountId).toBe(first!.accountId === highA ? highB : highA);
      await accounts.release(second!.token, 'success');
      now = new Date(now.getTime() + 1000);
      expect((await accounts.lease({ capability: 'image' }))!.accountId).toBe(first!.accountId);
      expect((await accounts.lease({ capability: 'image' }))!.accountId).toBe(second!.accountId);
      expect((await accounts.lease({ capability: 'image' }))!.accountId).toBe(low);
    });

    it('moves a retry to another account and follows the site preference', async () => {
      const cn = await insertAccount(sequelize, { site_type: 0, priority: 9 });
      const us = await insertAccount(sequelize, { site_type: 1 });
      const sg = await insertAccount(sequelize, { site_type: 4 });
      const accounts = pool();
      const bySite = await accounts.lease({ capability: 'image', sites: [4, 1] });
      expect(bySite).toMatchObject({ accountId: sg, siteType: 4 });
      const excluded = await accounts.lease({ capability: 'video', excludeAccountIds: [cn, sg] });
      expect(excluded!.accountId).toBe(us);
      expect(await accounts.lease({ capability: 'image', sites: [3] })).toBeNull();
    });

    it('hands out no deleted, inactive or banned account, nor a capability that is unavailable', async () => {
      await insertAccount(sequelize, { is_deleted: 1 });
      await insertAccount(sequelize, { account_status: 1 });
      await insertAccount(sequelize, { account_status: 2 });
      await insertAccount(sequelize, { image_generation_status: 0 });
      await insertAccount(sequelize, { image_generation_status: 2, image_unavailable_time: now });
      const accounts = pool();
      expect(await accounts.lease({ capability: 'image' })).toBeNull();
      expect(accounts.stats.noAccountAvailable).toBe(1);
    });

    it('skips and reports malformed rows (unknown site, empty session id, broken status) without failing', async () => {
      const good = await insertAccount(sequelize, { priority: 0 });
      const badSite = await insertAccount(sequelize, { site_type: 9, priority: 10 });
      const emptySession = await insertAccount(sequelize, { session_id: '  ', priority: 10 });
      const brokenStatus = await insertAccount(sequelize, { image_generation_status: 7, priority: 10 });
      const { logger, lines } = recordingLogger();
      const accounts = new AccountPool({ sequelize, logger, now: () => now });
      expect((await accounts.lease({ capability: 'image' }))!.accountId).toBe(good);
      expect(await accounts.lease({ capability: 'image' })).toBeNull();
      const reported = lines.filter((l) => l.msg === 'account row skipped by the pool: malformed');
      expect(new Map(reported.map((l) => [l.accountId, l.problems]))).toEqual(
        new Map<unknown, unknown>([
          [badSite, ['unknown site_type 9']],
          [emptySession, ['empty session_id']],
          [brokenStatus, ['unknown image_generation_status 7']],
        ]),
      );
      expect(accounts.stats.malformedSkipped).toBe(3); // reported once, not on every lease
      expect(JSON.stringify(lines)).not.toContain('sess-');
    });
  });

  describe('expiry', () => {
    it('returns a crashed holder’s account to the pool once its lease expires', async () => {
      const id = await insertAccount(sequelize);
      const accounts = pool();
      const crashed = await accounts.lease({ capability: 'video', ttlMs: 30_000 });
      expect(await accounts.lease({ capability: 'video' })).toBeNull();
      now = new Date(now.getTime() + 29_999);
      expect(await accounts.lease({ capability: 'video' })).toBeNull();
      now = new Date(now.getTime() + 1);
      const next = await accounts.lease({ capability: 'video' });
      expect(next!.accountId).toBe(id);
      expect(next!.token).not.toBe(crashed!.token);
      expect(accounts.stats.expiredReaped).toBe(1);
    });

    it('keeps a lease that is extended alive past its first expiry', async () => {
      await insertAccount(sequelize);
      const accounts = pool();
      const lease = await accounts.lease({ capability: 'video', ttlMs: 30_000 });
      now = new Date(now.getTime() + 20_000);
      expect(await accounts.extend(lease!.token, 30_000)).toBe(true);
      now = new Date(now.getTime() + 20_000);
      expect(await accounts.lease({ capability: 'video' })).toBeNull();
      now = new Date(now.getTime() + 20_000);
      expect(await accounts.lease({ capability: 'video' })).not.toBeNull();
      expect(await accounts.extend(lease!.token)).toBe(false);
    });

    it('still records the late outcome of an expired lease, once', async () => {
      const id = await insertAccount(sequelize);
      const accounts = pool();
      const lease = await accounts.lease({ capability: 'image', ttlMs: 1000 });
      now = new Date(now.getTime() + 5000);
      const other = await accounts.lease({ capability: 'image' });
      expect(other!.accountId).toBe(id);
      expect(await accounts.release(lease!.token, 'banned')).toMatchObject({ applied: true });
      expect(await accounts.release(lease!.token, 'banned')).toEqual({
        applied: false,
        reason: 'already_released',
      });
      expect((await readAccount(sequelize, id)).account_status).toBe(2);
    });
  });

  describe('release', () => {
    const cases: Array<[LeaseOutcome, 'image' | 'video', Record<string, unknown>]> = [
      ['success', 'image', { image_count: 1, video_count: 0, image_generation_status: 1, account_status: 0 }],
      ['success', 'video', { image_count: 0, video_count: 1, video_generation_status: 1 }],
      ['rate_limited', 'image', { image_generation_status: 2, video_generation_status: 1, image_count: 0 }],
      ['quota_exhausted', 'video', { video_generation_status: 0, image_generation_status: 1 }],
      [
        'session_invalid',
        'image',
        { image_generation_status: 0, video_generation_status: 0, account_status: 0 },
      ],
      ['banned', 'image', { account_status: 2, image_generation_status: 1 }],
      [
        'failed',
        'image',
        { account_status: 0, image_generation_status: 1, video_generation_status: 1, image_count: 0 },
      ],
    ];

    it.each(cases)(
      '%s on %s changes the account row as the pool rules say',
      async (outcome, capability, expected) => {
        const id = await insertAccount(sequelize);
        const accounts = pool();
        const lease = await accounts.lease({ capability });
        const before = await readAccount(sequelize, id);
        expect(await accounts.release(lease!.token, outcome)).toMatchObject({ applied: true });
        const after = await readAccount(sequelize, id);
        expect(after).toMatchObject(expected);
        const unavailable =
          capability === 'image' ? after.image_unavailable_time : after.video_unavailable_time;
        if (['rate_limited', 'quota_exhausted', 'session_invalid'].includes(outcome)) {
          expect(unavailable?.toISOString()).toBe(now.toISOString());
        } else {
          expect(unavailable).toBeNull();
        }
        if (outcome !== 'failed') expect(after.version).toBeGreaterThan(before.version);
      },
    );

    it('is idempotent: releasing the same token twice counts once', async () => {
      const id = await insertAccount(sequelize);
      const accounts = pool();
      const lease = await accounts.lease({ capability: 'image' });
      await accounts.release(lease!.token, 'success');
      expect(await accounts.release(lease!.token, 'success')).toEqual({
        applied: false,
        reason: 'already_released',
      });
      expect((await readAccount(sequelize, id)).image_count).toBe(1);
      expect(await accounts.release('00000000-0000-0000-0000-000000000000', 'success')).toEqual({
        applied: false,
        reason: 'unknown_token',
      });
    });

    it('rests a rate-limited capability for the cooldown, then hands it out again as available', async () => {
      const id = await insertAccount(sequelize);
      const accounts = pool();
      await accounts.release((await accounts.lease({ capability: 'image' }))!.token, 'rate_limited');
      // 300 s of cooldown, plus the second that the seed's whole-second TIMESTAMP may have cut off.
      now = new Date(now.getTime() + 300_999);
      expect(await accounts.lease({ capability: 'image' })).toBeNull();
      now = new Date(now.getTime() + 1);
      expect((await accounts.lease({ capability: 'image' }))!.accountId).toBe(id);
      expect(await readAccount(sequelize, id)).toMatchObject({
        image_generation_status: 1,
        image_unavailable_time: null,
      });
    });

    it('does not turn "unavailable until the refresh" into a shorter cooldown', async () => {
      const id = await insertAccount(sequelize);
      const accounts = pool();
      const first = await accounts.lease({ capability: 'image' });
      now = new Date(now.getTime() + 1);
      await accounts.release(first!.token, 'quota_exhausted');
      // A second, late lease (expired, then reported) says "rate limited": status stays 0.
      await sequelize.query(
        'UPDATE jimeng_account_leases SET released_at = NULL, outcome = NULL WHERE token = ?',
        {
          replacements: [first!.token],
        },
      );
      await accounts.release(first!.token, 'rate_limited');
      expect((await readAccount(sequelize, id)).image_generation_status).toBe(0);
    });
  });

  describe('daily refresh', () => {
    // 2026-11-24 00:30 Asia/Shanghai
    const resetAt = new Date('2026-11-23T16:30:00.000Z');
    const before = new Date('2026-11-23T10:00:00.000Z');
    const after = new Date('2026-11-23T16:40:00.000Z');

    it('restores exactly the automatic states set before the reset time, and nothing an operator decided', async () => {
      const base = { quota_reset_time: resetAt, image_count: 7, video_count: 3 };
      const exhausted = await insertAccount(sequelize, {
        ...base,
        image_generation_status: 0,
        image_unavailable_time: before,
      });
      const cooling = await insertAccount(sequelize, {
        ...base,
        video_generation_status: 2,
        video_unavailable_time: before,
      });
      const lateFailure = await insertAccount(sequelize, {
        ...base,
        image_generation_status: 0,
        image_unavailable_time: after,
      });
      const manual = await insertAccount(sequelize, {
        ...base,
        image_generation_status: 0,
        image_unavailable_time: null,
      });
      const banned = await insertAccount(sequelize, {
        ...base,
        account_status: 2,
        image_generation_status: 0,
        image_unavailable_time: before,
      });
      const inactive = await insertAccount(sequelize, { ...base, account_status: 1 });
      const notDue = await insertAccount(sequelize, {
        quota_reset_time: new Date('2026-11-24T16:30:00.000Z'),
        image_generation_status: 0,
        image_unavailable_time: before,
        image_count: 5,
      });
      now = new Date('2026-11-23T16:45:00.000Z');
      const accounts = pool();
      expect(await accounts.refreshDueAccounts()).toEqual({
        refreshed: 6,
        restoredImage: 2,
        restoredVideo: 1,
      });

      const nextReset = new Date('2026-11-24T16:30:00.000Z');
      expect(await readAccount(sequelize, exhausted)).toMatchObject({
        image_generation_status: 1,
        image_unavailable_time: null,
        image_count: 0,
        video_count: 0,
        quota_reset_time: nextReset,
      });
      expect(await readAccount(sequelize, cooling)).toMatchObject({
        video_generation_status: 1,
        video_unavailable_time: null,
      });
      expect(await readAccount(sequelize, lateFailure)).toMatchObject({
        image_generation_status: 0,
        image_unavailable_time: after,
      });
      expect(await readAccount(sequelize, manual)).toMatchObject({
        image_generation_status: 0,
        quota_reset_time: nextReset,
      });
      expect(await readAccount(sequelize, banned)).toMatchObject({ account_status: 2 });
      expect(await readAccount(sequelize, inactive)).toMatchObject({ account_status: 1 });
      expect(await readAccount(sequelize, notDue)).toMatchObject({
        image_generation_status: 0,
        image_count: 5,
      });
      // Besides the two restored accounts, nothing is leasable: banned and inactive stay out of the pool.
      expect(
        await accounts.lease({ capability: 'image', excludeAccountIds: [exhausted, cooling] }),
      ).toBeNull();

      expect(await accounts.refreshDueAccounts()).toEqual({
        refreshed: 0,
        restoredImage: 0,
        restoredVideo: 0,
      });
    });

    it('gives an account inserted without quota_reset_time the seed rule: creation date + 1 day, 00:30', async () => {
      const id = await insertAccount(sequelize);
      await sequelize.query('UPDATE jimeng_accounts SET create_time = ? WHERE id = ?', {
        replacements: [new Date('2026-11-23T02:00:00.000Z'), id],
      });
      now = new Date('2026-11-23T05:00:00.000Z');
      expect((await pool().refreshDueAccounts()).refreshed).toBe(0);
      expect((await readAccount(sequelize, id)).quota_reset_time).toEqual(resetAt);
    });
  });
});
