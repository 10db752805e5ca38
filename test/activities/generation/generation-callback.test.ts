import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createCallbackActivities } from '../../../activities/generation/generation-callback';
import { SnowflakeGenerator } from '../../../db/ids/snowflake';
import { CallbackSecretCipher } from '../../../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../../../services/callbacks/tenant-callback-secrets';
import {
  signatureCount,
  startCallbackReceiver,
  verifies,
  type CallbackReceiver,
} from '../../support/callback-receiver';
import { migratedTestDatabase } from '../../support/database';

const ids = new SnowflakeGenerator({ nodeId: 907 });
const LEGACY = 'legacy-callback-secret-for-this-test';

/**
 * Whose secret notifyCallback signs with: the task owner's (the record's create_by), read at each delivery;
 * the legacy global one for an owner without a secret only where the worker was given one (outside
 * production), and no callback at all otherwise.
 */
describe('notifyCallback', () => {
  let sequelize: Sequelize;
  let secrets: TenantCallbackSecrets;
  let receiver: CallbackReceiver;
  const run = randomUUID().slice(0, 8);

  const activities = (legacySecret: string | null) =>
    createCallbackActivities({
      sequelize,
      logger: pino({ level: 'silent' }),
      callbacks: { secrets, legacySecret, allowPrivate: true },
    });

  /** A finished task's record, as the workflow leaves it, owned by `owner`, with a callback to the receiver. */
  async function finishedTask(owner: string): Promise<string> {
    const id = ids.next();
    await sequelize.query(
      `INSERT INTO jimeng_image_generation_records
         (id, jimeng_accounts_id, project_id, project_name, storyboard_id, work_id, model, prompt, create_by,
          callback_url, generation_status)
       VALUES (?, '', ?, 'callbacks', ?, 'w', 'm', 'p', ?, ?, 2)`,
      { replacements: [id, `cb-${run}`, `sb-${id}`, owner, receiver.urlFor(owner)] },
    );
    return id;
  }
  const notify = (legacySecret: string | null, taskId: string) =>
    activities(legacySecret).notifyCallback({
      type: 'image',
      result: { taskId, status: 'completed', outputs: [], cost: 4, attempts: 1 },
    });

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    secrets = new TenantCallbackSecrets({
      sequelize,
      cipher: new CallbackSecretCipher(Buffer.alloc(32, 9)),
    });
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await sequelize.query('DELETE FROM jimeng_image_generation_records WHERE project_id = ?', {
      replacements: [`cb-${run}`],
    });
    await sequelize.close();
  });

  it("signs with the task owner's secret, even where a legacy secret exists", async () => {
    const owner = `act-owner-${run}`;
    const own = (await secrets.createIfAbsent(owner))!.secret;
    const taskId = await finishedTask(owner);
    expect(await notify(LEGACY, taskId)).toEqual({ delivered: true });
    const callback = await receiver.callbackOf(taskId);
    expect(signatureCount(callback)).toBe(1);
    expect(verifies(callback, own)).toBe(true);
    expect(verifies(callback, LEGACY)).toBe(false);
  });

  it('signs with both secrets right after a rotation: the secrets are read at each delivery', async () => {
    const owner = `act-rotated-${run}`;
    const first = (await secrets.createIfAbsent(owner))!.secret;
    const second = (await secrets.rotate(owner, 3600))!.secret;
    const taskId = await finishedTask(owner);
    await notify(null, taskId);
    const callback = await receiver.callbackOf(taskId);
    expect(signatureCount(callback)).toBe(2);
    expect(verifies(callback, second)).toBe(true);
    expect(verifies(callback, first)).toBe(true);
  });

  it('signs an owner without a secret with the legacy one where the worker has it (outside production)', async () => {
    const taskId = await finishedTask(`act-legacy-${run}`);
    expect(await notify(LEGACY, taskId)).toEqual({ delivered: true });
    expect(verifies(await receiver.callbackOf(taskId), LEGACY)).toBe(true);
  });

  it('sends nothing for an owner without a secret in production, failing the delivery for good', async () => {
    const owner = `act-none-${run}`;
    const taskId = await finishedTask(owner);
    const error: unknown = await notify(null, taskId).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'CallbackRejected', nonRetryable: true });
    expect((error as Error).message).toContain(`tenant "${owner}" has no callback secret`);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.filter((r) => r.taskId === taskId)).toEqual([]);
  });
});
