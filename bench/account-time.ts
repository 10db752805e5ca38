/** How the accounts spent their time while work waited for one, from the in-flight samples and the leases. */
import type { InFlightSampler } from './in-flight-sampler';
import { IntervalCoverage } from './interval-coverage';

export interface AccountTime {
  /** Wall time in which work was waiting for an account. */
  windowMs: number;
  /** Shares of account-time in that window. */
  generating: number;
  leasedNotGenerating: number;
  free: number;
}

/**
 * Account-time, over the moments when `waiting(t)` is true, split into: a call in flight (the simulator says
 * so), leased to a job but no call in flight (the platform's own steps around the call), and free. `leases`:
 * per account of `accounts`, in the sampler's order; null for a client that takes no leases.
 */
export function accountTime(
  sampler: InFlightSampler,
  accounts: number,
  waiting: (t: number) => boolean,
  leases: readonly { start: number; end: number }[][] | null,
): AccountTime {
  const coverage = leases?.map((l) => new IntervalCoverage(l)) ?? null;
  let windowMs = 0;
  let generating = 0;
  let leased = 0;
  for (let k = 0; k + 1 < sampler.times.length; k++) {
    const t = sampler.times[k]!;
    const dt = sampler.times[k + 1]! - t;
    const row = sampler.busy[k]!;
    const held = coverage?.map((c) => c.at(t) > 0);
    if (!waiting(t)) continue;
    windowMs += dt;
    for (let a = 0; a < row.length; a++) {
      if (row[a]) generating += dt;
      else if (held?.[a]) leased += dt;
    }
  }
  const total = windowMs * accounts;
  return {
    windowMs,
    generating: generating / total,
    leasedNotGenerating: leased / total,
    free: (total - generating - leased) / total,
  };
}
