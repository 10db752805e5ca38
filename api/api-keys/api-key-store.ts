import { QueryTypes, type Sequelize } from 'sequelize';
import type { ApiKeyScope } from '../../db/codes';

/** What may be shown about a key: never the key (only its hash exists), nor its hash. */
export interface ApiKeyListing {
  id: string;
  prefix: string;
  owner: string;
  scope: ApiKeyScope;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A tenant's keys are few; the newest this many are listed. */
export const LISTED_KEYS_MAX = 100;

export class ApiKeyStore {
  constructor(private readonly sequelize: Sequelize) {}

  /** `owner`'s keys, newest first, revoked ones included (operators decide from last_used_at). */
  async list(owner: string): Promise<ApiKeyListing[]> {
    const rows = await this.sequelize.query<{
      id: string;
      key_prefix: string;
      owner: string;
      scope: ApiKeyScope;
      name: string | null;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>(
      `SELECT id, key_prefix, owner, scope, name, created_at, last_used_at, revoked_at
         FROM api_keys WHERE owner = ? ORDER BY created_at DESC, id LIMIT ${LISTED_KEYS_MAX}`,
      { replacements: [owner], type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({
      id: r.id,
      prefix: r.key_prefix,
      owner: r.owner,
      scope: r.scope,
      name: r.name,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    }));
  }
}
