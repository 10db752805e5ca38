import { proxyActivities } from '@temporalio/workflow';
import type { PointsActivities, RechargeInput } from '../activities/points-activities';

export type { RechargeInput } from '../activities/points-activities';

export interface RechargeOutcome {
  batchId: string;
  balance: number;
  /**
   * The input this run was started with. A starter using USE_EXISTING may have attached to a run that another
   * request started under the same workflow id: comparing tells it whether the outcome answers its own request.
   */
  input: RechargeInput;
}

/**
 * 30 s is ample for one MySQL transaction; five attempts ride out a database restart. Retrying is safe because
 * the ledger call is idempotent by key, and a LedgerError is non-retryable (it would be refused again).
 */
const points = proxyActivities<PointsActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/** A recharge started outside the worker (the API): the ledger's write happens in an activity. */
export async function pointsRechargeWorkflow(input: RechargeInput): Promise<RechargeOutcome> {
  const { batchId, balance } = await points.rechargePoints(input);
  return { batchId, balance, input };
}
