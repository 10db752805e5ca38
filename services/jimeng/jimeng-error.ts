import {
  JIMENG_ERROR_ACTIONS,
  JimengErrorReason,
  isRetryableAction,
  type JimengErrorAction,
} from './error-actions';

/** The calls the client makes; errors say which one failed. */
export type JimengOperation =
  | 'image_generation'
  | 'image_composition'
  | 'video_submit'
  | 'video_poll'
  | 'video_generation'
  | 'session_check'
  | 'credit_balance';

/** Operations that start a paid job: after an ambiguous failure a retry may start a second one. */
export const JOB_STARTING_OPERATIONS: readonly JimengOperation[] = [
  'image_generation',
  'image_composition',
  'video_submit',
  'video_generation',
];

export interface JimengErrorFields {
  /** Stable and short (fits error_code VARCHAR(20)): a proxy code like `-2009`, or `HTTP_429`, `TIMEOUT`, … */
  code: string;
  action: JimengErrorAction;
  reason: JimengErrorReason;
  /** Already free of secrets: built from redacted text only. */
  message: string;
  retryAfterMs?: number;
  httpStatus?: number;
  /** The proxy's `code` when the failure came as an error envelope. */
  proxyCode?: number;
  /** The upstream `ret` or a task's `fail_code`, when the proxy's message names one. */
  upstreamCode?: string;
  operation?: JimengOperation;
  site?: string;
  /** `****` + last 4 characters of the session id, to tell accounts apart in logs without exposing them. */
  sessionHint?: string;
  /**
   * True when the request may have reached the proxy and started a paid job although we saw no result
   * (timeouts, dropped connections, 5xx, unreadable bodies on job-starting calls). Submits are not
   * idempotent, so a caller that retries should expect to be charged twice.
   */
  mayHaveStartedJob?: boolean;
}

/** The plain-data form: what Temporal carries as ApplicationFailure details and what logs receive. */
export interface JimengErrorJSON extends Required<
  Pick<JimengErrorFields, 'code' | 'action' | 'reason' | 'message'>
> {
  name: 'JimengError';
  /** ApplicationFailure type: lets a retry policy list non-retryable types per action. */
  type: string;
  nonRetryable: boolean;
  mayHaveStartedJob: boolean;
  retryAfterMs?: number;
  httpStatus?: number;
  proxyCode?: number;
  upstreamCode?: string;
  operation?: JimengOperation;
  site?: string;
  sessionHint?: string;
}

export const JIMENG_ERROR_TYPE_PREFIX = 'JimengError.';

/** The one error every client failure becomes. */
export class JimengError extends Error {
  override readonly name = 'JimengError';
  readonly type: string;
  readonly code: string;
  readonly action: JimengErrorAction;
  readonly reason: JimengErrorReason;
  readonly nonRetryable: boolean;
  readonly mayHaveStartedJob: boolean;
  readonly retryAfterMs?: number;
  readonly httpStatus?: number;
  readonly proxyCode?: number;
  readonly upstreamCode?: string;
  readonly operation?: JimengOperation;
  readonly site?: string;
  readonly sessionHint?: string;

  constructor(fields: JimengErrorFields) {
    super(fields.message);
    this.type = `${JIMENG_ERROR_TYPE_PREFIX}${fields.action}`;
    this.code = fields.code;
    this.action = fields.action;
    this.reason = fields.reason;
    this.nonRetryable = !isRetryableAction(fields.action);
    this.mayHaveStartedJob = fields.mayHaveStartedJob ?? false;
    // Optional fields are assigned only when present so the JSON form has no `undefined` keys.
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    if (fields.httpStatus !== undefined) this.httpStatus = fields.httpStatus;
    if (fields.proxyCode !== undefined) this.proxyCode = fields.proxyCode;
    if (fields.upstreamCode !== undefined) this.upstreamCode = fields.upstreamCode;
    if (fields.operation !== undefined) this.operation = fields.operation;
    if (fields.site !== undefined) this.site = fields.site;
    if (fields.sessionHint !== undefined) this.sessionHint = fields.sessionHint;
  }

  toJSON(): JimengErrorJSON {
    const json: JimengErrorJSON = {
      name: 'JimengError',
      type: this.type,
      code: this.code,
      action: this.action,
      reason: this.reason,
      message: this.message,
      nonRetryable: this.nonRetryable,
      mayHaveStartedJob: this.mayHaveStartedJob,
    };
    if (this.retryAfterMs !== undefined) json.retryAfterMs = this.retryAfterMs;
    if (this.httpStatus !== undefined) json.httpStatus = this.httpStatus;
    if (this.proxyCode !== undefined) json.proxyCode = this.proxyCode;
    if (this.upstreamCode !== undefined) json.upstreamCode = this.upstreamCode;
    if (this.operation !== undefined) json.operation = this.operation;
    if (this.site !== undefined) json.site = this.site;
    if (this.sessionHint !== undefined) json.sessionHint = this.sessionHint;
    return json;
  }

  /** Rebuilds the error from its JSON form (e.g. from ApplicationFailure details); undefined if it is not one. */
  static fromJSON(value: unknown): JimengError | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (v.name !== 'JimengError' || typeof v.code !== 'string' || typeof v.message !== 'string')
      return undefined;
    if (typeof v.action !== 'string' || !(JIMENG_ERROR_ACTIONS as readonly string[]).includes(v.action))
      return undefined;
    const reasons: readonly string[] = Object.values(JimengErrorReason);
    if (typeof v.reason !== 'string' || !reasons.includes(v.reason)) return undefined;
    const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);
    const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
    return new JimengError({
      code: v.code,
      message: v.message,
      action: v.action as JimengErrorAction,
      reason: v.reason as JimengErrorReason,
      retryAfterMs: num(v.retryAfterMs),
      httpStatus: num(v.httpStatus),
      proxyCode: num(v.proxyCode),
      upstreamCode: str(v.upstreamCode),
      operation: str(v.operation) as JimengOperation | undefined,
      site: str(v.site),
      sessionHint: str(v.sessionHint),
      mayHaveStartedJob: v.mayHaveStartedJob === true,
    });
  }

  static is(value: unknown): value is JimengError {
    return value instanceof JimengError;
  }
}
