import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import { availableAccounts } from '../../services/accounts/account-eligibility';
import { GaugeRefresher } from './gauge-refresher';
import type { Gauge } from './metrics';

/** The pool's own eligibility, counted per capability and site: the gauge agrees with what a lease takes. */
export async function poolAvailability(sequelize: Sequelize, now: Date, cooldownMs: number): Promise<Gauge> {
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

export interface PoolGaugeOptions {
  sequelize: Sequelize;
  /** API_METRICS_REFRESH_MS. */
  intervalMs: number;
  /** ACCOUNT_RATE_LIMIT_COOLDOWN_MS, as the worker's pool uses it. */
  cooldownMs: number;
  logger?: Logger;
  now?: () => Date;
}

/** The pool gauges of /metrics, read in the background (not started: its owner starts and stops it). */
export function poolGaugeRefresher(options: PoolGaugeOptions): GaugeRefresher {
  const now = options.now ?? (() => new Date());
  return new GaugeRefresher({
    read: async () => [await poolAvailability(options.sequelize, now(), options.cooldownMs)],
    intervalMs: options.intervalMs,
    ageGaugeName: 'jimeng_pool_gauges_age_seconds',
    now,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
