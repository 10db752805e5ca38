import type OSS from 'ali-oss';
import { digestOfBuffer, digestOfFile, type ContentDigest } from './content-digest';
import { toOssOperationError } from './storage-errors';
import type { StorageLogger } from './storage-logger';

/** What is known about an object once it is in OSS; the caller adds the URLs. */
export interface UploadedObject {
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  /** As OSS reports it, without quotes (MD5 hex for simple uploads, `<hex>-<parts>` for multipart). */
  readonly etag: string;
  readonly md5: string;
  /** True when the object was already there with these bytes and nothing was sent. */
  readonly alreadyPresent: boolean;
}

export interface UploadSettings {
  /** Files at least this large go up in parts (ali-oss multipartUpload). */
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly logger?: StorageLogger;
}

/** Our MD5 of the bytes, stored with the object: multipart ETags are not MD5s, so the ETag cannot be compared. */
const MD5_META_HEADER = 'x-oss-meta-md5';

/**
 * Idempotency: HEAD first, and skip the upload when the key already holds the same bytes (same MD5 and
 * size) with the same content type. A Temporal retry after a timed-out-but-successful PUT is then one
 * cheap HEAD instead of re-sending a video; a plain re-PUT would be just as correct (OSS PUT replaces
 * atomically), only slower. Different bytes under the same key are overwritten: keys are per job, type and
 * timestamp, so the latest attempt's output is the job's output.
 */
export async function uploadBuffer(
  client: OSS,
  key: string,
  body: Buffer,
  contentType: string,
  settings: UploadSettings,
): Promise<UploadedObject> {
  const digest = digestOfBuffer(body);
  const existing = await findSame(client, key, digest, contentType, settings);
  if (existing) return existing;
  try {
    const result = await client.put(key, body, { mime: contentType, headers: signedDigestHeaders(digest) });
    return uploaded(key, digest, contentType, etagOf(result.res.headers));
  } catch (error) {
    throw toOssOperationError(error, 'put', key);
  }
}

export async function uploadFile(
  client: OSS,
  key: string,
  path: string,
  contentType: string,
  settings: UploadSettings,
): Promise<UploadedObject> {
  const digest = await digestOfFile(path);
  const existing = await findSame(client, key, digest, contentType, settings);
  if (existing) return existing;

  if (digest.size >= settings.multipartThresholdBytes) {
    try {
      // Parts carry no Content-MD5 (ali-oss streams them and would reuse one header for every part), so
      // only the whole-object MD5 goes along, as metadata.
      const result = await client.multipartUpload(key, path, {
        mime: contentType,
        partSize: settings.partSizeBytes,
        headers: { [MD5_META_HEADER]: digest.md5Hex },
      });
      return uploaded(key, digest, contentType, unquote(result.etag));
    } catch (error) {
      throw toOssOperationError(error, 'multipartUpload', key);
    }
  }
  try {
    // Given a path, ali-oss streams the file and computes no Content-MD5 itself; ours makes OSS verify the body.
    const result = await client.put(key, path, { mime: contentType, headers: signedDigestHeaders(digest) });
    return uploaded(key, digest, contentType, etagOf(result.res.headers));
  } catch (error) {
    throw toOssOperationError(error, 'put', key);
  }
}

async function findSame(
  client: OSS,
  key: string,
  digest: ContentDigest,
  contentType: string,
  settings: UploadSettings,
): Promise<UploadedObject | null> {
  let headers: Record<string, string | undefined>;
  try {
    headers = (await client.head(key)).res.headers as Record<string, string | undefined>;
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return null;
    throw toOssOperationError(error, 'head', key);
  }
  const etag = etagOf(headers);
  const storedMd5 =
    headers[MD5_META_HEADER] ?? (/^[0-9a-f]{32}$/i.test(etag) ? etag.toLowerCase() : undefined);
  const same =
    storedMd5 === digest.md5Hex &&
    Number(headers['content-length']) === digest.size &&
    headers['content-type'] === contentType;
  if (!same) {
    settings.logger?.warn({ key }, 'object exists with different content; overwriting');
    return null;
  }
  settings.logger?.debug({ key, size: digest.size }, 'object already uploaded; skipping');
  return { key, size: digest.size, contentType, etag, md5: digest.md5Hex, alreadyPresent: true };
}

function signedDigestHeaders(digest: ContentDigest): Record<string, string> {
  return { 'Content-MD5': digest.md5Base64, [MD5_META_HEADER]: digest.md5Hex };
}

function uploaded(key: string, digest: ContentDigest, contentType: string, etag: string): UploadedObject {
  return { key, size: digest.size, contentType, etag, md5: digest.md5Hex, alreadyPresent: false };
}

function etagOf(headers: object): string {
  const etag = (headers as Record<string, string | undefined>).etag;
  return unquote(etag ?? '');
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}
