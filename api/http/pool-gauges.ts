import { QueryTypes, type Sequelize } from 'sequelize';

/**
 * Accounts that could take a job now, per capability and site: active, not deleted, the capability available
 * (status 1), and no live lease on it. Read at scrape time (a GROUP BY over a small table).
 */
export async function poolAvailability(sequelize: Sequelize) {
  const samples: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const capability of ['image', 'video'] as const) {
    const rows = await sequelize.query<{ site_type: number | null; n: number }>(
      `SELECT a.site_type, COUNT(*) AS n FROM jimeng_accounts a
        WHERE a.is_deleted = 0 AND a.account_status = 0 AND a.${capability}_generation_status = 1
          AND NOT EXISTS (SELECT 1 FROM jimeng_account_leases l WHERE l.live_key = CONCAT(a.id, ':', ?))
        GROUP BY a.site_type`,
      { replacements: [capability], type: QueryTypes.SELECT },
    );
    for (const row of rows)
      samples.push({
        labels: { capability, site_type: String(row.site_type ?? 'unknown') },
        value: Number(row.n),
      });
  }
  return {
    name: 'jimeng_pool_available_accounts',
    help: 'Accounts free to lease now, by capability and site type.',
    samples,
  };
}
