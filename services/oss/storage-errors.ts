/**
 * Errors this module throws. ali-oss errors are not passed on as they are: they carry the request
 * (`params`, with the Authorization header, a signature replayable for 15 minutes) and would travel into
 * Temporal's history and logs. Only the fields below are copied; the original is deliberately not kept as
 * `cause`.
 */

export type OssOperation = 'put' | 'head' | 'multipartUpload';

export class OssOperationError extends Error {
  override readonly name = 'OssOperationError';

  constructor(
    readonly operation: OssOperation,
    readonly key: string,
    /** HTTP status; -1 network error, -2 timeout (ali-oss's convention). */
    readonly status: number,
    /** OSS error code (SignatureDoesNotMatch, InternalError...) or ali-oss's error name. */
    readonly code: string,
    readonly requestId: string | null,
    /** Worth another attempt: network failures, timeouts, 5xx and throttling; never auth or request errors. */
    readonly retryable: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** Why a download failed, for callers that act on it rather than on the message. */
export type DownloadFailure =
  | 'invalid-url'
  /** The outbound address policy refused the URL or a redirect target (the cause says why). */
  | 'address-refused'
  | 'http-status'
  | 'too-many-redirects'
  | 'too-large'
  /** Over the whole-download deadline, or silent on the connection for too long. */
  | 'timed-out'
  | 'truncated'
  | 'cancelled'
  | 'network';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';

  constructor(
    message: string,
    /** HTTP status when the server answered, else null (network failure, truncation, limits). */
    readonly status: number | null,
    readonly retryable: boolean,
    readonly failure: DownloadFailure,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface AliOssErrorFields {
  readonly name?: unknown;
  readonly status?: unknown;
  readonly code?: unknown;
  readonly requestId?: unknown;
  readonly message?: unknown;
}

export function toOssOperationError(error: unknown, operation: OssOperation, key: string): OssOperationError {
  const fields: AliOssErrorFields =
    typeof error === 'object' && error !== null ? (error as AliOssErrorFields) : {};
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const status = typeof fields.status === 'number' ? fields.status : -1;
  const code = typeof fields.code === 'string' && fields.code !== '' ? fields.code : name;
  const requestId = typeof fields.requestId === 'string' ? fields.requestId : null;
  const detail = typeof fields.message === 'string' ? fields.message : String(error);
  const timedOut = /Timeout/i.test(name) || status === -2;
  const retryable = status === -1 || timedOut || status >= 500 || status === 429;
  return new OssOperationError(
    operation,
    key,
    status,
    code,
    requestId,
    retryable,
    `OSS ${operation} of ${key} failed: ${code} (status ${status}): ${detail}`,
  );
}

/** A URL for messages and logs: upstream URLs are often signed, and the query string is the credential. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
