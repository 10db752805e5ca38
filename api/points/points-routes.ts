import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import type { AnyRoute } from '../http/route';

export interface PointsRouteDependencies {
  sequelize: Sequelize;
  client: Client;
  taskQueue: string;
}

/** Points: balance and transactions for callers, recharge for admins. */
export function pointsRoutes(_deps: PointsRouteDependencies): AnyRoute[] {
  return [];
}
