import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminInputError, objectBody, rejectUnknownKeys } from './admin-input';
import { Counters, type CountersSnapshot } from './counters';
import {
  DEFAULT_CREDIT_COSTS,
  checkCreditCosts,
  imageCost,
  videoCost,
  type CreditCostTable,
} from './credits';
import { ENDPOINTS, GENERATION_ENDPOINTS, VIDEO_ENDPOINTS, type Endpoint } from './endpoints';
import {
  FaultRegistry,
  parseFaultSpec,
  type FaultSnapshot,
  type FaultSpec,
  type TransportError,
} from './faults';
import { FileStore } from './file-store';
import { UPSTREAM_RETRIES, checkLatency, resolveLatency, type Latency, type LatencyOptions } from './latency';
import { buildMp4 } from './mp4';
import { encodePng, type Rgb } from './png';
import { Prng } from './prng';
import {
  ProtocolError,
  parseImageRequest,
  parseToken,
  parseVideoRequest,
  previewSize,
  readBody,
  tokenSplit,
  type Family,
  type ImageJob,
  type VideoJob,
} from './protocol';
import {
  CONTENT_CHECK_REFUSED,
  DEAD_SESSION_CREDIT_READ,
  FORK_TEXT,
  LOGIN_ERROR,
  TOO_MANY_JOBS,
  UPLOAD_TOKEN_FAILED,
  UPSTREAM_5XX,
  UPSTREAM_ERRMSG,
  VIDEO_TEXT,
  compositionUploadFailed,
  failure,
  firstFrameUploadFailed,
  generationFailed,
  imageClaimFailed,
  omniFieldFailed,
  omniFilePathFailed,
  paramsInvalid,
  unknownRoute,
  upstreamRet,
  videoClaimFailed,
  type ProxyFailure,
} from './proxy-text';
import { RefusalLog, type RefusalReason } from './refusals';
import {
  DEFAULT_CLAIM_REFUSAL,
  SessionRegistry,
  nextQuotaDayStartMs,
  parseSessionInput,
  type Credits,
  type RateLimit,
  type SessionInput,
  type SessionSnapshot,
} from './sessions';
import { VideoTaskStore, taskView } from './video-tasks';

/*
 * A stand-in for the Jimeng reverse proxy (iptag/jimeng-api v1.9.6, commit addf0f0) on loopback. By default it
 * answers as that proxy does: its routes only, its validation order and texts, HTTP 200 with `{ code, message,
 * data: null }` for every error, its silent substitutions, its credit read and daily claim, its partial results.
 * `forkExtensions` adds what forks of it add (the `/v1/async` video pair, 429 + Retry-After, a ban text). An
 * admin API under `/__admin/` shapes accounts and injects faults. See README.md in this folder, which maps each
 * behaviour to the proxy's source line and to the test that holds it. Paths in comments are relative to
 * /work/shared/reference/jimeng-api-v1.9.6/.
 */

export interface JimengSimulatorOptions {
  /** 0 = any free port. */
  readonly port?: number;
  readonly host?: string;
  /** Seeds every random choice: fault dice, token picks, ids, image colours. */
  readonly seed?: number;
  /** How long calls take (defaults: the realistic figures in latency.ts). */
  readonly latency?: LatencyOptions;
  /** Legacy: `latency.imageMs` (and `compositionMs` unless given). */
  readonly imageLatencyMs?: number;
  /** Legacy: `latency.videoMs`. */
  readonly videoDurationMs?: number;
  /** Images per normal text-to-image call (upstream gives 4). */
  readonly imagesPerCall?: number;
  /** Defaults for sessions that are auto-created or registered without these fields. */
  readonly dailyQuota?: number;
  readonly rateLimit?: RateLimit;
  /** Credits a job costs (placeholders by default, see credits.ts). */
  readonly creditCosts?: CreditCostTable;
  /** Unknown sessions: created with defaults (true) or answered as a dead session (false). */
  readonly autoCreateSessions?: boolean;
  /** Fork behaviour the proxy does not have: the /v1/async pair, 429 + Retry-After, a ban text. */
  readonly forkExtensions?: boolean;
  /** Clock for quota days, rate windows and fork-mode video progress. */
  readonly now?: () => number;
}

export interface SimulatorAdmin {
  /** Creates or updates a session; throws AdminInputError on a bad input. */
  registerSession(input: SessionInput): SessionSnapshot;
  session(sessionId: string): SessionSnapshot | undefined;
  sessions(): SessionSnapshot[];
  /** Adds a fault; throws AdminInputError on a bad spec (http_429 without forkExtensions included). */
  injectFault(spec: FaultSpec): FaultSnapshot;
  faults(): FaultSnapshot[];
  clearFaults(): number;
  counters(): CountersSnapshot;
  resetCounters(): void;
  /**
   * An operator took the account out of the client's pool: from now on every generation call to it counts as a
   * call after refusal (`withdrawn`), though the simulator still serves it.
   */
  withdraw(sessionId: string): void;
  /** Back to the state right after start: no sessions, faults, tasks, files or counts; the PRNG reseeded. */
  reset(): void;
}

export interface JimengSimulator {
  readonly url: string;
  readonly port: number;
  readonly admin: SimulatorAdmin;
  readonly forkExtensions: boolean;
  close(): Promise<void>;
}

export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  seed: 1,
  imagesPerCall: 4,
  /** The LLM-Red-Team README's 66 free credits a day. */
  dailyQuota: 66,
  rateLimit: { maxRequests: 120, windowMs: 60_000 },
  forkExtensions: false,
} as const;

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const URL_LIFETIME_S = 86_400;

/** The upstream API host of each site, as transport errors name it (core.ts:250-284, common.ts:6, dreamina.ts:3-6). */
const SITE_HOST: Readonly<Record<Family, string>> = {
  cn: 'jimeng.jianying.com',
  us: 'dreamina-api.us.capcut.com',
  asia: 'mweb-api-sg.capcut.com',
};

/** The proxy's axios timeout (core.ts:350): fixed in its text whatever the simulator's own latency. */
const PROXY_TIMEOUT_MS = 45_000;

/** What an axios error says (node's socket and DNS errors, axios's own timeout text with core.ts:350's 45 s). */
function transportMessage(error: TransportError, family: Family): string {
  const host = SITE_HOST[family];
  switch (error) {
    case 'socket_hang_up':
      return 'socket hang up';
    case 'econnreset':
      return 'read ECONNRESET';
    case 'etimedout':
      // The address is a documentation one (RFC 5737): the real one is whatever the site resolved to.
      return 'connect ETIMEDOUT 203.0.113.10:443';
    case 'enotfound':
      return `getaddrinfo ENOTFOUND ${host}`;
    case 'eai_again':
      return `getaddrinfo EAI_AGAIN ${host}`;
    case 'timeout':
      return `timeout of ${PROXY_TIMEOUT_MS}ms exceeded`;
  }
}

/** The proxy's service info (src/api/routes/index.ts:11-25). */
const SERVICE_INFO = {
  service: 'jimeng-api',
  status: 'running',
  version: '1.6.3',
  description: '免费的AI图像和视频生成API服务 - 基于即梦AI的逆向工程实现',
  documentation: 'https://github.com/iptag/jimeng-api',
  endpoints: {
    images: '/v1/images/generations',
    compositions: '/v1/images/compositions',
    videos: '/v1/videos/generations',
    models: '/v1/models',
    health: '/ping',
  },
};

/** The proxy's static model list (src/api/routes/models.ts:9-40). */
const MODEL_LIST = {
  data: [
    { id: 'jimeng', object: 'model', owned_by: 'jimeng-api' },
    ...(
      [
        ['jimeng-video-3.0', '即梦AI视频生成模型 3.0 版本'],
        ['jimeng-video-3.0-pro', '即梦AI视频生成模型 3.0 专业版'],
        ['jimeng-video-2.0', '即梦AI视频生成模型 2.0 版本'],
        ['jimeng-video-2.0-pro', '即梦AI视频生成模型 2.0 专业版'],
      ] as const
    ).map(([id, description]) => ({ id, object: 'model', owned_by: 'jimeng-api', description })),
  ],
};

/**
 * Route matching as koa-router does it by default (src/lib/server.ts:26, 138-162): case-insensitive, a
 * trailing slash optional, GET routes answering HEAD too. Everything else is the catch-all's.
 */
function endpointOf(method: string, path: string, fork: boolean): Endpoint {
  const p = path.length > 1 ? path.replace(/\/$/, '').toLowerCase() : path;
  if (method === 'GET' || method === 'HEAD') {
    if (p === '/') return ENDPOINTS.info;
    if (p === '/ping') return ENDPOINTS.ping;
    if (p === '/v1/models') return ENDPOINTS.models;
    if (fork && p.startsWith('/v1/async/tasks/') && p.length > '/v1/async/tasks/'.length)
      return ENDPOINTS.taskStatus;
    if (path.startsWith('/files/')) return ENDPOINTS.files;
  }
  if (method === 'POST') {
    if (p === '/v1/images/generations') return ENDPOINTS.imageGenerations;
    if (p === '/v1/images/compositions') return ENDPOINTS.imageCompositions;
    if (p === '/v1/videos/generations') return ENDPOINTS.videoGenerations;
    if (fork && p === '/v1/async/videos/generations') return ENDPOINTS.videoSubmit;
    if (p === '/token/check') return ENDPOINTS.tokenCheck;
    if (p === '/token/points') return ENDPOINTS.tokenPoints;
    if (p === '/token/receive') return ENDPOINTS.tokenReceive;
  }
  return ENDPOINTS.unknown;
}

/** Routes that take the Authorization header. */
const HEADER_ENDPOINTS: readonly Endpoint[] = [
  ...GENERATION_ENDPOINTS,
  ENDPOINTS.taskStatus,
  ENDPOINTS.tokenPoints,
  ENDPOINTS.tokenReceive,
];

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The proxy's error shape: always HTTP 200 (FailureBody.ts:11-25, Body.ts:21-27). */
function sendFailure(res: http.ServerResponse, answer: ProxyFailure): void {
  sendJson(res, 200, { code: answer.code, message: answer.message, data: null });
}

function readRaw(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function checkOptions(o: JimengSimulatorOptions): void {
  const nonNegative: (keyof JimengSimulatorOptions)[] = [
    'port',
    'imageLatencyMs',
    'videoDurationMs',
    'dailyQuota',
  ];
  for (const k of nonNegative) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
      throw new Error(`jimeng simulator: ${k} must be a non-negative integer`);
  }
  if (o.imagesPerCall !== undefined && (!Number.isInteger(o.imagesPerCall) || o.imagesPerCall < 1))
    throw new Error('jimeng simulator: imagesPerCall must be at least 1');
  if (o.creditCosts !== undefined) checkCreditCosts(o.creditCosts);
}

/** One call's token, picked as the proxy picks it (`_.sample`, images.ts:34-35, videos.ts:140-142). */
interface Caller {
  readonly token: string;
  readonly sessionId: string;
  readonly family: Family;
}

type Kind = 'image' | 'composition' | 'video';

/** A job the simulator runs for a synchronous call, and whether its caller is still there to hear the answer. */
interface RunningCall {
  readonly endpoint: Endpoint;
  readonly sinceMs: number;
  readonly gone: () => boolean;
}

export async function startJimengSimulator(options: JimengSimulatorOptions = {}): Promise<JimengSimulator> {
  checkOptions(options);
  const seed = options.seed ?? SIMULATOR_DEFAULTS.seed;
  const now = options.now ?? Date.now;
  const latency: Latency = resolveLatency(options.latency, options);
  checkLatency(latency);
  const imagesPerCall = options.imagesPerCall ?? SIMULATOR_DEFAULTS.imagesPerCall;
  const costs = options.creditCosts ?? DEFAULT_CREDIT_COSTS;
  const fork = options.forkExtensions ?? SIMULATOR_DEFAULTS.forkExtensions;

  let prng = new Prng(seed);
  const sessions = new SessionRegistry(
    {
      dailyQuota: options.dailyQuota ?? SIMULATOR_DEFAULTS.dailyQuota,
      rateLimit: options.rateLimit ?? SIMULATOR_DEFAULTS.rateLimit,
    },
    options.autoCreateSessions ?? true,
    now,
  );
  const faults = new FaultRegistry();
  const counters = new Counters();
  const refusals = new RefusalLog();
  const files = new FileStore();
  const tasks = new VideoTaskStore();
  const timers = new Set<NodeJS.Timeout>();
  /** The jobs each session runs (between enter and leave), for the counters' account of a busy refusal. */
  const running = new Map<string, Set<RunningCall>>();
  const runningCall = (res: http.ServerResponse, endpoint: Endpoint): RunningCall => {
    let gone = false;
    res.once('close', () => {
      if (res.writableFinished) return;
      gone = true;
      counters.callerGone();
    });
    return { endpoint, sinceMs: now(), gone: () => gone };
  };
  let baseUrl = '';

  /** Timers are tracked so close() leaves nothing running; a request cut off by close() simply never answers. */
  const delay = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  const admin: SimulatorAdmin = {
    registerSession: (input) => {
      const parsed = parseSessionInput(input);
      refusals.forget(parsed.sessionId);
      return sessions.upsert(parsed);
    },
    session: (id) => sessions.get(id),
    sessions: () => sessions.list(),
    injectFault: (spec) => faults.add(parseFaultSpec(spec, { forkExtensions: fork })),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    withdraw: (sessionId) => refusals.refused(sessionId, 'image', 'withdrawn', null, now()),
    reset: () => {
      refusals.clear();
      running.clear();
      sessions.clear();
      faults.clear();
      tasks.clear();
      files.clear();
      counters.reset();
      prng = new Prng(seed);
    },
  };

  const fileUrl = (name: string): string =>
    `${baseUrl}/files/${name}?x-expires=${Math.floor(now() / 1000) + URL_LIFETIME_S}`;
  const color = (): Rgb => [prng.int(256), prng.int(256), prng.int(256)];
  const created = (): number => Math.floor(now() / 1000);
  const isVideo = (e: Endpoint): boolean => VIDEO_ENDPOINTS.includes(e);
  const kindOf = (e: Endpoint): Kind =>
    isVideo(e) ? 'video' : e === ENDPOINTS.imageCompositions ? 'composition' : 'image';

  /** A session is dead when unknown (and not auto-created), logged out or banned. */
  function alive(sessionId: string): boolean {
    if (sessionId === '') return false;
    const s = sessions.resolve(sessionId);
    return s !== undefined && s.state === 'ok';
  }

  /**
   * Counts a refusal of a generation call and remembers what the account was told (until `untilMs`, null = for
   * good; `remember: false` = counted only). An answer to a caller that is gone (its process killed while the
   * call was in flight) tells nobody anything: it is counted, not remembered.
   */
  function refuse(
    res: http.ServerResponse,
    caller: Caller,
    endpoint: Endpoint,
    reason: RefusalReason | 'busy',
    untilMs: number | null,
    remember = true,
  ): void {
    if (!GENERATION_ENDPOINTS.includes(endpoint)) return;
    const heard = res.socket !== null && !res.socket.destroyed && !res.socket.readableEnded;
    const remembered = reason !== 'busy' && remember && heard;
    const atMs = now();
    counters.refusal({
      sessionId: caller.sessionId,
      endpoint,
      reason,
      atMs,
      remembered,
      ...(reason === 'busy'
        ? {
            inFlight: [...(running.get(caller.sessionId) ?? [])].map((c) => ({
              endpoint: c.endpoint,
              sinceMs: c.sinceMs,
              callerGone: c.gone(),
            })),
          }
        : {}),
    });
    if (remembered)
      refusals.refused(caller.sessionId, isVideo(endpoint) ? 'video' : 'image', reason, untilMs, atMs);
  }

  /** Ends a session's login (state invalid or banned) so later calls meet a dead session. */
  function kill(sessionId: string, state: 'invalid' | 'banned'): void {
    if (sessionId !== '') sessions.upsert({ sessionId, state });
  }

  /** Faults of the link between client and proxy, rolled on arrival. Returns true when one answered. */
  async function arrivalFault(
    res: http.ServerResponse,
    endpoint: Endpoint,
    caller: Caller | undefined,
  ): Promise<boolean> {
    const decision = faults.decide(caller?.sessionId, endpoint, prng, 'arrival');
    await delay(decision.delayMs);
    const fault = decision.outcome;
    if (fault === undefined) return false;
    counters.faultFired(fault.kind);
    switch (fault.kind) {
      case 'http_429': {
        // Fork only (refused at injection otherwise).
        const ms = fault.retryAfterMs ?? 1000;
        if (caller !== undefined) refuse(res, caller, endpoint, 'rate_limited', now() + ms);
        sendJson(
          res,
          429,
          { code: -1, message: FORK_TEXT.tooMany, data: null },
          { 'retry-after': String(Math.ceil(ms / 1000)) },
        );
        return true;
      }
      case 'gateway_5xx': {
        // Not the proxy: a gateway (nginx, a load balancer) in front of it answering by itself.
        const status = fault.status ?? 502;
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>${status}</h1>gateway error</body></html>`);
        return true;
      }
      case 'malformed_body':
        // Not the proxy's code: an answer cut off on the way (the proxy dying mid-write, a middlebox).
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"created": 1759058768, "data": [{"url": "http://');
        return true;
      case 'connection_reset':
        // An RST rather than a FIN: what a dropped connection looks like to the client.
        res.socket?.resetAndDestroy();
        return true;
      case 'error_code':
        sendFailure(res, failure(fault.code ?? -1, fault.message ?? 'injected error'));
        return true;
      default:
        return false;
    }
  }

  /** Rolls the upstream faults for a call that reached the proxy's first upstream call. */
  function upstreamFault(endpoint: Endpoint, caller: Caller, inputImages: number): FaultSpec | undefined {
    const decision = faults.decide(caller.sessionId, endpoint, prng, 'upstream', (spec) => {
      // The content check runs on CN only (core.ts:436-437), once per input image.
      if (spec.kind === 'input_image_refused')
        return caller.family === 'cn' && inputImages >= (spec.imageIndex ?? 1);
      return true;
    });
    if (decision.outcome !== undefined) counters.faultFired(decision.outcome.kind);
    return decision.outcome;
  }

  /** The proxy's pause for retries that all failed (core.ts:337-404). */
  const retriesMs = (timeouts: boolean): number =>
    UPSTREAM_RETRIES * latency.retryDelayMs +
    (timeouts ? (UPSTREAM_RETRIES + 1) * latency.upstreamTimeoutMs : 0);

  /**
   * The answer to an upstream call that failed the same way 4 times (http_5xx, upstream_transport) or was
   * refused with a ret (risk_control), at the proxy's credit read.
   */
  async function failedCreditRead(fault: FaultSpec, family: Family): Promise<ProxyFailure | undefined> {
    switch (fault.kind) {
      case 'http_5xx':
        await delay(retriesMs(false));
        return UPSTREAM_5XX.creditRead;
      case 'upstream_transport': {
        const error = fault.error ?? 'timeout';
        await delay(retriesMs(error === 'timeout'));
        return failure(-1000, fault.message ?? transportMessage(error, family));
      }
      case 'risk_control':
        return riskControl(fault.ret ?? '1019', fault.errmsg);
      default:
        return undefined;
    }
  }

  function riskControl(ret: string, errmsg?: string): ProxyFailure {
    return upstreamRet(ret, errmsg ?? UPSTREAM_ERRMSG[ret as keyof typeof UPSTREAM_ERRMSG] ?? 'risk control');
  }

  const loginError = (): ProxyFailure => upstreamRet(LOGIN_ERROR.ret, LOGIN_ERROR.errmsg);

  // -------------------------------------------------------------------------------------------------------
  // Generation routes
  // -------------------------------------------------------------------------------------------------------

  function imageItems(job: ImageJob, count: number): { url?: string; b64_json?: string }[] {
    const [w, h] = previewSize(job.ratio);
    return Array.from({ length: count }, () => {
      const png = encodePng(w, h, color(), color());
      // b64_json: the proxy downloads each URL and base64-encodes it (routes/images.ts:57-60).
      if (job.b64) return { b64_json: png.toString('base64') };
      const name = `${prng.hex(16)}.png`;
      files.put(name, { contentType: 'image/png', bytes: png });
      return { url: fileUrl(name) };
    });
  }

  /** Returns the URL, or only the file name when the task will reveal the URL later. */
  function storeVideo(mp4: Buffer, nameOnly = false): string {
    const name = `${prng.hex(16)}.mp4`;
    files.put(name, { contentType: 'video/mp4', bytes: mp4 });
    return nameOnly ? name : fileUrl(name);
  }

  /**
   * One generation call after the route's checks, in the controller's order: model and size, the credit read
   * and daily claim, (videos) the omni model check, uploads and the CN content check, the submit, the job.
   */
  async function generate(
    res: http.ServerResponse,
    endpoint: Endpoint,
    body: Record<string, unknown>,
    authorization: unknown,
    caller: Caller | undefined,
  ): Promise<void> {
    const kind = kindOf(endpoint);
    const request =
      kind === 'video'
        ? parseVideoRequest(body, authorization)
        : parseImageRequest(body, authorization, kind === 'composition', imagesPerCall);
    // The header is a string from here on, so the arrival pick exists.
    const who = caller as Caller;
    const job = request.job(who.family);
    const inputs =
      kind === 'video' ? (job as VideoJob).images.length : ((job as ImageJob).inputImages?.length ?? 0);
    const quotaRefusal = (): void => refuse(res, who, endpoint, 'quota', nextQuotaDayStartMs(now()));

    // A dead session (sessions.ts). The proxy meets it at the credit read (core.ts:185-196, iptag #58), except
    // compositions, which swallow that error (images.ts:111-124) and meet ret 1015 at the first upload.
    if (!alive(who.sessionId)) {
      const state = who.sessionId === '' ? undefined : sessions.get(who.sessionId)?.state;
      const reason: RefusalReason = state === 'banned' ? 'banned' : 'invalid';
      refuse(res, who, endpoint, reason, null);
      if (fork && state === 'banned') return sendFailure(res, failure(-2001, FORK_TEXT.banned));
      if (kind === 'composition') return sendFailure(res, compositionUploadFailed(loginError().message));
      return sendFailure(res, DEAD_SESSION_CREDIT_READ);
    }

    const fault = upstreamFault(endpoint, who, inputs);
    // An outage from the first upstream call on (http_5xx / upstream_transport with at: first_call).
    const outage =
      (fault?.kind === 'http_5xx' || fault?.kind === 'upstream_transport') && fault.at === 'first_call'
        ? fault
        : undefined;
    if (outage !== undefined && kind !== 'composition')
      return sendFailure(res, (await failedCreditRead(outage, who.family))!);

    // The credit read and the daily claim (images.ts:350-363, videos.ts:238-248, images.ts:111-124).
    if (fault?.kind === 'credits_claim_failed')
      sessions.exhaust(who.sessionId, {
        ret: fault.ret ?? DEFAULT_CLAIM_REFUSAL.ret,
        errmsg: fault.errmsg ?? DEFAULT_CLAIM_REFUSAL.errmsg,
      });
    if (sessions.credits(who.sessionId).totalCredit <= 0) {
      const claimed = sessions.claim(who.sessionId);
      if (!claimed.ok && kind !== 'composition') {
        quotaRefusal();
        return sendFailure(res, kind === 'video' ? videoClaimFailed : imageClaimFailed);
      }
    }

    if (kind === 'video' && (job as VideoJob).omniRefused)
      return sendFailure(res, failure(-2001, VIDEO_TEXT.omniWrongModel));

    // Uploads (image-uploader.ts) and the CN content check (core.ts:431-479), per input image.
    if (fault?.kind === 'session_invalid' || fault?.kind === 'banned') {
      kill(who.sessionId, fault.kind === 'banned' ? 'banned' : 'invalid');
      refuse(res, who, endpoint, fault.kind === 'banned' ? 'banned' : 'invalid', null);
      if (fork && fault.kind === 'banned') return sendFailure(res, failure(-2001, FORK_TEXT.banned));
      // The login died after the credit read: the next upstream call answers ret 1015.
      if (kind === 'composition') return sendFailure(res, compositionUploadFailed(loginError().message));
      return sendFailure(res, loginError());
    }
    if (fault?.kind === 'input_image_refused') {
      const index = (fault.imageIndex ?? 1) - 1;
      if (kind === 'composition') return sendFailure(res, compositionUploadFailed(CONTENT_CHECK_REFUSED));
      const image = (job as VideoJob).images[index]!;
      if ((job as VideoJob).omni) {
        return sendFailure(
          res,
          image.fromFilePaths
            ? omniFilePathFailed(image.field, CONTENT_CHECK_REFUSED)
            : omniFieldFailed(image.field, CONTENT_CHECK_REFUSED),
        );
      }
      // first_last_frames: only the first frame's failure is an error; a refused last frame is only logged
      // and the video made without it (videos.ts:694-699).
      if (image.field === 'frame_1') return sendFailure(res, firstFrameUploadFailed(CONTENT_CHECK_REFUSED));
    }
    if (outage !== undefined) {
      // A composition swallows the failed credit read (images.ts:111-124); its first upload then fails the
      // same way, after its own retries, and is wrapped (images.ts:142-145). An HTML page has no upload keys
      // (image-uploader.ts:46-51).
      await failedCreditRead(outage, who.family);
      const read = await failedCreditRead(outage, who.family);
      return sendFailure(
        res,
        compositionUploadFailed(outage.kind === 'http_5xx' ? UPLOAD_TOKEN_FAILED : read!.message),
      );
    }

    // The submit (/mweb/v1/aigc_draft/generate): risk control, account limits, ret errors, pre-deduction.
    const admitted = sessions.admit(who.sessionId);
    if (!admitted.ok) {
      const untilMs = now() + admitted.retryAfterMs;
      refuse(res, who, endpoint, 'rate_limited', untilMs);
      if (fork) {
        return sendJson(
          res,
          429,
          { code: -1, message: FORK_TEXT.tooMany, data: null },
          { 'retry-after': String(Math.ceil(admitted.retryAfterMs / 1000)) },
        );
      }
      // Default mode: the upstream's risk control, without any hint of how long (error-handler.ts:64-65).
      return sendFailure(res, riskControl('1019'));
    }
    if (fault !== undefined) {
      switch (fault.kind) {
        case 'quota_exhausted':
          sessions.exhaust(who.sessionId);
          quotaRefusal();
          return sendFailure(res, upstreamRet('5000', UPSTREAM_ERRMSG['5000']));
        case 'content_policy':
          return sendFailure(res, upstreamRet('4001', fault.errmsg ?? '提示词或素材包含违规内容'));
        case 'risk_control':
          refuse(
            res,
            who,
            endpoint,
            'rate_limited',
            fault.cooldownMs === undefined ? null : now() + fault.cooldownMs,
            fault.cooldownMs !== undefined,
          );
          return sendFailure(res, riskControl(fault.ret ?? '1019', fault.errmsg));
        case 'http_5xx':
          await delay(retriesMs(false));
          return sendFailure(res, kind === 'video' ? UPSTREAM_5XX.videoSubmit : UPSTREAM_5XX.imageSubmit);
        case 'upstream_transport': {
          const read = await failedCreditRead(fault, who.family);
          return sendFailure(res, read!);
        }
        default:
          break;
      }
    }
    if (!sessions.enter(who.sessionId)) {
      refuse(res, who, endpoint, 'busy', null);
      return sendFailure(res, TOO_MANY_JOBS);
    }
    let entered = true;
    const thisCall = runningCall(res, endpoint);
    const jobs = running.get(who.sessionId) ?? new Set<RunningCall>();
    jobs.add(thisCall);
    running.set(who.sessionId, jobs);
    const leave = (): void => {
      if (entered) {
        sessions.leave(who.sessionId);
        jobs.delete(thisCall);
      }
      entered = false;
    };
    try {
      const cost =
        kind === 'video'
          ? videoCost(costs, job.model, (job as VideoJob).resolution, (job as VideoJob).durationSeconds)
          : imageCost(costs, job.model, (job as ImageJob).resolution);
      if (!sessions.charge(who.sessionId, cost)) {
        quotaRefusal();
        return sendFailure(res, upstreamRet('5000', UPSTREAM_ERRMSG['5000']));
      }
      const failCode = fault?.kind === 'task_failure' ? (fault.failCode ?? '2038') : undefined;

      if (endpoint === ENDPOINTS.videoSubmit) {
        // Fork mode: the job runs "in the background"; the caller polls /v1/async/tasks/:id.
        leave();
        const v = job as VideoJob;
        const id = `${1 + prng.int(9)}${Array.from({ length: 18 }, () => prng.int(10)).join('')}`;
        const fileName = storeVideo(buildMp4(v.durationSeconds), true);
        tasks.add({
          id,
          sessionId: who.sessionId,
          submittedAt: now(),
          runMs: latency.videoMs,
          prompt: v.prompt,
          fileName,
          ...(failCode === undefined ? {} : { failCode }),
        });
        if (failCode !== undefined) sessions.refund(who.sessionId, cost);
        return sendJson(res, 200, {
          created: created(),
          history_id: id,
          status: 'submitted',
          message: '任务已提交，请使用 history_id 查询任务状态',
        });
      }

      // The job: the proxy polls until it ends (smart-poller.ts), then answers.
      await delay(
        kind === 'video' ? latency.videoMs : kind === 'composition' ? latency.compositionMs : latency.imageMs,
      );
      leave();
      if (failCode !== undefined) {
        // Status 30 and no items: handleGenerationFailure throws (error-handler.ts:128-149). The upstream
        // gives the credits of a failed job back (an assumption: the proxy cannot see it).
        sessions.refund(who.sessionId, cost);
        return sendFailure(res, generationFailed(kind === 'video' ? 'video' : 'image', 30, failCode));
      }
      if (kind === 'video') {
        const v = job as VideoJob;
        const mp4 = buildMp4(v.durationSeconds);
        // b64_json: the proxy downloads the video and base64-encodes it (routes/videos.ts:180-189).
        const item = v.b64
          ? { b64_json: mp4.toString('base64'), revised_prompt: v.prompt }
          : { url: storeVideo(mp4), revised_prompt: v.prompt };
        return sendJson(res, 200, { created: created(), data: [item] });
      }
      const image = job as ImageJob;
      // A job that failed or timed out with some items answers with those (error-handler.ts:103-121, 128-143;
      // smart-poller.ts:184-200).
      const count =
        fault?.kind === 'partial_result'
          ? Math.max(1, Math.min(fault.items ?? 1, image.count - 1))
          : image.count;
      const data = imageItems(image, count);
      return sendJson(
        res,
        200,
        kind === 'composition'
          ? {
              created: created(),
              data,
              input_images: image.inputImages?.length ?? 0,
              composition_type: 'multi_image_synthesis',
            }
          : { created: created(), data },
      );
    } finally {
      leave();
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Token routes (src/api/routes/token.ts)
  // -------------------------------------------------------------------------------------------------------

  /** getCredit for one token, with the faults its upstream call may meet. */
  async function readCredits(
    endpoint: Endpoint,
    raw: string,
  ): Promise<{ ok: true; credits: Credits; sessionId: string } | { ok: false; answer: ProxyFailure }> {
    const { sessionId, family } = parseToken(raw);
    if (!alive(sessionId)) return { ok: false, answer: DEAD_SESSION_CREDIT_READ };
    const fault = upstreamFault(endpoint, { token: raw, sessionId, family }, 0);
    if (fault?.kind === 'session_invalid' || fault?.kind === 'banned') {
      kill(sessionId, fault.kind === 'banned' ? 'banned' : 'invalid');
      return { ok: false, answer: DEAD_SESSION_CREDIT_READ };
    }
    if (fault?.kind === 'quota_exhausted') sessions.exhaust(sessionId);
    if (fault?.kind === 'credits_claim_failed')
      sessions.exhaust(sessionId, {
        ret: fault.ret ?? DEFAULT_CLAIM_REFUSAL.ret,
        errmsg: fault.errmsg ?? DEFAULT_CLAIM_REFUSAL.errmsg,
      });
    if (fault !== undefined) {
      const failed = await failedCreditRead(fault, family);
      if (failed !== undefined) return { ok: false, answer: failed };
    }
    return { ok: true, credits: sessions.credits(sessionId), sessionId };
  }

  async function tokenRoute(
    res: http.ServerResponse,
    endpoint: Endpoint,
    body: Record<string, unknown>,
    authorization: unknown,
  ): Promise<void> {
    if (endpoint === ENDPOINTS.tokenCheck) {
      // token.ts:13-19: one token from the body (no comma split), every upstream error is live:false.
      if (typeof body.token !== 'string') return sendFailure(res, paramsInvalid('body.token'));
      const { sessionId, family } = parseToken(body.token);
      if (!alive(sessionId)) return sendJson(res, 200, { live: false });
      const fault = upstreamFault(endpoint, { token: body.token, sessionId, family }, 0);
      if (fault?.kind === 'session_invalid' || fault?.kind === 'banned')
        kill(sessionId, fault.kind === 'banned' ? 'banned' : 'invalid');
      if (fault !== undefined) {
        if (fault.kind === 'upstream_transport' || fault.kind === 'http_5xx')
          await failedCreditRead(fault, family);
        return sendJson(res, 200, { live: false });
      }
      return sendJson(res, 200, { live: true });
    }
    if (typeof authorization !== 'string') return sendFailure(res, paramsInvalid('headers.authorization'));
    const tokens = tokenSplit(authorization);
    // token.ts:22-34: all tokens in parallel; one failure fails the whole call.
    const reads = [];
    for (const token of tokens) reads.push({ token, read: await readCredits(endpoint, token) });
    const failed = reads.find((r) => !r.read.ok);
    if (failed !== undefined && !failed.read.ok) return sendFailure(res, failed.read.answer);
    if (endpoint === ENDPOINTS.tokenPoints)
      return sendJson(
        res,
        200,
        reads.map((r) => ({ token: r.token, points: r.read.ok ? r.read.credits : undefined })),
      );
    // token.ts:36-69: claim for each token whose total is <= 0.
    return sendJson(
      res,
      200,
      reads.map(({ token, read }) => {
        if (!read.ok) return { token };
        if (read.credits.totalCredit > 0) return { token, credits: read.credits, received: false };
        const claim = sessions.claim(read.sessionId);
        if (claim.ok) return { token, credits: sessions.credits(read.sessionId), received: true };
        return {
          token,
          credits: read.credits,
          received: false,
          error: upstreamRet(claim.refusal.ret, claim.refusal.errmsg).message,
        };
      }),
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // The protocol server
  // -------------------------------------------------------------------------------------------------------

  async function handleProtocol(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const endpoint = endpointOf(method, url.pathname, fork);
    const raw = (await readRaw(req)) ?? '';
    const authorization = req.headers.authorization;

    // Who is calling, for counters and faults: the token the proxy would pick for this call.
    let bodyForAuth: Record<string, unknown> = {};
    let bodyError: ProxyFailure | undefined;
    try {
      bodyForAuth = readBody(method, req.headers['content-type'] ?? '', raw);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      bodyError = error.answer;
    }
    let caller: Caller | undefined;
    if (endpoint === ENDPOINTS.tokenCheck) {
      if (typeof bodyForAuth.token === 'string')
        caller = { token: bodyForAuth.token, ...parseToken(bodyForAuth.token) };
    } else if (HEADER_ENDPOINTS.includes(endpoint) && typeof authorization === 'string') {
      const tokens = tokenSplit(authorization);
      const pick =
        endpoint === ENDPOINTS.tokenPoints || endpoint === ENDPOINTS.tokenReceive || tokens.length === 1
          ? tokens[0]!
          : tokens[prng.int(tokens.length)]!;
      caller = { token: pick, ...parseToken(pick) };
    }
    const countedAs = caller === undefined || caller.sessionId === '' ? undefined : caller.sessionId;
    const atMs = now();
    counters.received(endpoint, countedAs, atMs);
    if (countedAs !== undefined && GENERATION_ENDPOINTS.includes(endpoint)) {
      const ignored = refusals.ignoredBy(countedAs, isVideo(endpoint) ? 'video' : 'image', atMs);
      if (ignored !== undefined)
        counters.callAfterRefusal({ sessionId: countedAs, endpoint, atMs, ...ignored });
    }

    if (endpoint !== ENDPOINTS.files && (await arrivalFault(res, endpoint, caller))) return;
    // The JSON reader runs before routing (src/lib/server.ts:39-109), so a bad body wins over a bad path.
    if (bodyError !== undefined) return sendFailure(res, bodyError);
    const body = bodyForAuth;

    try {
      switch (endpoint) {
        case ENDPOINTS.info:
          return sendJson(res, 200, SERVICE_INFO);
        case ENDPOINTS.ping:
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('pong');
          return;
        case ENDPOINTS.models:
          return sendJson(res, 200, MODEL_LIST);
        case ENDPOINTS.files: {
          const file = files.get(decodeURIComponent(url.pathname.slice('/files/'.length)));
          if (file === undefined) {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('not found');
            return;
          }
          res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length });
          res.end(file.bytes);
          return;
        }
        case ENDPOINTS.unknown:
          return sendFailure(res, unknownRoute(method, req.url ?? url.pathname));
        case ENDPOINTS.tokenCheck:
        case ENDPOINTS.tokenPoints:
        case ENDPOINTS.tokenReceive:
          return await tokenRoute(res, endpoint, body, authorization);
        case ENDPOINTS.taskStatus:
          return taskStatus(res, url, authorization, caller);
        default:
          return await generate(res, endpoint, body, authorization, caller);
      }
    } catch (error) {
      if (error instanceof ProtocolError) return sendFailure(res, error.answer);
      throw error;
    }
  }

  /** Fork mode: GET /v1/async/tasks/:id, the task's upstream status by elapsed time. */
  function taskStatus(
    res: http.ServerResponse,
    url: URL,
    authorization: unknown,
    caller: Caller | undefined,
  ): void {
    if (typeof authorization !== 'string' || caller === undefined)
      return sendFailure(res, paramsInvalid('headers.authorization'));
    if (!alive(caller.sessionId)) return sendFailure(res, loginError());
    const admitted = sessions.admit(caller.sessionId);
    if (!admitted.ok) {
      return sendJson(
        res,
        429,
        { code: -1, message: FORK_TEXT.tooMany, data: null },
        { 'retry-after': String(Math.ceil(admitted.retryAfterMs / 1000)) },
      );
    }
    const id = decodeURIComponent(url.pathname.slice('/v1/async/tasks/'.length));
    const task = tasks.find(id, caller.sessionId);
    if (task === undefined) return sendFailure(res, failure(-2008, FORK_TEXT.recordMissing));
    const view = taskView(task, now());
    const results =
      view.finished && view.failCode === ''
        ? [{ url: fileUrl(task.fileName), revised_prompt: task.prompt }]
        : null;
    return sendJson(res, 200, {
      history_id: task.id,
      task_type: 'video',
      status: view.status,
      fail_code: view.failCode,
      item_count: results?.length ?? 0,
      results,
    });
  }

  async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    const raw = await readRaw(req);
    const body = (): unknown => {
      if (raw === undefined) throw new AdminInputError('body too large', null);
      if (raw.trim() === '') return {};
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new AdminInputError('body is not valid JSON', null);
      }
    };
    try {
      if (path === '/__admin/sessions' && method === 'POST')
        return sendJson(res, 201, admin.registerSession(body() as SessionInput));
      if (path === '/__admin/sessions' && method === 'GET') return sendJson(res, 200, admin.sessions());
      if (path.startsWith('/__admin/sessions/') && method === 'GET') {
        const id = decodeURIComponent(path.slice('/__admin/sessions/'.length));
        const s = admin.session(id);
        return s === undefined
          ? sendJson(res, 404, { error: 'unknown session', field: 'sessionId' })
          : sendJson(res, 200, s);
      }
      if (path === '/__admin/faults' && method === 'POST')
        return sendJson(res, 201, admin.injectFault(body() as FaultSpec));
      if (path === '/__admin/faults' && method === 'GET') return sendJson(res, 200, admin.faults());
      if (path === '/__admin/faults' && method === 'DELETE')
        return sendJson(res, 200, { cleared: admin.clearFaults() });
      if (path === '/__admin/counters' && method === 'GET') return sendJson(res, 200, admin.counters());
      if (path === '/__admin/counters/reset' && method === 'POST') {
        admin.resetCounters();
        return sendJson(res, 200, { reset: 'counters' });
      }
      if (path === '/__admin/reset' && method === 'POST') {
        rejectUnknownKeys(objectBody(body()), []);
        admin.reset();
        return sendJson(res, 200, { reset: 'all' });
      }
      return sendJson(res, 404, { error: `no admin route ${method} ${path}`, field: null });
    } catch (error) {
      if (error instanceof AdminInputError) return sendJson(res, 400, error.toJSON());
      throw error;
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const handler =
      url.pathname === '/__admin' || url.pathname.startsWith('/__admin/') ? handleAdmin : handleProtocol;
    handler(req, res, url).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      sendJson(res, 500, {
        code: -1000,
        message: `simulator bug: ${error instanceof Error ? error.message : String(error)}`,
        data: null,
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? SIMULATOR_DEFAULTS.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    port: address.port,
    admin,
    forkExtensions: fork,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
