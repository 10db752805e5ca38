import type { CountersSnapshot } from '../dev/jimeng-sim/counters';
import type { AccountTime } from './account-time';

/** One side's row of the pool-capacity table: the platform's or the naive client's. */
export interface Figures {
  label: string;
  completed: number;
  failed: number;
  failureCodes: Record<string, number>;
  makespanMs: number;
  counters: CountersSnapshot;
  accountTime: AccountTime;
}

/** A side's run: its row, and the lines that say where its time went. */
export interface SideRun {
  figures: Figures;
  diagnostics: string[];
}
