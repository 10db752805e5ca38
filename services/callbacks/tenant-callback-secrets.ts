import { randomBytes } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { isUniqueViolation } from '../../db/errors';
import { sqlTime } from '../../db/sql-time';
import type { CallbackSecretCipher } from './callback-secret-cipher';

/**
 * Each tenant (an API key's owner) signs its callbacks with a secret of its own, so one tenant cannot forge
 * `generation.finished` to another's receiver. Rows of tenant_callback_secrets (db/migrations/0012): the
 * current secret and, for an overlap window after a rotation, the previous one, both sealed by the cipher.
 * Secrets leave this class only to be signed with, or once, to whoever made them.
 */

/** How long a rotated-out secret keeps signing by default: a day for receivers to switch. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 60 * 60;
/** Two secrets sign every callback during the window; longer than a month would mean never switching. */
export const MAX_ROTATION_OVERLAP_SECONDS = 30 * 24 * 60 * 60;

const SECRET_PREFIX = 'jfcb_';
/** What operators and receivers see to tell secrets apart: `jfcb_` and 7 random characters, too few to matter. */
const SHOWN_PREFIX_LENGTH = 12;
/** Stands for the legacy global secret where a prefix would stand. */
export const LEGACY_PREFIX = 'legacy';

export interface TenantCallbackSecretsDependencies {
  sequelize: Sequelize;
  cipher: CallbackSecretCipher;
  now?: () => Date;
}

/** What may be shown about a tenant's secrets: prefixes and dates, never a secret. */
export interface CallbackSecretStatus {
  owner: string;
  prefix: string;
  /** When the current secret was made (at the first key, or the last rotation). */
  createdAt: Date;
  /** The rotated-out secret while it still signs; null outside an overlap window. */
  previous: { prefix: string; expiresAt: Date } | null;
}

/** A secret just made: the one moment it is returned, to be handed to the tenant. */
export interface NewCallbackSecret {
  secret: string;
  status: CallbackSecretStatus;
}

interface SecretRow {
  owner: string;
  secret_sealed: string;
  secret_prefix: string;
  secret_created_at: Date;
  previous_sealed: string | null;
  previous_prefix: string | null;
  previous_expires_at: Date | null;
}

const COLUMNS =
  'owner, secret_sealed, secret_prefix, secret_created_at, previous_sealed, previous_prefix, previous_expires_at';

export class TenantCallbackSecrets {
  private readonly sequelize: Sequelize;
  private readonly cipher: CallbackSecretCipher;
  private readonly now: () => Date;

  constructor(deps: TenantCallbackSecretsDependencies) {
    this.sequelize = deps.sequelize;
    this.cipher = deps.cipher;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Makes `owner`'s secret unless it has one: the new secret, or null. In the caller's transaction when given
   * (issuing a first key makes both or neither). `legacy` starts the tenant in an overlap window with the
   * legacy global secret its receiver verifies today (the backfill's hand-over): shown as `legacy`, never by
   * a prefix, since that secret may be short enough for a prefix to be all of it.
   */
  async createIfAbsent(
    owner: string,
    options: { transaction?: Transaction; legacy?: { secret: string; overlapSeconds: number } } = {},
  ): Promise<NewCallbackSecret | null> {
    const now = this.now();
    const secret = generateCallbackSecret();
    const legacy = options.legacy;
    if (legacy !== undefined) checkOverlap(legacy.overlapSeconds);
    const expiresAt =
      legacy !== undefined && legacy.overlapSeconds > 0
        ? new Date(now.getTime() + legacy.overlapSeconds * 1000)
        : null;
    try {
      await this.sequelize.query(
        `INSERT INTO tenant_callback_secrets (${COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        {
          replacements: [
            owner,
            this.cipher.seal(secret, owner),
            shownPrefix(secret),
            sqlTime(now),
            expiresAt && legacy ? this.cipher.seal(legacy.secret, owner) : null,
            expiresAt && legacy ? LEGACY_PREFIX : null,
            expiresAt ? sqlTime(expiresAt) : null,
            sqlTime(now),
          ],
          ...(options.transaction ? { transaction: options.transaction } : {}),
        },
      );
    } catch (err) {
      // Another key for the same owner won the race, or the owner had its secret already.
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return {
      secret,
      status: {
        owner,
        prefix: shownPrefix(secret),
        createdAt: now,
        previous: expiresAt ? { prefix: LEGACY_PREFIX, expiresAt } : null,
      },
    };
  }

  /**
   * Replaces `owner`'s secret by a new one; the old one keeps signing, next to it, for `overlapSeconds` (0:
   * at once only the new one, for a leaked secret). A previous secret still in its window is dropped: two
   * rotations in a row leave the newest two. Null when the owner has no secret to rotate.
   */
  async rotate(
    owner: string,
    overlapSeconds: number = DEFAULT_ROTATION_OVERLAP_SECONDS,
  ): Promise<NewCallbackSecret | null> {
    checkOverlap(overlapSeconds);
    return this.sequelize.transaction(async (transaction) => {
      const rows = await this.sequelize.query<SecretRow>(
        `SELECT ${COLUMNS} FROM tenant_callback_secrets WHERE owner = ? FOR UPDATE`,
        { replacements: [owner], type: QueryTypes.SELECT, transaction },
      );
      const row = rows[0];
      if (!row) return null;
      const now = this.now();
      const secret = generateCallbackSecret();
      const expiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null;
      // The stored owner, not the one asked for: the column's collation may match another spelling, and the
      // sealed values are bound to the stored one.
      await this.sequelize.query(
        `UPDATE tenant_callback_secrets
            SET secret_sealed = ?, secret_prefix = ?, secret_created_at = ?,
                previous_sealed = ?, previous_prefix = ?, previous_expires_at = ?
          WHERE owner = ?`,
        {
          replacements: [
            this.cipher.seal(secret, row.owner),
            shownPrefix(secret),
            sqlTime(now),
            expiresAt ? row.secret_sealed : null,
            expiresAt ? row.secret_prefix : null,
            expiresAt ? sqlTime(expiresAt) : null,
            row.owner,
          ],
          transaction,
        },
      );
      return {
        secret,
        status: {
          owner: row.owner,
          prefix: shownPrefix(secret),
          createdAt: now,
          previous: expiresAt ? { prefix: row.secret_prefix, expiresAt } : null,
        },
      };
    });
  }

  /**
   * The secrets to sign `owner`'s callbacks with now, newest first: the current one, and the previous one
   * while its window lasts. Null when the owner has none.
   */
  async signingSecrets(owner: string): Promise<readonly string[] | null> {
    const row = await this.row(owner);
    if (!row) return null;
    const secrets = [this.cipher.open(row.secret_sealed, row.owner)];
    if (row.previous_sealed !== null && this.stillSigns(row.previous_expires_at)) {
      secrets.push(this.cipher.open(row.previous_sealed, row.owner));
    }
    return secrets;
  }

  async status(owner: string): Promise<CallbackSecretStatus | null> {
    const row = await this.row(owner);
    if (!row) return null;
    return {
      owner: row.owner,
      prefix: row.secret_prefix,
      createdAt: row.secret_created_at,
      previous:
        row.previous_prefix !== null &&
        row.previous_expires_at !== null &&
        this.stillSigns(row.previous_expires_at)
          ? { prefix: row.previous_prefix, expiresAt: row.previous_expires_at }
          : null,
    };
  }

  /** Owners with an API key (revoked or not: their tasks may still be running) and no secret yet. */
  async ownersWithoutSecret(): Promise<string[]> {
    const rows = await this.sequelize.query<{ owner: string }>(
      `SELECT DISTINCT k.owner FROM api_keys k
         LEFT JOIN tenant_callback_secrets s ON s.owner = k.owner
        WHERE s.owner IS NULL
        ORDER BY k.owner`,
      { type: QueryTypes.SELECT },
    );
    return rows.map((r) => r.owner);
  }

  private async row(owner: string): Promise<SecretRow | null> {
    const rows = await this.sequelize.query<SecretRow>(
      `SELECT ${COLUMNS} FROM tenant_callback_secrets WHERE owner = ?`,
      { replacements: [owner], type: QueryTypes.SELECT },
    );
    return rows[0] ?? null;
  }

  private stillSigns(expiresAt: Date | null): boolean {
    return expiresAt !== null && expiresAt.getTime() > this.now().getTime();
  }
}

/** `jfcb_` and 32 random bytes in base64url: the HMAC key is this whole string, as UTF-8. */
export function generateCallbackSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function shownPrefix(secret: string): string {
  return secret.slice(0, SHOWN_PREFIX_LENGTH);
}

function checkOverlap(seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > MAX_ROTATION_OVERLAP_SECONDS) {
    throw new RangeError(
      `overlap must be a whole number of seconds from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`,
    );
  }
}
