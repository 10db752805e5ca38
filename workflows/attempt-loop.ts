import { CancellationScope, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Lease } from '../services/accounts/account-pool';
import type { BeginInput, BeginResult } from '../activities/generation/generation-activity-shapes';
import type { JimengFailureDetails } from '../domain/generation/generation-failures';
import { leaseAndCall, type Attempt } from './attempt';
import { finalFailure } from './failure-outcome';
import type { GeneratedOutput, GenerationProgress } from './generation-definitions';
import { bookkeeping, localImageUploads, uploads } from './generation-proxies';
import { wait, waitForAccount } from './generation-progress';
import { leaseThenCall } from './legacy-attempt';
import { noAccountDelayMs, noAccountFallbackMs, planRetry } from './retry-plan';
import { SEARCH_ATTRIBUTES } from './search-attributes';

/** A job waits this long for a free account before it fails as NO_ACCOUNT. */
export const ACCOUNT_WAIT_LIMIT_MS = 60 * 60_000;

/**
 * The attempts of a begun job, until one produces its outputs (stored, then returned) or the job fails: a wait
 * for an account, a retry planned from the failure, or a move to another account or site.
 */
export async function attemptUntilDone(
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
