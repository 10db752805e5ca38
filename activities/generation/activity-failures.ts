import { ApplicationFailure } from '@temporalio/activity';
import { JimengError, type JimengErrorJSON } from '../../services/jimeng/jimeng-error';
import { GENERATION_FAILURES, type GenerationFailureType } from '../../domain/generation/generation-failures';

/** A failure of the generation vocabulary (domain/generation/generation-failures.ts), as Temporal carries it. */
export const failure = (type: GenerationFailureType, message: string, details?: unknown) =>
  ApplicationFailure.create({
    type,
    message,
    nonRetryable: !GENERATION_FAILURES[type].retryable,
    ...(details ? { details: [details] } : {}),
  });

/**
 * A JimengError leaves the activity as a non-retryable ApplicationFailure: the workflow, not Temporal's retry
 * policy, decides what happens next, because the answer (wait, other account, other site, give up) depends on
 * the account pool and the account's own backoff schedule.
 */
export function asFailure(err: unknown): unknown {
  if (JimengError.is(err)) {
    const json: JimengErrorJSON = err.toJSON();
    return ApplicationFailure.create({
      type: err.type,
      message: err.message,
      nonRetryable: true,
      details: [json],
    });
  }
  return err;
}
