import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { pointsRechargeWorkflow, RechargeInput, RechargeOutcome } from '../../workflows/points';
import { ledgerCodeOf, ledgerFailureDetailsOf } from '../../domain/points/ledger-failures';
import { Problem, type FieldProblem } from '../problem';
import type { RechargeRequestBody } from './points-schemas';

/** The ledger's field names, as the caller sent them. */
const BODY_FIELDS: Record<string, string> = {
  userId: 'body.user_id',
  amount: 'body.amount',
  sourceType: 'body.source_type',
  sourceId: 'body.source_id',
  expiresAt: 'body.expires_at',
  idempotencyKey: 'body.reference',
};

const REFERENCE_REUSED: FieldProblem = {
  field: 'body.reference',
  reason: 'already used for a different recharge',
};

/** One workflow per (owner, reference): a retried request attaches to, or repeats, the same recharge. */
export function rechargeWorkflowId(owner: string, reference: string): string {
  return `points-recharge/${owner}/${reference}`;
}

/** Namespaced by owner, so two tenants using the same reference recharge twice, as they should. */
export function rechargeIdempotencyKey(owner: string, reference: string): string {
  return `api-recharge:${owner}:${reference}`;
}

/** The workflow's input for a request: the expiry normalised, so the same instant is the same request. */
export function rechargeInputOf(owner: string, body: RechargeRequestBody): RechargeInput {
  return {
    idempotencyKey: rechargeIdempotencyKey(owner, body.reference),
    userId: body.user_id.toLowerCase(),
    amount: body.amount,
    sourceType: body.source_type,
    expiresAt: body.expires_at === undefined ? null : new Date(body.expires_at).toISOString(),
    ...(body.source_id !== undefined ? { sourceId: body.source_id } : {}),
  };
}

/**
 * Runs the recharge workflow and waits for its outcome. A ledger refusal becomes a 422 naming the field; a
 * recharge that could not be written after the activity's retries becomes a 503 (retrying with the same
 * reference is safe: the ledger pays a reference once).
 */
export async function rechargeThroughWorkflow(
  client: Client,
  taskQueue: string,
  owner: string,
  body: RechargeRequestBody,
): Promise<RechargeOutcome> {
  const input = rechargeInputOf(owner, body);
  let outcome: RechargeOutcome;
  try {
    outcome = await client.workflow.execute<typeof pointsRechargeWorkflow>('pointsRechargeWorkflow', {
      taskQueue,
      workflowId: rechargeWorkflowId(owner, body.reference),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [input],
    });
  } catch (err) {
    throw problemOfFailure(err);
  }
  // Attached to a run another request started with the same reference but a different recharge.
  if (!sameRecharge(outcome.input, input)) throw invalid([REFERENCE_REUSED]);
  return outcome;
}

function sameRecharge(a: RechargeInput, b: RechargeInput): boolean {
  return (
    a.idempotencyKey === b.idempotencyKey &&
    a.userId === b.userId &&
    a.amount === b.amount &&
    a.sourceType === b.sourceType &&
    a.expiresAt === b.expiresAt &&
    a.sourceId === b.sourceId
  );
}

function problemOfFailure(err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  const failure = ledgerFailureIn(err);
  if (!failure) {
    return new Problem(
      503,
      'Service Unavailable',
      'the recharge could not be written; retry with the same reference, it is paid at most once',
    );
  }
  const details = ledgerFailureDetailsOf(failure.details);
  const field = details ? BODY_FIELDS[details.field] : undefined;
  if (ledgerCodeOf(failure.type) === 'idempotency_conflict') return invalid([REFERENCE_REUSED]);
  return invalid([{ field: field ?? 'body', reason: failure.message }]);
}

/** The activity's LedgerError arrives wrapped: workflow failure → activity failure → application failure. */
function ledgerFailureIn(err: unknown): ApplicationFailure | undefined {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && ledgerCodeOf(cause.type) !== null) return cause;
  }
  return undefined;
}

function invalid(errors: FieldProblem[]): Problem {
  return new Problem(
    422,
    'Unprocessable Content',
    'the recharge was refused',
    errors,
    'https://jimeng-flow.dev/problems/validation',
  );
}
