import type { GenerationFailureType } from '../domain/generation/generation-failures';
import { proxyActivities } from '@temporalio/workflow';
import type {
  AccountCheckActivities,
  AccountCheckInput,
  AccountCheckResult,
} from '../activities/account-check-activities';

export type { AccountCheckInput, AccountCheckResult };

const UNKNOWN_ACCOUNT = 'UnknownAccount' satisfies GenerationFailureType;

/**
 * One quick look at the upstream: 30 s is more than the two bounded calls take; a second attempt covers a
 * worker or database hiccup, no more, because an operator is waiting on the answer.
 */
const { checkAccount } = proxyActivities<AccountCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 2, nonRetryableErrorTypes: [UNKNOWN_ACCOUNT] },
});

/** "Test this account" (POST /v1/accounts/:id/test): session liveness and credits, through the worker. */
export async function accountCheckWorkflow(input: AccountCheckInput): Promise<AccountCheckResult> {
  return checkAccount(input);
}
