import { randomBytes } from 'node:crypto';
import { OssError } from './errors';
import { md5, quotedEtag } from './digests';

/** OSS refuses to complete an upload whose parts other than the last are below 100 KB (ali-oss's minimum too). */
export const MIN_PART_SIZE = 100 * 1024;
const MAX_PART_NUMBER = 10_000;

interface Part {
  readonly body: Buffer;
  readonly digest: Buffer;
  readonly etag: string;
}

export interface MultipartUpload {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly userMeta: Readonly<Record<string, string>>;
  readonly parts: Map<number, Part>;
}

export interface CompletedUpload {
  readonly upload: MultipartUpload;
  readonly body: Buffer;
  readonly etag: string;
}

/** Uploads in progress. Kept in memory even with a data dir: an unfinished upload does not survive a restart. */
export class MultipartUploads {
  private readonly uploads = new Map<string, MultipartUpload>();

  initiate(
    bucket: string,
    key: string,
    contentType: string,
    userMeta: Record<string, string>,
  ): MultipartUpload {
    const upload: MultipartUpload = {
      uploadId: randomBytes(16).toString('hex').toUpperCase(),
      bucket,
      key,
      contentType,
      userMeta,
      parts: new Map(),
    };
    this.uploads.set(upload.uploadId, upload);
    return upload;
  }

  putPart(bucket: string, key: string, uploadId: string, partNumberText: string, body: Buffer): string {
    const upload = this.find(bucket, key, uploadId);
    const partNumber = Number(partNumberText);
    if (!/^\d+$/.test(partNumberText) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new OssError(
        400,
        'InvalidArgument',
        `Part number must be an integer between 1 and ${MAX_PART_NUMBER}.`,
      );
    }
    const digest = md5(body);
    const etag = quotedEtag(digest);
    upload.parts.set(partNumber, { body, digest, etag });
    return etag;
  }

  /** Assembles the object from the listed parts, checking them the way OSS does. */
  complete(
    bucket: string,
    key: string,
    uploadId: string,
    listed: ReadonlyArray<{ partNumber: number; etag: string }>,
  ): CompletedUpload {
    const upload = this.find(bucket, key, uploadId);
    if (listed.length === 0)
      throw new OssError(400, 'MalformedXML', 'The XML you provided was not well-formed.');
    const parts: Part[] = [];
    let previous = 0;
    for (const { partNumber, etag } of listed) {
      if (partNumber <= previous)
        throw new OssError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
      previous = partNumber;
      const part = upload.parts.get(partNumber);
      if (!part || normalizeEtag(part.etag) !== normalizeEtag(etag)) {
        throw new OssError(
          400,
          'InvalidPart',
          "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
          { PartNumber: String(partNumber) },
        );
      }
      parts.push(part);
    }
    parts.forEach((part, index) => {
      if (index < parts.length - 1 && part.body.length < MIN_PART_SIZE) {
        throw new OssError(
          400,
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed size.',
          { PartNumber: String(listed[index]?.partNumber) },
        );
      }
    });
    this.uploads.delete(uploadId);
    const etag = quotedEtag(md5(Buffer.concat(parts.map((p) => p.digest))), `-${parts.length}`);
    return { upload, body: Buffer.concat(parts.map((p) => p.body)), etag };
  }

  abort(bucket: string, key: string, uploadId: string): void {
    this.find(bucket, key, uploadId);
    this.uploads.delete(uploadId);
  }

  get size(): number {
    return this.uploads.size;
  }

  private find(bucket: string, key: string, uploadId: string): MultipartUpload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      throw new OssError(
        404,
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        { UploadId: uploadId },
      );
    }
    return upload;
  }
}

function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '').toUpperCase();
}
