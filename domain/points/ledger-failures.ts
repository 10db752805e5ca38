/**
 * The ledger's refusals as they cross Temporal: a LedgerError leaves the activity as a non-retryable
 * ApplicationFailure of type `LedgerError.<code>` with the field it names in its details, and the API turns
 * it back into a 422 on that field. Both ends read this module.
 */
export const LEDGER_ERROR_CODES = [
  'invalid_amount',
  'invalid_user',
  'unknown_user',
  'invalid_source_type',
  'invalid_argument',
  'insufficient_points',
  'unknown_reservation',
  'idempotency_conflict',
] as const;
export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

const PREFIX = 'LedgerError.';

export interface LedgerFailureDetails {
  /** The ledger's name of the refused field (userId, amount, …). */
  field: string;
}

export function ledgerFailureType(code: LedgerErrorCode): string {
  return `${PREFIX}${code}`;
}

/** The code of a `LedgerError.<code>` failure type, or null for any other type. */
export function ledgerCodeOf(type: string | null | undefined): LedgerErrorCode | null {
  if (!type?.startsWith(PREFIX)) return null;
  const code = type.slice(PREFIX.length);
  return LEDGER_ERROR_CODES.find((c) => c === code) ?? null;
}

export function ledgerFailureDetailsOf(
  details: readonly unknown[] | null | undefined,
): LedgerFailureDetails | null {
  const first = details?.[0];
  if (typeof first !== 'object' || first === null || !('field' in first)) return null;
  return typeof first.field === 'string' ? { field: first.field } : null;
}
