import { idempotentTaskId } from '../../../api/generations/idempotent-task-id';

describe('the task id of a request with an Idempotency-Key', () => {
  // Vectors computed outside the code: the first 60 bits of SHA-256("<owner>\n<key>"), in decimal
  // (python3: int(hashlib.sha256(b"tenant-a\nk1").hexdigest()[:15], 16)).
  it.each([
    ['tenant-a', 'k1', '492365325411542786'],
    ['tenant-a', 'k2', '958016681072034401'],
    ['tenant-b', 'k1', '491344983766475216'],
    // The separator keeps "ab"+"c" apart from "a"+"bc".
    ['ab', 'c', '48659549156350349'],
    ['a', 'bc', '814133415469731874'],
  ])('owner %s with key %s names task %s, on every call', (owner, key, expected) => {
    expect(idempotentTaskId(owner, key)).toBe(expected);
    expect(idempotentTaskId(owner, key)).toBe(expected);
  });

  it('looks like a snowflake id: digits only, at most 19 of them, fits a signed BIGINT', () => {
    for (let i = 0; i < 200; i++) {
      const id = idempotentTaskId('owner', `key-${i}`);
      expect(id).toMatch(/^\d{1,19}$/);
      expect(BigInt(id) < 2n ** 63n).toBe(true);
    }
  });
});
