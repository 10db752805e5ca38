import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import type { AccountPool } from './accounts';
import { createGenerationActivities } from './generation';
import type { JimengClient } from './jimeng';
import { createMaintenanceActivities } from './maintenance-activities';
import type { OutputStorage } from './oss';
import type { PointsLedger, PricingTable } from './points';

/** What activities are built over: injected so tests run them against real but private instances. */
export interface ActivityDependencies {
  sequelize: Sequelize;
  logger: Logger;
  now: () => Date;
  pool: AccountPool;
  ledger: PointsLedger;
  tmpDir: string;
  jimeng: JimengClient;
  storage: OutputStorage;
  pricing: PricingTable;
  callbacks: { secret: string; allowPrivate: boolean };
  /** Tests poll video jobs faster than production's 5 s. */
  videoPollIntervalMs?: number;
  heartbeatMs?: number;
}

/**
 * The worker registers whatever this returns; workflows see the types through `Activities`.
 */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createMaintenanceActivities(deps),
    ...createGenerationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
