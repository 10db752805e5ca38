import { InputError } from '../../domain/input-error';
import { planImage, planVideo } from '../../domain/generation/generation-plan';
import type { GenerationPlan } from '../../domain/generation/generation-types';
import type { FinalStatus, GeneratedOutput } from '../../domain/generation/generation-types';
import { LedgerError } from '../../services/points/ledger-errors';
import {
  StoryboardBusyError,
  closeRecords,
  markRetrying,
  openRecords,
} from '../../services/generation/generation-records';
import { failure } from './activity-failures';
import type { BeginInput, BeginResult } from './generation-activity-shapes';
import type { GenerationDependencies } from './generation-dependencies';
import type { GenerationType } from '../../domain/generation/generation-types';

/**
 * A job's bookkeeping around its attempts: planned, its price reserved and its rows opened when it begins; its
 * record marked while it waits on a backoff; the reservation settled, the rows closed and what it held given
 * back when it ends.
 */
export function createBookkeepingActivities(
  deps: Pick<
    GenerationDependencies,
    'sequelize' | 'now' | 'pool' | 'waiters' | 'ledger' | 'storage' | 'pricing'
  >,
) {
  const { sequelize } = deps;

  return {
    /**
     * Plans the job (unless its starter did), reserves its price and opens its rows. Order matters for "no charge without a task": the
     * reservation comes first (idempotent by key) and is refunded here if the rows cannot be opened.
     */
    async beginGeneration(input: BeginInput): Promise<BeginResult> {
      let plan: GenerationPlan;
      try {
        plan =
          input.type === 'image'
            ? (input.plan ?? planImage(input, input.request, deps.pricing))
            : (input.plan ?? planVideo(input, input.request, deps.pricing));
      } catch (err) {
        if (err instanceof InputError)
          throw failure('InvalidGenerationRequest', err.message, { field: err.field });
        throw err;
      }
      try {
        await deps.ledger.reserve({
          idempotencyKey: `${input.taskId}:reserve`,
          userId: input.userId,
          amount: plan.price,
          sourceType: input.type,
          sourceId: input.taskId,
          ...(plan.type === 'video' ? { duration: plan.durationSeconds } : {}),
        });
      } catch (err) {
        if (err instanceof LedgerError) {
          throw failure(
            err.code === 'insufficient_points' ? 'InsufficientPoints' : 'InvalidGenerationRequest',
            err.message,
            { field: err.field },
          );
        }
        throw err;
      }
      try {
        const opened = await openRecords(sequelize, {
          type: input.type,
          task: input,
          plan,
          prompt: input.request.prompt,
          ...(input.type === 'image' && input.request.negativePrompt
            ? { negativePrompt: input.request.negativePrompt }
            : {}),
          ...(input.request.images ? { inputImages: input.request.images } : {}),
          workflowId: input.workflowId,
          now: deps.now(),
        });
        return { plan, executionId: opened.executionId };
      } catch (err) {
        if (err instanceof StoryboardBusyError) {
          await deps.ledger.settle({
            idempotencyKey: `${input.taskId}:settle`,
            sourceType: input.type,
            sourceId: input.taskId,
            outcome: 'failed',
          });
          throw failure('StoryboardBusy', err.message);
        }
        throw err;
      }
    },

    /** Waiting on a backoff: the record shows status 4 and the failure that caused it. */
    async recordRetry(input: {
      type: GenerationType;
      taskId: string;
      errorCode: string;
      errorMessage: string;
    }): Promise<void> {
      await markRetrying(sequelize, input);
    },

    /**
     * Settles the reservation (keeps the price when completed, refunds it otherwise), writes the final rows and
     * removes the job's leftover temp files. Every step is idempotent, so a retry after a crash between them
     * finishes the job once.
     */
    async finishGeneration(input: {
      type: GenerationType;
      taskId: string;
      /** The workflow id the job's leases carry: any still live when the job ends is given back. */
      holder?: string;
      status: FinalStatus;
      price: number;
      outputs: GeneratedOutput[];
      errorCode?: string;
      errorMessage?: string;
    }): Promise<{ cost: number }> {
      let cost = 0;
      try {
        const settled = await deps.ledger.settle({
          idempotencyKey: `${input.taskId}:settle`,
          sourceType: input.type,
          sourceId: input.taskId,
          outcome: input.status,
          ...(input.status === 'completed' ? { actualCost: input.price } : {}),
        });
        cost = settled.cost;
      } catch (err) {
        // Nothing was reserved (the job stopped before its reservation): nothing to settle.
        if (!(err instanceof LedgerError && err.code === 'unknown_reservation')) throw err;
      }
      // A job stopped before its rows existed (refused at begin) has nothing to close: both UPDATEs match no row.
      await closeRecords(sequelize, {
        type: input.type,
        taskId: input.taskId,
        status: input.status,
        outputs: input.outputs,
        cost,
        ...(input.errorCode !== undefined ? { errorCode: input.errorCode } : {}),
        ...(input.errorMessage !== undefined ? { errorMessage: input.errorMessage } : {}),
        now: deps.now(),
      });
      // Seed 003: a job's temp files go when it ends, from this worker's own folder. A worker killed mid-upload
      // leaves its staged files in its folder, which the next worker started on its host removes whole
      // (worker/temp-file-sweeper.ts).
      await deps.storage.cleanupJobTempFiles(input.taskId);
      // A lease an activity kept for its retry (the database was down) whose retries then ran out, or whose
      // job was cancelled meanwhile: the job is over, so its accounts go back now rather than at the TTL.
      if (input.holder !== undefined) {
        await deps.pool.releaseHeldBy(input.holder);
        await deps.waiters.remove(input.holder);
      }
      return { cost };
    },
  };
}
