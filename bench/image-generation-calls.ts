import { ENDPOINTS } from '../dev/jimeng-sim/endpoints';

/** Image generation calls the simulator counted, in all or for one session (none for a session it never saw). */
export function imageGenerationCalls(
  counts: { readonly byEndpoint: Readonly<Record<string, number>> } | undefined,
): number {
  return counts?.byEndpoint[ENDPOINTS.imageGenerations] ?? 0;
}
