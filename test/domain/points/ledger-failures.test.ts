import {
  ledgerCodeOf,
  ledgerFailureDetailsOf,
  ledgerFailureType,
} from '../../../domain/points/ledger-failures';

describe('ledger failures across Temporal', () => {
  it('names a refusal LedgerError.<code> and reads the code back', () => {
    expect(ledgerFailureType('insufficient_points')).toBe('LedgerError.insufficient_points');
    expect(ledgerCodeOf('LedgerError.idempotency_conflict')).toBe('idempotency_conflict');
  });

  it('reads no code from other failure types or codes the ledger does not have', () => {
    expect(ledgerCodeOf('InsufficientPoints')).toBeNull();
    expect(ledgerCodeOf('LedgerError.')).toBeNull();
    expect(ledgerCodeOf('LedgerError.out_of_coffee')).toBeNull();
    expect(ledgerCodeOf(undefined)).toBeNull();
  });

  it('decodes the field from the details, and nothing from details of another shape', () => {
    expect(ledgerFailureDetailsOf([{ field: 'amount' }])).toEqual({ field: 'amount' });
    expect(ledgerFailureDetailsOf([{ field: 7 }])).toBeNull();
    expect(ledgerFailureDetailsOf(['amount'])).toBeNull();
    expect(ledgerFailureDetailsOf([])).toBeNull();
    expect(ledgerFailureDetailsOf(undefined)).toBeNull();
  });
});
