import type { LedgerErrorCode } from '../../domain/points/ledger-failures';

/** Ledger refusals, each naming the field and the reason; nothing is written when one is thrown. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}
