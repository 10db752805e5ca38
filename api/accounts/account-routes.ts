import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import type { AnyRoute } from '../http/route';

export interface AccountRouteDependencies {
  sequelize: Sequelize;
  client: Client;
  taskQueue: string;
}

/** Admin routes over the Jimeng account pool (jimeng_accounts). */
export function accountRoutes(_deps: AccountRouteDependencies): AnyRoute[] {
  return [];
}
