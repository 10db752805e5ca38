import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import type { ActivityDependencies } from '../activities';
import { AccountPool } from '../activities/accounts';
import { PointsLedger } from '../activities/points';

export interface DependencySettings {
  quotaTimeZone: string;
  /** Defaults to <os tmp>/jimeng-flow (seed 003 stages outputs under the OS temp dir). */
  tmpDir?: string;
  now?: () => Date;
}

/** Wires the activities' dependencies from one Sequelize instance: the worker and tests build them alike. */
export function buildActivityDependencies(
  sequelize: Sequelize,
  logger: Logger,
  settings: DependencySettings,
): ActivityDependencies {
  const now = settings.now ?? (() => new Date());
  return {
    sequelize,
    logger,
    now,
    pool: new AccountPool({ sequelize, logger, now, quotaTimeZone: settings.quotaTimeZone }),
    ledger: new PointsLedger({ sequelize, now }),
    tmpDir: settings.tmpDir ?? join(tmpdir(), 'jimeng-flow'),
  };
}
