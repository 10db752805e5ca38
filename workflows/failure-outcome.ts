import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import {
  failureCodeOf,
  jimengFailureDetailsOf,
  type GenerationFailureType,
} from '../domain/generation/generation-failures';

/*
 * What a generation run makes of the failure that ended it: the failure it ends with, the admission update's
 * answer, and the error code and message of the record and the caller.
 */

/** A failure of the generation vocabulary (domain/generation/generation-failures.ts), final for the run. */
export const finalFailure = (
  type: GenerationFailureType,
  message: string,
  details?: unknown,
): ApplicationFailure =>
  ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    ...(details ? { details: [details] } : {}),
  });

/** The admission update fails with the activity's own failure type, message and details (the field). */
export function admissionFailure(err: unknown): ApplicationFailure {
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

/** error_code (VARCHAR(20)) and error_message for the record and the caller. */
export function describeFailure(err: unknown): { errorCode: string; errorMessage: string } {
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
