import type { GenerationResult } from '../../domain/generation/generation-types';
import { sendCallback, CallbackDeliveryError } from '../../services/callbacks/callback-sender';
import { readRecord } from '../../services/generation/generation-records';
import { failure } from './activity-failures';
import type { GenerationDependencies } from './generation-dependencies';
import type { GenerationType } from '../../domain/generation/generation-types';

/** The job's end told to the caller: its result POSTed, signed, to the callback_url its record carries. */
export function createCallbackActivities(
  deps: Pick<GenerationDependencies, 'sequelize' | 'logger' | 'callbacks'>,
) {
  const { sequelize } = deps;

  return {
    /**
     * POSTs the final result to the record's callback_url, signed. The event id is the task id and final status,
     * the same on every retry, so receivers drop duplicates.
     */
    async notifyCallback(input: {
      type: GenerationType;
      result: GenerationResult;
    }): Promise<{ delivered: boolean }> {
      const record = await readRecord(sequelize, input.type, input.result.taskId);
      if (!record?.callbackUrl) return { delivered: false };
      const { result } = input;
      const secrets = await signingSecretsOf(deps.callbacks, record.createdBy);
      if (secrets === null) {
        // Production: a tenant without its own secret gets no callback signed with one every tenant knows.
        const message =
          `tenant "${record.createdBy ?? ''}" has no callback secret: issue it a key, or run ` +
          'scripts/backfill-callback-secrets.ts (README, Callbacks)';
        deps.logger.warn({ taskId: result.taskId, err: message }, 'callback refused');
        throw failure('CallbackRejected', message);
      }
      try {
        await sendCallback({
          url: record.callbackUrl,
          eventId: `${result.taskId}:${result.status}`,
          secrets,
          allowPrivate: deps.callbacks.allowPrivate,
          payload: callbackPayload(input.type, result),
        });
        return { delivered: true };
      } catch (err) {
        // A refused address arrives here too, as a delivery error that is not retryable.
        if (err instanceof CallbackDeliveryError && !err.retryable) {
          deps.logger.warn({ taskId: result.taskId, err: err.message }, 'callback refused');
          throw failure('CallbackRejected', err.message);
        }
        throw err;
      }
    },
  };
}

/**
 * The task owner's secrets (the record's create_by: the API key's owner), read at each delivery so a rotation
 * applies at once. An owner without a secret of its own (a tenant from before them, or a task started with
 * the Temporal client) is signed with the legacy global secret where there is one: outside production only
 * (worker/dependency-settings.ts). Null: nothing may sign it.
 */
async function signingSecretsOf(
  callbacks: GenerationDependencies['callbacks'],
  owner: string | null,
): Promise<readonly string[] | null> {
  const own = owner === null ? null : await callbacks.secrets.signingSecrets(owner);
  if (own !== null) return own;
  return callbacks.legacySecret === null ? null : [callbacks.legacySecret];
}

/** The callback's body: what receivers parse, so its fields are the API's snake_case, not the workflow's. */
function callbackPayload(type: GenerationType, result: GenerationResult) {
  return {
    event: 'generation.finished',
    task_id: result.taskId,
    type,
    status: result.status,
    cost: result.cost,
    outputs: result.outputs.map((o) => ({
      url: o.ossCdnUrl ?? o.ossUrl,
      oss_url: o.ossUrl,
      size: o.size,
      content_type: o.contentType,
      ...(o.width !== undefined ? { width: o.width, height: o.height } : {}),
      ...(o.durationSeconds !== undefined ? { duration: o.durationSeconds } : {}),
    })),
    error: result.errorCode ? { code: result.errorCode, message: result.errorMessage ?? '' } : null,
  };
}
