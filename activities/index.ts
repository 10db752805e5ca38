import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';

/** What activities are built over: injected so tests run them against real but private instances. */
export interface ActivityDependencies {
  sequelize: Sequelize;
  logger: Logger;
  now: () => Date;
}

/**
 * The worker registers whatever this returns. Each activity module adds its functions as it lands;
 * workflows see their types through `typeof createActivities`.
 */
export function createActivities(_deps: ActivityDependencies) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
