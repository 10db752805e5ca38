import { mkdir, open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  OutboundAddressError,
  checkOutboundUrl,
  checkRedirectTarget,
  requestCheckedUrl,
  type CheckedUrl,
  type OutboundAddressPolicy,
} from '../outbound/outbound-address-policy';
import { DownloadError, redactUrl } from './storage-errors';
import { removeTempFile, tempFilePath } from './temp-files';
import type { StorageLogger } from './storage-logger';

export interface DownloadLimits {
  /** Refuse bodies larger than this (OUTPUT_DOWNLOAD_MAX_BYTES); default DEFAULT_DOWNLOAD_MAX_BYTES. */
  readonly maxBytes?: number;
  /**
   * The whole download, first lookup to last byte, redirects included (OUTPUT_DOWNLOAD_TIMEOUT_MS); default
   * DEFAULT_DOWNLOAD_TIMEOUT_MS. An idle timeout alone lets a server trickling a byte a minute hold the worker.
   */
  readonly timeoutMs?: number;
  /** Silence allowed on a connection (connect, headers, between body chunks); default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Default 5; every hop is resolved and checked by the address policy before it is connected to. */
  readonly maxRedirects?: number;
}

export interface DownloadRequest extends DownloadLimits {
  /** Where the download and its redirects may connect (services/outbound/outbound-address-policy.ts). */
  readonly addressPolicy: OutboundAddressPolicy;
  readonly tmpDir: string;
  /** Names the temp file so cleanupJobTempFiles(jobId) finds it. */
  readonly jobId?: string | null;
  readonly ext?: string | null;
  /** Temporal's activity cancellation signal, so a cancelled job stops downloading. */
  readonly signal?: AbortSignal;
  readonly logger?: StorageLogger;
}

export interface TempFile {
  readonly path: string;
  readonly size: number;
  /** The Content-Type the server sent, if any. */
  readonly contentType: string | null;
}

/** config/settings.ts (OUTPUT_DOWNLOAD_MAX_BYTES) explains the size: the largest video a model can make, with room. */
export const DEFAULT_DOWNLOAD_MAX_BYTES = 256 * 1024 ** 2;
/** config/settings.ts (OUTPUT_DOWNLOAD_TIMEOUT_MS) explains the time: that size over a slow link, within storeOutputs. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_REDIRECTS = 5;

/**
 * Streams a remote file (an AI service's result URL) into a new temp file. On any failure — refused address,
 * HTTP error, reset mid-body, truncation, size limit, timeout, cancellation — the temp file is removed before
 * the error is thrown, so a failed download leaves nothing behind. The file is created before the request
 * starts, so there is no window in which a failing download could create it after the cleanup.
 */
export async function downloadToTemp(url: string, request: DownloadRequest): Promise<TempFile> {
  const target = parseUrl(url);
  const timeoutMs = request.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  await mkdir(request.tmpDir, { recursive: true });
  const path = tempFilePath(request.tmpDir, request.jobId ?? null, request.ext ?? null);
  const handle = await open(path, 'wx');

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;
  try {
    return await streamInto(handle, path, target, request, signal);
  } catch (error) {
    // Named before the cleanup awaits, while it is still clear which of the two signals stopped us.
    const failure = toDownloadError(error, target, {
      timedOut: deadline.signal.aborted && request.signal?.aborted !== true,
      cancelled: request.signal?.aborted === true,
      timeoutMs,
    });
    await handle.close().catch(() => undefined); // already closed when the write stream got that far
    await removeTempFile(path, request.logger);
    throw failure;
  } finally {
    clearTimeout(timer);
  }
}

async function streamInto(
  handle: FileHandle,
  path: string,
  target: URL,
  request: DownloadRequest,
  signal: AbortSignal,
): Promise<TempFile> {
  const maxBytes = request.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES;
  const response = await getFollowingRedirects(target, request, signal);
  const declared =
    response.headers['content-length'] === undefined ? null : Number(response.headers['content-length']);
  if (declared !== null && declared > maxBytes) {
    response.destroy();
    throw new DownloadError(
      `download of ${redactUrl(target)} is ${declared} bytes, over the ${maxBytes}-byte limit`,
      null,
      false,
      'too-large',
    );
  }

  const counter = new ByteCounter(maxBytes, target);
  await pipeline(response, counter, handle.createWriteStream(), { signal });
  // A connection closed early is usually an error already; a server that lies about the length is not.
  if (declared !== null && counter.bytes !== declared) {
    throw new DownloadError(
      `download of ${redactUrl(target)} ended after ${counter.bytes} of ${declared} bytes`,
      null,
      true,
      'truncated',
    );
  }
  request.logger?.debug({ url: redactUrl(target), path, size: counter.bytes }, 'downloaded to temp file');
  return { path, size: counter.bytes, contentType: response.headers['content-type'] ?? null };
}

/** The final answer after at most maxRedirects redirects, each target checked before it is connected to. */
async function getFollowingRedirects(
  target: URL,
  request: DownloadRequest,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const maxRedirects = request.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let checked = await untilAborted(checkOutboundUrl(target, request.addressPolicy, 'download'), signal);
  for (let redirects = 0; ; redirects++) {
    const response = await get(checked, target, request.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      response.resume();
      if (redirects === maxRedirects) {
        throw new DownloadError(
          `download of ${redactUrl(target)} redirected more than ${maxRedirects} times`,
          status,
          false,
          'too-many-redirects',
        );
      }
      checked = await untilAborted(
        checkRedirectTarget(checked.url, location, request.addressPolicy, 'download redirect'),
        signal,
      );
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      const retryable = status >= 500 || status === 429 || status === 408;
      throw new DownloadError(
        `download of ${redactUrl(target)} answered HTTP ${status}`,
        status,
        retryable,
        'http-status',
      );
    }
    return response;
  }
}

function get(
  checked: CheckedUrl,
  target: URL,
  idleTimeoutMs: number,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let answered: IncomingMessage | null = null;
    const req = requestCheckedUrl(checked, { method: 'GET', signal }, (response) => {
      answered = response;
      resolve(response);
    });
    // Covers a server that accepts and then stalls, before or during the body. Once it has answered, the error
    // goes to the response, so the body's reader sees this error rather than a bare reset.
    req.setTimeout(idleTimeoutMs, () => {
      const silent = new DownloadError(
        `download of ${redactUrl(target)} was silent for ${idleTimeoutMs} ms`,
        null,
        true,
        'timed-out',
      );
      if (answered) answered.destroy(silent);
      req.destroy(silent);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A lookup cannot be aborted; the download's deadline and cancellation still end the wait for it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

class ByteCounter extends Transform {
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly target: URL,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(
        new DownloadError(
          `download of ${redactUrl(this.target)} exceeds the ${this.maxBytes}-byte limit`,
          null,
          false,
          'too-large',
        ),
      );
      return;
    }
    callback(null, chunk);
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new DownloadError('download URL is not a valid URL', null, false, 'invalid-url');
  }
}

interface Stop {
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly timeoutMs: number;
}

function toDownloadError(error: unknown, target: URL, stop: Stop): DownloadError {
  const where = redactUrl(target);
  if (stop.timedOut) {
    return new DownloadError(
      `download of ${where} took longer than ${stop.timeoutMs} ms`,
      null,
      true,
      'timed-out',
    );
  }
  if (stop.cancelled)
    return new DownloadError(`download of ${where} was cancelled`, null, false, 'cancelled');
  if (error instanceof DownloadError) return error;
  if (error instanceof OutboundAddressError) {
    // A DNS failure may pass; a refused address stays refused however often we ask.
    return new DownloadError(
      `download refused: ${error.message}`,
      null,
      error.reason === 'unresolvable',
      'address-refused',
      {
        cause: error,
      },
    );
  }
  // Network errors: reset, refused, premature close. Messages from Node do not include the URL's query.
  return new DownloadError(`download of ${where} failed: ${networkDetailOf(error)}`, null, true, 'network');
}

function networkDetailOf(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return code ?? error.message;
  }
  return String(error);
}
