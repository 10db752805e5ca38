import {
  AdminInputError,
  objectBody,
  optionalInt,
  optionalOneOf,
  optionalString,
  rejectUnknownKeys,
  sessionIdField,
} from './admin-input';
import {
  ALL_ENDPOINTS,
  ENDPOINTS,
  FAULTABLE_BY_DEFAULT,
  GENERATION_ENDPOINTS,
  IMAGE_ENDPOINTS,
  VIDEO_ENDPOINTS,
  type Endpoint,
} from './endpoints';
import type { Prng } from './prng';
import { RISK_RETS } from './proxy-text';

/*
 * Injected failures. A fault is scoped to one session or global, optionally to one endpoint, and fires either
 * with a probability (`rate`, drawn from the seeded PRNG) or for the next `count` matching calls. Faults are
 * checked in the order they were added; `slow` only adds delay, the first other fault that fires decides the
 * answer and ends the check (so the number of PRNG draws per request is reproducible).
 *
 * Two stages. Faults of the link between the client and the proxy (`slow`, `connection_reset`,
 * `malformed_body`, `error_code`, `gateway_5xx`, and the fork-only `http_429`) are rolled when a call arrives.
 * Faults of the upstream behind the proxy are rolled once the proxy would call it (after its validation and
 * the session checks), and only where the proxy would meet them: a refused input image only on a CN call that
 * has input images, a partial result only for images, a failed task by default only for videos.
 */

export const FAULT_KINDS = [
  /** Fork only (forkExtensions): HTTP 429 + Retry-After. */
  'http_429',
  /** The upstream refuses the pre-deduction (ret 5000): -2009 `[积分不足]: credit prededuct not enough。…`. */
  'quota_exhausted',
  /** The login dies during the call: ret 1015 from the next upstream call. */
  'session_invalid',
  /** Default mode: as session_invalid (the proxy has no ban signal). Fork mode: the ban text. */
  'banned',
  /** ret 4001 at submit: -2006 `[内容违规]: <errmsg>`. */
  'content_policy',
  /** The upstream answered HTTP 5xx to the submit, 4 times: what the proxy then reports (HTTP 200). */
  'http_5xx',
  /** A gateway in front of the proxy answers an HTML 5xx page itself. */
  'gateway_5xx',
  'slow',
  'connection_reset',
  'malformed_body',
  /** Any envelope: `code` and `message` as given. */
  'error_code',
  /** The job ends with status 30 and `failCode`, no items. Default scope: video endpoints. */
  'task_failure',
  /** An axios error between the proxy and the upstream, rethrown after the proxy's retries: -1000 <message>. */
  'upstream_transport',
  /** The CN content check refuses input image `imageIndex` (compositions -2007, videos -2001). */
  'input_image_refused',
  /** Images: the job ends (failed or timed out) with `items` of the expected items; the proxy returns them. */
  'partial_result',
  /** Risk control at submit: -2001 `[请求失败]: <errmsg> (错误码: <ret>)`, ret 1019, -4 or 4013. */
  'risk_control',
  /** Out of credits and the daily claim is refused. */
  'credits_claim_failed',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Rolled on arrival: the link between client and proxy. Every other kind is an upstream fault. */
export const ARRIVAL_KINDS: readonly FaultKind[] = [
  'http_429',
  'gateway_5xx',
  'slow',
  'connection_reset',
  'malformed_body',
  'error_code',
];

/** Presets for upstream_transport: the axios messages a client sees (host filled in per site). */
export const TRANSPORT_ERRORS = [
  'socket_hang_up',
  'econnreset',
  'etimedout',
  'enotfound',
  'eai_again',
  'timeout',
] as const;
export type TransportError = (typeof TRANSPORT_ERRORS)[number];

export interface FaultSpec {
  readonly kind: FaultKind;
  readonly sessionId?: string;
  readonly endpoint?: Endpoint;
  readonly rate?: number;
  readonly count?: number;
  /** slow: added latency. */
  readonly delayMs?: number;
  /** http_5xx (upstream status) and gateway_5xx (status answered): default 502. */
  readonly status?: number;
  /** error_code: envelope code and message; upstream_transport: the message, overriding `error`. */
  readonly code?: number;
  readonly message?: string;
  /** task_failure: the fail_code (default "2038"). */
  readonly failCode?: string;
  /** http_429: Retry-After (default 1000 ms, sent in whole seconds). */
  readonly retryAfterMs?: number;
  /** upstream_transport: which axios error (default "timeout"). */
  readonly error?: TransportError;
  /** input_image_refused: the 1-based input image the check refuses (default 1). */
  readonly imageIndex?: number;
  /** partial_result: items returned (default 1; at most one fewer than expected). */
  readonly items?: number;
  /** risk_control: 1019 (default), -4 or 4013; credits_claim_failed: the claim's ret (default 34010100). */
  readonly ret?: string;
  /** content_policy, risk_control, credits_claim_failed: the upstream errmsg (defaults per ret). */
  readonly errmsg?: string;
  /** risk_control: how long later calls count as calls after a refusal (default: not remembered). */
  readonly cooldownMs?: number;
  /**
   * http_5xx, upstream_transport: `submit` (default) = only the submit fails; `first_call` = an outage, every
   * upstream call fails from the call's first one (the credit read) on.
   */
  readonly at?: FailingCall;
}

export const FAILING_CALLS = ['submit', 'first_call'] as const;
export type FailingCall = (typeof FAILING_CALLS)[number];

export interface FaultSnapshot extends FaultSpec {
  readonly id: string;
  readonly fired: number;
  /** Left of a one-shot fault's `count`. */
  readonly remaining?: number;
}

interface Fault {
  readonly id: string;
  readonly spec: FaultSpec;
  remaining: number | undefined;
  fired: number;
}

const KEYS = [
  'kind',
  'sessionId',
  'endpoint',
  'rate',
  'count',
  'delayMs',
  'status',
  'code',
  'message',
  'failCode',
  'retryAfterMs',
  'error',
  'imageIndex',
  'items',
  'ret',
  'errmsg',
  'cooldownMs',
  'at',
];

/** Endpoints an upstream fault may hit when the spec names none. */
function defaultScope(kind: FaultKind): readonly Endpoint[] {
  switch (kind) {
    case 'task_failure':
      return VIDEO_ENDPOINTS;
    case 'partial_result':
      return IMAGE_ENDPOINTS;
    case 'input_image_refused':
    case 'content_policy':
      return GENERATION_ENDPOINTS;
    case 'quota_exhausted':
    case 'credits_claim_failed':
      return [...GENERATION_ENDPOINTS, ENDPOINTS.tokenPoints, ENDPOINTS.tokenReceive];
    default:
      return ARRIVAL_KINDS.includes(kind)
        ? FAULTABLE_BY_DEFAULT
        : [...GENERATION_ENDPOINTS, ENDPOINTS.tokenCheck, ENDPOINTS.tokenPoints, ENDPOINTS.tokenReceive];
  }
}

/** Where a fault can happen at all when an endpoint is named: task_failure may be widened to image jobs. */
function reachable(kind: FaultKind): readonly Endpoint[] {
  if (ARRIVAL_KINDS.includes(kind)) return ALL_ENDPOINTS;
  return kind === 'task_failure' ? GENERATION_ENDPOINTS : defaultScope(kind);
}

export function parseFaultSpec(value: unknown, options: { forkExtensions: boolean }): FaultSpec {
  const body = objectBody(value);
  rejectUnknownKeys(body, KEYS);
  const kind = optionalOneOf(body, 'kind', FAULT_KINDS);
  if (kind === undefined) throw new AdminInputError(`is required (one of ${FAULT_KINDS.join(', ')})`, 'kind');
  if (kind === 'http_429' && !options.forkExtensions) {
    throw new AdminInputError(
      'http_429 is fork-only: the proxy never answers 429 (risk control comes as -2001, see risk_control); ' +
        'start the simulator with forkExtensions: true (JIMENG_SIM_FORK_EXTENSIONS=true) to use it',
      'kind',
    );
  }
  const sessionId = sessionIdField(body, 'sessionId', false);
  const endpoint = optionalOneOf(body, 'endpoint', ALL_ENDPOINTS);

  const rate = body.rate;
  if (rate !== undefined && (typeof rate !== 'number' || !(rate > 0 && rate <= 1))) {
    throw new AdminInputError('must be a probability above 0 and at most 1', 'rate');
  }
  const count = optionalInt(body, 'count', 1);
  if ((rate === undefined) === (count === undefined))
    throw new AdminInputError('give exactly one of rate (probability) or count (next N calls)', 'rate');

  const delayMs = optionalInt(body, 'delayMs', 1, 600_000);
  if (kind === 'slow' && delayMs === undefined)
    throw new AdminInputError('is required for a slow fault', 'delayMs');
  const status = optionalInt(body, 'status', 500, 599);
  const code = body.code;
  if (code !== undefined && (typeof code !== 'number' || !Number.isInteger(code) || code === 0)) {
    throw new AdminInputError('must be a non-zero integer', 'code');
  }
  if (kind === 'error_code' && code === undefined)
    throw new AdminInputError('is required for an error_code fault', 'code');
  const message = optionalString(body, 'message');
  const failCodeRaw = body.failCode;
  if (failCodeRaw !== undefined && (typeof failCodeRaw !== 'string' || !/^-?\d+$/.test(failCodeRaw))) {
    throw new AdminInputError('must be a string of digits', 'failCode');
  }
  if (kind === 'task_failure' && endpoint !== undefined && !GENERATION_ENDPOINTS.includes(endpoint))
    throw new AdminInputError('a task_failure applies only to generation endpoints', 'endpoint');
  if (kind === 'partial_result' && endpoint !== undefined && !IMAGE_ENDPOINTS.includes(endpoint))
    throw new AdminInputError(
      'a partial_result applies only to image endpoints (a video has one item)',
      'endpoint',
    );
  if (kind === 'input_image_refused' && endpoint !== undefined && !GENERATION_ENDPOINTS.includes(endpoint))
    throw new AdminInputError('an input_image_refused applies only to generation endpoints', 'endpoint');
  const retryAfterMs = optionalInt(body, 'retryAfterMs', 0, 86_400_000);
  const error = optionalOneOf(body, 'error', TRANSPORT_ERRORS);
  const imageIndex = optionalInt(body, 'imageIndex', 1, 10);
  const items = optionalInt(body, 'items', 1, 9);
  const cooldownMs = optionalInt(body, 'cooldownMs', 1, 86_400_000);
  let ret: string | undefined;
  if (body.ret !== undefined) {
    ret = typeof body.ret === 'number' ? String(body.ret) : (body.ret as string);
    if (typeof ret !== 'string' || !/^-?\d+$/.test(ret))
      throw new AdminInputError('must be an integer', 'ret');
    if (kind === 'risk_control' && !(RISK_RETS as readonly string[]).includes(ret))
      throw new AdminInputError(`must be one of ${RISK_RETS.join(', ')}`, 'ret');
  }
  const errmsg = optionalString(body, 'errmsg');
  const at = optionalOneOf(body, 'at', FAILING_CALLS);
  if (at !== undefined && kind !== 'http_5xx' && kind !== 'upstream_transport')
    throw new AdminInputError('applies only to http_5xx and upstream_transport faults', 'at');

  return {
    kind,
    ...(sessionId === undefined ? {} : { sessionId }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(rate === undefined ? {} : { rate: rate as number }),
    ...(count === undefined ? {} : { count }),
    ...(delayMs === undefined ? {} : { delayMs }),
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { code: code as number }),
    ...(message === undefined ? {} : { message }),
    ...(failCodeRaw === undefined ? {} : { failCode: failCodeRaw as string }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(error === undefined ? {} : { error }),
    ...(imageIndex === undefined ? {} : { imageIndex }),
    ...(items === undefined ? {} : { items }),
    ...(ret === undefined ? {} : { ret }),
    ...(errmsg === undefined ? {} : { errmsg }),
    ...(cooldownMs === undefined ? {} : { cooldownMs }),
    ...(at === undefined ? {} : { at }),
  };
}

export interface FaultDecision {
  /** Total extra latency from slow faults that fired. */
  readonly delayMs: number;
  /** The fault that decides the answer, if any. */
  readonly outcome?: FaultSpec;
}

export type FaultStage = 'arrival' | 'upstream';

/** Whether a fault can happen to this call at all (beyond session and endpoint), e.g. input images on CN. */
export type FaultApplies = (spec: FaultSpec) => boolean;

export class FaultRegistry {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): FaultSnapshot {
    const fault: Fault = { id: `f${this.nextId++}`, spec, remaining: spec.count, fired: 0 };
    this.faults.push(fault);
    return this.snapshot(fault);
  }

  list(): FaultSnapshot[] {
    return this.faults.map((f) => this.snapshot(f));
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  /** Rolls the dice for one stage of one request. */
  decide(
    sessionId: string | undefined,
    endpoint: Endpoint,
    prng: Prng,
    stage: FaultStage,
    applies: FaultApplies = () => true,
  ): FaultDecision {
    let delayMs = 0;
    for (const fault of this.faults) {
      if (ARRIVAL_KINDS.includes(fault.spec.kind) !== (stage === 'arrival')) continue;
      if (!this.scoped(fault.spec, sessionId, endpoint) || !applies(fault.spec)) continue;
      if (fault.remaining === 0) continue;
      const fires = fault.remaining !== undefined ? true : prng.next() < (fault.spec.rate as number);
      if (!fires) continue;
      if (fault.remaining !== undefined) fault.remaining -= 1;
      fault.fired += 1;
      if (fault.spec.kind === 'slow') {
        delayMs += fault.spec.delayMs ?? 0;
        continue;
      }
      return { delayMs, outcome: fault.spec };
    }
    return { delayMs };
  }

  private scoped(spec: FaultSpec, sessionId: string | undefined, endpoint: Endpoint): boolean {
    if (spec.sessionId !== undefined && spec.sessionId !== sessionId) return false;
    if (spec.endpoint !== undefined)
      return spec.endpoint === endpoint && reachable(spec.kind).includes(endpoint);
    return defaultScope(spec.kind).includes(endpoint);
  }

  private snapshot(fault: Fault): FaultSnapshot {
    return {
      id: fault.id,
      ...fault.spec,
      fired: fault.fired,
      ...(fault.remaining === undefined ? {} : { remaining: fault.remaining }),
    };
  }
}
