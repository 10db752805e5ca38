import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { Lease } from '../services/accounts/account-pool';
import type { BeginInput, ProducedOutput } from '../activities/generation/generation-activity-shapes';
import type { ImagePlan, VideoPlan } from '../domain/generation/generation-types';
import {
  jimengErrorDetailsOf,
  type GenerationFailureType,
  type JimengErrorDetails,
} from '../domain/generation/generation-failures';
import type { Attempt } from './attempt';
import type { GenerationProgress } from './generation-definitions';
import { bookkeeping, imageCalls, videoPolls, videoSubmits } from './generation-proxies';
import { noteAccount } from './generation-progress';
import { FAILURE_ACTIONS, type FailureAction } from './retry-plan';

/*
 * The attempt as runs started before lease-in-call (images) and video-in-one-call (videos) recorded it, kept so
 * those runs replay: lease, call and release as separate activities, the account held across the workflow tasks
 * between them, and the call's Jimeng failures thrown as activity failures rather than returned as values.
 */

/** One attempt as the runs started before lease-in-call recorded it: lease, call, release as three activities. */
export async function leaseThenCall(
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
