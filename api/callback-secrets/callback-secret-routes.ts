import type { TenantCallbackSecrets } from '../../services/callbacks/tenant-callback-secrets';
import { defineRoute, type AnyRoute } from '../http/route';
import { Problem } from '../problem';
import {
  callbackSecretParams,
  callbackSecretStatus,
  callbackSecretStatusView,
  rotatedCallbackSecret,
  rotationRequest,
} from './callback-secret-schemas';
import { answerWithSecret, IDEMPOTENCY_KEY_REFUSED, refuseStoredReplay } from './secret-bearing-answer';

export interface CallbackSecretRouteDependencies {
  callbackSecrets: TenantCallbackSecrets;
}

const TAG = 'Callback secrets';

const noSecret = (owner: string) =>
  new Problem(
    404,
    'Not Found',
    `tenant ${owner} has no callback secret: its first API key makes one (or scripts/backfill-callback-secrets.ts)`,
    [{ field: 'params.owner', reason: 'has no callback secret' }],
  );

/** Admin routes over the tenants' callback secrets: what they are, and rotating one. */
export function callbackSecretRoutes(deps: CallbackSecretRouteDependencies): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/callback-secrets/:owner',
      operationId: 'getCallbackSecret',
      summary: "A tenant's callback secrets: prefixes and dates, never a secret",
      tag: TAG,
      scope: 'admin',
      params: callbackSecretParams,
      responses: {
        200: {
          description: 'The current secret, and the replaced one while it still signs',
          schema: callbackSecretStatus,
        },
        404: { description: 'The tenant has no callback secret' },
      },
      async handler(ctx, { params }) {
        const status = await deps.callbackSecrets.status(params.owner);
        if (!status) throw noSecret(params.owner);
        ctx.body = callbackSecretStatusView(status);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/callback-secrets/:owner/rotate',
      operationId: 'rotateCallbackSecret',
      summary: "Replace a tenant's callback secret; the replaced one keeps signing for the overlap",
      description:
        'The new secret is in this answer only. Until `previous.expires_at` every callback of the tenant ' +
        'carries two `v1=` signatures, by the new and the replaced secret, so its receiver can switch at any ' +
        'moment of the window; after it, only the new one. Only two secrets sign at once: rotating again ' +
        'during a window stops the older one at once.',
      tag: TAG,
      scope: 'admin',
      params: callbackSecretParams,
      body: rotationRequest,
      // The answer shows a secret once: no guard may store it for a replay.
      replayable: false,
      responses: {
        200: { description: 'Rotated: the new secret, shown this once', schema: rotatedCallbackSecret },
        ...IDEMPOTENCY_KEY_REFUSED,
        404: { description: 'The tenant has no callback secret to rotate' },
      },
      async handler(ctx, { params, body }) {
        refuseStoredReplay(ctx);
        const rotated = await deps.callbackSecrets.rotate(params.owner, body.overlap_seconds);
        if (!rotated) throw noSecret(params.owner);
        answerWithSecret(ctx, 200, { ...callbackSecretStatusView(rotated.status), secret: rotated.secret });
      },
    }),
  ];
}
