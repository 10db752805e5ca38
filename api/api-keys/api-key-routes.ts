import type { Sequelize } from 'sequelize';
import type { TenantCallbackSecrets } from '../../services/callbacks/tenant-callback-secrets';
import { issueApiKey } from '../auth/issue-api-key';
import {
  answerWithSecret,
  IDEMPOTENCY_KEY_REFUSED,
  refuseStoredReplay,
} from '../callback-secrets/secret-bearing-answer';
import { defineRoute, type AnyRoute } from '../http/route';
import {
  apiKeyList,
  apiKeyListQuery,
  apiKeyListingView,
  apiKeyRequest,
  issuedApiKey,
} from './api-key-schemas';
import { ApiKeyStore, LISTED_KEYS_MAX } from './api-key-store';

export interface ApiKeyRouteDependencies {
  sequelize: Sequelize;
  callbackSecrets: TenantCallbackSecrets;
}

const TAG = 'API keys';

/**
 * Admin routes over API keys, as scripts/create-api-key.ts issues them: a key (and an owner's first callback
 * secret) is in the issuing answer only; listings show prefixes. Revoking stays one UPDATE (README).
 */
export function apiKeyRoutes(deps: ApiKeyRouteDependencies): AnyRoute[] {
  const store = new ApiKeyStore(deps.sequelize);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/api-keys',
      operationId: 'issueApiKey',
      summary: 'Issue an API key for a tenant; its first key also makes its callback secret',
      description:
        'The key, and for an owner without a callback secret the new secret, are in this answer only: the ' +
        'key is stored as a hash, the secret sealed (AES-256-GCM), and neither is ever shown again.',
      tag: TAG,
      scope: 'admin',
      body: apiKeyRequest,
      // The answer shows a secret once: no guard may store it for a replay.
      replayable: false,
      responses: {
        201: { description: 'Issued', schema: issuedApiKey },
        ...IDEMPOTENCY_KEY_REFUSED,
      },
      async handler(ctx, { body }) {
        refuseStoredReplay(ctx);
        const issued = await issueApiKey(
          deps.sequelize,
          { owner: body.owner, scope: body.scope, ...(body.name !== undefined ? { name: body.name } : {}) },
          deps.callbackSecrets,
        );
        answerWithSecret(ctx, 201, {
          id: issued.id,
          prefix: issued.prefix,
          owner: body.owner,
          scope: body.scope,
          name: body.name ?? null,
          key: issued.key,
          callback_secret: issued.callbackSecret,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/api-keys',
      operationId: 'listApiKeys',
      summary: "A tenant's API keys, newest first: prefixes, never keys",
      description: `At most the newest ${LISTED_KEYS_MAX}, revoked ones included.`,
      tag: TAG,
      scope: 'admin',
      query: apiKeyListQuery,
      responses: { 200: { description: "The owner's keys", schema: apiKeyList } },
      async handler(ctx, { query }) {
        ctx.body = { data: (await store.list(query.owner)).map(apiKeyListingView) };
      },
    }),
  ];
}
