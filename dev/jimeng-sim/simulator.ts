import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminInputError, objectBody, rejectUnknownKeys } from './admin-input';
import { Counters, type CountersSnapshot } from './counters';
import { ENDPOINTS, GENERATION_ENDPOINTS, type Endpoint } from './endpoints';
import { FaultRegistry, parseFaultSpec, type FaultSnapshot, type FaultSpec } from './faults';
import { FileStore } from './file-store';
import { buildMp4 } from './mp4';
import { encodePng, type Rgb } from './png';
import { Prng } from './prng';
import { RefusalLog, type RefusalReason } from './refusals';
import {
  ProtocolError,
  parseImageJob,
  parseToken,
  parseVideoJob,
  type Family,
  type ImageJob,
} from './protocol';
import {
  SessionRegistry,
  nextQuotaDayStartMs,
  parseSessionInput,
  type RateLimit,
  type SessionInput,
  type SessionSnapshot,
} from './sessions';
import { VideoTaskStore, taskView } from './video-tasks';

/*
 * A stand-in for the Jimeng reverse proxy (iptag/jimeng-api) on loopback: the same routes, bodies, error
 * envelopes (HTTP 200 + code) and silent substitutions, plus the `/v1/async` video routes the client uses, and
 * an admin API under `/__admin/` to shape accounts and inject faults. See README.md in this folder.
 */

export interface JimengSimulatorOptions {
  /** 0 = any free port. */
  readonly port?: number;
  readonly host?: string;
  /** Seeds every random choice: fault dice, ids, image colours. */
  readonly seed?: number;
  /** How long a synchronous image call takes. */
  readonly imageLatencyMs?: number;
  /** How long a video job runs (async tasks and the synchronous route). */
  readonly videoDurationMs?: number;
  /** Images per normal text-to-image call (upstream gives 4). */
  readonly imagesPerCall?: number;
  /** Defaults for sessions that are auto-created or registered without these fields. */
  readonly dailyQuota?: number;
  readonly rateLimit?: RateLimit;
  /** Unknown sessions: created with defaults (true) or answered as an expired login (false). */
  readonly autoCreateSessions?: boolean;
  /** Clock for quota days, rate windows and video progress. */
  readonly now?: () => number;
}

export interface SimulatorAdmin {
  /** Creates or updates a session; throws AdminInputError on a bad input. */
  registerSession(input: SessionInput): SessionSnapshot;
  session(sessionId: string): SessionSnapshot | undefined;
  sessions(): SessionSnapshot[];
  /** Adds a fault; throws AdminInputError on a bad spec. */
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
  close(): Promise<void>;
}

export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  seed: 1,
  imageLatencyMs: 50,
  videoDurationMs: 500,
  imagesPerCall: 4,
  /** The LLM-Red-Team README's 66 free credits a day. */
  dailyQuota: 66,
  rateLimit: { maxRequests: 120, windowMs: 60_000 },
} as const;

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const URL_LIFETIME_S = 86_400;

const MESSAGES = {
  missingAuth: 'Params headers.authorization invalid',
  bodyInvalid: 'Params body invalid',
  loginExpired: '[登录失效]: login error',
  banned: '[请求失败]: 账号已封禁 (account banned)',
  imageCredits: '[积分不足]: credit prededuct not enough。建议：等待每日积分刷新或更换账号',
  videoCredits: '[视频生成失败]: 积分不足且无法自动收取',
  contentPolicy: '[内容违规]: 提示词或素材包含违规内容',
  tooMany: '[请求过于频繁]: too many requests',
  tooManyJobs: '[生成失败]: credit prededuct failed (ret 5001)',
  recordMissing: '[视频生成失败]: 记录不存在',
  unknownRoute: '[系统错误]: 路由不存在',
} as const;

type Auth = { readonly sessionId: string; readonly family: Family; readonly token: string };

function endpointOf(method: string, path: string): Endpoint {
  if (method === 'GET') {
    if (path === '/') return ENDPOINTS.info;
    if (path === '/ping') return ENDPOINTS.ping;
    if (path === '/v1/models') return ENDPOINTS.models;
    if (path.startsWith('/v1/async/tasks/')) return ENDPOINTS.taskStatus;
    if (path.startsWith('/files/')) return ENDPOINTS.files;
  }
  if (method === 'POST') {
    if (path === '/v1/images/generations') return ENDPOINTS.imageGenerations;
    if (path === '/v1/images/compositions') return ENDPOINTS.imageCompositions;
    if (path === '/v1/videos/generations') return ENDPOINTS.videoGenerations;
    if (path === '/v1/async/videos/generations') return ENDPOINTS.videoSubmit;
    if (path === '/token/check') return ENDPOINTS.tokenCheck;
    if (path === '/token/points') return ENDPOINTS.tokenPoints;
  }
  return ENDPOINTS.unknown;
}

const SESSION_ENDPOINTS: readonly Endpoint[] = [
  ...GENERATION_ENDPOINTS,
  ENDPOINTS.taskStatus,
  ENDPOINTS.tokenPoints,
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

/** The proxy's error shape: always HTTP 200. */
function sendEnvelope(res: http.ServerResponse, code: number, message: string): void {
  sendJson(res, 200, { code, message, data: null });
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
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

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
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
}

export async function startJimengSimulator(options: JimengSimulatorOptions = {}): Promise<JimengSimulator> {
  checkOptions(options);
  const seed = options.seed ?? SIMULATOR_DEFAULTS.seed;
  const now = options.now ?? Date.now;
  const imageLatencyMs = options.imageLatencyMs ?? SIMULATOR_DEFAULTS.imageLatencyMs;
  const videoDurationMs = options.videoDurationMs ?? SIMULATOR_DEFAULTS.videoDurationMs;
  const imagesPerCall = options.imagesPerCall ?? SIMULATOR_DEFAULTS.imagesPerCall;

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
    injectFault: (spec) => faults.add(parseFaultSpec(spec)),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    withdraw: (sessionId) => refusals.refused(sessionId, 'image', 'withdrawn', null, now()),
    reset: () => {
      refusals.clear();
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

  function authOf(
    endpoint: Endpoint,
    req: http.IncomingMessage,
    body: Record<string, unknown> | undefined,
  ): Auth | undefined {
    let token: string | undefined;
    if (endpoint === ENDPOINTS.tokenCheck) {
      token = typeof body?.token === 'string' ? body.token : undefined;
    } else if (SESSION_ENDPOINTS.includes(endpoint)) {
      const header = req.headers.authorization;
      if (typeof header !== 'string' || !header.startsWith('Bearer ')) return undefined;
      // The proxy splits on commas and uses one token at random for each call.
      const tokens = header
        .slice('Bearer '.length)
        .split(',')
        .filter((t) => t.trim() !== '');
      token = tokens.length > 1 ? tokens[prng.int(tokens.length)] : tokens[0];
    }
    if (token === undefined || token.trim() === '') return undefined;
    const parsed = parseToken(token);
    return parsed.sessionId === '' ? undefined : { ...parsed, token };
  }

  /**
   * Counts a refusal of a generation call and remembers what the account was told. An answer to a caller that
   * is gone (its process killed while the call was in flight) tells nobody anything: it is counted, not
   * remembered, so a later call to the account is not held against a platform that never heard it.
   */
  function refuse(
    res: http.ServerResponse,
    auth: Auth | undefined,
    endpoint: Endpoint,
    reason: RefusalReason | 'busy',
    untilMs: number | null,
  ): void {
    if (!GENERATION_ENDPOINTS.includes(endpoint)) return;
    counters.refusal(reason);
    const heard = res.socket !== null && !res.socket.destroyed && !res.socket.readableEnded;
    if (auth !== undefined && reason !== 'busy' && heard)
      refusals.refused(auth.sessionId, isVideo(endpoint) ? 'video' : 'image', reason, untilMs, now());
  }

  function sendFault(
    res: http.ServerResponse,
    fault: FaultSpec,
    endpoint: Endpoint,
    auth: Auth | undefined,
  ): void {
    switch (fault.kind) {
      case 'http_429':
        refuse(res, auth, endpoint, 'rate_limited', now() + (fault.retryAfterMs ?? 1000));
        sendJson(
          res,
          429,
          { code: -1, message: MESSAGES.tooMany, data: null },
          { 'retry-after': String(Math.ceil((fault.retryAfterMs ?? 1000) / 1000)) },
        );
        return;
      case 'quota_exhausted':
        // The refusal is the truth from now on: the credits endpoint reports none left until the next day.
        if (auth !== undefined) sessions.upsert({ sessionId: auth.sessionId, remainingQuota: 0 });
        refuse(res, auth, endpoint, 'quota', nextQuotaDayStartMs(now()));
        return isVideo(endpoint)
          ? sendEnvelope(res, -2008, MESSAGES.videoCredits)
          : sendEnvelope(res, -2009, MESSAGES.imageCredits);
      case 'session_invalid':
        // Like the quota, the answer stays true: the login is gone until an operator registers it again.
        if (auth !== undefined) sessions.upsert({ sessionId: auth.sessionId, state: 'invalid' });
        refuse(res, auth, endpoint, 'invalid', null);
        return sendEnvelope(res, -2002, MESSAGES.loginExpired);
      case 'banned':
        if (auth !== undefined) sessions.upsert({ sessionId: auth.sessionId, state: 'banned' });
        refuse(res, auth, endpoint, 'banned', null);
        return sendEnvelope(res, -2001, MESSAGES.banned);
      case 'content_policy':
        return sendEnvelope(res, -2006, MESSAGES.contentPolicy);
      case 'error_code':
        return sendEnvelope(res, fault.code ?? -1, fault.message ?? 'injected error');
      case 'http_5xx': {
        const status = fault.status ?? 502;
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>${status}</h1>upstream unavailable</body></html>`);
        return;
      }
      case 'malformed_body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"created": 1759058768, "data": [{"url": "http://');
        return;
      case 'connection_reset':
        // An RST rather than a FIN: what a dropped upstream connection looks like to the client.
        res.socket?.resetAndDestroy();
        return;
      case 'slow':
      case 'task_failure':
        return; // handled by the caller; never the deciding fault
    }
  }

  const isVideo = (e: Endpoint): boolean => e === ENDPOINTS.videoGenerations || e === ENDPOINTS.videoSubmit;

  function imageItems(job: ImageJob): { url?: string; b64_json?: string }[] {
    return Array.from({ length: job.count }, () => {
      const png = encodePng(job.width, job.height, color(), color());
      if (job.b64) return { b64_json: png.toString('base64') };
      const name = `${prng.hex(16)}.png`;
      files.put(name, { contentType: 'image/png', bytes: png });
      return { url: fileUrl(name) };
    });
  }

  /** Generation and session routes: who is calling, and may they? Returns false when it already answered. */
  function admitSession(res: http.ServerResponse, auth: Auth | undefined, endpoint: Endpoint): auth is Auth {
    if (auth === undefined) {
      sendEnvelope(res, -2000, MESSAGES.missingAuth);
      return false;
    }
    const session = sessions.resolve(auth.sessionId);
    if (session === undefined || session.state === 'invalid') {
      refuse(res, auth, endpoint, 'invalid', null);
      sendEnvelope(res, -2002, MESSAGES.loginExpired);
      return false;
    }
    if (session.state === 'banned') {
      refuse(res, auth, endpoint, 'banned', null);
      sendEnvelope(res, -2001, MESSAGES.banned);
      return false;
    }
    const admitted = sessions.admit(auth.sessionId);
    if (!admitted.ok) {
      refuse(res, auth, endpoint, 'rate_limited', now() + Math.ceil(admitted.retryAfterMs / 1000) * 1000);
      sendJson(
        res,
        429,
        { code: -1, message: MESSAGES.tooMany, data: null },
        { 'retry-after': String(Math.ceil(admitted.retryAfterMs / 1000)) },
      );
      return false;
    }
    return true;
  }

  /** Credits are taken once the request is known to be valid: the proxy validates before calling upstream. */
  /**
   * An account busy with as many synchronous jobs as it may run: the upstream's "credit prededuct failed"
   * (ret 5001), which users report when too many tasks are queued on one account.
   */
  function enterJob(res: http.ServerResponse, auth: Auth, endpoint: Endpoint): boolean {
    if (sessions.enter(auth.sessionId)) return true;
    refuse(res, auth, endpoint, 'busy', null);
    sendEnvelope(res, -2007, MESSAGES.tooManyJobs);
    return false;
  }

  function takeCredit(res: http.ServerResponse, auth: Auth, endpoint: Endpoint): boolean {
    if (sessions.consume(auth.sessionId)) return true;
    refuse(res, auth, endpoint, 'quota', nextQuotaDayStartMs(now()));
    if (isVideo(endpoint)) sendEnvelope(res, -2008, MESSAGES.videoCredits);
    else sendEnvelope(res, -2009, MESSAGES.imageCredits);
    return false;
  }

  async function handleProtocol(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    const endpoint = endpointOf(req.method ?? 'GET', url.pathname);
    const rawBody = await readBody(req);
    const body = parseJsonObject(rawBody);
    const auth = authOf(endpoint, req, body);
    counters.received(endpoint, auth?.sessionId);
    if (auth !== undefined && GENERATION_ENDPOINTS.includes(endpoint)) {
      const atMs = now();
      const ignored = refusals.ignoredBy(auth.sessionId, isVideo(endpoint) ? 'video' : 'image', atMs);
      if (ignored !== undefined)
        counters.callAfterRefusal({ sessionId: auth.sessionId, endpoint, atMs, ...ignored });
    }

    const decision = faults.decide(auth?.sessionId, endpoint, prng);
    await delay(decision.delayMs);
    let failCode: string | undefined;
    if (decision.outcome !== undefined) {
      counters.faultFired(decision.outcome.kind);
      if (decision.outcome.kind === 'task_failure') failCode = decision.outcome.failCode ?? '2038';
      else return sendFault(res, decision.outcome, endpoint, auth);
    }

    switch (endpoint) {
      case ENDPOINTS.info:
        return sendJson(res, 200, {
          service: 'jimeng-sim',
          status: 'running',
          version: 'sim',
          endpoints: Object.values(ENDPOINTS),
        });
      case ENDPOINTS.ping:
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('pong');
        return;
      case ENDPOINTS.models:
        return sendJson(res, 200, {
          data: [
            'jimeng',
            'jimeng-video-3.0',
            'jimeng-video-3.0-pro',
            'jimeng-video-2.0',
            'jimeng-video-2.0-pro',
          ].map((id) => ({ id, object: 'model', owned_by: 'jimeng-sim' })),
        });
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
        return sendEnvelope(res, -1000, MESSAGES.unknownRoute);
      case ENDPOINTS.tokenCheck: {
        if (auth === undefined) return sendEnvelope(res, -2000, 'Params body.token invalid');
        const session = sessions.resolve(auth.sessionId);
        return sendJson(res, 200, { live: session !== undefined && session.state === 'ok' });
      }
      default:
        break;
    }

    if (!admitSession(res, auth, endpoint)) return;
    if (body === undefined) return sendEnvelope(res, -2000, MESSAGES.bodyInvalid);

    try {
      switch (endpoint) {
        case ENDPOINTS.tokenPoints: {
          const left = sessions.get(auth.sessionId)?.remainingQuota ?? 0;
          return sendJson(res, 200, [
            {
              token: auth.token,
              points: { giftCredit: left, purchaseCredit: 0, vipCredit: 0, totalCredit: left },
            },
          ]);
        }
        case ENDPOINTS.imageGenerations:
        case ENDPOINTS.imageCompositions: {
          const composition = endpoint === ENDPOINTS.imageCompositions;
          const job = parseImageJob(body, auth.family, imagesPerCall, composition);
          if (!enterJob(res, auth, endpoint)) return;
          try {
            if (!takeCredit(res, auth, endpoint)) return;
            await delay(imageLatencyMs);
          } finally {
            sessions.leave(auth.sessionId);
          }
          const data = imageItems(job);
          return sendJson(
            res,
            200,
            composition
              ? {
                  created: created(),
                  data,
                  input_images: job.inputImages,
                  composition_type: 'multi_image_synthesis',
                }
              : { created: created(), data },
          );
        }
        case ENDPOINTS.videoGenerations: {
          const job = parseVideoJob(body, auth.family);
          if (!enterJob(res, auth, endpoint)) return;
          try {
            if (!takeCredit(res, auth, endpoint)) return;
            await delay(videoDurationMs);
          } finally {
            sessions.leave(auth.sessionId);
          }
          if (failCode !== undefined)
            return sendEnvelope(res, -2008, `[视频生成失败]: 状态码: 30，错误码: ${failCode}`);
          const mp4 = buildMp4(job.durationSeconds);
          const item = job.b64
            ? { b64_json: mp4.toString('base64'), revised_prompt: job.prompt }
            : { url: storeVideo(mp4), revised_prompt: job.prompt };
          return sendJson(res, 200, { created: created(), data: [item] });
        }
        case ENDPOINTS.videoSubmit: {
          const job = parseVideoJob(body, auth.family);
          if (!takeCredit(res, auth, endpoint)) return;
          const id = `${1 + prng.int(9)}${Array.from({ length: 18 }, () => prng.int(10)).join('')}`;
          const fileName = storeVideo(buildMp4(job.durationSeconds), true);
          tasks.add({
            id,
            sessionId: auth.sessionId,
            submittedAt: now(),
            runMs: videoDurationMs,
            prompt: job.prompt,
            fileName,
            ...(failCode === undefined ? {} : { failCode }),
          });
          return sendJson(res, 200, {
            created: created(),
            history_id: id,
            status: 'submitted',
            message: '任务已提交，请使用 history_id 查询任务状态',
          });
        }
        case ENDPOINTS.taskStatus: {
          const id = decodeURIComponent(url.pathname.slice('/v1/async/tasks/'.length));
          const task = tasks.find(id, auth.sessionId);
          if (task === undefined) return sendEnvelope(res, -2008, MESSAGES.recordMissing);
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
        default:
          return sendEnvelope(res, -1000, MESSAGES.unknownRoute);
      }
    } catch (error) {
      if (error instanceof ProtocolError) return sendEnvelope(res, error.code, error.message);
      throw error;
    }
  }

  /** Returns the URL, or only the file name when the task will reveal the URL later. */
  function storeVideo(mp4: Buffer, nameOnly = false): string {
    const name = `${prng.hex(16)}.mp4`;
    files.put(name, { contentType: 'video/mp4', bytes: mp4 });
    return nameOnly ? name : fileUrl(name);
  }

  async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    const raw = await readBody(req);
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
