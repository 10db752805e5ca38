import { DEFAULT_CONTENT_TYPE, contentTypeForExtension } from './content-types';
import { downloadToTemp, type DownloadLimits, type TempFile } from './download-to-temp';
import { extensionOfKey, objectKeyFor, type ObjectKeyParts } from './object-key';
import { uploadBuffer, uploadFile, type UploadedObject, type UploadSettings } from './object-upload';
import { cdnObjectUrl, ossObjectUrl } from './object-urls';
import type { OutboundAddressPolicy } from '../outbound/outbound-address-policy';
import { createOssClient } from './oss-client';
import type { OssClientOptions } from './oss-client-options';
import type { StorageLogger } from './storage-logger';
import { cleanupJobTempFiles, cleanupOldTempFiles, removeTempFile } from './temp-files';

export interface OutputStorageDeps {
  readonly oss: OssClientOptions;
  /** OSS_BASE_URL: CDN origin for the URLs handed out; null/absent when there is none. */
  readonly baseUrl?: string | null;
  /** Directory this module owns for temp files (seed 003: /tmp/<app>). */
  readonly tmpDir: string;
  /** Used to age temp files. */
  readonly now?: () => Date;
  readonly logger?: StorageLogger;
  /** Default 32 MiB: below it a single PUT with Content-MD5; at or above it a multipart upload. */
  readonly multipartThresholdBytes?: number;
  /** Default 8 MiB; OSS's minimum is 100 KiB. */
  readonly partSizeBytes?: number;
  /**
   * Where output downloads and their redirects may connect; no default, so every deployment says whether the
   * loopback simulator of development may be reached (OUTBOUND_ALLOW_PRIVATE).
   */
  readonly addressPolicy: OutboundAddressPolicy;
  /** OUTPUT_DOWNLOAD_MAX_BYTES and OUTPUT_DOWNLOAD_TIMEOUT_MS; download-to-temp's defaults where absent. */
  readonly download?: DownloadLimits;
}

/** Everything job_outputs needs about a stored output (ossPath = key; never a local path). */
export interface StoredOutput {
  readonly ossPath: string;
  readonly ossUrl: string;
  readonly ossCdnUrl: string | null;
  readonly size: number;
  readonly contentType: string;
  readonly etag: string;
  readonly md5: string;
  readonly alreadyPresent: boolean;
}

export interface UploadOptions {
  /** Default: from the key's extension, else application/octet-stream. */
  readonly contentType?: string;
}

export interface DownloadOptions {
  readonly jobId?: string;
  readonly ext?: string;
  readonly signal?: AbortSignal;
}

export interface UploadFromUrlOptions extends UploadOptions {
  readonly jobId?: string;
  readonly signal?: AbortSignal;
}

export interface OutputStorage {
  objectKeyFor(parts: ObjectKeyParts): string;
  urlsFor(key: string): { readonly ossUrl: string; readonly ossCdnUrl: string | null };
  uploadBuffer(key: string, body: Buffer, options?: UploadOptions): Promise<StoredOutput>;
  uploadFile(key: string, path: string, options?: UploadOptions): Promise<StoredOutput>;
  /** Seed 003 step 4: download the AI service's URL to a temp file, upload it, and always remove the temp file. */
  uploadFromUrl(key: string, url: string, options?: UploadFromUrlOptions): Promise<StoredOutput>;
  downloadToTemp(url: string, options?: DownloadOptions): Promise<TempFile>;
  removeTempFile(path: string): Promise<void>;
  cleanupJobTempFiles(jobId: string): Promise<number>;
  cleanupOldTempFiles(olderThanMs: number): Promise<number>;
}

const MIN_PART_SIZE = 100 * 1024;

export function createOutputStorage(deps: OutputStorageDeps): OutputStorage {
  const client = createOssClient(deps.oss);
  const now = deps.now ?? (() => new Date());
  const settings: UploadSettings = {
    multipartThresholdBytes: deps.multipartThresholdBytes ?? 32 * 1024 * 1024,
    partSizeBytes: deps.partSizeBytes ?? 8 * 1024 * 1024,
    ...(deps.logger ? { logger: deps.logger } : {}),
  };
  if (settings.partSizeBytes < MIN_PART_SIZE)
    throw new RangeError(`partSizeBytes must be at least ${MIN_PART_SIZE}`);
  // Only what is safe to show is kept outside the client: URL building needs no credentials.
  const urlOptions: OssClientOptions = { ...deps.oss, accessKeyId: '', accessKeySecret: '' };

  const urlsFor = (key: string) => ({
    ossUrl: ossObjectUrl(urlOptions, key),
    ossCdnUrl: cdnObjectUrl(deps.baseUrl, key),
  });
  const contentTypeFor = (
    key: string,
    options: UploadOptions | undefined,
    fallback: string | null = null,
  ): string =>
    options?.contentType ?? contentTypeForExtension(extensionOfKey(key)) ?? fallback ?? DEFAULT_CONTENT_TYPE;
  const stored = (object: UploadedObject): StoredOutput => ({
    ossPath: object.key,
    ...urlsFor(object.key),
    size: object.size,
    contentType: object.contentType,
    etag: object.etag,
    md5: object.md5,
    alreadyPresent: object.alreadyPresent,
  });
  const download = (url: string, options: DownloadOptions = {}): Promise<TempFile> =>
    downloadToTemp(url, {
      ...deps.download,
      addressPolicy: deps.addressPolicy,
      tmpDir: deps.tmpDir,
      jobId: options.jobId ?? null,
      ext: options.ext ?? null,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });

  return {
    objectKeyFor,
    urlsFor,
    async uploadBuffer(key, body, options) {
      return stored(await uploadBuffer(client, key, body, contentTypeFor(key, options), settings));
    },
    async uploadFile(key, path, options) {
      return stored(await uploadFile(client, key, path, contentTypeFor(key, options), settings));
    },
    async uploadFromUrl(key, url, options = {}) {
      const temp = await download(url, {
        ext: extensionOfKey(key) ?? '',
        ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      try {
        return stored(
          await uploadFile(client, key, temp.path, contentTypeFor(key, options, temp.contentType), settings),
        );
      } finally {
        await removeTempFile(temp.path, deps.logger);
      }
    },
    downloadToTemp: download,
    removeTempFile: (path) => removeTempFile(path, deps.logger),
    cleanupJobTempFiles: (jobId) => cleanupJobTempFiles(deps.tmpDir, jobId, deps.logger),
    cleanupOldTempFiles: (olderThanMs) =>
      cleanupOldTempFiles(deps.tmpDir, olderThanMs, now().getTime(), deps.logger),
  };
}
