import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DownloadError, redactUrl } from './storage-errors';
import { removeTempFile, tempFilePath } from './temp-files';
import type { StorageLogger } from './storage-logger';

export interface DownloadLimits {
  /** Idle time allowed on the connection (connect, headers, between body chunks); default 60 s. */
  readonly timeoutMs?: number;
  /** Refuse bodies larger than this; default 2 GiB (a disk-filling upstream must not take the worker down). */
  readonly maxBytes?: number;
  /** Default 5. */
  readonly maxRedirects?: number;
}

export interface DownloadRequest extends DownloadLimits {
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

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
const DEFAULT_MAX_REDIRECTS = 5;

/**
 * Streams a remote file (an AI service's result URL) into a new temp file. On any failure — HTTP error,
 * reset mid-body, truncation, size limit, timeout, cancellation — the temp file is removed before the
 * error is thrown, so a failed download leaves nothing behind. The file is created before the request
 * starts, so there is no window in which a failing download could create it after the cleanup.
 */
export async function downloadToTemp(url: string, request: DownloadRequest): Promise<TempFile> {
  const target = parseHttpUrl(url);
  await mkdir(request.tmpDir, { recursive: true });
  const path = tempFilePath(request.tmpDir, request.jobId ?? null, request.ext ?? null);
  const handle = await open(path, 'wx');
  try {
    return await streamInto(handle, path, target, request);
  } catch (error) {
    await handle.close().catch(() => undefined); // already closed when the write stream got that far
    await removeTempFile(path, request.logger);
    throw toDownloadError(error, target);
  }
}

async function streamInto(
  handle: FileHandle,
  path: string,
  target: URL,
  request: DownloadRequest,
): Promise<TempFile> {
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES;
  const response = await get(target, request, request.maxRedirects ?? DEFAULT_MAX_REDIRECTS);
  const declared =
    response.headers['content-length'] === undefined ? null : Number(response.headers['content-length']);
  if (declared !== null && declared > maxBytes) {
    response.destroy();
    throw new DownloadError(
      `download of ${redactUrl(target)} is ${declared} bytes, over the ${maxBytes}-byte limit`,
      null,
      false,
    );
  }

  const counter = new ByteCounter(maxBytes, target);
  await pipeline(response, counter, handle.createWriteStream());
  // A connection closed early is usually an error already; a server that lies about the length is not.
  if (declared !== null && counter.bytes !== declared) {
    throw new DownloadError(
      `download of ${redactUrl(target)} ended after ${counter.bytes} of ${declared} bytes`,
      null,
      true,
    );
  }
  request.logger?.debug({ url: redactUrl(target), path, size: counter.bytes }, 'downloaded to temp file');
  return { path, size: counter.bytes, contentType: response.headers['content-type'] ?? null };
}

function get(target: URL, request: DownloadRequest, redirectsLeft: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      { method: 'GET', ...(request.signal ? { signal: request.signal } : {}) },
      (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location !== undefined) {
          response.resume();
          if (redirectsLeft === 0)
            return reject(new DownloadError(`too many redirects from ${redactUrl(target)}`, status, false));
          let next: URL;
          try {
            next = parseHttpUrl(new URL(location, target).toString());
          } catch (error) {
            return reject(error);
          }
          return get(next, request, redirectsLeft - 1).then(resolve, reject);
        }
        if (status < 200 || status >= 300) {
          response.resume();
          const retryable = status >= 500 || status === 429 || status === 408;
          return reject(
            new DownloadError(`download of ${redactUrl(target)} answered HTTP ${status}`, status, retryable),
          );
        }
        resolve(response);
      },
    );
    // Idle timeout: covers a server that accepts and then stalls, before or during the body.
    req.setTimeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
      req.destroy(new DownloadError(`download of ${redactUrl(target)} timed out`, null, true));
    });
    req.on('error', reject);
    req.end();
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
        ),
      );
      return;
    }
    callback(null, chunk);
  }
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DownloadError('download URL is not a valid URL', null, false);
  }
  // file:, data: and friends would read local files or bypass the network policy.
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DownloadError(`download URL must be http(s), got ${parsed.protocol}`, null, false);
  }
  return parsed;
}

function toDownloadError(error: unknown, target: URL): DownloadError {
  if (error instanceof DownloadError) return error;
  const err = error as NodeJS.ErrnoException;
  if (err?.name === 'AbortError')
    return new DownloadError(`download of ${redactUrl(target)} was cancelled`, null, false);
  // Network errors: reset, refused, premature close. Messages from Node do not include the URL's query.
  return new DownloadError(
    `download of ${redactUrl(target)} failed: ${err?.code ?? err?.message ?? String(error)}`,
    null,
    true,
  );
}
