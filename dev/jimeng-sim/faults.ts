import {
  AdminInputError,
  objectBody,
  optionalInt,
  optionalOneOf,
  optionalString,
  rejectUnknownKeys,
  sessionIdField,
} from './admin-input';
import { ALL_ENDPOINTS, ENDPOINTS, FAULTABLE_BY_DEFAULT, type Endpoint } from './endpoints';
import type { Prng } from './prng';

/*
 * Injected failures. A fault is scoped to one session or global, optionally to one endpoint, and fires either
 * with a probability (`rate`, drawn from the seeded PRNG) or for the next `count` matching calls. Faults are
 * checked in the order they were added; `slow` only adds delay, the first other fault that fires decides the
 * answer and ends the check (so the number of PRNG draws per request is reproducible).
 */

export const FAULT_KINDS = [
  'http_429',
  'quota_exhausted',
  'session_invalid',
  'banned',
  'content_policy',
  'http_5xx',
  'slow',
  'connection_reset',
  'malformed_body',
  /** Any envelope: `code` and `message` as given (for the upstream rets in the reference, e.g. 1019). */
  'error_code',
  /** Video jobs only: the job is accepted, then ends with status 30 and `failCode`. */
  'task_failure',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  readonly kind: FaultKind;
  readonly sessionId?: string;
  readonly endpoint?: Endpoint;
  readonly rate?: number;
  readonly count?: number;
  /** slow: added latency. */
  readonly delayMs?: number;
  /** http_5xx: the status (default 502). */
  readonly status?: number;
  /** error_code: envelope code and message. */
  readonly code?: number;
  readonly message?: string;
  /** task_failure: the fail_code (default 2038). */
  readonly failCode?: string;
  /** http_429: Retry-After (default 1000 ms, sent in whole seconds). */
  readonly retryAfterMs?: number;
}

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

export function parseFaultSpec(value: unknown): FaultSpec {
  const body = objectBody(value);
  rejectUnknownKeys(body, [
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
  ]);
  const kind = optionalOneOf(body, 'kind', FAULT_KINDS);
  if (kind === undefined) throw new AdminInputError(`is required (one of ${FAULT_KINDS.join(', ')})`, 'kind');
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
  if (
    kind === 'task_failure' &&
    endpoint !== undefined &&
    endpoint !== ENDPOINTS.videoSubmit &&
    endpoint !== ENDPOINTS.videoGenerations
  ) {
    throw new AdminInputError('a task_failure applies only to video generation endpoints', 'endpoint');
  }
  const retryAfterMs = optionalInt(body, 'retryAfterMs', 0, 86_400_000);

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
  };
}

export interface FaultDecision {
  /** Total extra latency from slow faults that fired. */
  readonly delayMs: number;
  /** The fault that decides the answer, if any. */
  readonly outcome?: FaultSpec;
}

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

  /** Rolls the dice for one request. */
  decide(sessionId: string | undefined, endpoint: Endpoint, prng: Prng): FaultDecision {
    let delayMs = 0;
    for (const fault of this.faults) {
      if (!this.applies(fault.spec, sessionId, endpoint)) continue;
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

  private applies(spec: FaultSpec, sessionId: string | undefined, endpoint: Endpoint): boolean {
    if (spec.sessionId !== undefined && spec.sessionId !== sessionId) return false;
    if (spec.kind === 'task_failure') {
      return (
        endpoint === (spec.endpoint ?? endpoint) &&
        (endpoint === ENDPOINTS.videoSubmit || endpoint === ENDPOINTS.videoGenerations)
      );
    }
    return spec.endpoint !== undefined ? spec.endpoint === endpoint : FAULTABLE_BY_DEFAULT.includes(endpoint);
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
