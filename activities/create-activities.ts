import { createAccountCheckActivities } from './account-check-activities';
import { createGenerationActivities } from './generation/generation-activities';
import type { GenerationDependencies } from './generation/generation-dependencies';
import { createPointsActivities } from './points-activities';
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
    ...createAccountCheckActivities(deps),
    ...createPointsActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
