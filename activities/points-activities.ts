import { ApplicationFailure } from '@temporalio/activity';
import { ledgerFailureType, type LedgerFailureDetails } from '../domain/points/ledger-failures';
import { LedgerError } from '../services/points/ledger-errors';
import type { RechargeSourceType } from '../services/points/ledger-input';
import type { PointsLedger, RechargeResult } from '../services/points/points-ledger';

export interface PointsActivityDependencies {
  ledger: PointsLedger;
}

/** A recharge as it travels through Temporal: plain JSON, so the expiry is an ISO string. */
export interface RechargeInput {
  /** The ledger's key: the same key with the same request returns the first result and writes nothing. */
  idempotencyKey: string;
  userId: string;
  amount: number;
  sourceType: RechargeSourceType;
  /** ISO 8601; null = never expires. */
  expiresAt: string | null;
  sourceId?: string;
}

/**
 * A LedgerError is a verdict on the request, not an outage: retrying cannot change it, so it leaves as a
 * non-retryable failure whose type names the code (`LedgerError.<code>`) for the starter to translate.
 */
function asFailure(err: unknown): unknown {
  if (!(err instanceof LedgerError)) return err;
  const details: LedgerFailureDetails = { field: err.field };
  return ApplicationFailure.create({
    type: ledgerFailureType(err.code),
    message: err.message,
    nonRetryable: true,
    details: [details],
  });
}

export function createPointsActivities(deps: PointsActivityDependencies) {
  return {
    async rechargePoints(input: RechargeInput): Promise<RechargeResult> {
      try {
        return await deps.ledger.recharge({
          idempotencyKey: input.idempotencyKey,
          userId: input.userId,
          amount: input.amount,
          expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt),
          sourceType: input.sourceType,
          ...(input.sourceId !== undefined ? { sourceId: input.sourceId } : {}),
        });
      } catch (err) {
        throw asFailure(err);
      }
    },
  };
}

export type PointsActivities = ReturnType<typeof createPointsActivities>;
