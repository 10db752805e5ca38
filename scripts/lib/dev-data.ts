import { QueryTypes, type Sequelize } from 'sequelize';
import { initialQuotaResetTime } from '../../domain/quota-reset';
import { PointsLedger } from '../../services/points/points-ledger';
import type { IdSource } from '../../db/ids/snowflake';

/** The user `npm run submit` generates for on the dev stack (points owner and OSS folder). */
export const DEV_USER_ID = '00000000-0000-4000-8000-000000000001';
export const DEV_USER_POINTS = 1000;

/** Accounts of the dev pool: the simulator creates any session it is shown, so these ids are all it needs. */
const DEV_ACCOUNTS = [
  { account: 'dev-cn-1', sessionId: 'dev-session-cn-1', siteType: 0, priority: 10 },
  { account: 'dev-cn-2', sessionId: 'dev-session-cn-2', siteType: 0, priority: 10 },
  { account: 'dev-sg-1', sessionId: 'dev-session-sg-1', siteType: 4, priority: 0 },
];

/**
 * Seeds a dev database so a first generation works: a few simulator accounts in an empty pool and points for
 * the dev user. Idempotent: accounts only into an empty pool, the recharge by a fixed idempotency key.
 */
export async function seedDevData(
  sequelize: Sequelize,
  options: { quotaTimeZone: string; now?: Date; ids: IdSource },
): Promise<{ accountsAdded: number; balance: number }> {
  const now = options.now ?? new Date();
  const [{ n }] = (await sequelize.query<{ n: number }>(
    'SELECT COUNT(*) AS n FROM jimeng_accounts WHERE is_deleted = 0',
    { type: QueryTypes.SELECT },
  )) as [{ n: number }];
  let accountsAdded = 0;
  if (Number(n) === 0) {
    for (const a of DEV_ACCOUNTS) {
      await sequelize.query(
        `INSERT INTO jimeng_accounts (id, jimeng_account, session_id, site_type, priority, quota_reset_time, create_by)
         VALUES (?, ?, ?, ?, ?, ?, 'seed-dev')`,
        {
          replacements: [
            options.ids.next(),
            a.account,
            a.sessionId,
            a.siteType,
            a.priority,
            initialQuotaResetTime(now, options.quotaTimeZone),
          ],
        },
      );
      accountsAdded++;
    }
  }
  const ledger = new PointsLedger({ sequelize, now: () => now });
  const { balance } = await ledger.recharge({
    idempotencyKey: `seed-dev:${DEV_USER_ID}`,
    userId: DEV_USER_ID,
    amount: DEV_USER_POINTS,
    expiresAt: null,
    sourceType: 'gift',
  });
  return { accountsAdded, balance };
}
