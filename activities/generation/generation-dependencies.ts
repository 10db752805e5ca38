import type { Sequelize } from 'sequelize';
import type { Logger } from 'pino';
import { type AccountPool } from '../../services/accounts/account-pool';
import { type AccountWaiters } from '../../services/accounts/account-waiters';
import { type JimengClient } from '../../services/jimeng/client';
import type { OutputStorage } from '../../services/oss/output-storage';
import { type PointsLedger } from '../../services/points/points-ledger';
import { type PricingTable } from '../../domain/pricing';
import type { TenantCallbackSecrets } from '../../services/callbacks/tenant-callback-secrets';

/**
 * What the generation activities are built over. Each part takes the slice it uses, so this sits apart
 * from the composition that the parts would otherwise import back.
 */
export interface GenerationDependencies {
  sequelize: Sequelize;
  logger: Logger;
  now: () => Date;
  pool: AccountPool;
  /** Jobs waiting for an account, woken one per release. */
  waiters: AccountWaiters;
  ledger: PointsLedger;
  jimeng: JimengClient;
  storage: OutputStorage;
  pricing: PricingTable;
  callbacks: {
    /** Each tenant's signing secrets (services/callbacks/tenant-callback-secrets.ts). */
    secrets: TenantCallbackSecrets;
    /** CALLBACK_SIGNING_SECRET for tenants without a secret of their own; null in production. */
    legacySecret: string | null;
    allowPrivate: boolean;
  };
  /** Between two polls of a video task; the proxy itself polls every 20 s. */
  videoPollIntervalMs?: number;
  /** How often long activities heartbeat and extend their account lease. */
  heartbeatMs?: number;
}
