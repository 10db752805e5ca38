import { inspect } from 'node:util';
import {
  CallbackSecretCipher,
  CallbackSecretUnreadableError,
  DEVELOPMENT_CALLBACK_SECRET_KEY,
  parseCallbackSecretKey,
} from '../../../services/callbacks/callback-secret-cipher';

// Bytes 00..1f, and a value sealed for "tenant-a" with Python's `cryptography` (AESGCM, IV 00..0b, additional
// data "jimeng-flow callback secret\0tenant-a"), the key id the first 8 hex of HMAC-SHA256(key, "jimeng-flow
// callback secret key id"): the format is pinned by a second implementation, not by this one.
const KEY_BASE64 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const VECTOR_SECRET = 'jfcb_test-vector-secret-0123456789';
const VECTOR_SEALED =
  'v1.0746f9c1.AAECAwQFBgcICQoL.vbqfFJY2W_BZ4clEQsgAnw.LWS1eZqRp2j5bOHu0p0XH66l4leCHitRCFbXtilcNoU5KQ';

const key = parseCallbackSecretKey(KEY_BASE64);
const cipher = new CallbackSecretCipher(key);
const SECRET = 'jfcb_round-trip-secret-AbCdEfGhIjKlMnOpQrStUvWxYz012';

/** The sealed value with one character of part `index` (0 = version … 4 = ciphertext) changed. */
function alter(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index]!;
  const last = part.at(-2)!;
  parts[index] = `${part.slice(0, -2)}${last === 'A' ? 'B' : 'A'}${part.at(-1)!}`;
  return parts.join('.');
}

function unreadable(open: () => string): CallbackSecretUnreadableError {
  try {
    open();
  } catch (err) {
    if (err instanceof CallbackSecretUnreadableError) return err;
    throw err;
  }
  throw new Error('expected the sealed value to be refused');
}

describe('CallbackSecretCipher', () => {
  it('opens a value sealed by another AES-256-GCM implementation (fixed vector)', () => {
    expect(cipher.keyId).toBe('0746f9c1');
    expect(cipher.open(VECTOR_SEALED, 'tenant-a')).toBe(VECTOR_SECRET);
  });

  it('round-trips a secret, and seals it differently each time (a fresh IV)', () => {
    const first = cipher.seal(SECRET, 'tenant-a');
    const second = cipher.seal(SECRET, 'tenant-a');
    expect(first).not.toBe(second);
    expect(first).toMatch(/^v1\.0746f9c1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(first.length).toBeLessThanOrEqual(255); // the column is VARCHAR(255)
    expect(first).not.toContain(SECRET);
    expect(cipher.open(first, 'tenant-a')).toBe(SECRET);
    expect(cipher.open(second, 'tenant-a')).toBe(SECRET);
  });

  it.each([
    ['the IV', 2],
    ['the tag', 3],
    ['the ciphertext', 4],
  ])('detects a change to %s', (_label, index) => {
    const sealed = cipher.seal(SECRET, 'tenant-a');
    const error = unreadable(() => cipher.open(alter(sealed, index), 'tenant-a'));
    expect(error.message).toMatch(/integrity/);
  });

  it('detects a truncated ciphertext', () => {
    const sealed = cipher.seal(SECRET, 'tenant-a');
    expect(() => cipher.open(sealed.slice(0, -4), 'tenant-a')).toThrow(CallbackSecretUnreadableError);
  });

  it("refuses a value sealed for another tenant: a row copied into another tenant's does not open", () => {
    const sealed = cipher.seal(SECRET, 'tenant-a');
    expect(unreadable(() => cipher.open(sealed, 'tenant-b')).message).toMatch(/another tenant/);
    expect(() => cipher.open(VECTOR_SEALED, 'Tenant-A')).toThrow(CallbackSecretUnreadableError);
  });

  it('names both keys when the value was sealed under another one', () => {
    const other = new CallbackSecretCipher(parseCallbackSecretKey(DEVELOPMENT_CALLBACK_SECRET_KEY));
    const error = unreadable(() => other.open(VECTOR_SEALED, 'tenant-a'));
    expect(error.message).toContain('0746f9c1');
    expect(error.message).toContain(other.keyId);
    expect(error.message).toContain('CALLBACK_SECRET_ENCRYPTION_KEY');
  });

  it.each([
    ['an empty value', ''],
    ['a plain secret', SECRET],
    ['another version', VECTOR_SEALED.replace(/^v1/, 'v2')],
    ['a missing part', VECTOR_SEALED.split('.').slice(0, 4).join('.')],
    ['a part that is not base64url', VECTOR_SEALED.replace('.AAEC', '.A+EC')],
    ['a short IV', VECTOR_SEALED.replace('AAECAwQFBgcICQoL', 'AAECAwQFBgcI')],
  ])('refuses %s as not a sealed value', (_label, sealed) => {
    expect(unreadable(() => cipher.open(sealed, 'tenant-a')).message).toMatch(/not a sealed value/);
  });

  it('never puts the secret, the sealed value or the key in what it says', () => {
    const sealed = cipher.seal(SECRET, 'tenant-a');
    const messages = [
      unreadable(() => cipher.open(alter(sealed, 4), 'tenant-a')).message,
      unreadable(() => cipher.open(sealed, 'tenant-b')).message,
      unreadable(() => cipher.open(`${sealed}.x`, 'tenant-a')).message,
    ];
    for (const message of messages) {
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain(sealed.split('.')[4]);
    }
    const shown = inspect(cipher, { showHidden: true, depth: 5 });
    expect(shown).not.toContain(KEY_BASE64);
    expect(shown).not.toContain(key.toString('hex').slice(0, 16));
    expect(shown).not.toMatch(/<Buffer 00 01 02/);
  });

  it('wants a key of exactly 32 bytes', () => {
    expect(() => new CallbackSecretCipher(Buffer.alloc(16))).toThrow(RangeError);
    expect(() => new CallbackSecretCipher(Buffer.alloc(33))).toThrow(RangeError);
  });
});

describe('parseCallbackSecretKey', () => {
  it('reads 32 bytes of base64, as openssl rand -base64 32 prints them', () => {
    expect(parseCallbackSecretKey(KEY_BASE64)).toEqual(Buffer.from([...Array(32).keys()]));
    expect(parseCallbackSecretKey(`${KEY_BASE64}\n`)).toHaveLength(32);
    expect(parseCallbackSecretKey(DEVELOPMENT_CALLBACK_SECRET_KEY).toString('utf8')).toBe(
      'jimeng-flow dev key, not secret!',
    );
  });

  it.each([
    ['16 bytes', 'AAECAwQFBgcICQoLDA0ODw=='],
    ['48 bytes', 'A'.repeat(64)],
    ['hex', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'],
    ['base64 with a stray character', `${KEY_BASE64.slice(0, 20)}*${KEY_BASE64.slice(21)}`],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses %s without repeating it', (_label, raw) => {
    let message = '';
    try {
      parseCallbackSecretKey(raw);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('must be 32 bytes in base64 (openssl rand -base64 32)');
  });
});
