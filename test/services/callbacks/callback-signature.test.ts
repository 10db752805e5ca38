import { signCallback, verifyCallbackSignature } from '../../../services/callbacks/callback-signature';

const SECRET = 'whsec_test_secret';
const T = 1_714_521_600; // 2024-05-01T00:00:00Z
const BODY = '{"taskId":"t-1","status":"succeeded"}';
const OLD_SECRET = 'whsec_old_secret';
// printf '%s' '1714521600.{"taskId":"t-1","status":"succeeded"}' | openssl dgst -sha256 -hmac <secret>
const V1_BY_SECRET = '841a8b301c71e09d9d3d7a7eb0cfed6e9ab8f0f7c281570b1840e65607e37a83';
const V1_BY_OLD_SECRET = 'b427cd95894b6e002e7295d173b1913b18c9786cd9e2e0c6c8b009f9f2f1a931';

describe('signCallback', () => {
  it('produces t=<timestamp>,v1=<hex HMAC-SHA256 of "<t>.<body>"> (vector computed with openssl)', () => {
    // printf '%s' '1714521600.{"taskId":"t-1","status":"succeeded"}' | openssl dgst -sha256 -hmac whsec_test_secret
    expect(signCallback(SECRET, T, BODY)).toBe(
      't=1714521600,v1=841a8b301c71e09d9d3d7a7eb0cfed6e9ab8f0f7c281570b1840e65607e37a83',
    );
  });

  it('depends on the timestamp, the body and the secret', () => {
    const base = signCallback(SECRET, T, BODY);
    expect(signCallback(SECRET, T + 1, BODY).split(',')[1]).not.toBe(base.split(',')[1]);
    expect(signCallback(SECRET, T, `${BODY} `)).not.toBe(base);
    expect(signCallback('another', T, BODY)).not.toBe(base);
  });

  it('refuses an empty secret and timestamps that are not whole non-negative seconds', () => {
    expect(() => signCallback('', T, BODY)).toThrow(RangeError);
    expect(() => signCallback(SECRET, -1, BODY)).toThrow(RangeError);
    expect(() => signCallback(SECRET, T + 0.5, BODY)).toThrow(RangeError);
    expect(() => signCallback(SECRET, Number.NaN, BODY)).toThrow(RangeError);
  });
});

describe("signCallback with two secrets (a rotation's overlap window)", () => {
  it('puts one v1 entry per secret, newest first (vectors computed with openssl)', () => {
    expect(signCallback([SECRET, OLD_SECRET], T, BODY)).toBe(
      `t=1714521600,v1=${V1_BY_SECRET},v1=${V1_BY_OLD_SECRET}`,
    );
    expect(signCallback([SECRET], T, BODY)).toBe(`t=1714521600,v1=${V1_BY_SECRET}`);
  });

  it('refuses no secret at all, and an empty one among others', () => {
    expect(() => signCallback([], T, BODY)).toThrow(RangeError);
    expect(() => signCallback([SECRET, ''], T, BODY)).toThrow(RangeError);
  });
});

describe('verifyCallbackSignature across a rotation', () => {
  // What the platform sends during the overlap, and after it: written out, not produced by signCallback.
  const duringOverlap = `t=${T},v1=${V1_BY_SECRET},v1=${V1_BY_OLD_SECRET}`;
  const afterOverlap = `t=${T},v1=${V1_BY_SECRET}`;

  it('accepts either secret during the overlap, so a receiver can switch at any moment of it', () => {
    expect(verifyCallbackSignature(SECRET, duringOverlap, BODY, T)).toBe(true);
    expect(verifyCallbackSignature(OLD_SECRET, duringOverlap, BODY, T)).toBe(true);
    expect(verifyCallbackSignature('whsec_other', duringOverlap, BODY, T)).toBe(false);
  });

  it('rejects the old secret once the overlap is over', () => {
    expect(verifyCallbackSignature(SECRET, afterOverlap, BODY, T)).toBe(true);
    expect(verifyCallbackSignature(OLD_SECRET, afterOverlap, BODY, T)).toBe(false);
  });

  it('lets a receiver hold both of its secrets while it switches: any of them matching is enough', () => {
    expect(verifyCallbackSignature([OLD_SECRET, SECRET], afterOverlap, BODY, T)).toBe(true);
    expect(verifyCallbackSignature([SECRET, OLD_SECRET], `t=${T},v1=${V1_BY_OLD_SECRET}`, BODY, T)).toBe(
      true,
    );
    expect(verifyCallbackSignature(['whsec_a', 'whsec_b'], duringOverlap, BODY, T)).toBe(false);
    expect(verifyCallbackSignature([], duringOverlap, BODY, T)).toBe(false);
    expect(verifyCallbackSignature([''], duringOverlap, BODY, T)).toBe(false);
  });

  it('still bounds the age of a request signed twice', () => {
    expect(verifyCallbackSignature(OLD_SECRET, duringOverlap, BODY, T + 301)).toBe(false);
  });
});

describe('verifyCallbackSignature', () => {
  const header = signCallback(SECRET, T, BODY);
  const hex = header.slice(header.indexOf('v1=') + 3);

  it('accepts a signature made with the secret, over the same body, within the tolerance', () => {
    expect(verifyCallbackSignature(SECRET, header, BODY, T)).toBe(true);
    expect(verifyCallbackSignature(SECRET, header, BODY, T + 300)).toBe(true);
    expect(verifyCallbackSignature(SECRET, header, BODY, T - 300)).toBe(true);
  });

  it('rejects another secret', () => {
    expect(verifyCallbackSignature('whsec_other', header, BODY, T)).toBe(false);
  });

  it('rejects a tampered body', () => {
    expect(verifyCallbackSignature(SECRET, header, BODY.replace('succeeded', 'failed'), T)).toBe(false);
    expect(verifyCallbackSignature(SECRET, header, `${BODY}\n`, T)).toBe(false);
  });

  it('rejects a timestamp older (or further ahead) than the tolerance', () => {
    expect(verifyCallbackSignature(SECRET, header, BODY, T + 301)).toBe(false);
    expect(verifyCallbackSignature(SECRET, header, BODY, T - 301)).toBe(false);
    expect(verifyCallbackSignature(SECRET, header, BODY, T + 60, 30)).toBe(false);
    expect(verifyCallbackSignature(SECRET, header, BODY, T + 3600, 7200)).toBe(true);
  });

  it('rejects a header whose timestamp was changed after signing (replay with a fresh time)', () => {
    const replayed = header.replace(`t=${T}`, `t=${T + 1000}`);
    expect(verifyCallbackSignature(SECRET, replayed, BODY, T + 1000)).toBe(false);
  });

  it('accepts any matching v1 among several, as during a secret rotation', () => {
    const old = signCallback('whsec_old', T, BODY).split(',')[1];
    const current = header.split(',')[1];
    expect(verifyCallbackSignature(SECRET, `t=${T},${old},${current}`, BODY, T)).toBe(true);
    expect(verifyCallbackSignature(SECRET, `t=${T},${old}`, BODY, T)).toBe(false);
  });

  it('tolerates spaces and unknown schemes in the header', () => {
    const v1 = header.split(',')[1];
    expect(verifyCallbackSignature(SECRET, ` t=${T} , v0=abc , ${v1} `, BODY, T)).toBe(true);
  });

  it.each([
    ['an empty header', ''],
    ['no timestamp', `v1=${hex}`],
    ['no signature', `t=${T}`],
    ['a non-numeric timestamp', header.replace(`t=${T}`, 't=soon')],
    ['two timestamps', `t=${T},${header}`],
    ['a truncated signature', `t=${T},v1=${hex.slice(0, -2)}`],
    ['a non-hex signature', `t=${T},v1=${'z'.repeat(64)}`],
    ['upper-case hex (signatures are sent in lower case)', `t=${T},v1=${hex.toUpperCase()}`],
  ])('returns false, without throwing, for %s', (_label, malformed) => {
    expect(verifyCallbackSignature(SECRET, malformed, BODY, T)).toBe(false);
  });

  it('returns false for an empty secret even if the header was signed with one', () => {
    expect(verifyCallbackSignature('', header, BODY, T)).toBe(false);
  });

  it('signs the UTF-8 bytes of non-ASCII bodies consistently', () => {
    const body = '{"prompt":"即梦 — café"}';
    const signed = signCallback(SECRET, T, body);
    expect(verifyCallbackSignature(SECRET, signed, body, T)).toBe(true);
    expect(verifyCallbackSignature(SECRET, signed, body.replace('é', 'e'), T)).toBe(false);
  });
});
