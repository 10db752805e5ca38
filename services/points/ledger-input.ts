import { LedgerError } from './ledger-errors';

/** Source types of consumption (seed 001: script / polish / voice_clone / tts / video; plus image). */
export const CONSUME_SOURCE_TYPES = ['image', 'video', 'script', 'polish', 'voice_clone', 'tts'] as const;
export type ConsumeSourceType = (typeof CONSUME_SOURCE_TYPES)[number];
/** Where recharged points come from (mjk_point_batches.source_type). */
export const RECHARGE_SOURCE_TYPES = ['recharge', 'gift', 'compensation'] as const;
export type RechargeSourceType = (typeof RECHARGE_SOURCE_TYPES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT_MAX = 2_147_483_647; // the INT columns of seed 001

export function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || !UUID.test(userId)) {
    throw new LedgerError('invalid_user', 'userId', 'userId must be a UUID string');
  }
  return userId.toLowerCase();
}

/** Points are whole numbers in INT columns: a fraction would be silently rounded by MySQL, so it is refused. */
export function checkAmount(amount: unknown, field = 'amount', { allowZero = false } = {}): number {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new LedgerError('invalid_amount', field, `${field} must be a number`);
  }
  if (!Number.isInteger(amount)) {
    throw new LedgerError(
      'invalid_amount',
      field,
      `${field} must be a whole number of points, got ${amount}`,
    );
  }
  if (amount < 0 || (amount === 0 && !allowZero)) {
    throw new LedgerError(
      'invalid_amount',
      field,
      `${field} must be ${allowZero ? 'zero or more' : 'positive'}, got ${amount}`,
    );
  }
  if (amount > INT_MAX) throw new LedgerError('invalid_amount', field, `${field} exceeds ${INT_MAX}`);
  return amount;
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new LedgerError(
      field === 'sourceType' ? 'invalid_source_type' : 'invalid_argument',
      field,
      `${field} must be one of ${allowed.join(', ')}`,
    );
  }
  return value as T;
}

export function checkText(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
    throw new LedgerError(
      'invalid_argument',
      field,
      `${field} must be a non-empty string of at most ${maxLength} characters`,
    );
  }
  return value;
}
