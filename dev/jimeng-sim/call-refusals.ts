import type http from 'node:http';
import type { Caller } from './caller';
import { GENERATION_ENDPOINTS, isVideoEndpoint, type Endpoint } from './endpoints';
import type { RefusalReason } from './refusals';
import type { SimulatorState } from './simulator-state';

/**
 * Counts a refusal of a generation call and remembers what the account was told (until `untilMs`, null = for
 * good; `remember: false` = counted only). An answer to a caller that is gone (its process killed while the
 * call was in flight) tells nobody anything: it is counted, not remembered.
 */
export function refuse(
  state: SimulatorState,
  res: http.ServerResponse,
  caller: Caller,
  endpoint: Endpoint,
  reason: RefusalReason | 'busy',
  untilMs: number | null,
  remember = true,
): void {
  if (!GENERATION_ENDPOINTS.includes(endpoint)) return;
  const heard = res.socket !== null && !res.socket.destroyed && !res.socket.readableEnded;
  const remembered = reason !== 'busy' && remember && heard;
  const atMs = state.now();
  state.counters.refusal({
    sessionId: caller.sessionId,
    endpoint,
    reason,
    atMs,
    remembered,
    ...(reason === 'busy' ? { inFlight: state.running.inFlight(caller.sessionId) } : {}),
  });
  if (remembered)
    state.refusals.refused(
      caller.sessionId,
      isVideoEndpoint(endpoint) ? 'video' : 'image',
      reason,
      untilMs,
      atMs,
    );
}
