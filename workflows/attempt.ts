import type {
  AttemptAccount,
  AttemptResult,
  BeginInput,
} from '../activities/generation/generation-activity-shapes';
import type { ImagePlan, VideoPlan } from '../domain/generation/generation-types';
import type { JimengErrorDetails } from '../domain/generation/generation-failures';
import type { GenerationProgress } from './generation-definitions';
import { leasedImageCalls, leasedVideoCalls } from './generation-proxies';
import { noteAccount } from './generation-progress';
import type { FailureAction } from './retry-plan';

/** An attempt's result as the workflow reads it: a failure carries what the retry plan needs. */
export type Attempt =
  | Exclude<AttemptResult, { kind: 'failed' }>
  | { kind: 'failed'; account: AttemptAccount; failure: JimengErrorDetails<FailureAction> };

/** Where an attempt may lease: the job's sites, and the accounts it leaves out or prefers not to take. */
export interface LeaseScope {
  sites: readonly number[];
  excluded: readonly string[];
  avoided: readonly string[];
  siteSwitchCount: number;
}

/** One attempt as one activity: lease, the call (held open until the images or the video exist), release. */
export async function leaseAndCall(
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
