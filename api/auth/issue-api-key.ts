import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { ApiKeyScope } from '../../db/codes';
import type { TenantCallbackSecrets } from '../../services/callbacks/tenant-callback-secrets';
import { generateApiKey } from './api-key-secret';

export interface IssueApiKeyInput {
  owner: string;
  scope: ApiKeyScope;
  name?: string;
}

/** The key is in this answer and nowhere else: only its hash is stored. */
export interface IssuedApiKey {
  id: string;
  key: string;
  prefix: string;
  /**
   * The owner's callback secret when this key made it (the owner had none), to be handed over with the key:
   * it is never shown again. Null when the owner already had one, or no secret store was given.
   */
  callbackSecret: { secret: string; prefix: string } | null;
}

/** Owners become tenant ids in other tables and log lines: a short, plain alphabet keeps them safe there. */
export const OWNER_PATTERN = /^[A-Za-z0-9_.:@-]{1,50}$/;
export const NAME_MAX_LENGTH = 100;

/** What is wrong with a request for a key, one sentence per problem; empty when it is fine. */
export function apiKeyInputProblems(input: { owner?: string; scope?: string; name?: string }): string[] {
  const problems: string[] = [];
  if (input.owner === undefined || !OWNER_PATTERN.test(input.owner)) {
    problems.push('owner must be 1 to 50 characters of A-Z a-z 0-9 _ . : @ -');
  }
  if (!(ApiKeyScope as readonly string[]).includes(input.scope ?? '')) {
    problems.push(`scope must be one of ${ApiKeyScope.join(', ')}`);
  }
  if (input.name !== undefined && input.name.length > NAME_MAX_LENGTH) {
    problems.push(`name must be at most ${NAME_MAX_LENGTH} characters`);
  }
  return problems;
}

/**
 * Creates a key for `owner` with `scope`; the returned key must be handed over now, it cannot be recovered.
 * With `callbackSecrets` (the CLI and the admin route always pass it), an owner without a callback secret gets
 * one in the same transaction: both or neither, so no tenant has a key whose callbacks nobody can verify.
 * Without it (tests of other modules) no secret is made, and that owner's callbacks fall back to the legacy
 * secret, outside production only.
 */
export async function issueApiKey(
  sequelize: Sequelize,
  input: IssueApiKeyInput,
  callbackSecrets?: TenantCallbackSecrets,
): Promise<IssuedApiKey> {
  const problems = apiKeyInputProblems(input);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  const { key, prefix, hash } = generateApiKey();
  const id = randomUUID();
  return sequelize.transaction(async (transaction) => {
    await sequelize.query(
      'INSERT INTO api_keys (id, key_hash, key_prefix, name, owner, scope) VALUES (?, ?, ?, ?, ?, ?)',
      { replacements: [id, hash, prefix, input.name ?? null, input.owner, input.scope], transaction },
    );
    const created = callbackSecrets
      ? await callbackSecrets.createIfAbsent(input.owner, { transaction })
      : null;
    return {
      id,
      key,
      prefix,
      callbackSecret: created ? { secret: created.secret, prefix: created.status.prefix } : null,
    };
  });
}
