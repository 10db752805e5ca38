import { QueryTypes, type Sequelize } from 'sequelize';
import { capabilityColumns } from './account-columns';
import type { GenerationType } from '../../domain/generation/generation-types';

/** How long a rate-limited capability (status 2) rests before it may be leased again, unless configured. */
export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 5 * 60_000;

/**
 * A rate-limited capability is usable again when its unavailable time is at or before this. The seed's
 * *_unavailable_time is a TIMESTAMP of whole seconds (the fraction is cut off), so one more second is
 * waited: the rest is never shorter than the cooldown.
 */
export function cooldownCutoff(now: Date, cooldownMs: number): Date {
  return new Date(now.getTime() - cooldownMs - 1000);
}

/**
 * The one definition of an account whose capability may be used, over `jimeng_accounts a`: active, not
 * deleted, with a session id, and the capability available, or rate-limited with its cooldown over (the
 * lease turns that back to available). Bind `:cooldownCutoff` to cooldownCutoff(now, cooldownMs).
 */
export function eligibleAccountSql(capability: GenerationType): string {
  const c = capabilityColumns(capability);
  return `a.is_deleted = 0 AND a.account_status = 0 AND a.session_id IS NOT NULL AND TRIM(a.session_id) <> ''
      AND (a.${c.status} = 1 OR (a.${c.status} = 2 AND a.${c.unavailable} IS NOT NULL AND a.${c.unavailable} <= :cooldownCutoff))`;
}

/** No live lease holds the capability of `jimeng_accounts a` (the unique live_key of jimeng_account_leases). */
export function unleasedSql(capability: GenerationType): string {
  return `NOT EXISTS (SELECT 1 FROM jimeng_account_leases l WHERE l.live_key = CONCAT(a.id, ':${capability}'))`;
}

export interface AvailableAccounts {
  capability: GenerationType;
  /** null for rows whose site_type is missing (eligible rows always have one, the pool leases by site). */
  siteType: number | null;
  count: number;
}

/** Accounts a lease could take now, by capability and site: what the pool would hand out. */
export async function availableAccounts(
  sequelize: Sequelize,
  now: Date,
  cooldownMs: number,
): Promise<AvailableAccounts[]> {
  const out: AvailableAccounts[] = [];
  for (const capability of ['image', 'video'] as const) {
    const rows = await sequelize.query<{ site_type: number | null; n: number }>(
      `SELECT a.site_type, COUNT(*) AS n FROM jimeng_accounts a
        WHERE ${eligibleAccountSql(capability)} AND ${unleasedSql(capability)}
        GROUP BY a.site_type`,
      { replacements: { cooldownCutoff: cooldownCutoff(now, cooldownMs) }, type: QueryTypes.SELECT },
    );
    for (const row of rows)
      out.push({
        capability,
        siteType: row.site_type === null ? null : Number(row.site_type),
        count: Number(row.n),
      });
  }
  return out;
}
