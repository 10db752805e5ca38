/** Ledger refusals, each naming the field and the reason; nothing is written when one is thrown. */
export class LedgerError extends Error {
  constructor(
    readonly code:
      | 'invalid_amount'
      | 'invalid_user'
      | 'unknown_user'
      | 'invalid_source_type'
      | 'invalid_argument'
      | 'insufficient_points'
      | 'unknown_reservation'
      | 'idempotency_conflict',
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}
