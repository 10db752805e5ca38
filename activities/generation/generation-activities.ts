import type { GenerationDependencies } from './generation-dependencies';
import { createAttemptCalls } from './attempt-calls';
import { createBookkeepingActivities } from './generation-bookkeeping';
import { createCallbackActivities } from './generation-callback';
import { createOutputActivities } from './generation-outputs';
import { createImageAttempts } from './image-attempts';
import { createLeaseActivities } from './lease-activities';
import { createLeaseSession } from './lease-session';
import { createVideoAttempts } from './video-attempts';

/*
 * The generation activities as the worker registers them, composed from the parts (each in the file named
 * for it). What they are built over is generation-dependencies.ts; what the workflow exchanges with them is
 * generation-activity-shapes.ts.
 */

export function createGenerationActivities(deps: GenerationDependencies) {
  const resolved = {
    ...deps,
    heartbeatMs: deps.heartbeatMs ?? 10_000,
    videoPollIntervalMs: deps.videoPollIntervalMs ?? 5_000,
  };
  const session = createLeaseSession(resolved);
  const calls = createAttemptCalls(resolved, session);
  return {
    ...createBookkeepingActivities(resolved),
    ...createLeaseActivities(resolved, session),
    ...createImageAttempts(resolved, session, calls),
    ...createVideoAttempts(resolved, session, calls),
    ...createOutputActivities(resolved),
    ...createCallbackActivities(resolved),
  };
}

export type GenerationActivities = ReturnType<typeof createGenerationActivities>;
