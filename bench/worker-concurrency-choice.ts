import type { Worker } from '@temporalio/worker';
import { workerConcurrency, type WorkerConcurrency } from '../worker/worker-concurrency';

/**
 * How the bench's worker sizes its concurrency: `derived`, as worker/main.ts does in production (from the pool,
 * worker/worker-concurrency.ts), or `sdk-defaults`, the SDK's own (what the worker ran before issue 18).
 */
export type WorkerConcurrencyChoice = 'derived' | 'sdk-defaults';

const CHOICES: readonly WorkerConcurrencyChoice[] = ['derived', 'sdk-defaults'];
const FLAG = '--worker-concurrency=';

const isChoice = (name: string): name is WorkerConcurrencyChoice =>
  (CHOICES as readonly string[]).includes(name);

/**
 * The choices a run measures, in order, from `--worker-concurrency=derived|sdk-defaults`; a comma list
 * (`derived,sdk-defaults`) measures each in the same run. Without the flag: `derived`, as production runs.
 */
export function workerConcurrencyChoices(args: readonly string[]): WorkerConcurrencyChoice[] {
  const flag = args.filter((a) => a.startsWith(FLAG)).at(-1);
  if (flag === undefined) return ['derived'];
  const names = flag.slice(FLAG.length).split(',');
  const choices = names.filter(isChoice);
  if (choices.length !== names.length)
    throw new Error(`${flag}: expected a comma list of ${CHOICES.join(', ')}`);
  return [...new Set(choices)];
}

/** The worker's concurrency options for a choice; undefined leaves the SDK's defaults. */
export function benchWorkerConcurrency(
  choice: WorkerConcurrencyChoice,
  pool: { dbPoolMax: number; activitiesPerConnection: number },
): WorkerConcurrency | undefined {
  return choice === 'derived' ? workerConcurrency(pool) : undefined;
}

type SlotSupplier = Worker['options']['tuner']['activityTaskSlotSupplier'];
const slots = (s: SlotSupplier) => (s.type === 'fixed-size' ? String(s.numSlots) : s.type);

/** "50 / 5 / 10": the slots the worker was built with for activities / local activities / workflow tasks. */
export const workerSlots = (worker: Pick<Worker, 'options'>): string => {
  const { tuner } = worker.options;
  return [tuner.activityTaskSlotSupplier, tuner.localActivityTaskSlotSupplier, tuner.workflowTaskSlotSupplier]
    .map(slots)
    .join(' / ');
};
