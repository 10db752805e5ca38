/*
 * The failure vocabulary of a generation: every ApplicationFailure type its activities throw to its workflow or
 * the workflow ends with, whether Temporal may retry it, the code the record and the caller see, and the HTTP
 * problem an admission refused with it becomes. One definition, read by the activities (which throw them), the
 * workflow (which decides on them and writes their codes) and the API (which answers them). Imports nothing, so
 * the workflow bundle may hold it.
 */

export interface FailureKind {
  /** Whether Temporal's retry policy may run the activity again (false: the failure is the answer). */
  readonly retryable: boolean;
  /** error_code (VARCHAR(20)) of the record, and the caller's `error.code`. */
  readonly code: string;
  /** The HTTP status of the problem an admission answers with, when the failure refuses a request. */
  readonly httpStatus?: number;
}

export const GENERATION_FAILURES = {
  /** The request fails the plan's checks; details name the field. */
  InvalidGenerationRequest: { retryable: false, code: 'INVALID_REQUEST', httpStatus: 422 },
  /** The user's points do not cover the price. */
  InsufficientPoints: { retryable: false, code: 'INSUFFICIENT_POINTS', httpStatus: 402 },
  /** The storyboard's last generation is not final. */
  StoryboardBusy: { retryable: false, code: 'STORYBOARD_BUSY', httpStatus: 409 },
  /** The callback receiver refused for good (an address we may not call, a 4xx). */
  CallbackRejected: { retryable: false, code: 'CALLBACK_REJECTED' },
  /** The leased account was deleted. */
  UnknownAccount: { retryable: false, code: 'UNKNOWN_ACCOUNT' },
  /** The account became unusable between the lease and the call: the workflow moves on without calling it. */
  AccountWithdrawn: { retryable: false, code: 'ACCOUNT_WITHDRAWN' },
  /** No account of the job's sites was free within the wait limit. */
  NoAccountAvailable: { retryable: false, code: 'NO_ACCOUNT' },
  /** The upstream's failure, final by the retry plan; details carry the upstream code. */
  JimengFailure: { retryable: false, code: 'JIMENG' },
  /** Cancelled before admission. */
  Cancelled: { retryable: false, code: 'CANCELLED' },
  /** The run's own end when the job failed; details carry the result. */
  GenerationFailed: { retryable: false, code: 'INTERNAL' },
} as const satisfies Record<string, FailureKind>;

export type GenerationFailureType = keyof typeof GENERATION_FAILURES;

/** The types a retry policy lists as non-retryable (belt and braces: they are thrown non-retryable too). */
export const NON_RETRYABLE_FAILURES: GenerationFailureType[] = (
  Object.keys(GENERATION_FAILURES) as GenerationFailureType[]
).filter((t) => !GENERATION_FAILURES[t].retryable);

export function isGenerationFailureType(type: string | undefined | null): type is GenerationFailureType {
  return (
    type !== undefined && type !== null && Object.prototype.hasOwnProperty.call(GENERATION_FAILURES, type)
  );
}

/** The code a failure of this type leaves in the record; INTERNAL for anything outside the vocabulary. */
export function failureCodeOf(type: string | undefined | null): string {
  return isGenerationFailureType(type) ? GENERATION_FAILURES[type].code : 'INTERNAL';
}

/** Details of InvalidGenerationRequest and InsufficientPoints: the request field at fault. */
export interface FieldDetails {
  readonly field?: string;
}

/** Details of JimengFailure: the upstream code and why the retry plan gave up. */
export interface JimengFailureDetails {
  readonly code: string;
  readonly reason: string;
}

/** Details of a `JimengError.<action>` failure and of a failed attempt: what the workflow's retry plan reads. */
export interface JimengErrorDetails<A extends string = string> {
  readonly code: string;
  readonly action: A;
  readonly message: string;
  readonly retryAfterMs?: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export function fieldDetailsOf(details: readonly unknown[] | null | undefined): FieldDetails {
  const first = details?.[0];
  return isObject(first) && typeof first.field === 'string' ? { field: first.field } : {};
}

export function jimengFailureDetailsOf(
  details: readonly unknown[] | null | undefined,
): JimengFailureDetails | undefined {
  const first = details?.[0];
  return isObject(first) && typeof first.code === 'string' && typeof first.reason === 'string'
    ? { code: first.code, reason: first.reason }
    : undefined;
}

/** The details, when they carry one of `actions` (the reader's own list of what it can act on). */
export function jimengErrorDetailsOf<A extends string>(
  details: readonly unknown[] | null | undefined,
  actions: readonly A[],
): JimengErrorDetails<A> | undefined {
  const first = details?.[0];
  if (!isObject(first)) return undefined;
  const { code, action, message, retryAfterMs } = first;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  const known = actions.find((a) => a === action);
  if (known === undefined) return undefined;
  return typeof retryAfterMs === 'number'
    ? { code, action: known, message, retryAfterMs }
    : { code, action: known, message };
}
