import { idempotentTaskId } from '../../../api/generations/idempotent-task-id';

describe('the task id of a request with an Idempotency-Key', () => {
  it('is the same for the same owner and key, and differs when either differs', () => {
    expect(idempotentTaskId('tenant-a', 'k1')).toBe(idempotentTaskId('tenant-a', 'k1'));
    expect(idempotentTaskId('tenant-a', 'k2')).not.toBe(idempotentTaskId('tenant-a', 'k1'));
    expect(idempotentTaskId('tenant-b', 'k1')).not.toBe(idempotentTaskId('tenant-a', 'k1'));
    // The separator keeps "ab"+"c" apart from "a"+"bc".
    expect(idempotentTaskId('ab', 'c')).not.toBe(idempotentTaskId('a', 'bc'));
  });

  it('looks like a snowflake id: digits only, at most 19 of them, fits a signed BIGINT', () => {
    for (let i = 0; i < 200; i++) {
      const id = idempotentTaskId('owner', `key-${i}`);
      expect(id).toMatch(/^\d{1,19}$/);
      expect(BigInt(id) < 2n ** 63n).toBe(true);
    }
  });
});
