import { z } from 'zod';
import {
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  MAX_ROTATION_OVERLAP_SECONDS,
  type CallbackSecretStatus,
} from '../../services/callbacks/tenant-callback-secrets';
import { OWNER_PATTERN } from '../auth/issue-api-key';

export const ownerSchema = z
  .string()
  .regex(OWNER_PATTERN, 'must be 1 to 50 characters of A-Z a-z 0-9 _ . : @ -')
  .meta({ description: "The tenant: an API key's owner" });

export const callbackSecretParams = z.strictObject({ owner: ownerSchema });

export const rotationRequest = z.strictObject({
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_ROTATION_OVERLAP_SECONDS)
    .default(DEFAULT_ROTATION_OVERLAP_SECONDS)
    .meta({
      description:
        `How long the replaced secret keeps signing next to the new one (default ${DEFAULT_ROTATION_OVERLAP_SECONDS}, ` +
        'a day); 0 stops it at once (a leaked secret)',
    }),
});

const time = (description: string) => z.string().meta({ description: `${description} (ISO 8601)` });

const statusShape = {
  owner: z.string(),
  prefix: z.string().meta({ description: "The current secret's first characters, to tell secrets apart" }),
  created_at: time('When the current secret was made'),
  previous: z
    .object({
      prefix: z
        .string()
        .meta({ description: '`legacy` for the former global secret (CALLBACK_SIGNING_SECRET)' }),
      expires_at: time('When it stops signing'),
    })
    .nullable()
    .meta({
      description: 'The replaced secret while it still signs next to the current one; null otherwise',
    }),
};

export const callbackSecretStatus = z
  .object(statusShape)
  .meta({ id: 'CallbackSecretStatus', description: "A tenant's callback secrets, without any secret" });

export const rotatedCallbackSecret = z
  .object({
    ...statusShape,
    secret: z.string().meta({
      description:
        'The new secret, shown this once: the HMAC-SHA256 key of the `x-jimeng-signature` v1 entries',
    }),
  })
  .meta({ id: 'RotatedCallbackSecret' });

export type CallbackSecretStatusView = z.output<typeof callbackSecretStatus>;

export function callbackSecretStatusView(status: CallbackSecretStatus): CallbackSecretStatusView {
  return {
    owner: status.owner,
    prefix: status.prefix,
    created_at: status.createdAt.toISOString(),
    previous: status.previous
      ? { prefix: status.previous.prefix, expires_at: status.previous.expiresAt.toISOString() }
      : null,
  };
}
