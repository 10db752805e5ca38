import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import type { Lease } from '../services/accounts/account-pool';
import type {
  AttemptAccount,
  AttemptResult,
  BeginInput,
  BeginResult,
  ProducedOutput,
} from '../activities/generation/generation-activities';
import type { ImagePlan, VideoPlan } from '../domain/generation/generation-plan';
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
import {
  FAILURE_ACTIONS,
  noAccountDelayMs,
  noAccountFallbackMs,
  planRetry,
  type FailureAction,
} from './retry-plan';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import {
  failureCodeOf,
  jimengErrorDetailsOf,
  jimengFailureDetailsOf,
  type GenerationFailureType,
  type JimengErrorDetails,
  type JimengFailureDetails,
} from '../domain/generation/generation-failures';
import {
  BOOKKEEPING,
  CALLBACKS,
  IMAGE_CALLS,
  LEASED_IMAGE_CALL_OPTIONS,
  LEASED_VIDEO_CALL_OPTIONS,
  LOCAL_IMAGE_UPLOADS,
  MUST_FINISH,
  UPLOADS,
  VIDEO_POLLS,
  VIDEO_SUBMITS,
} from './activity-options';

const bookkeeping = proxyActivities<Activities>(BOOKKEEPING);
const mustFinish = proxyActivities<Activities>(MUST_FINISH);

/**
 * The same database steps where they open and close a job (begin; store an image job's outputs, settle and close):
 * local activities, run by the worker inside the workflow task that needs them. Each remote activity costs a
 * round trip through Temporal and a workflow task more (about 50 ms on the dev server, seconds on a busy one,
 * paid by every job and by the admission answer); these are quick and idempotent, and a worker lost during one
 * re-runs it with the workflow task. Video uploads stay remote activities: large files, with heartbeats.
 */
const localBookkeeping = proxyLocalActivities<Activities>(BOOKKEEPING);
const localMustFinish = proxyLocalActivities<Activities>(MUST_FINISH);
const localImageUploads = proxyLocalActivities<Activities>(LOCAL_IMAGE_UPLOADS);
const imageCalls = proxyActivities<Activities>(IMAGE_CALLS);
const leasedImageCalls = proxyActivities<Activities>(LEASED_IMAGE_CALL_OPTIONS);
const leasedVideoCalls = proxyActivities<Activities>(LEASED_VIDEO_CALL_OPTIONS);
const videoSubmits = proxyActivities<Activities>(VIDEO_SUBMITS);
const videoPolls = proxyActivities<Activities>(VIDEO_POLLS);
const uploads = proxyActivities<Activities>(UPLOADS);
const callbacks = proxyActivities<Activities>(CALLBACKS);

/** A job waits this long for a free account before it fails as NO_ACCOUNT. */
export const ACCOUNT_WAIT_LIMIT_MS = 60 * 60_000;

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

async function attemptUntilDone(
  input: BeginInput,
  job: { begun: BeginResult | null; lease: Lease | null },
  progress: GenerationProgress,
  freed: { signalled: boolean },
): Promise<GeneratedOutput[]> {
  const plan = job.begun!.plan;
  const startedAt = Date.now();
  let sites = [...plan.sites];
  const excluded: string[] = [];
  const avoided: string[] = [];
  let retries = 0;
  let unexplained = 0;
  let noAccountWaits = 0;
  let siteSwitchCount = 0;

  for (;;) {
    // New runs lease, call and release in one activity (the account is not held across workflow tasks); videos
    // on the proxy's synchronous route. Runs started before replay the activities they recorded.
    const inOneCall = plan.type === 'image' ? patched('lease-in-call') : patched('video-in-one-call');
    const attempt: Attempt = inOneCall
      ? await leaseAndCall(input, plan, { sites, excluded, avoided, siteSwitchCount }, progress)
      : await leaseThenCall(input, plan, job, sites, excluded, siteSwitchCount, progress);

    if (attempt.kind === 'no_account') {
      if (Date.now() - startedAt >= ACCOUNT_WAIT_LIMIT_MS) {
        throw finalFailure(
          'NoAccountAvailable',
          `no Jimeng account could take the job within ${ACCOUNT_WAIT_LIMIT_MS / 60_000} minutes`,
        );
      }
      // Runs started before waking replay their plain timers.
      if (patched('woken-by-release'))
        await waitForAccount(progress, freed, noAccountFallbackMs(noAccountWaits++));
      else await wait(progress, noAccountDelayMs(noAccountWaits++), 'pending');
      continue;
    }
    if (attempt.kind === 'withdrawn') {
      // Nobody called it: another job found it banned or logged out, or an operator switched it off, after
      // it was leased. Not a failure of the job: move to another account at once.
      excluded.push(attempt.accountId);
      continue;
    }
    if (attempt.kind === 'failed') {
      const { failure, account } = attempt;
      const decision = planRetry({
        action: failure.action,
        retriesSoFar: retries,
        unexplainedSoFar: unexplained,
        maxRetryCount: account.maxRetryCount,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        site: account.siteType,
        sites,
      });
      if (decision.kind === 'fail') {
        const details: JimengFailureDetails = { code: failure.code, reason: decision.reason };
        throw finalFailure('JimengFailure', failure.message, details);
      }
      retries += 1;
      if (failure.action === 'retry_once_other_account') unexplained += 1;
      if (decision.excludeAccount) excluded.push(account.accountId);
      if (decision.avoidAccount === true) avoided.push(account.accountId);
      if (decision.siteSwitched) {
        siteSwitchCount += 1;
        sites = decision.sites;
      }
      if (decision.delayMs > 0) {
        await bookkeeping.recordRetry({
          type: input.type,
          taskId: input.taskId,
          errorCode: failure.code,
          errorMessage: failure.message,
        });
        upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: 'retrying' }]);
        await wait(progress, decision.delayMs, 'retrying');
      }
      continue;
    }
    const produced = attempt.outputs;

    progress.percent = Math.max(progress.percent, 70);
    const local = plan.type === 'image' && patched('local-image-uploads');
    const storeOutputs = local ? localImageUploads.storeOutputs : uploads.storeOutputs;
    const store = () =>
      storeOutputs({
        type: input.type,
        taskId: input.taskId,
        userId: input.userId,
        // Fixed here, so a retried upload lands on the same object keys. A local activity's input is recorded
        // only once it completes: a workflow task retried after a lost worker reads a later Date.now(), and the
        // uploads the lost worker made would be left as orphans (the chaos suite found them). The run's start
        // is in the history.
        timestamp: local ? workflowInfo().runStartTime.getTime() : Date.now(),
        outputs: produced,
        ...(plan.type === 'video' ? { durationSeconds: plan.durationSeconds } : {}),
      });
    // Once uploads have begun, a cancel is too late: the generation is paid upstream and its outputs are landing
    // in OSS and job_outputs, so the job completes rather than end cancelled and refunded with outputs behind it
    // (the chaos suite found such a job). Gated: runs recorded before this change replay the old path.
    const outputs = patched('uploads-finish-once-started')
      ? await CancellationScope.nonCancellable(store)
      : await store();
    progress.percent = 90;
    return outputs;
  }
}

/** An attempt's result as the workflow reads it: a failure carries what the retry plan needs. */
type Attempt =
  | Exclude<AttemptResult, { kind: 'failed' }>
  | { kind: 'failed'; account: AttemptAccount; failure: JimengErrorDetails<FailureAction> };

/** A failure of the generation vocabulary (domain/generation/generation-failures.ts), final for the run. */
const finalFailure = (type: GenerationFailureType, message: string, details?: unknown): ApplicationFailure =>
  ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    ...(details ? { details: [details] } : {}),
  });

/** Where an attempt may lease: the job's sites, and the accounts it leaves out or prefers not to take. */
interface LeaseScope {
  sites: readonly number[];
  excluded: readonly string[];
  avoided: readonly string[];
  siteSwitchCount: number;
}

/** One attempt as one activity: lease, the call (held open until the images or the video exist), release. */
async function leaseAndCall(
  input: BeginInput,
  plan: ImagePlan | VideoPlan,
  scope: LeaseScope,
  progress: GenerationProgress,
): Promise<Attempt> {
  const request = {
    taskId: input.taskId,
    sites: [...scope.sites],
    excludeAccountIds: [...scope.excluded],
    // Recorded runs have no such key: a new one only where a new action put an account there.
    ...(scope.avoided.length > 0 ? { avoidAccountIds: [...scope.avoided] } : {}),
    holder: input.workflowId,
    siteSwitchCount: scope.siteSwitchCount,
  };
  const attempt =
    plan.type === 'image'
      ? await leasedImageCalls.leaseAndGenerateImages({
          ...request,
          call: plan.call,
          composition: plan.composition,
        })
      : await leasedVideoCalls.leaseAndGenerateVideo({ ...request, call: plan.call });
  if (attempt.kind === 'produced' || attempt.kind === 'failed')
    noteAccount(progress, attempt.account.accountId);
  return attempt;
}

/** One attempt as the runs started before lease-in-call recorded it: lease, call, release as three activities. */
async function leaseThenCall(
  input: BeginInput,
  plan: ImagePlan | VideoPlan,
  job: { lease: Lease | null },
  sites: readonly number[],
  excluded: readonly string[],
  siteSwitchCount: number,
  progress: GenerationProgress,
): Promise<Attempt> {
  const lease = await bookkeeping.leaseAccount({
    type: input.type,
    sites: [...sites],
    excludeAccountIds: [...excluded],
    holder: input.workflowId,
  });
  if (!lease) return { kind: 'no_account' };
  job.lease = lease;
  noteAccount(progress, lease.accountId);
  const account = {
    accountId: lease.accountId,
    siteType: lease.siteType,
    maxRetryCount: lease.maxRetryCount,
  };
  let outputs: ProducedOutput[];
  try {
    outputs = await callUpstream(input, plan, lease, siteSwitchCount, progress);
  } catch (err) {
    if (isAccountWithdrawn(err)) {
      await bookkeeping.releaseAccount({ token: lease.token, result: 'abandoned' });
      job.lease = null;
      return { kind: 'withdrawn', accountId: lease.accountId };
    }
    const failure = jimengFailureOf(err);
    if (!failure) throw err;
    await bookkeeping.releaseAccount({ token: lease.token, result: failure.action });
    job.lease = null;
    return { kind: 'failed', account, failure };
  }
  await bookkeeping.releaseAccount({ token: lease.token, result: 'success' });
  job.lease = null;
  return { kind: 'produced', account, outputs };
}

function noteAccount(progress: GenerationProgress, accountId: string): void {
  progress.status = 'processing';
  progress.attempt += 1;
  progress.accountHint = `…${accountId.slice(-4)}`;
  progress.percent = Math.max(progress.percent, 20);
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.accountId, value: accountId },
    { key: SEARCH_ATTRIBUTES.status, value: 'processing' },
  ]);
}

async function callUpstream(
  input: BeginInput,
  plan: ImagePlan | VideoPlan,
  lease: Lease,
  siteSwitchCount: number,
  progress: GenerationProgress,
): Promise<ProducedOutput[]> {
  const attempt = { taskId: input.taskId, lease, siteSwitchCount };
  if (plan.type === 'image') {
    return imageCalls.generateImages({ ...attempt, call: plan.call, composition: plan.composition });
  }
  const { remoteTaskId } = await videoSubmits.submitVideo({ ...attempt, call: plan.call });
  progress.percent = Math.max(progress.percent, 30);
  return [await videoPolls.awaitVideo({ taskId: input.taskId, lease, remoteTaskId })];
}

/** A durable timer, visible to the progress query while it runs. */
async function wait(
  progress: GenerationProgress,
  ms: number,
  status: GenerationProgress['status'],
): Promise<void> {
  progress.status = status;
  progress.nextWakeUpAt = new Date(Date.now() + ms).toISOString();
  try {
    await sleep(ms);
  } finally {
    progress.nextWakeUpAt = null;
  }
}

/** Queued for an account: until a release wakes the job, or the fallback timer ends. */
async function waitForAccount(
  progress: GenerationProgress,
  freed: { signalled: boolean },
  fallbackMs: number,
): Promise<void> {
  progress.status = 'pending';
  progress.nextWakeUpAt = new Date(Date.now() + fallbackMs).toISOString();
  try {
    await condition(() => freed.signalled, fallbackMs);
  } finally {
    freed.signalled = false;
    progress.nextWakeUpAt = null;
  }
}

/** The admission update fails with the activity's own failure type, message and details (the field). */
function admissionFailure(err: unknown): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: cause.type ?? 'GenerationFailed',
      message: cause.message,
      nonRetryable: true,
      details: cause.details ? [...cause.details] : [],
    });
  }
  if (isCancellation(err)) return finalFailure('Cancelled', 'cancelled before admission');
  return finalFailure('GenerationFailed', String(err));
}

function isAccountWithdrawn(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === ('AccountWithdrawn' satisfies GenerationFailureType)
  );
}

function jimengFailureOf(err: unknown): JimengErrorDetails<FailureAction> | null {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return null;
  if (!err.cause.type?.startsWith('JimengError.')) return null;
  return jimengErrorDetailsOf(err.cause.details, FAILURE_ACTIONS) ?? null;
}

/** error_code (VARCHAR(20)) and error_message for the record and the caller. */
function describeFailure(err: unknown): { errorCode: string; errorMessage: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    if (cause.type === 'JimengFailure') {
      const details = jimengFailureDetailsOf(cause.details);
      return { errorCode: details?.code ?? failureCodeOf(cause.type), errorMessage: cause.message };
    }
    return { errorCode: failureCodeOf(cause.type), errorMessage: cause.message };
  }
  return { errorCode: 'INTERNAL', errorMessage: err instanceof Error ? err.message : String(err) };
}
