import {
  classifyFailure,
  transportFailureOf,
  type FailureSignal,
  type TransportFailure,
} from './error-classification';
import { JimengErrorReason } from './error-actions';
import { DEFAULT_CALL_DEADLINES_MS } from './proxy-limits';
import { bearerTokenOf, proxySecretsOf, proxyUrlProblemOf } from './bearer-token';
import { JOB_STARTING_OPERATIONS, JimengError, type JimengOperation } from './jimeng-error';
import { silentLogger, type JimengLogger } from './logger';
import { timerSleep, type Sleep } from './sleep';
import {
  buildCompositionBody,
  buildImageBody,
  buildVideoBody,
  sessionIdProblem,
  type Built,
} from './request-bodies';
import type {
  ImageCompositionRequest,
  ImageGenerationRequest,
  ImageGenerationResult,
  JimengAccountRef,
  GeneratedImage,
  GeneratedVideo,
  VideoGenerationRequest,
  VideoResult,
  VideoSubmission,
  VideoTaskState,
} from '../../domain/jimeng/requests';
import { nodeHttpTransport, type HttpTransport } from './http-transport';
import {
  parseGenerationBody,
  parseLiveBody,
  parsePointsBody,
  parseSubmitBody,
  parseTaskBody,
  type Credits,
  type GeneratedItem,
  type Parsed,
  type RawHttpResult,
} from './response-parsing';
import { maskSecret, redactSecrets } from './secret-masking';
import { baseUrlFor, siteProfileOf, type JimengBaseUrls, type SiteProfile } from '../../domain/jimeng/sites';

/** The proxy's routes (iptag/jimeng-api at addf0f0, src/api/routes/{images,videos,token}.ts). */
export const JIMENG_ROUTES = {
  imageGeneration: '/v1/images/generations',
  imageComposition: '/v1/images/compositions',
  videoGeneration: '/v1/videos/generations',
  tokenCheck: '/token/check',
  tokenPoints: '/token/points',
} as const;

/**
 * The `/v1/async` pair some forks add (iptag PR #133, closed; not in the proxy): submit returns the upstream
 * history record id, the status route answers `{ history_id, status, fail_code, results }`. Used only with
 * `videoRoute: 'async-fork'`; the proxy answers both with -1000 `[请求有误]` (unknown route).
 */
export const FORK_ASYNC_ROUTES = {
  videoSubmit: '/v1/async/videos/generations',
  taskStatus: '/v1/async/tasks/',
} as const;

/** How videos are made: the proxy's synchronous route, or a fork's submit + poll pair. */
export type VideoRoute = 'sync' | 'async-fork';

/** Upstream record statuses (labels are the proxy's own, unverified). Unknown ones mean "keep polling". */
export const TASK_STATUS = {
  SUCCESS: 10,
  PROCESSING: 20,
  FAILED: 30,
  POST_PROCESSING: 42,
  FINALIZING: 45,
  COMPLETED: 50,
} as const;

export interface JimengClientOptions {
  /** Proxy base URL per site, or one `default` for all; the simulator's URL in tests and the dev stack. */
  readonly baseUrls: JimengBaseUrls;
  /**
   * Deadline for one HTTP exchange, for every operation (tests); by default each operation's own
   * (proxy-limits.ts: above the proxy's polling limits for the generation routes).
   */
  readonly timeoutMs?: number;
  readonly operationTimeoutMs?: Partial<Record<JimengOperation, number>>;
  /** `sync` (default): the proxy's POST /v1/videos/generations. `async-fork`: FORK_ASYNC_ROUTES. */
  readonly videoRoute?: VideoRoute;
  /** async-fork only: how often the task is polled (the proxy itself polls upstream every 20 s). */
  readonly videoPollIntervalMs?: number;
  readonly transport?: HttpTransport;
  /** Read for call durations, Retry-After dates and the video wait's deadline. */
  readonly now?: () => Date;
  readonly sleep?: Sleep;
  readonly logger?: JimengLogger;
  /** b64_json videos arrive inline; bodies beyond this are refused. Default 64 MiB. */
  readonly maxResponseBytes?: number;
}

export interface CallOptions {
  /** Activity cancellation: aborts the HTTP exchange. */
  readonly signal?: AbortSignal;
}

export interface VideoCallOptions extends CallOptions {
  /**
   * async-fork: the upstream job's id, as soon as the submit returns it (to be recorded, so a retry after a
   * lost worker polls the same job), or the id recorded by an earlier attempt: then nothing is submitted.
   */
  readonly onSubmitted?: (taskId: string) => Promise<void>;
  readonly resumeTaskId?: string;
  /** async-fork: each poll's upstream status (heartbeats, progress). */
  readonly onPoll?: (status: number | null) => Promise<void> | void;
}

export interface WaitForVideoOptions extends CallOptions {
  /** Total time to wait for the task to finish. */
  readonly deadlineMs: number;
  /** Upstream videos rarely finish within seconds; the proxy waits 5 s, then polls every 20 s. */
  readonly initialDelayMs?: number;
  readonly pollIntervalMs?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_SERVER_TEXT = 300;
/** Failures after which a job-starting request may nonetheless have started a job. */
const AMBIGUOUS_TRANSPORT: readonly TransportFailure[] = [
  'deadline',
  'paid_call_deadline',
  'timeout',
  'connection_reset',
  'socket_hang_up',
  'network_error',
  'aborted',
];

interface CallContext {
  readonly operation: JimengOperation;
  readonly site: SiteProfile;
  readonly baseUrl: string;
  /** The bearer value: [proxy URL@] region prefix + session id. Never logged, never put in an error. */
  readonly token: string;
  readonly secrets: readonly string[];
  readonly sessionHint: string;
  readonly accountId?: string;
}

export class JimengClient {
  private readonly transport: HttpTransport;
  private readonly now: () => Date;
  private readonly sleep: Sleep;
  private readonly logger: JimengLogger;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: JimengClientOptions) {
    this.transport = options.transport ?? nodeHttpTransport;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? timerSleep;
    this.logger = options.logger ?? silentLogger;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** Text-to-image. Synchronous on the proxy: the request stays open until the images exist. */
  async generateImages(
    account: JimengAccountRef,
    request: ImageGenerationRequest,
    opts: CallOptions = {},
  ): Promise<ImageGenerationResult> {
    const ctx = this.context(account, 'image_generation');
    const built = this.built(ctx, buildImageBody(ctx.site, request));
    const body = this.parsed(
      ctx,
      parseGenerationBody(await this.send(ctx, 'POST', JIMENG_ROUTES.imageGeneration, built.body, opts)),
    );
    return {
      created: body.created,
      images: body.items.map(imageOf),
      model: built.model,
      ratio: built.ratio,
      resolution: built.resolution,
    };
  }

  /** Image-to-image from 1-10 reference image URLs. */
  async composeImages(
    account: JimengAccountRef,
    request: ImageCompositionRequest,
    opts: CallOptions = {},
  ): Promise<ImageGenerationResult> {
    const ctx = this.context(account, 'image_composition');
    const built = this.built(ctx, buildCompositionBody(ctx.site, request));
    const body = this.parsed(
      ctx,
      parseGenerationBody(await this.send(ctx, 'POST', JIMENG_ROUTES.imageComposition, built.body, opts)),
    );
    return {
      created: body.created,
      images: body.items.map(imageOf),
      ...(body.inputImages === undefined ? {} : { inputImages: body.inputImages }),
      model: built.model,
      ratio: built.ratio,
      resolution: built.resolution,
    };
  }

  /**
   * A video, the way this client is configured to make one: by default the proxy's synchronous route (one
   * request that stays open until the video exists); with `videoRoute: 'async-fork'`, submit (or resume the
   * recorded job) and poll until it ends, within the same deadline as the synchronous call.
   */
  async makeVideo(
    account: JimengAccountRef,
    request: VideoGenerationRequest,
    opts: VideoCallOptions = {},
  ): Promise<VideoResult & { remoteTaskId?: string }> {
    if ((this.options.videoRoute ?? 'sync') === 'sync') return this.generateVideo(account, request, opts);
    let taskId = opts.resumeTaskId;
    if (taskId === undefined) {
      taskId = (await this.submitVideo(account, request, opts)).taskId;
      await opts.onSubmitted?.(taskId);
    }
    const result = await this.waitForVideo(account, taskId, {
      ...opts,
      deadlineMs: this.deadlineOf('video_generation'),
      ...(this.options.videoPollIntervalMs === undefined
        ? {}
        : {
            pollIntervalMs: this.options.videoPollIntervalMs,
            initialDelayMs: this.options.videoPollIntervalMs,
          }),
    });
    return { ...result, remoteTaskId: taskId };
  }

  /** async-fork: starts a video job and returns at once with its task id (each call is a paid job). */
  async submitVideo(
    account: JimengAccountRef,
    request: VideoGenerationRequest,
    opts: CallOptions = {},
  ): Promise<VideoSubmission> {
    const ctx = this.context(account, 'video_submit');
    const built = this.built(ctx, buildVideoBody(ctx.site, request));
    const body = this.parsed(
      ctx,
      parseSubmitBody(await this.send(ctx, 'POST', FORK_ASYNC_ROUTES.videoSubmit, built.body, opts)),
    );
    return { taskId: body.historyId, created: body.created, model: built.model, duration: built.duration };
  }

  /**
   * One poll. Running states and a record that cannot be found (yet) come back as `running`, as the proxy
   * treats them; a failed task throws the JimengError its fail_code classifies to, unless it produced videos
   * anyway, in which case those are the result (the proxy returns partial results the same way).
   */
  async getVideoTask(
    account: JimengAccountRef,
    taskId: string,
    opts: CallOptions = {},
  ): Promise<VideoTaskState> {
    const ctx = this.context(account, 'video_poll');
    if (typeof taskId !== 'string' || !/^[\w-]{1,100}$/.test(taskId)) {
      throw this.error(
        ctx,
        { kind: 'local', failure: 'invalid_request' },
        'task id must be 1-100 letters, digits, _ or -',
      );
    }
    const parsed = parseTaskBody(
      await this.send(
        ctx,
        'GET',
        `${FORK_ASYNC_ROUTES.taskStatus}${encodeURIComponent(taskId)}`,
        undefined,
        opts,
      ),
    );
    if (!parsed.ok && classifyFailure(parsed.signal).reason === JimengErrorReason.RECORD_MISSING) {
      return { state: 'running', status: null, recordMissing: true };
    }
    const body = this.parsed(ctx, parsed);
    const videos = body.items.map(videoOf);
    const done =
      body.status === TASK_STATUS.SUCCESS ||
      body.status === TASK_STATUS.COMPLETED ||
      body.status === TASK_STATUS.FAILED;
    if (done && videos.length > 0) return { state: 'succeeded', status: body.status as number, videos };
    if (body.status === TASK_STATUS.FAILED) {
      throw this.error(
        ctx,
        { kind: 'task_failed', failCode: body.failCode },
        `the task ended with status 30, fail_code ${body.failCode || '(none)'}`,
      );
    }
    return { state: 'running', status: body.status, recordMissing: false };
  }

  /** async-fork: polls until the task succeeds, fails, or the deadline passes (then a TIMEOUT JimengError). */
  async waitForVideo(
    account: JimengAccountRef,
    taskId: string,
    opts: WaitForVideoOptions & { onPoll?: VideoCallOptions['onPoll'] },
  ): Promise<VideoResult> {
    const ctx = this.context(account, 'video_poll');
    const startedAt = this.now().getTime();
    const interval = opts.pollIntervalMs ?? 20_000;
    let wait = opts.initialDelayMs ?? 5_000;
    for (;;) {
      const remaining = opts.deadlineMs - (this.now().getTime() - startedAt);
      if (remaining <= 0)
        throw this.error(
          ctx,
          { kind: 'transport', failure: 'timeout' },
          `the video task did not finish within ${opts.deadlineMs} ms`,
        );
      await this.pollPause(ctx, Math.min(wait, remaining), opts.signal);
      const state = await this.getVideoTask(account, taskId, opts);
      await opts.onPoll?.(state.status);
      if (state.state === 'succeeded') return { videos: state.videos };
      wait = interval;
    }
  }

  /** The proxy's synchronous video route: one request that stays open until the video exists. */
  async generateVideo(
    account: JimengAccountRef,
    request: VideoGenerationRequest,
    opts: CallOptions = {},
  ): Promise<VideoResult> {
    const ctx = this.context(account, 'video_generation');
    const built = this.built(ctx, buildVideoBody(ctx.site, request));
    const body = this.parsed(
      ctx,
      parseGenerationBody(await this.send(ctx, 'POST', JIMENG_ROUTES.videoGeneration, built.body, opts)),
    );
    return {
      created: body.created,
      videos: body.items.map(videoOf),
    };
  }

  /**
   * Session liveness. The proxy turns every upstream error into `false`, and reports false for every token on
   * sites whose login check path is broken (HK/JP/SG, iptag #78): a false is a hint, not proof.
   */
  async checkSession(account: JimengAccountRef, opts: CallOptions = {}): Promise<boolean> {
    const ctx = this.context(account, 'session_check');
    return this.parsed(
      ctx,
      parseLiveBody(await this.send(ctx, 'POST', JIMENG_ROUTES.tokenCheck, { token: ctx.token }, opts)),
    );
  }

  /** Credit balance of the account (the proxy's /token/points). */
  async getCredits(account: JimengAccountRef, opts: CallOptions = {}): Promise<Credits> {
    const ctx = this.context(account, 'credit_balance');
    return this.parsed(
      ctx,
      parsePointsBody(await this.send(ctx, 'POST', JIMENG_ROUTES.tokenPoints, {}, opts)),
    );
  }

  private context(account: JimengAccountRef, operation: JimengOperation): CallContext {
    const sessionId: unknown = account.sessionId;
    const rawSecret = typeof sessionId === 'string' ? sessionId : '';
    const site = siteProfileOf(account.siteType);
    const partial = {
      operation,
      secrets: [rawSecret, ...proxySecretsOf(account.proxyUrl)],
      sessionHint: maskSecret(rawSecret),
      ...(account.id === undefined ? {} : { accountId: account.id }),
    };
    if (site === undefined) {
      throw this.error(
        { ...partial, site: undefined },
        { kind: 'local', failure: 'invalid_account' },
        `site_type ${String(account.siteType)} is not a known site`,
      );
    }
    const problem = sessionIdProblem(sessionId) ?? proxyUrlProblemOf(account.proxyUrl);
    if (problem !== undefined)
      throw this.error({ ...partial, site }, { kind: 'local', failure: 'invalid_account' }, problem);
    const baseUrl = baseUrlFor(this.options.baseUrls, site.name);
    if (baseUrl === undefined) {
      throw this.error(
        { ...partial, site },
        { kind: 'local', failure: 'site_not_configured' },
        `no proxy base URL configured for site ${site.name}`,
      );
    }
    const token = bearerTokenOf(site.tokenPrefix, rawSecret, account.proxyUrl);
    return { ...partial, site, baseUrl, token, secrets: [token, ...partial.secrets] };
  }

  private built<T>(ctx: CallContext, built: Built<T>): T {
    if (!built.ok) throw this.error(ctx, { kind: 'local', failure: 'invalid_request' }, built.problem);
    return built.value;
  }

  private parsed<T>(ctx: CallContext, parsed: Parsed<T>): T {
    if (parsed.ok) return parsed.value;
    const signal = parsed.signal;
    const text = signal.kind === 'envelope' ? signal.message : undefined;
    throw this.error(ctx, signal, text);
  }

  private async send(
    ctx: CallContext,
    method: 'GET' | 'POST',
    path: string,
    body: object | undefined,
    opts: CallOptions,
  ): Promise<RawHttpResult> {
    const timeoutMs = this.deadlineOf(ctx.operation);
    const startedAt = this.now().getTime();
    const headers: Record<string, string> = {
      authorization: `Bearer ${ctx.token}`,
      accept: 'application/json',
    };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await this.transport({
        method,
        url: `${ctx.baseUrl}${path}`,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        timeoutMs,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        maxResponseBytes: this.maxResponseBytes,
      });
      this.logger.debug(
        { ...this.logFields(ctx), httpStatus: res.status, durationMs: this.now().getTime() - startedAt },
        'jimeng call answered',
      );
      const retryAfterMs = retryAfterMsOf(res.headers['retry-after'], this.now().getTime());
      return { status: res.status, body: res.body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    } catch (error) {
      // Unrecognised transport errors (an injected transport's own, an oversized body) are still network trouble.
      const failure = transportFailureOf(error) ?? 'network_error';
      const detail = error instanceof Error ? error.message : String(error);
      throw this.error(ctx, { kind: 'transport', failure }, detail);
    }
  }

  private deadlineOf(operation: JimengOperation): number {
    return (
      this.options.operationTimeoutMs?.[operation] ??
      this.options.timeoutMs ??
      DEFAULT_CALL_DEADLINES_MS[operation]
    );
  }

  private async pollPause(ctx: CallContext, ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.sleep(ms, signal);
    } catch (error) {
      throw this.error(
        ctx,
        { kind: 'transport', failure: transportFailureOf(error) ?? 'aborted' },
        'waiting for the video task was cancelled',
      );
    }
  }

  /** Every failure leaves through here: classified, redacted, logged once. */
  private error(
    ctx: Pick<CallContext, 'operation' | 'secrets' | 'sessionHint' | 'accountId'> & {
      site: SiteProfile | undefined;
    },
    signal: FailureSignal,
    detail: string | undefined,
  ): JimengError {
    const paidCall = JOB_STARTING_OPERATIONS.includes(ctx.operation);
    const mayHaveStartedJob =
      paidCall &&
      ((signal.kind === 'transport' && AMBIGUOUS_TRANSPORT.includes(signal.failure)) ||
        signal.kind === 'malformed_body' ||
        (signal.kind === 'http_status' && signal.status >= 500));
    const c = classifyFailure(
      paidCall && signal.kind === 'transport' && signal.failure === 'deadline'
        ? { kind: 'transport', failure: 'paid_call_deadline' }
        : signal,
    );
    const where = `${ctx.operation}${ctx.site === undefined ? '' : ` on site ${ctx.site.name}`}`;
    const said =
      detail === undefined || detail === ''
        ? ''
        : `: ${redactSecrets(detail, ctx.secrets).slice(0, MAX_SERVER_TEXT)}`;
    const error = new JimengError({
      code: c.code,
      action: c.action,
      reason: c.reason,
      message: `jimeng ${where} failed (${c.code}, ${c.reason})${said}`,
      ...(c.retryAfterMs === undefined ? {} : { retryAfterMs: c.retryAfterMs }),
      ...(c.httpStatus === undefined ? {} : { httpStatus: c.httpStatus }),
      ...(c.proxyCode === undefined ? {} : { proxyCode: c.proxyCode }),
      ...(c.upstreamCode === undefined ? {} : { upstreamCode: c.upstreamCode }),
      operation: ctx.operation,
      ...(ctx.site === undefined ? {} : { site: ctx.site.name }),
      sessionHint: ctx.sessionHint,
      mayHaveStartedJob,
    });
    this.logger.warn({ ...this.logFields(ctx), err: error.toJSON() }, 'jimeng call failed');
    return error;
  }

  private logFields(
    ctx: Pick<CallContext, 'operation' | 'sessionHint' | 'accountId'> & { site: SiteProfile | undefined },
  ): Record<string, string> {
    return {
      operation: ctx.operation,
      sessionHint: ctx.sessionHint,
      ...(ctx.site === undefined ? {} : { site: ctx.site.name }),
      ...(ctx.accountId === undefined ? {} : { accountId: ctx.accountId }),
    };
  }
}

function imageOf(item: GeneratedItem): GeneratedImage {
  return {
    ...(item.url === undefined ? {} : { url: item.url }),
    ...(item.b64Json === undefined ? {} : { b64Json: item.b64Json }),
  };
}

function videoOf(item: GeneratedItem): GeneratedVideo {
  return {
    ...imageOf(item),
    ...(item.revisedPrompt === undefined ? {} : { revisedPrompt: item.revisedPrompt }),
  };
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function retryAfterMsOf(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
