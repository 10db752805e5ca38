import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { verifyCallbackSignature } from '../../services/callbacks/callback-signature';
import { progressQuery, cancelSignal, type GenerationResult } from '../../workflows/generation-definitions';
import { readAccount } from '../support/accounts';
import { CallbackSecretCipher } from '../../services/callbacks/callback-secret-cipher';
import { TenantCallbackSecrets } from '../../services/callbacks/tenant-callback-secrets';
import { startCallbackReceiver, verifies } from '../support/callback-receiver';
import { CALLBACK_SECRET, GenerationFixture } from './generation-fixture';

const IMAGE_PRICE_2K = 4;
const VIDEO_PRICE_5S_720P = 15; // jimeng-video-3.5-pro: 5 s x 2 points x 1.5

interface RecordRow {
  generation_status: number;
  jimeng_accounts_id: string;
  site_used: number | null;
  original_session_id: string | null;
  site_switch_count: number;
  image_urls?: string[] | null;
  video_urls?: string[] | null;
  remote_task_id?: string | null;
  error_code: string | null;
  error_message: string | null;
}

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowFailedError) return err;
    throw err;
  }
  throw new Error('expected the workflow to fail');
}

/** Timers the workflow started, in seconds, from its history: the waits it really slept. */
async function timerSeconds(f: GenerationFixture, workflowId: string): Promise<number[]> {
  const history = await f.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.timerStartedEventAttributes?.startToFireTimeout?.seconds)
    .filter((s) => s !== undefined && s !== null)
    .map(Number);
}

/** How a run's waits for an account ended, from its history: signals received and its timers' fates. */
async function wakesOf(handle: Pick<WorkflowHandle, 'fetchHistory'>) {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    signals: events.flatMap((e) =>
      e.workflowExecutionSignaledEventAttributes
        ? [e.workflowExecutionSignaledEventAttributes.signalName]
        : [],
    ),
    started: events.filter((e) => e.timerStartedEventAttributes).length,
    cancelled: events.filter((e) => e.timerCanceledEventAttributes).length,
    fired: events.filter((e) => e.timerFiredEventAttributes).length,
  };
}

describe('generation workflows end to end (Temporal dev server, MariaDB, Jimeng simulator, OSS server)', () => {
  const f = new GenerationFixture();
  beforeAll(() => f.start(), 120_000);
  afterAll(() => f.close(), 60_000);
  beforeEach(() => f.reset());

  it('image: reserves, leases, generates, stores every image in OSS, settles, releases, records', async () => {
    const account = await f.account({ site_type: 0 });
    const userId = await f.userWithPoints(100);
    const objectsBefore = f.objectCount();
    const input = { ...f.task(userId), request: { prompt: 'a lighthouse at dawn', model: 'jimeng-4.5' } };
    const handle = await f.startImage(input);
    const result: GenerationResult = await handle.result();

    expect(result).toMatchObject({
      taskId: input.taskId,
      status: 'completed',
      cost: IMAGE_PRICE_2K,
      attempts: 1,
    });
    expect(result.outputs).toHaveLength(4);
    for (const output of result.outputs) {
      expect(output.ossCdnUrl).toMatch(
        new RegExp(`^https://cdn\\.example\\.com/users/${userId}/jobs/${input.taskId}/image-\\d+\\.png$`),
      );
      expect(output).toMatchObject({ contentType: 'image/png', width: 2048, height: 2048 });
      expect(output.size).toBeGreaterThan(0);
    }
    expect(f.objectCount() - objectsBefore).toBe(4);
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE_2K);

    const record = await f.row<RecordRow>('SELECT * FROM jimeng_image_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(record).toMatchObject({
      generation_status: 2,
      jimeng_accounts_id: account.id,
      site_used: 0,
      original_session_id: account.sessionId,
      site_switch_count: 0,
      error_code: null,
    });
    expect(record.image_urls).toEqual(result.outputs.map((o) => o.ossCdnUrl));
    const execution = await f.row<{ status: string; progress: number; credit_cost: number; type: string }>(
      'SELECT status, progress, credit_cost, type FROM template_executions WHERE credit_transaction_id = ?',
      [input.taskId],
    );
    expect(execution).toEqual({
      status: 'completed',
      progress: 100,
      credit_cost: IMAGE_PRICE_2K,
      type: 'image',
    });
    const rows = await f.rows<{ is_primary: number; sort_order: number; width: number }>(
      'SELECT is_primary, sort_order, width FROM job_outputs WHERE job_id = ? ORDER BY sort_order',
      [input.taskId],
    );
    expect(rows.map((r) => [r.is_primary, r.sort_order, r.width])).toEqual([
      [1, 0, 2048],
      [0, 1, 2048],
      [0, 2, 2048],
      [0, 3, 2048],
    ]);
    expect((await readAccount(f.sequelize, account.id)).image_count).toBe(1);
    expect(await handle.query(progressQuery)).toMatchObject({
      status: 'completed',
      percent: 100,
      attempt: 1,
    });
    // Operators find the run by project, storyboard, account and status (visibility is eventually consistent).
    const query =
      `JimengProjectId = "${input.projectId}" AND JimengStoryboardId = "${input.storyboardId}"` +
      ` AND JimengAccountId = "${account.id}" AND JimengStatus = "completed" AND JimengGenerationType = "image"`;
    const found: string[] = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      for await (const run of f.client.workflow.list({ query })) found.push(run.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found).toEqual([handle.workflowId]);
    const described = await handle.describe();
    expect(described.memo).toMatchObject({ taskId: input.taskId, prompt: 'a lighthouse at dawn' });
    await f.expectConsistent(userId, [input.taskId]);
  });

  it("video: one call on the proxy's synchronous route, the MP4 stored, no remote task id (the proxy returns none)", async () => {
    const account = await f.account({ site_type: 0 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'waves rolling in', duration: 5 } };
    const result = await (await f.startVideo(input)).result();

    expect(result).toMatchObject({ status: 'completed', cost: VIDEO_PRICE_5S_720P });
    expect(result.outputs).toHaveLength(1);
    expect(result.outputs[0]).toMatchObject({ contentType: 'video/mp4', durationSeconds: 5 });
    const record = await f.row<RecordRow>('SELECT * FROM jimeng_video_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(record.generation_status).toBe(2);
    expect(record.jimeng_accounts_id).toBe(account.id);
    expect(record.remote_task_id).toBeNull();
    expect(record.video_urls).toEqual([result.outputs[0]!.ossCdnUrl]);
    const counters = f.sim.admin.counters().bySession[account.sessionId]!.byEndpoint;
    expect(counters).toEqual({ 'POST /v1/videos/generations': 1 });
    expect(await f.balance(userId)).toBe(100 - VIDEO_PRICE_5S_720P);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('risk-control storm (-2001 ret 1019): waits 3 s then 5 s as the schedule says, cools both accounts down, succeeds on the third', async () => {
    const first = await f.account({ priority: 30 });
    const second = await f.account({ priority: 20 });
    const third = await f.account({ priority: 10 });
    for (const a of [first, second])
      f.sim.admin.injectFault({ kind: 'risk_control', sessionId: a.sessionId, rate: 1, ret: '1019' });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'storm' } };
    const handle = await f.startImage(input);
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'completed', attempts: 3 });
    expect(await timerSeconds(f, handle.workflowId)).toEqual([3, 5]);
    const record = await f.row<RecordRow>('SELECT * FROM jimeng_image_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(record.jimeng_accounts_id).toBe(third.id);
    // The first account used is the one whose session is kept.
    expect(record.original_session_id).toBe(first.sessionId);
    expect(record.error_code).toBeNull();
    for (const a of [first, second])
      expect((await readAccount(f.sequelize, a.id)).image_generation_status).toBe(2);
    const bySession = f.sim.admin.counters().bySession;
    expect(bySession[first.sessionId]!.total).toBe(1);
    expect(bySession[second.sessionId]!.total).toBe(1);
    expect(bySession[third.sessionId]!.total).toBe(1);
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE_2K);
    await f.expectConsistent(userId, [input.taskId]);
  }, 60_000);

  it('session invalid: the account is marked unavailable and the job moves to another at once', async () => {
    const bad = await f.account({ priority: 10 });
    const good = await f.account({ priority: 0 });
    f.sim.admin.registerSession({ sessionId: bad.sessionId, state: 'invalid' });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'switch' } };
    const handle = await f.startImage(input);
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'completed', attempts: 2 });
    expect(await timerSeconds(f, handle.workflowId)).toEqual([]);
    const marked = await readAccount(f.sequelize, bad.id);
    expect([marked.image_generation_status, marked.video_generation_status]).toEqual([0, 0]);
    const record = await f.row<RecordRow>('SELECT * FROM jimeng_image_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(record.jimeng_accounts_id).toBe(good.id);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('site switch: a model the site does not serve moves the job to the next site and counts the switch', async () => {
    const cn = await f.account({ site_type: 0, priority: 10 });
    const sg = await f.account({ site_type: 4, priority: 0 });
    // The upstream's "region not allow" (ret 3000): the IP region does not match the token's site.
    f.sim.admin.injectFault({
      kind: 'error_code',
      sessionId: cn.sessionId,
      count: 1,
      code: -2001,
      message: 'region not allow (错误码: 3000)',
    });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), sites: [0, 4], request: { prompt: 'site', model: 'jimeng-4.0' } };
    const handle = await f.startImage(input);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', attempts: 2 });
    expect(await timerSeconds(f, handle.workflowId)).toEqual([]);
    const record = await f.row<RecordRow>('SELECT * FROM jimeng_image_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(record).toMatchObject({
      site_used: 4,
      site_switch_count: 1,
      jimeng_accounts_id: sg.id,
      original_session_id: cn.sessionId,
    });
    // A site problem is not the account's: it stays available for jobs on its own site.
    expect((await readAccount(f.sequelize, cn.id)).image_generation_status).toBe(1);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('content policy: fails at once with one upstream call, no retry, points refunded', async () => {
    const first = await f.account({ priority: 10 });
    const second = await f.account({ priority: 0 });
    f.sim.admin.injectFault({ kind: 'content_policy', rate: 1 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'something refused' } };
    const handle = await f.startImage(input);
    const failure = await failureOf(handle.result());

    expect(failure.cause?.message).toMatch(/-2006/);
    expect(f.sim.admin.counters().bySession[first.sessionId]!.total).toBe(1);
    expect(f.sim.admin.counters().bySession[second.sessionId]).toBeUndefined();
    expect(await f.balance(userId)).toBe(100);
    const record = await f.row<RecordRow>('SELECT * FROM jimeng_image_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(record).toMatchObject({ generation_status: 3, error_code: '-2006' });
    const execution = await f.row<{ status: string; credit_cost: number; error_message: string }>(
      'SELECT status, credit_cost, error_message FROM template_executions WHERE credit_transaction_id = ?',
      [input.taskId],
    );
    expect(execution).toMatchObject({ status: 'failed', credit_cost: 0 });
    expect(execution.error_message).toMatch(/内容违规|content/i);
    // The account did nothing wrong.
    expect((await readAccount(f.sequelize, first.id)).image_generation_status).toBe(1);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('image: one remote activity (lease, call, release: the account is held only for the call); the bookkeeping around it runs locally', async () => {
    const account = await f.account();
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'a quiet harbour' } };
    const handle = await f.startImage(input);
    expect((await handle.result()).status).toBe('completed');
    const history = await handle.fetchHistory();
    const activities = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name
        ? [e.activityTaskScheduledEventAttributes.activityType.name]
        : [],
    );
    expect(activities).toEqual(['leaseAndGenerateImages']);
    const local = (history.events ?? []).flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && data
        ? [(JSON.parse(Buffer.from(data).toString()) as { activity_type: string }).activity_type]
        : [];
    });
    expect(local).toEqual(['beginGeneration', 'storeOutputs', 'finishGeneration']);
    const leases = await f.rows<{ account_id: string; outcome: string; released_at: Date | null }>(
      'SELECT account_id, outcome, released_at FROM jimeng_account_leases WHERE holder = ?',
      [handle.workflowId],
    );
    expect(leases).toEqual([{ account_id: account.id, outcome: 'success', released_at: expect.any(Date) }]);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('a job that found no free account is woken by the release of another, not by its timer', async () => {
    const account = await f.account();
    const userId = await f.userWithPoints(100);
    const [first, queued] = await f.startWhileTheAccountIsBusy(userId, account);
    expect((await first.result()).status).toBe('completed');
    expect((await queued.result()).status).toBe('completed');
    // The fallback timer (3 s) was started and abandoned: the wake, not the timer, sent the job on.
    expect(await wakesOf(queued)).toEqual({ signals: ['accountFreed'], started: 1, cancelled: 1, fired: 0 });
    expect(await f.rows('SELECT * FROM jimeng_account_waiters', [])).toEqual([]);
  });

  it('video: a release after its call wakes the job waiting for the account', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const first = await f.startVideo({ ...f.task(userId), request: { prompt: 'holds it', duration: 5 } });
    while (
      (await f.rows('SELECT token FROM jimeng_account_leases WHERE live_key IS NOT NULL', [])).length === 0
    )
      await new Promise((r) => setTimeout(r, 50));
    const queued = await f.startVideo({ ...f.task(userId), request: { prompt: 'waits', duration: 5 } });
    expect((await first.result()).status).toBe('completed');
    expect((await queued.result()).status).toBe('completed');
    expect(await wakesOf(queued)).toEqual({ signals: ['accountFreed'], started: 1, cancelled: 1, fired: 0 });
  });

  it("removes the temp files a killed attempt left behind when the job ends, and only that job's", async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'a lighthouse' } };
    const leftover = join(f.tmpDir, `${input.taskId}.5b1c0e3e-killed-attempt.png`);
    const otherJob = join(f.tmpDir, `${input.taskId}9.5b1c0e3e-other-job.png`);
    await writeFile(leftover, 'half an image');
    await writeFile(otherJob, 'another job, still uploading');
    const handle = await f.startImage(input);
    expect((await handle.result()).status).toBe('completed');
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(otherJob)).toBe(true);
    await rm(otherJob);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('a cancel that arrives while the outputs upload is too late: the job completes, charged once', async () => {
    await f.account();
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'too late to cancel' } };
    f.oss.injectFault({ kind: 'slow', method: 'PUT', count: 1, delayMs: 1500 });
    const handle = await f.startImage(input);
    for (let i = 0; i < 200 && f.oss.pendingFaults().length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(f.oss.pendingFaults()).toEqual([]); // an upload is in flight
    await handle.signal(cancelSignal, { reason: 'changed my mind during the upload' });
    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.outputs).toHaveLength(4);
    expect(await f.balance(userId)).toBe(100 - result.cost);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('cancel while waiting on a backoff: the timer is abandoned, the points refunded, the job cancelled', async () => {
    const only = await f.account();
    // A gateway in front of the proxy failing: the proxy itself always answers 200.
    f.sim.admin.injectFault({ kind: 'gateway_5xx', sessionId: only.sessionId, rate: 1, status: 502 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'cancel me' } };
    const handle = await f.startImage(input);
    let progress = await handle.query(progressQuery);
    for (let i = 0; i < 100 && progress.status !== 'retrying'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      progress = await handle.query(progressQuery);
    }
    expect(progress).toMatchObject({ status: 'retrying', attempt: 1, accountHint: `…${only.id.slice(-4)}` });
    expect(Date.parse(progress.nextWakeUpAt!)).toBeGreaterThan(Date.now());
    const waiting = await f.row<RecordRow>('SELECT * FROM jimeng_image_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(waiting).toMatchObject({ generation_status: 4, error_code: 'HTTP_502' });

    await handle.signal(cancelSignal, { reason: 'user changed their mind' });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED', cost: 0 });
    expect(await f.balance(userId)).toBe(100);
    const record = await f.row<RecordRow>('SELECT * FROM jimeng_image_generation_records WHERE id = ?', [
      input.taskId,
    ]);
    expect(record).toMatchObject({
      generation_status: 3,
      error_code: 'CANCELLED',
      error_message: 'user changed their mind',
    });
    const execution = await f.row<{ status: string }>(
      'SELECT status FROM template_executions WHERE credit_transaction_id = ?',
      [input.taskId],
    );
    expect(execution.status).toBe('cancelled');
    expect(f.sim.admin.counters().bySession[only.sessionId]!.total).toBe(1);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('Temporal cancellation during the video call: run cancelled, account released, refunded', async () => {
    const only = await f.account();
    f.sim.admin.injectFault({ kind: 'slow', delayMs: 20_000, count: 1 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'long video', duration: 10 } };
    const handle = await f.startVideo(input);
    const calls = () => f.sim.admin.counters().bySession[only.sessionId]?.total ?? 0;
    for (let i = 0; i < 200 && calls() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(calls()).toBe(1);
    await handle.cancel();
    const failure = await failureOf(handle.result());
    expect(failure.cause?.name).toBe('CancelledFailure');
    expect(await f.balance(userId)).toBe(100);
    const execution = await f.row<{ status: string }>(
      'SELECT status FROM template_executions WHERE credit_transaction_id = ?',
      [input.taskId],
    );
    expect(execution.status).toBe('cancelled');
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('a duplicate request attaches to the running workflow: one run, one record, one charge', async () => {
    await f.account();
    f.sim.admin.injectFault({ kind: 'slow', delayMs: 500, count: 1 });
    const userId = await f.userWithPoints(100);
    const input = { ...f.task(userId), request: { prompt: 'twice' } };
    const first = await f.startImage(input);
    const second = await f.startImage({ ...input, taskId: `${input.taskId}9` });
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.result();
    const records = await f.rows('SELECT id FROM jimeng_image_generation_records WHERE project_id = ?', [
      input.projectId,
    ]);
    expect(records).toEqual([{ id: input.taskId }]);
    expect(await f.balance(userId)).toBe(100 - IMAGE_PRICE_2K);
    await f.expectConsistent(userId, [input.taskId]);
  });

  it('insufficient points: fails before any record, lease or upstream call', async () => {
    const account = await f.account();
    const userId = await f.userWithPoints(1);
    const input = { ...f.task(userId), request: { prompt: 'too expensive' } };
    const failure = await failureOf((await f.startImage(input)).result());
    expect(failure.cause?.message).toMatch(/INSUFFICIENT_POINTS/);
    expect(
      await f.rows('SELECT id FROM jimeng_image_generation_records WHERE id = ?', [input.taskId]),
    ).toEqual([]);
    expect(f.sim.admin.counters().bySession[account.sessionId]).toBeUndefined();
    expect(await f.balance(userId)).toBe(1);
    await f.expectConsistent(userId, []);
  });

  it("signs a finished task's callback with its tenant's secret, not another tenant's nor the legacy one", async () => {
    await f.account();
    const secrets = new TenantCallbackSecrets({
      sequelize: f.sequelize,
      cipher: new CallbackSecretCipher(f.config.callbackSecretEncryptionKey),
    });
    const run = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    const [owner, other] = [`wf-owner-${run}`, `wf-other-${run}`];
    const ownSecret = (await secrets.createIfAbsent(owner))!.secret;
    const otherSecret = (await secrets.createIfAbsent(other))!.secret;
    const receiver = await startCallbackReceiver();
    try {
      const userId = await f.userWithPoints(100);
      const input = {
        ...f.task(userId, { callbackUrl: receiver.urlFor(owner), createdBy: owner }),
        request: { prompt: 'call my tenant back' },
      };
      const result = await (await f.startImage(input)).result();
      expect(result.status).toBe('completed');
      const callback = await receiver.callbackOf(input.taskId);
      expect(callback.headers['x-jimeng-event-id']).toBe(`${input.taskId}:completed`);
      expect(verifies(callback, ownSecret)).toBe(true);
      expect(verifies(callback, otherSecret)).toBe(false);
      expect(verifies(callback, CALLBACK_SECRET)).toBe(false);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('sends one signed callback with the final result (no tenant secret: the legacy one, outside production)', async () => {
    await f.account();
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const userId = await f.userWithPoints(100);
      const input = {
        ...f.task(userId, { callbackUrl: `http://127.0.0.1:${port}/hooks/jimeng?token=abc` }),
        request: { prompt: 'call me back' },
      };
      const result = await (await f.startImage(input)).result();
      expect(received).toHaveLength(1);
      const { headers, body } = received[0]!;
      expect(headers['x-jimeng-event-id']).toBe(`${input.taskId}:completed`);
      expect(
        verifyCallbackSignature(
          CALLBACK_SECRET,
          String(headers['x-jimeng-signature']),
          body,
          Date.now() / 1000,
        ),
      ).toBe(true);
      const payload = JSON.parse(body) as {
        task_id: string;
        status: string;
        outputs: Array<{ url: string }>;
      };
      expect(payload.task_id).toBe(input.taskId);
      expect(payload.status).toBe('completed');
      expect(payload.outputs.map((o) => o.url)).toEqual(result.outputs.map((o) => o.ossCdnUrl));
      await f.expectConsistent(userId, [input.taskId]);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
