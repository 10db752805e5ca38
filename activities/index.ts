import { createGenerationActivities, type GenerationDependencies } from './generation';
import { createMaintenanceActivities, type MaintenanceDependencies } from './maintenance-activities';

/** What activities are built over: injected so tests run them against real but private instances. */
export type ActivityDependencies = GenerationDependencies & MaintenanceDependencies;

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
