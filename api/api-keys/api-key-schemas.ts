import { z } from 'zod';
import { ApiKeyScope } from '../../db/codes';
import { NAME_MAX_LENGTH } from '../auth/issue-api-key';
import { ownerSchema } from '../callback-secrets/callback-secret-schemas';
import type { ApiKeyListing } from './api-key-store';

export const apiKeyRequest = z.strictObject({
  owner: ownerSchema,
  scope: z.enum(ApiKeyScope).meta({ description: 'caller (uses the API) or admin (also operates it)' }),
  name: z
    .string()
    .max(NAME_MAX_LENGTH)
    .optional()
    .meta({ description: 'A note telling operators what the key is for' }),
});

export const apiKeyListQuery = z.strictObject({ owner: ownerSchema });

const time = (description: string) => z.string().meta({ description: `${description} (ISO 8601)` });

const listingShape = {
  id: z.string(),
  prefix: z.string().meta({ description: "The key's first characters, to tell keys apart" }),
  owner: z.string(),
  scope: z.enum(ApiKeyScope),
  name: z.string().nullable(),
};

export const issuedApiKey = z
  .object({
    ...listingShape,
    key: z.string().meta({ description: 'The key, shown this once: only its hash is stored' }),
    callback_secret: z
      .object({
        secret: z.string().meta({ description: "The owner's callback secret, shown this once" }),
        prefix: z.string(),
      })
      .nullable()
      .meta({
        description:
          "The owner's callback secret when this key made it (the owner's first key); null when the owner " +
          'already had one (GET /v1/callback-secrets/{owner} shows its prefix)',
      }),
  })
  .meta({ id: 'IssuedApiKey' });

export const apiKeyListing = z
  .object({
    ...listingShape,
    created_at: time('Issued'),
    last_used_at: time('Last used, to the minute').nullable(),
    revoked_at: time('Revoked').nullable(),
  })
  .meta({ id: 'ApiKeyListing', description: 'A key as operators see it: never the key itself' });

export const apiKeyList = z.object({ data: z.array(apiKeyListing) });

export function apiKeyListingView(key: ApiKeyListing): z.output<typeof apiKeyListing> {
  return {
    id: key.id,
    prefix: key.prefix,
    owner: key.owner,
    scope: key.scope,
    name: key.name,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}
