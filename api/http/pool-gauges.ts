import type { Sequelize } from 'sequelize';
import { availableAccounts } from '../../services/accounts/account-eligibility';

/** The pool's own eligibility, counted per capability and site: the gauge agrees with what a lease takes. */
export async function poolAvailability(sequelize: Sequelize, now: Date, cooldownMs: number) {
  const rows = await availableAccounts(sequelize, now, cooldownMs);
  return {
    name: 'jimeng_pool_available_accounts',
    help: 'Accounts free to lease now, by capability and site type.',
    samples: rows.map((row) => ({
      labels: { capability: row.capability, site_type: String(row.siteType ?? 'unknown') },
      value: row.count,
    })),
  };
}
