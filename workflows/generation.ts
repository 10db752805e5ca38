import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Lease } from '../services/accounts/account-pool';
import type { BeginInput, BeginResult } from '../activities/generation/generation-activity-shapes';
import { attemptUntilDone } from './attempt-loop';
import { admissionFailure, describeFailure, finalFailure } from './failure-outcome';
import {
  accountFreedSignal,
  admissionUpdate,
  cancelSignal,
  progressQuery,
  type Admission,
  type FinalStatus,
  type GeneratedOutput,
  type GenerationProgress,
  type GenerationResult,
  type ImageGenerationInput,
  type VideoGenerationInput,
} from './generation-definitions';
import { bookkeeping, callbacks, localBookkeeping, localMustFinish, mustFinish } from './generation-proxies';
import { SEARCH_ATTRIBUTES } from './search-attributes';

/** Text-to-image, or a composition when `request.images` holds reference images. */
export async function imageGeneration(input: ImageGenerationInput): Promise<GenerationResult> {
  return runGeneration({ ...input, type: 'image', workflowId: workflowInfo().workflowId });
}

/** Text-to-video or image-to-video: submit, then poll the upstream job. */
export async function videoGeneration(input: VideoGenerationInput): Promise<GenerationResult> {
  return runGeneration({ ...input, type: 'video', workflowId: workflowInfo().workflowId });
}

interface Outcome {
  status: FinalStatus;
  outputs: GeneratedOutput[];
  errorCode?: string;
  errorMessage?: string;
}

async function runGeneration(input: BeginInput): Promise<GenerationResult> {
  const progress: GenerationProgress = {
    status: 'pending',
    percent: 0,
    attempt: 0,
    accountHint: null,
    nextWakeUpAt: null,
  };
  setHandler(progressQuery, () => progress);
  const work = new CancellationScope();
  let cancelReason: string | null = null;
  setHandler(cancelSignal, ({ reason }) => {
    if (cancelReason !== null) return;
    cancelReason = reason ?? 'cancelled by request';
    work.cancel();
  });

  const freed = { signalled: false };
  setHandler(accountFreedSignal, () => {
    freed.signalled = true;
  });

  let admission: { ok: true; value: Admission } | { ok: false; failure: ApplicationFailure } | null = null;
  setHandler(admissionUpdate, async () => {
    await condition(() => admission !== null);
    if (!admission!.ok) throw admission!.failure;
    return admission!.value;
  });

  const job = { begun: null as BeginResult | null, lease: null as Lease | null };
  let outcome: Outcome;
  let temporalCancellation: unknown = null;
  try {
    const outputs = await work.run(async () => {
      try {
        // Runs recorded before local bookkeeping replay the remote activities they scheduled (here and below).
        const begin = patched('local-begin') ? localBookkeeping.beginGeneration : bookkeeping.beginGeneration;
        job.begun = await begin(input);
      } catch (err) {
        admission = { ok: false, failure: admissionFailure(err) };
        throw err;
      }
      admission = { ok: true, value: { taskId: input.taskId, price: job.begun.plan.price } };
      return attemptUntilDone(input, job, progress, freed);
    });
    outcome = { status: 'completed', outputs };
  } catch (err) {
    if (isCancellation(err) && cancelReason === null) temporalCancellation = err;
    outcome = isCancellation(err)
      ? {
          status: 'cancelled',
          outputs: [],
          errorCode: 'CANCELLED',
          errorMessage: cancelReason ?? 'cancelled in Temporal',
        }
      : { status: 'failed', outputs: [], ...describeFailure(err) };
  }

  // Whatever happened, and even while the workflow itself is being cancelled: give the account back, settle
  // the points, close the rows, tell the caller.
  const result = await CancellationScope.nonCancellable(async () => {
    if (job.lease) await mustFinish.releaseAccount({ token: job.lease.token, result: 'abandoned' });
    job.lease = null;
    const price = job.begun?.plan.price ?? 0;
    const finish = patched('local-finish') ? localMustFinish.finishGeneration : mustFinish.finishGeneration;
    const { cost } = await finish({
      type: input.type,
      taskId: input.taskId,
      holder: input.workflowId,
      status: outcome.status,
      price,
      outputs: outcome.outputs,
      ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
      ...(outcome.errorMessage !== undefined ? { errorMessage: outcome.errorMessage } : {}),
    });
    progress.status = outcome.status;
    progress.percent = outcome.status === 'completed' ? 100 : progress.percent;
    progress.nextWakeUpAt = null;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: outcome.status }]);
    const result: GenerationResult = {
      taskId: input.taskId,
      status: outcome.status,
      outputs: outcome.outputs,
      cost,
      attempts: progress.attempt,
      ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
      ...(outcome.errorMessage !== undefined ? { errorMessage: outcome.errorMessage } : {}),
    };
    if (job.begun && input.callbackUrl) {
      // A receiver that keeps failing must not fail a finished, settled job.
      await callbacks.notifyCallback({ type: input.type, result }).catch(() => undefined);
    }
    return result;
  });
  admission ??= {
    ok: false,
    failure: finalFailure('Cancelled', 'cancelled before admission'),
  };
  await condition(allHandlersFinished);
  // Cancelled from Temporal (Web UI, CLI, API): the run ends as Canceled, after the clean-up above.
  if (temporalCancellation !== null) throw temporalCancellation;
  if (result.status === 'failed') {
    throw finalFailure(
      'GenerationFailed',
      `${result.errorCode}: ${result.errorMessage ?? 'generation failed'}`,
      result,
    );
  }
  return result;
}
