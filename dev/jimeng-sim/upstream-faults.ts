import type { Caller } from './caller';
import type { Endpoint } from './endpoints';
import type { FaultSpec } from './faults';
import { UPSTREAM_RETRIES } from './latency';
import type { Family } from './protocol';
import { UPSTREAM_5XX, failure, riskControl, transportMessage, type ProxyFailure } from './proxy-text';
import type { SimulatorState } from './simulator-state';

/*
 * Upstream faults: rolled once a call reaches the proxy's first upstream call, and what the proxy answers
 * when that call keeps failing through its retries.
 */

/** Rolls the upstream faults for a call that reached the proxy's first upstream call. */
export function upstreamFault(
  state: SimulatorState,
  endpoint: Endpoint,
  caller: Caller,
  inputImages: number,
): FaultSpec | undefined {
  const decision = state.faults.decide(caller.sessionId, endpoint, state.prng, 'upstream', (spec) => {
    // The content check runs on CN only (core.ts:436-437), once per input image.
    if (spec.kind === 'input_image_refused')
      return caller.family === 'cn' && inputImages >= (spec.imageIndex ?? 1);
    return true;
  });
  if (decision.outcome !== undefined) state.counters.faultFired(decision.outcome.kind);
  return decision.outcome;
}

/** The proxy's pause for retries that all failed (core.ts:337-404). */
export function retriesMs(state: SimulatorState, timeouts: boolean): number {
  const { latency } = state.settings;
  return (
    UPSTREAM_RETRIES * latency.retryDelayMs +
    (timeouts ? (UPSTREAM_RETRIES + 1) * latency.upstreamTimeoutMs : 0)
  );
}

/**
 * The answer to an upstream call that failed the same way 4 times (http_5xx, upstream_transport) or was
 * refused with a ret (risk_control), at the proxy's credit read.
 */
export async function failedCreditRead(
  state: SimulatorState,
  fault: FaultSpec,
  family: Family,
): Promise<ProxyFailure | undefined> {
  switch (fault.kind) {
    case 'http_5xx':
      await state.delay(retriesMs(state, false));
      return UPSTREAM_5XX.creditRead;
    case 'upstream_transport': {
      const error = fault.error ?? 'timeout';
      await state.delay(retriesMs(state, error === 'timeout'));
      return failure(-1000, fault.message ?? transportMessage(error, family));
    }
    case 'risk_control':
      return riskControl(fault.ret ?? '1019', fault.errmsg);
    default:
      return undefined;
  }
}
