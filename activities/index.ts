import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import type { AccountPool } from './accounts';
import { createMaintenanceActivities } from './maintenance-activities';
import type { PointsLedger } from './points';

/** What activities are built over: injected so tests run them against real but private instances. */
export interface ActivityDependencies {
  sequelize: Sequelize;
  logger: Logger;
  now: () => Date;
  pool: AccountPool;
  ledger: PointsLedger;
  tmpDir: string;
}

/**
 * The worker registers whatever this returns; workflows see the types through `Activities`.
 */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createMaintenanceActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
