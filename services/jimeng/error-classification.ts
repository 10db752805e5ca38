import {
  JimengErrorAction as A,
  JimengErrorReason as R,
  type JimengErrorAction,
  type JimengErrorReason,
} from './error-actions';

/*
 * Pure mapping from "what went wrong" to "what the caller should do", as data tables so a reviewer can hold
 * them against the protocol reference (section 6) line by line. Nothing here does I/O or knows secrets.
 *
 * The proxy answers errors with HTTP 200 and `{ code, message, data: null }`; the upstream `ret` (or a failed
 * task's `fail_code`) survives only inside the message, as `(错误码: <ret>)` or `状态码: 30，错误码: <fail_code>`.
 * The most specific signal wins: an upstream code named in the message, then known message texts, then the
 * proxy code, then a fallback.
 */

export interface Classification {
  readonly action: JimengErrorAction;
  readonly reason: JimengErrorReason;
}

export interface ClassifiedFailure extends Classification {
  readonly code: string;
  readonly upstreamCode?: string;
  readonly retryAfterMs?: number;
  readonly httpStatus?: number;
  readonly proxyCode?: number;
}

/** How a request failed below HTTP: what a socket, a DNS lookup or our own deadline reported. */
export type TransportFailure =
  /** Our own deadline for the exchange passed (the request had been sent). */
  | 'deadline'
  /**
   * The same on a paid call (a generation): the deadline is above the proxy's own polling limits
   * (proxy-limits.ts), and the proxy may still be working on the job it started.
   */
  | 'paid_call_deadline'
  | 'timeout'
  | 'connection_reset'
  | 'socket_hang_up'
  | 'connection_refused'
  | 'dns_failure'
  | 'network_error'
  | 'aborted';

/** Failures found before anything was sent. */
export type LocalFailure = 'invalid_request' | 'invalid_account' | 'site_not_configured';

export type FailureSignal =
  /** The proxy's error envelope (any HTTP status except 429). */
  | {
      readonly kind: 'envelope';
      readonly code: number;
      readonly message: string;
      readonly httpStatus?: number;
    }
  /** An HTTP status that is an error by itself and came without a readable envelope (or was 429). */
  | { readonly kind: 'http_status'; readonly status: number; readonly retryAfterMs?: number }
  | { readonly kind: 'transport'; readonly failure: TransportFailure }
  /** A 2xx body we could not read as the expected JSON shape. */
  | { readonly kind: 'malformed_body'; readonly httpStatus: number }
  /** A polled task ended with status 30 and this `fail_code`. */
  | { readonly kind: 'task_failed'; readonly failCode: string }
  | { readonly kind: 'local'; readonly failure: LocalFailure };

const rule = (action: JimengErrorAction, reason: JimengErrorReason): Classification => ({ action, reason });

/**
 * The proxy's own codes (src/api/consts/exceptions.ts, src/lib/consts/exceptions.ts), and -1 for "unknown".
 * -1000 is what every plain `Error` becomes (src/lib/response/FailureBody.ts:17-18): caller errors, unknown
 * routes, the axios errors of the proxy's own upstream calls and TypeErrors alike, so its text decides
 * (MESSAGE_RULES); a -1000 whose text is unknown is retried once on another account.
 */
export const PROXY_CODE_RULES: Readonly<Record<string, Classification>> = {
  '-1000': rule(A.RETRY_ONCE_OTHER_ACCOUNT, R.UNEXPLAINED),
  '-2000': rule(A.FAIL_PERMANENTLY, R.BAD_REQUEST),
  /** "Request failed": the upstream ret in the message decides; on its own it is worth one more try. */
  '-2001': rule(A.RETRY_SAME_ACCOUNT, R.UNKNOWN),
  '-2002': rule(A.ACCOUNT_INVALID, R.SESSION_EXPIRED),
  '-2003': rule(A.FAIL_PERMANENTLY, R.FILE_REJECTED),
  '-2004': rule(A.FAIL_PERMANENTLY, R.FILE_REJECTED),
  '-2006': rule(A.FAIL_PERMANENTLY, R.CONTENT_POLICY),
  '-2007': rule(A.RETRY_SAME_ACCOUNT, R.GENERATION_FAILED),
  '-2008': rule(A.RETRY_SAME_ACCOUNT, R.GENERATION_FAILED),
  '-2009': rule(A.ACCOUNT_EXHAUSTED, R.CREDITS_EXHAUSTED),
  '-1': rule(A.RETRY_SAME_ACCOUNT, R.UNKNOWN),
};

/** Upstream `ret` values named in -2001/-2002/-2007/-2008/-2009 messages. */
export const UPSTREAM_RET_RULES: Readonly<Record<string, Classification>> = {
  '1015': rule(A.ACCOUNT_INVALID, R.SESSION_EXPIRED), // login error
  '5000': rule(A.ACCOUNT_EXHAUSTED, R.CREDITS_EXHAUSTED), // credit prededuct not enough
  '5001': rule(A.COOL_DOWN_ACCOUNT, R.RISK_CONTROL), // credit prededuct failed: too many queued tasks (unverified)
  '5002': rule(A.RETRY_SAME_ACCOUNT, R.GENERATION_FAILED), // video failure: retry once, then fail (caller's budget)
  '4001': rule(A.FAIL_PERMANENTLY, R.CONTENT_POLICY),
  '4002': rule(A.FAIL_PERMANENTLY, R.BAD_REQUEST),
  '3018': rule(A.FAIL_PERMANENTLY, R.CLIENT_OUTDATED), // permission denied: the proxy needs a fix, accounts do not help
  '3000': rule(A.SWITCH_SITE, R.REGION_MISMATCH), // region not allow: IP region does not match the token's site
  '1019': rule(A.COOL_DOWN_ACCOUNT, R.RISK_CONTROL), // shark not pass
  '-4': rule(A.COOL_DOWN_ACCOUNT, R.RISK_CONTROL), // shark check reject
  '4013': rule(A.COOL_DOWN_ACCOUNT, R.RISK_CONTROL), // "suspected abnormal behaviour"
  '34010100': rule(A.ACCOUNT_EXHAUSTED, R.CREDIT_CLAIM_REFUSED), // daily credit claim refused: no credits until reset
};

/** `fail_code` of a task that ended with status 30. */
export const TASK_FAIL_CODE_RULES: Readonly<Record<string, Classification>> = {
  // A content filter in one proxy, "random" to users of the other: no retry of the same prompt either way.
  '2038': rule(A.FAIL_PERMANENTLY, R.CONTENT_POLICY),
  '1017': rule(A.SWITCH_SITE, R.SITE_OVERLOADED), // site overload or network path
};
/** Any other fail_code: the job failed upstream for no stated reason. */
const TASK_FAILED_FALLBACK = rule(A.RETRY_SAME_ACCOUNT, R.GENERATION_FAILED);

/**
 * Known texts, for messages that carry no upstream code. `proxyCodes` limits a rule to envelopes with those
 * codes where the text alone would be ambiguous (a content-policy message may well contain "banned").
 */
export interface MessageRule extends Classification {
  readonly pattern: RegExp;
  readonly proxyCodes?: readonly number[];
  /** The upstream code the text stands for, when it is the upstream errmsg. */
  readonly upstreamCode?: string;
}

/**
 * The axios error texts of the proxy's upstream calls, rethrown after its own retries
 * (src/api/controllers/core.ts:386-414) and answered as -1000 with the text. With a per-account outbound proxy,
 * "Proxy connection …" is that proxy failing.
 */
const TRANSPORT_TEXT =
  /socket hang up|ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|ENETUNREACH|EHOSTUNREACH|Proxy connection|network error/i;

/**
 * Caller errors the proxy raises as plain Errors (-1000): its routes' validation (src/api/routes/images.ts:20,
 * 78, 113-136; src/api/routes/videos.ts:39-135) and the resolution tables (src/api/builders/payload-builder.ts:29-48).
 * Our own request building refuses these first, so seeing one means the two disagree: no account helps.
 */
const CALLER_ERROR_TEXT =
  /不支持的参数|至少需要提供1张输入图片|最多支持10张输入图片|格式不正确|缺少url字段|duration 必须是整数|duration 参数格式错误|秒时长，当前值|不支持的分辨率|不支持的比例|全能模式|最多只能上传2个图片文件/;

export const MESSAGE_RULES: readonly MessageRule[] = [
  // An input image refused by the CN content check (src/api/controllers/core.ts:469-474), as compositions
  // (-2007 "图片上传失败: …", images.ts:144) and videos (-2001 "首帧图片上传失败: …", videos.ts:672, 697) wrap it.
  // Before the login and transport texts: the refusal is about the image, whatever else the text says.
  { pattern: /图片内容检测未通过|违规内容/, ...rule(A.FAIL_PERMANENTLY, R.CONTENT_POLICY) },
  // The proxy could not fetch our input image (src/api/controllers/videos.ts:82, src/lib/image-uploader.ts:278).
  { pattern: /下载图片失败/, ...rule(A.FAIL_PERMANENTLY, R.FILE_REJECTED) },
  { pattern: /login error/i, upstreamCode: '1015', ...rule(A.ACCOUNT_INVALID, R.SESSION_EXPIRED) },
  {
    pattern: /credit prededuct not enough/i,
    upstreamCode: '5000',
    ...rule(A.ACCOUNT_EXHAUSTED, R.CREDITS_EXHAUSTED),
  },
  { pattern: /credit prededuct failed/i, upstreamCode: '5001', ...rule(A.COOL_DOWN_ACCOUNT, R.RISK_CONTROL) },
  { pattern: /permission denied/i, upstreamCode: '3018', ...rule(A.FAIL_PERMANENTLY, R.CLIENT_OUTDATED) },
  { pattern: /region not allow/i, upstreamCode: '3000', ...rule(A.SWITCH_SITE, R.REGION_MISMATCH) },
  { pattern: /shark not pass/i, upstreamCode: '1019', ...rule(A.COOL_DOWN_ACCOUNT, R.RISK_CONTROL) },
  { pattern: /shark check reject/i, upstreamCode: '-4', ...rule(A.COOL_DOWN_ACCOUNT, R.RISK_CONTROL) },
  // "积分不足且无法自动收取…": no credits and the daily claim failed; images -2009 (images.ts:358), videos
  // -2008 (videos.ts:245), so the text is the only signal for videos.
  { pattern: /积分不足/, ...rule(A.ACCOUNT_EXHAUSTED, R.CREDITS_EXHAUSTED) },
  // Only forks send a ban notice (the proxy has no source for one); these words are what it carries.
  {
    pattern: /封禁|封号|\bbanned\b|\bsuspended\b/i,
    proxyCodes: [-2001, -2002],
    ...rule(A.ACCOUNT_BANNED, R.ACCOUNT_BANNED),
  },
  // The credits read before generating failed on a missing `credit` object (core.ts:188-189): what a dead
  // session gets (iptag #58). Evidence enough to check the session, not to mark the account.
  {
    pattern: /reading '(?:gift_credit|credit)'/,
    proxyCodes: [-1000],
    ...rule(A.RETRY_ONCE_OTHER_ACCOUNT, R.SESSION_SUSPECT),
  },
  // The proxy's own upstream call timed out after its retries: the site is slow or unreachable.
  { pattern: /timeout of \d+ms exceeded/i, ...rule(A.RETRY_OTHER_ACCOUNT, R.UPSTREAM_TIMEOUT) },
  { pattern: TRANSPORT_TEXT, proxyCodes: [-1000], ...rule(A.RETRY_OTHER_ACCOUNT, R.UPSTREAM_UNREACHABLE) },
  // "记录不存在" (record missing) while polling; "记录ID不存在" (no id returned at submit) is a plain failure.
  { pattern: /记录不存在|record not found/i, ...rule(A.RETRY_SAME_ACCOUNT, R.RECORD_MISSING) },
  { pattern: /内容违规/, ...rule(A.FAIL_PERMANENTLY, R.CONTENT_POLICY) },
  // An unknown route (src/lib/server.ts:168): the client asks for a route this proxy does not serve.
  { pattern: /^\[请求有误\]/, proxyCodes: [-1000], ...rule(A.FAIL_PERMANENTLY, R.CLIENT_OUTDATED) },
  // An image model the account's site does not serve: international (src/api/controllers/images.ts:56) or CN
  // (nano models, src/api/builders/payload-builder.ts:74-78).
  {
    pattern: /国际版不支持模型|国内站不支持/,
    proxyCodes: [-1000],
    ...rule(A.SWITCH_SITE, R.MODEL_NOT_ON_SITE),
  },
  { pattern: CALLER_ERROR_TEXT, proxyCodes: [-1000], ...rule(A.FAIL_PERMANENTLY, R.BAD_REQUEST) },
];

const UNKNOWN_CODE_FALLBACK = rule(A.RETRY_SAME_ACCOUNT, R.UNKNOWN);

export const TRANSPORT_RULES: Readonly<Record<TransportFailure, Classification & { code: string }>> = {
  deadline: { code: 'TIMEOUT', ...rule(A.RETRY_SAME_ACCOUNT, R.TIMEOUT) },
  // Not sent again: a second request would start and pay for a second job. The job fails and is refunded.
  paid_call_deadline: { code: 'CALL_DEADLINE', ...rule(A.FAIL_PERMANENTLY, R.CALL_DEADLINE) },
  timeout: { code: 'TIMEOUT', ...rule(A.RETRY_SAME_ACCOUNT, R.TIMEOUT) },
  connection_reset: { code: 'ECONNRESET', ...rule(A.RETRY_SAME_ACCOUNT, R.CONNECTION_FAILED) },
  socket_hang_up: { code: 'SOCKET_HANG_UP', ...rule(A.RETRY_SAME_ACCOUNT, R.CONNECTION_FAILED) },
  connection_refused: { code: 'ECONNREFUSED', ...rule(A.RETRY_SAME_ACCOUNT, R.CONNECTION_FAILED) },
  dns_failure: { code: 'DNS_FAILURE', ...rule(A.RETRY_SAME_ACCOUNT, R.CONNECTION_FAILED) },
  network_error: { code: 'NETWORK_ERROR', ...rule(A.RETRY_SAME_ACCOUNT, R.CONNECTION_FAILED) },
  // Our caller cancelled (activity cancellation): retrying is its decision, not ours.
  aborted: { code: 'CANCELLED', ...rule(A.FAIL_PERMANENTLY, R.CANCELLED) },
};

export const LOCAL_RULES: Readonly<Record<LocalFailure, Classification & { code: string }>> = {
  invalid_request: { code: 'INVALID_REQUEST', ...rule(A.FAIL_PERMANENTLY, R.BAD_REQUEST) },
  invalid_account: { code: 'INVALID_ACCOUNT', ...rule(A.ACCOUNT_INVALID, R.ACCOUNT_MISCONFIGURED) },
  site_not_configured: { code: 'SITE_NOT_CONFIGURED', ...rule(A.SWITCH_SITE, R.SITE_NOT_CONFIGURED) },
};

/**
 * HTTP statuses that mean something by themselves. The real proxy answers 200 even for errors; these come from
 * whatever sits in front of it (gateways, our simulator) or a wrong base URL.
 */
export function classifyHttpStatus(status: number): Classification {
  if (status === 429) return rule(A.COOL_DOWN_ACCOUNT, R.RATE_LIMITED);
  if (status === 408) return rule(A.RETRY_SAME_ACCOUNT, R.TIMEOUT);
  if (status >= 500) return rule(A.RETRY_SAME_ACCOUNT, R.SERVER_ERROR);
  if (status >= 400) return rule(A.FAIL_PERMANENTLY, R.BAD_REQUEST);
  // A 1xx/2xx/3xx reaching here had an unreadable body; what to do about it is decided by the caller.
  return rule(A.RETRY_SAME_ACCOUNT, R.MALFORMED_RESPONSE);
}

/** `(错误码: 1019)`, `ret=3018`, `ret:"3018"`: the upstream code the proxy folded into its message. */
function upstreamRetIn(message: string): string | undefined {
  const m = /错误码[:：]\s*(-?\d+)/.exec(message) ?? /\bret\W{0,3}(-?\d+)/i.exec(message);
  return m?.[1];
}

/** `状态码: 30，错误码: 2038`: a task that ended in failure, as the synchronous routes report it. */
function taskFailCodeIn(message: string): string | undefined {
  return /状态码[:：]\s*30\D+?错误码[:：]\s*(-?\d+)/.exec(message)?.[1];
}

export function classifyEnvelope(code: number, message: string): Classification & { upstreamCode?: string } {
  const failCode = taskFailCodeIn(message);
  if (failCode !== undefined)
    return { ...(TASK_FAIL_CODE_RULES[failCode] ?? TASK_FAILED_FALLBACK), upstreamCode: failCode };
  const ret = upstreamRetIn(message);
  if (ret !== undefined && UPSTREAM_RET_RULES[ret] !== undefined)
    return { ...UPSTREAM_RET_RULES[ret], upstreamCode: ret };
  for (const r of MESSAGE_RULES) {
    if (r.proxyCodes !== undefined && !r.proxyCodes.includes(code)) continue;
    if (r.pattern.test(message)) {
      const upstreamCode = r.upstreamCode ?? ret;
      return upstreamCode === undefined
        ? rule(r.action, r.reason)
        : { ...rule(r.action, r.reason), upstreamCode };
    }
  }
  const byCode = PROXY_CODE_RULES[String(code)] ?? UNKNOWN_CODE_FALLBACK;
  return ret === undefined ? byCode : { ...byCode, upstreamCode: ret };
}

export function classifyTaskFailure(failCode: string): Classification {
  return TASK_FAIL_CODE_RULES[failCode] ?? TASK_FAILED_FALLBACK;
}

/** The one entry point: every failure signal to an action, a reason and a short stable code. */
export function classifyFailure(signal: FailureSignal): ClassifiedFailure {
  switch (signal.kind) {
    case 'envelope': {
      const c = classifyEnvelope(signal.code, signal.message);
      return {
        ...c,
        code: String(signal.code),
        proxyCode: signal.code,
        ...(signal.httpStatus === undefined ? {} : { httpStatus: signal.httpStatus }),
      };
    }
    case 'http_status': {
      const c = classifyHttpStatus(signal.status);
      return {
        ...c,
        code: `HTTP_${signal.status}`,
        httpStatus: signal.status,
        ...(signal.retryAfterMs === undefined ? {} : { retryAfterMs: signal.retryAfterMs }),
      };
    }
    case 'transport': {
      const { code, action, reason } = TRANSPORT_RULES[signal.failure];
      return { code, action, reason };
    }
    case 'malformed_body':
      return {
        code: 'MALFORMED_RESPONSE',
        ...rule(A.RETRY_SAME_ACCOUNT, R.MALFORMED_RESPONSE),
        httpStatus: signal.httpStatus,
      };
    case 'task_failed':
      return { code: 'TASK_FAILED', ...classifyTaskFailure(signal.failCode), upstreamCode: signal.failCode };
    case 'local': {
      const { code, action, reason } = LOCAL_RULES[signal.failure];
      return { code, action, reason };
    }
  }
}

/**
 * The code of our own deadline passing (http-transport.ts), apart from a socket's ETIMEDOUT: a paid call that
 * outlived it had reached the proxy and may have started a job; a connect timeout cannot have.
 */
export const CALL_DEADLINE_CODE = 'JIMENG_CALL_DEADLINE';

/**
 * Node sockets, node:http, undici (fetch) and AbortSignal report the same few failures under different names;
 * this table folds them into TransportFailure. Keys are `error.code` values, `error.name`s, or message texts.
 */
export const TRANSPORT_ERROR_CODES: Readonly<Record<string, TransportFailure>> = {
  [CALL_DEADLINE_CODE]: 'deadline',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  ECONNREFUSED: 'connection_refused',
  EHOSTUNREACH: 'connection_refused',
  ENETUNREACH: 'connection_refused',
  ENOTFOUND: 'dns_failure',
  EAI_AGAIN: 'dns_failure',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  TimeoutError: 'timeout',
  AbortError: 'aborted',
  ABORT_ERR: 'aborted',
};

/** Recognises a thrown transport error (also through `cause`, as fetch wraps them); undefined if it is none. */
export function transportFailureOf(error: unknown, depth = 0): TransportFailure | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  for (const key of [e.code, e.name]) {
    if (typeof key === 'string' && TRANSPORT_ERROR_CODES[key] !== undefined)
      return TRANSPORT_ERROR_CODES[key];
  }
  if (typeof e.message === 'string' && /socket hang up/i.test(e.message)) return 'socket_hang_up';
  const fromCause = transportFailureOf(e.cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  if (typeof e.message === 'string' && /fetch failed|network|socket/i.test(e.message)) return 'network_error';
  return undefined;
}
