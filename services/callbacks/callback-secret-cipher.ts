import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * The tenants' callback secrets at rest. The platform must compute their HMACs, so a hash will not do: each
 * is sealed with AES-256-GCM under a key from the environment (CALLBACK_SECRET_ENCRYPTION_KEY), so a copy of
 * the database (a backup, a replica, a leaked dump) holds no usable secret without that key, and GCM's tag
 * makes any change to a stored value an error rather than a different secret.
 */

/**
 * The development key, in the repository: anyone can read it, which is why NODE_ENV=production refuses to
 * start with it (config/settings.ts). Its 32 bytes spell what it is.
 */
export const DEVELOPMENT_CALLBACK_SECRET_KEY = 'amltZW5nLWZsb3cgZGV2IGtleSwgbm90IHNlY3JldCE=';

const KEY_BYTES = 32;
// Exactly 32 bytes in standard base64, as `openssl rand -base64 32` prints them: Buffer.from(…, 'base64')
// alone would silently skip stray characters and accept a shorter key.
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const PART = /^[A-Za-z0-9_-]+$/;

/** The key from its configured form; throws a message that never repeats the value. */
export function parseCallbackSecretKey(raw: string): Buffer {
  const trimmed = raw.trim();
  if (!KEY_BASE64.test(trimmed)) {
    throw new Error(`must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 ${KEY_BYTES})`);
  }
  return Buffer.from(trimmed, 'base64');
}

export class CallbackSecretUnreadableError extends Error {
  override readonly name = 'CallbackSecretUnreadableError';
}

/**
 * Seals and opens one tenant's secrets. The owner is authenticated with each (GCM's additional data), so a
 * sealed value copied into another tenant's row does not open there: nobody with write access to the table
 * alone can make the platform sign tenant B's callbacks with a secret tenant A knows.
 */
export class CallbackSecretCipher {
  // A private field: a logged or inspected cipher shows no key.
  readonly #key: Buffer;
  /** Names the key in sealed values, so one sealed under another key is reported as such, not as tampering. */
  readonly keyId: string;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new RangeError(`callback secret key must be ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
    // An HMAC of a constant: the id says which key without saying anything about it.
    this.keyId = createHmac('sha256', this.#key)
      .update('jimeng-flow callback secret key id')
      .digest('hex')
      .slice(0, 8);
  }

  /** `v1.<key id>.<iv>.<tag>.<ciphertext>`, the binary parts in base64url: ASCII for a VARCHAR column. */
  seal(secret: string, owner: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(owner));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The secret sealed for `owner`; CallbackSecretUnreadableError (naming no part of it) otherwise. */
  open(sealed: string, owner: string): string {
    const parts = sealed.split('.');
    const [version, keyId, iv, tag, ciphertext] = parts;
    if (
      parts.length !== 5 ||
      version !== VERSION ||
      !parts.every((part) => PART.test(part)) ||
      iv === undefined ||
      tag === undefined ||
      ciphertext === undefined
    ) {
      throw new CallbackSecretUnreadableError(`the callback secret of "${owner}" is not a sealed value`);
    }
    if (keyId !== this.keyId) {
      throw new CallbackSecretUnreadableError(
        `the callback secret of "${owner}" was sealed under key ${keyId ?? '?'}, ` +
          `not under this process's CALLBACK_SECRET_ENCRYPTION_KEY (key ${this.keyId})`,
      );
    }
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw new CallbackSecretUnreadableError(`the callback secret of "${owner}" is not a sealed value`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(owner));
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      // GCM says only that the tag does not match: the value was changed, or belongs to another owner.
      throw new CallbackSecretUnreadableError(
        `the callback secret of "${owner}" fails its integrity check (altered, or sealed for another tenant)`,
      );
    }
  }
}

function additionalData(owner: string): Buffer {
  return Buffer.from(`jimeng-flow callback secret\u0000${owner}`, 'utf8');
}
