import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from 'pino';
import {
  leaseOutcomeForAction,
  type Capability,
  type LeaseOutcome,
} from '../../services/accounts/lease-outcome';
import { type AccountPool, type Lease, type LeaseRequest } from '../../services/accounts/account-pool';
import { type AccountWaiters } from '../../services/accounts/account-waiters';
import { ACCOUNT_FREED_SIGNAL } from '../../domain/generation/account-freed-signal';
import { sendCallback, CallbackDeliveryError } from '../../services/callbacks/callback-sender';
import { CallbackAddressError } from '../../services/callbacks/callback-address';
import { IMAGE_PIXEL_SIZES, type ImageRatio, type ImageResolution } from '../../domain/jimeng/output-formats';
import { JimengError, type JimengErrorJSON } from '../../services/jimeng/jimeng-error';
import { TASK_STATUS, type JimengClient } from '../../services/jimeng/client';
import {
  type ImageCompositionRequest,
  type ImageGenerationRequest,
  type JimengAccountRef,
  type VideoGenerationRequest,
} from '../../domain/jimeng/requests';
import { JimengErrorAction, JimengErrorReason } from '../../services/jimeng/error-actions';
import type { OutputStorage } from '../../services/oss/output-storage';
import { storeJobOutput } from '../../services/outputs/job-output-store';
import { LedgerError } from '../../services/points/ledger-errors';
import { type PointsLedger } from '../../services/points/points-ledger';
import { type PricingTable } from '../../domain/pricing';
import { heartbeat, withHeartbeat } from './heartbeat';
import { outputExtensionOf } from '../../services/generation/output-extension';
import { InputError } from '../../domain/input-error';
import { planImage, planVideo, type GenerationPlan } from '../../domain/generation/generation-plan';
import {
  StoryboardBusyError,
  closeRecords,
  markProcessing,
  markProgress,
  markRetrying,
  markVideoSubmitted,
  openRecords,
  readRecord,
  readRemoteTaskId,
  type GenerationKind,
} from '../../services/generation/generation-records';
import type {
  FinalStatus,
  GeneratedOutput,
  GenerationResult,
  ImageGenerationInput,
  VideoGenerationInput,
} from '../../domain/generation/generation-types';
import { GENERATION_FAILURES, type GenerationFailureType } from '../../domain/generation/generation-failures';

export interface GenerationDependencies {
  sequelize: Sequelize;
  logger: Logger;
  now: () => Date;
  pool: AccountPool;
  /** Jobs waiting for an account, woken one per release. */
  waiters: AccountWaiters;
  ledger: PointsLedger;
  jimeng: JimengClient;
  storage: OutputStorage;
  pricing: PricingTable;
  callbacks: { secret: string; allowPrivate: boolean };
  /** Between two polls of a video task; the proxy itself polls every 20 s. */
  videoPollIntervalMs?: number;
  /** How often long activities heartbeat and extend their account lease. */
  heartbeatMs?: number;
}

export type BeginInput =
  | ({ type: 'image'; workflowId: string } & ImageGenerationInput)
  | ({ type: 'video'; workflowId: string } & VideoGenerationInput);

export interface BeginResult {
  plan: GenerationPlan;
  executionId: number;
}

export interface AttemptInput {
  taskId: string;
  lease: Lease;
  siteSwitchCount: number;
}

interface ImageCall {
  call: ImageGenerationRequest | ImageCompositionRequest;
  composition: boolean;
}
type ImageAttemptInput = AttemptInput & ImageCall;
type VideoAttemptInput = AttemptInput & { call: VideoGenerationRequest };

/** What an activity that leases its own account is given: where to lease, and the attempt's bookkeeping. */
export interface LeasedCallInput {
  taskId: string;
  sites: number[];
  excludeAccountIds: string[];
  /** Accounts to skip while another is free, and to take again when none is (not the account's fault). */
  avoidAccountIds?: string[];
  holder: string;
  siteSwitchCount: number;
}

export interface ProducedOutput {
  url: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

/** The account an attempt ran on, as the workflow's retry plan needs it. */
export interface AttemptAccount {
  accountId: string;
  siteType: number;
  maxRetryCount: number;
}

/**
 * One attempt at a job: no account free, the account leased became unusable before the call (nobody called
 * it), the outputs, or the classified failure of the call.
 */
export type AttemptResult =
  | { kind: 'no_account' }
  | { kind: 'withdrawn'; accountId: string }
  | { kind: 'produced'; account: AttemptAccount; outputs: ProducedOutput[] }
  | { kind: 'failed'; account: AttemptAccount; failure: JimengErrorJSON };

/** A failure of the generation vocabulary (domain/generation/generation-failures.ts), as Temporal carries it. */
const failure = (type: GenerationFailureType, message: string, details?: unknown) =>
  ApplicationFailure.create({
    type,
    message,
    nonRetryable: !GENERATION_FAILURES[type].retryable,
    ...(details ? { details: [details] } : {}),
  });

/**
 * A JimengError leaves the activity as a non-retryable ApplicationFailure: the workflow, not Temporal's retry
 * policy, decides what happens next, because the answer (wait, other account, other site, give up) depends on
 * the account pool and the account's own backoff schedule.
 */
function asFailure(err: unknown): unknown {
  if (JimengError.is(err)) {
    const json: JimengErrorJSON = err.toJSON();
    return ApplicationFailure.create({
      type: err.type,
      message: err.message,
      nonRetryable: true,
      details: [json],
    });
  }
  return err;
}

export function createGenerationActivities(deps: GenerationDependencies) {
  const heartbeatMs = deps.heartbeatMs ?? 10_000;
  const pollMs = deps.videoPollIntervalMs ?? 5_000;
  const noLease = (): Promise<void> => Promise.resolve();
  const { sequelize } = deps;

  /**
   * The leased account's session. Before a paid call (`mustBeUsable`) also whether it is still usable: between
   * the lease and the call another job may have learned it is banned or logged out, or an operator switched it
   * off; calling it anyway is a call the upstream refuses (or, for a switched-off account, one the operator did
   * not want made). Polling an upstream job already running on it needs no such check.
   */
  const accountOf = async (lease: Lease, mustBeUsable = false): Promise<JimengAccountRef> => {
    const status = lease.capability === 'image' ? 'image_generation_status' : 'video_generation_status';
    const rows = await sequelize.query<{ session_id: string; proxy_url: string | null; usable: number }>(
      `SELECT session_id, attr3 AS proxy_url, (account_status = 0 AND is_deleted = 0 AND ${status} = 1) AS usable
         FROM jimeng_accounts WHERE id = ?`,
      { replacements: [lease.accountId], type: QueryTypes.SELECT },
    );
    if (!rows[0]) throw failure('UnknownAccount', `account ${lease.accountId} is gone`);
    if (mustBeUsable && Number(rows[0].usable) !== 1)
      throw failure('AccountWithdrawn', `account ${lease.accountId} became unusable after it was leased`);
    const { session_id: sessionId, proxy_url: proxyUrl } = rows[0];
    return { id: lease.accountId, siteType: lease.siteType, sessionId, proxyUrl };
  };

  /**
   * What a failed call says about the account is written at once, not only when the workflow releases the
   * lease a workflow task later: until then other jobs could lease the account's other capability (or this
   * one, once released) and call an account the upstream just refused. The release applies it again, harmlessly.
   */
  const failed = async (lease: Lease, err: unknown): Promise<unknown> => {
    if (JimengError.is(err)) {
      const outcome = leaseOutcomeForAction(err.action);
      await deps.pool.markAccount(lease.accountId, lease.capability, outcome).catch((markError: unknown) => {
        deps.logger.warn(
          { err: markError, accountId: lease.accountId },
          'could not mark the account at once',
        );
      });
    }
    return asFailure(err);
  };

  /**
   * A retried paid call: the attempt before it may have died (a killed worker) after the upstream answered that
   * the account cannot serve, before that answer was written down, so calling again would be a call after a
   * refusal (the chaos suite caught one). The account's credits, a look and not a generation, tell an exhausted,
   * banned or logged-out account first; it is marked and the job moves on without calling it.
   */
  const recheckAfterLostAttempt = async (lease: Lease, account: JimengAccountRef): Promise<void> => {
    let outcome: LeaseOutcome = 'success';
    try {
      // Bounded well inside the heartbeat timeout: nothing beats while it waits.
      const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(10_000)]);
      const credits = await deps.jimeng.getCredits(account, { signal });
      if (credits.totalCredit <= 0) outcome = 'quota_exhausted';
    } catch (err) {
      if (!JimengError.is(err)) throw err;
      // A dead session's credit read fails with the TypeError the generation call would get: ask the session.
      const confirmed = await confirmedFailure(account, err);
      outcome = leaseOutcomeForAction(JimengError.is(confirmed) ? confirmed.action : err.action);
    }
    if (outcome === 'success' || outcome === 'failed') return;
    await deps.pool.markAccount(lease.accountId, lease.capability, outcome);
    throw failure(
      'AccountWithdrawn',
      `account ${lease.accountId} cannot serve (${outcome}), found before calling it again after a lost attempt`,
    );
  };

  /** `resuming`: an upstream job is already running on the account (a fork's recorded task): no recheck. */
  const startAttempt = async (
    type: GenerationKind,
    input: AttemptInput,
    resuming = false,
  ): Promise<JimengAccountRef> => {
    const account = await accountOf(input.lease, !resuming);
    if (Context.current().info.attempt > 1 && !resuming) await recheckAfterLostAttempt(input.lease, account);
    await markProcessing(sequelize, {
      type,
      taskId: input.taskId,
      accountId: input.lease.accountId,
      siteType: input.lease.siteType,
      sessionId: account.sessionId,
      siteSwitchCount: input.siteSwitchCount,
      progress: 20,
      now: deps.now(),
    });
    return account;
  };

  const extendLease = (lease: Lease) => () => deps.pool.extend(lease.token);

  /**
   * A lease, or null after queueing the job among the waiters (a release then wakes it). Looked at once more
   * after queueing: an account released between the first look and the queueing woke nobody.
   */
  const leaseOrQueue = async (
    request: LeaseRequest & { holder: string; sites: readonly number[] },
    avoidAccountIds: readonly string[] = [],
  ): Promise<Lease | null> => {
    const preferred =
      avoidAccountIds.length > 0
        ? await deps.pool.lease({
            ...request,
            excludeAccountIds: [...(request.excludeAccountIds ?? []), ...avoidAccountIds],
          })
        : null;
    // The same request key: a retried activity gets back whichever of the two leases it took.
    const lease = preferred ?? (await deps.pool.lease(request));
    if (lease !== null) {
      await deps.waiters.remove(request.holder);
      return lease;
    }
    await deps.waiters.enqueue({
      holder: request.holder,
      capability: request.capability,
      sites: request.sites,
    });
    const second = await deps.pool.lease(request);
    if (second !== null) await deps.waiters.remove(request.holder);
    return second;
  };

  /** The lease request of this activity: the same on every retry, so a retry gets back the lease it took. */
  const requestKey = (): { requestKey?: string } => {
    const { workflowExecution, activityId } = Context.current().info;
    return workflowExecution !== undefined ? { requestKey: `${workflowExecution.runId}:${activityId}` } : {};
  };

  /**
   * An account's capability is free again: wake the job that has waited longest for one like it. Best effort:
   * a job not woken still looks again on its fallback timer, so a failure here must not fail the activity.
   */
  const wakeWaiter = async (capability: Capability, siteType: number): Promise<void> => {
    try {
      for (let tries = 0; tries < 3; tries++) {
        const holder = await deps.waiters.claimNext(capability, siteType);
        if (holder === null) return;
        try {
          await Context.current().client.workflow.getHandle(holder).signal(ACCOUNT_FREED_SIGNAL);
          return;
        } catch (err) {
          // The job ended while queued (cancelled, say): drop it and wake the next one.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          await deps.waiters.remove(holder);
        }
      }
    } catch (err) {
      deps.logger.warn({ err, capability, siteType }, 'could not wake a job waiting for an account');
    }
  };

  /** Whether an account is free for others right after a lease that ended this way. */
  const freesAccount = (outcome: LeaseOutcome): boolean => outcome === 'success' || outcome === 'failed';

  /**
   * A release after the call must not fail the activity: a retry would call the upstream again. So it is tried
   * for a while (a database restart takes seconds); if the database stays away, the lease expires by itself.
   */
  const releaseSurely = async (lease: Lease, outcome: LeaseOutcome): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.pool.release(lease.token, outcome);
        return;
      } catch (err) {
        if (attempt >= 6) {
          deps.logger.error({ err, accountId: lease.accountId }, 'lease not released; it will expire');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      }
    }
  };

  /**
   * The proxy answers a dead session's generation call with a TypeError on the credits it could not read
   * (-1000 "Cannot read properties of undefined (reading 'gift_credit')", iptag #58): a hint, not proof. The
   * session is asked (/token/check); not live, and the failure becomes ACCOUNT_INVALID (the account is marked,
   * the job switches at once); live, or the check itself failing, and it stays the unexplained failure it was.
   */
  const confirmedFailure = async (account: JimengAccountRef, err: unknown): Promise<unknown> => {
    if (!JimengError.is(err) || err.reason !== JimengErrorReason.SESSION_SUSPECT) return err;
    let live: boolean;
    try {
      const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(30_000)]);
      live = await deps.jimeng.checkSession(account, { signal });
    } catch {
      return err;
    }
    if (live) return err;
    return new JimengError({
      ...err.toJSON(),
      action: JimengErrorAction.ACCOUNT_INVALID,
      reason: JimengErrorReason.SESSION_EXPIRED,
      message: `${err.message} (/token/check: the session is not live)`,
    });
  };

  /** A call on a leased account, heartbeating and extending the lease while it runs; throws what it threw. */
  const heldCall = async <T>(
    lease: Lease,
    account: JimengAccountRef,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const signal = Context.current().cancellationSignal;
    try {
      return await withHeartbeat(heartbeatMs, extendLease(lease), () => call(signal));
    } catch (err) {
      throw await confirmedFailure(account, err);
    }
  };

  /** The image call on a leased account; throws what the call threw. */
  const imageCall = async (input: ImageAttemptInput): Promise<ProducedOutput[]> => {
    const account = await startAttempt('image', input);
    const result = await heldCall(input.lease, account, (signal) =>
      input.composition
        ? deps.jimeng.composeImages(account, input.call as ImageCompositionRequest, { signal })
        : deps.jimeng.generateImages(account, input.call, { signal }),
    );
    const size = IMAGE_PIXEL_SIZES[result.ratio as ImageRatio]?.[result.resolution as ImageResolution];
    const outputs = result.images.flatMap((image) =>
      image.url ? [{ url: image.url, ...(size ? { width: size.width, height: size.height } : {}) }] : [],
    );
    await markProgress(sequelize, input.taskId, 60);
    return outputs;
  };

  /**
   * The video call on a leased account: the proxy's synchronous route by default, one request held open until
   * the video exists. With a fork's async routes, the job id is recorded as soon as it is known, and a retry
   * after a lost worker polls that job instead of paying for another.
   */
  const videoCall = async (input: VideoAttemptInput): Promise<ProducedOutput[]> => {
    const recorded =
      Context.current().info.attempt > 1 ? await readRemoteTaskId(sequelize, input.taskId) : null;
    const account = await startAttempt('video', input, recorded !== null);
    const result = await heldCall(input.lease, account, (signal) =>
      deps.jimeng.makeVideo(account, input.call, {
        signal,
        ...(recorded ? { resumeTaskId: recorded } : {}),
        onSubmitted: (remoteTaskId) => markVideoSubmitted(sequelize, input.taskId, remoteTaskId),
        onPoll: (status) => markProgress(sequelize, input.taskId, videoProgress(status)),
      }),
    );
    const url = result.videos.find((v) => v.url)?.url;
    if (!url) throw new Error(`the video call for ${input.taskId} succeeded without a URL`);
    await markProgress(sequelize, input.taskId, 80);
    return [{ url }];
  };

  /**
   * Lease, call and release in one activity: the account is held for the call and a few statements, not for
   * the workflow tasks around three activities (seconds each on a busy Temporal), which left it idle a third of
   * the time in the pool-capacity bench. Failures come back as values for the workflow's retry plan; only
   * infrastructure failures throw (Temporal retries them, and a retry gets the same lease back).
   */
  const leaseAndCall = async (
    capability: Capability,
    request: Pick<LeasedCallInput, 'sites' | 'excludeAccountIds' | 'avoidAccountIds' | 'holder'>,
    call: (lease: Lease) => Promise<ProducedOutput[]>,
  ): Promise<AttemptResult> => {
    const lease = await leaseOrQueue(
      {
        capability,
        sites: request.sites as Lease['siteType'][],
        excludeAccountIds: request.excludeAccountIds,
        holder: request.holder,
        ...requestKey(),
      },
      request.avoidAccountIds,
    );
    if (lease === null) return { kind: 'no_account' };
    const account = {
      accountId: lease.accountId,
      siteType: lease.siteType,
      maxRetryCount: lease.maxRetryCount,
    };
    let outcome: LeaseOutcome | null = 'failed';
    let withdrawn = false;
    try {
      const outputs = await call(lease);
      outcome = 'success';
      return { kind: 'produced', account, outputs };
    } catch (err) {
      // This worker is shutting down (a deploy's SIGTERM) and cancelled the call: not the job's failure nor the
      // account's. Thrown, so Temporal runs the attempt again on another worker at once, on the same lease.
      if (Context.current().cancellationDetails?.workerShutdown === true) {
        outcome = null;
        throw err;
      }
      if (JimengError.is(err)) {
        outcome = leaseOutcomeForAction(err.action);
        return { kind: 'failed', account, failure: err.toJSON() };
      }
      if (err instanceof ApplicationFailure && err.type === 'AccountWithdrawn') {
        withdrawn = true;
        return { kind: 'withdrawn', accountId: lease.accountId };
      }
      // Infrastructure (the database, say): the lease stays live so Temporal's retry gets it back.
      outcome = null;
      throw err;
    } finally {
      if (outcome !== null) {
        await releaseSurely(lease, outcome);
        if (!withdrawn && freesAccount(outcome)) await wakeWaiter(capability, lease.siteType);
      }
    }
  };

  return {
    /**
     * Plans the job, reserves its price and opens its rows. Order matters for "no charge without a task": the
     * reservation comes first (idempotent by key) and is refunded here if the rows cannot be opened.
     */
    async beginGeneration(input: BeginInput): Promise<BeginResult> {
      let plan: GenerationPlan;
      try {
        plan =
          input.type === 'image'
            ? planImage(input, input.request, deps.pricing)
            : planVideo(input, input.request, deps.pricing);
      } catch (err) {
        if (err instanceof InputError)
          throw failure('InvalidGenerationRequest', err.message, { field: err.field });
        throw err;
      }
      try {
        await deps.ledger.reserve({
          idempotencyKey: `${input.taskId}:reserve`,
          userId: input.userId,
          amount: plan.price,
          sourceType: input.type,
          sourceId: input.taskId,
          ...(plan.type === 'video' ? { duration: plan.durationSeconds } : {}),
        });
      } catch (err) {
        if (err instanceof LedgerError) {
          throw failure(
            err.code === 'insufficient_points' ? 'InsufficientPoints' : 'InvalidGenerationRequest',
            err.message,
            { field: err.field },
          );
        }
        throw err;
      }
      try {
        const opened = await openRecords(sequelize, {
          type: input.type,
          task: input,
          plan,
          prompt: input.request.prompt,
          ...(input.type === 'image' && input.request.negativePrompt
            ? { negativePrompt: input.request.negativePrompt }
            : {}),
          ...(input.request.images ? { inputImages: input.request.images } : {}),
          workflowId: input.workflowId,
        });
        return { plan, executionId: opened.executionId };
      } catch (err) {
        if (err instanceof StoryboardBusyError) {
          await deps.ledger.settle({
            idempotencyKey: `${input.taskId}:settle`,
            sourceType: input.type,
            sourceId: input.taskId,
            outcome: 'failed',
          });
          throw failure('StoryboardBusy', err.message);
        }
        throw err;
      }
    },

    async leaseAccount(input: {
      type: GenerationKind;
      sites: number[];
      excludeAccountIds: string[];
      holder: string;
    }): Promise<Lease | null> {
      return leaseOrQueue({
        capability: input.type,
        sites: input.sites as Lease['siteType'][],
        excludeAccountIds: input.excludeAccountIds,
        holder: input.holder,
        ...requestKey(),
      });
    },

    /** `abandoned`: the job stopped (cancelled, failed elsewhere); the account did nothing wrong. */
    async releaseAccount(input: {
      token: string;
      result: 'success' | 'abandoned' | JimengErrorAction;
    }): Promise<void> {
      const outcome: LeaseOutcome =
        input.result === 'success'
          ? 'success'
          : input.result === 'abandoned'
            ? 'failed'
            : leaseOutcomeForAction(input.result);
      const { released } = await deps.pool.release(input.token, outcome);
      if (released && freesAccount(outcome)) {
        const rows = await sequelize.query<{ site_type: number }>(
          'SELECT site_type FROM jimeng_accounts WHERE id = ?',
          { replacements: [released.accountId], type: QueryTypes.SELECT },
        );
        if (rows[0]) await wakeWaiter(released.capability, rows[0].site_type);
      }
    },

    /** One synchronous image call on a leased account; returns the upstream's (expiring) URLs. */
    async generateImages(input: ImageAttemptInput): Promise<ProducedOutput[]> {
      try {
        return await imageCall(input);
      } catch (err) {
        throw await failed(input.lease, err);
      }
    },

    /** Lease, image call and release in one activity (leaseAndCall). */
    async leaseAndGenerateImages(input: LeasedCallInput & ImageCall): Promise<AttemptResult> {
      return leaseAndCall('image', input, (lease) => imageCall({ ...input, lease }));
    },

    /** Lease, video call and release in one activity (leaseAndCall); the call may last hours (proxy-limits.ts). */
    async leaseAndGenerateVideo(
      input: LeasedCallInput & { call: VideoGenerationRequest },
    ): Promise<AttemptResult> {
      return leaseAndCall('video', input, (lease) => videoCall({ ...input, lease }));
    },

    /** Starts the upstream video job and records its id, so a resumed workflow polls the same job. */
    async submitVideo(
      input: AttemptInput & { call: VideoGenerationRequest },
    ): Promise<{ remoteTaskId: string }> {
      const account = await startAttempt('video', input);
      try {
        const submitted = await deps.jimeng.submitVideo(account, input.call, {
          signal: Context.current().cancellationSignal,
        });
        await markVideoSubmitted(sequelize, input.taskId, submitted.taskId);
        return { remoteTaskId: submitted.taskId };
      } catch (err) {
        throw await failed(input.lease, err);
      }
    },

    /**
     * Polls the upstream job until it has a video. Heartbeats carry the last status, so a retry after a worker
     * crash resumes polling the same job rather than starting (and paying for) another.
     */
    async awaitVideo(input: { taskId: string; lease: Lease; remoteTaskId: string }): Promise<ProducedOutput> {
      const account = await accountOf(input.lease);
      const context = Context.current();
      try {
        return await withHeartbeat(heartbeatMs, extendLease(input.lease), async () => {
          for (;;) {
            const state = await deps.jimeng.getVideoTask(account, input.remoteTaskId, {
              signal: context.cancellationSignal,
            });
            context.heartbeat({ status: state.status });
            if (state.state === 'succeeded') {
              const url = state.videos.find((v) => v.url)?.url;
              if (!url) throw new Error(`video task ${input.remoteTaskId} succeeded without a URL`);
              await markProgress(sequelize, input.taskId, 80);
              return { url };
            }
            await markProgress(sequelize, input.taskId, videoProgress(state.status));
            await context.sleep(pollMs);
          }
        });
      } catch (err) {
        throw await failed(input.lease, err);
      }
    },

    /** Waiting on a backoff: the record shows status 4 and the failure that caused it. */
    async recordRetry(input: {
      type: GenerationKind;
      taskId: string;
      errorCode: string;
      errorMessage: string;
    }): Promise<void> {
      await markRetrying(sequelize, input);
    },

    /** Upstream URLs to OSS objects and job_outputs rows; `timestamp` is fixed by the workflow for idempotency. */
    async storeOutputs(input: {
      type: GenerationKind;
      taskId: string;
      userId: string;
      timestamp: number;
      outputs: ProducedOutput[];
      durationSeconds?: number;
    }): Promise<GeneratedOutput[]> {
      // In parallel: a job's images are independent objects and rows (own keys, own sort_order), and a
      // sequential loop made storing four images four times as slow as storing one.
      let done = 0;
      // Beats on a timer too, not only per stored output: a large video upload may take longer than the heartbeat
      // timeout, which is short so that a killed worker's uploads are picked up again quickly.
      const stored = await withHeartbeat(heartbeatMs, noLease, () =>
        Promise.all(
          input.outputs.map(async (output, index): Promise<GeneratedOutput> => {
            const durationSeconds = output.durationSeconds ?? input.durationSeconds;
            const record = await storeJobOutput(
              { sequelize, storage: deps.storage },
              {
                userId: input.userId,
                jobId: input.taskId,
                type: input.type,
                sourceUrl: output.url,
                // One timestamp per output: the key must differ between a job's images.
                timestamp: input.timestamp + index,
                ext: outputExtensionOf(output.url, input.type),
                sortOrder: index,
                isPrimary: index === 0,
                ...(output.width !== undefined ? { width: output.width } : {}),
                ...(output.height !== undefined ? { height: output.height } : {}),
                ...(durationSeconds !== undefined ? { durationSeconds } : {}),
              },
            );
            heartbeat({ stored: ++done });
            return {
              ossUrl: record.ossUrl,
              ossCdnUrl: record.ossCdnUrl,
              ossPath: record.ossPath,
              size: record.size,
              contentType: record.contentType,
              ...(output.width !== undefined ? { width: output.width } : {}),
              ...(output.height !== undefined ? { height: output.height } : {}),
              ...(durationSeconds !== undefined ? { durationSeconds } : {}),
            };
          }),
        ),
      );
      await markProgress(sequelize, input.taskId, 90);
      return stored;
    },

    /**
     * Settles the reservation (keeps the price when completed, refunds it otherwise), writes the final rows and
     * removes the job's leftover temp files. Every step is idempotent, so a retry after a crash between them
     * finishes the job once.
     */
    async finishGeneration(input: {
      type: GenerationKind;
      taskId: string;
      /** The workflow id the job's leases carry: any still live when the job ends is given back. */
      holder?: string;
      status: FinalStatus;
      price: number;
      outputs: GeneratedOutput[];
      errorCode?: string;
      errorMessage?: string;
    }): Promise<{ cost: number }> {
      let cost = 0;
      try {
        const settled = await deps.ledger.settle({
          idempotencyKey: `${input.taskId}:settle`,
          sourceType: input.type,
          sourceId: input.taskId,
          outcome: input.status,
          ...(input.status === 'completed' ? { actualCost: input.price } : {}),
        });
        cost = settled.cost;
      } catch (err) {
        // Nothing was reserved (the job stopped before its reservation): nothing to settle.
        if (!(err instanceof LedgerError && err.code === 'unknown_reservation')) throw err;
      }
      // A job stopped before its rows existed (refused at begin) has nothing to close: both UPDATEs match no row.
      await closeRecords(sequelize, {
        type: input.type,
        taskId: input.taskId,
        status: input.status,
        outputs: input.outputs,
        cost,
        ...(input.errorCode !== undefined ? { errorCode: input.errorCode } : {}),
        ...(input.errorMessage !== undefined ? { errorMessage: input.errorMessage } : {}),
        now: deps.now(),
      });
      // Seed 003: a job's temp files go when it ends. Normally none are left; a worker killed mid-upload leaves
      // its staged files behind, and this (on the same host) or the daily sweep (on another) removes them.
      await deps.storage.cleanupJobTempFiles(input.taskId);
      // A lease an activity kept for its retry (the database was down) whose retries then ran out, or whose
      // job was cancelled meanwhile: the job is over, so its accounts go back now rather than at the TTL.
      if (input.holder !== undefined) {
        await deps.pool.releaseHeldBy(input.holder);
        await deps.waiters.remove(input.holder);
      }
      return { cost };
    },

    /**
     * POSTs the final result to the record's callback_url, signed. The event id is the task id and final status,
     * the same on every retry, so receivers drop duplicates.
     */
    async notifyCallback(input: {
      type: GenerationKind;
      result: GenerationResult;
    }): Promise<{ delivered: boolean }> {
      const record = await readRecord(sequelize, input.type, input.result.taskId);
      if (!record?.callbackUrl) return { delivered: false };
      const { result } = input;
      try {
        await sendCallback({
          url: record.callbackUrl,
          eventId: `${result.taskId}:${result.status}`,
          secret: deps.callbacks.secret,
          allowPrivate: deps.callbacks.allowPrivate,
          payload: {
            event: 'generation.finished',
            task_id: result.taskId,
            type: input.type,
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
          },
        });
        return { delivered: true };
      } catch (err) {
        if (err instanceof CallbackAddressError || (err instanceof CallbackDeliveryError && !err.retryable)) {
          deps.logger.warn({ taskId: result.taskId, err: err.message }, 'callback refused');
          throw failure('CallbackRejected', err.message);
        }
        throw err;
      }
    },
  };
}

/** Upstream video states as a share of the bar: submitted 30, processing 40, post-processing 60, finalizing 70. */
function videoProgress(status: number | null): number {
  if (status === TASK_STATUS.FINALIZING) return 70;
  if (status === TASK_STATUS.PROCESSING) return 40;
  if (status !== null && status > TASK_STATUS.PROCESSING) return 60;
  return 30;
}

export type GenerationActivities = ReturnType<typeof createGenerationActivities>;
