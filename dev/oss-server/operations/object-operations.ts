import { OssError } from '../errors';
import { headerValue, userMetaFromHeaders } from '../http-headers';
import { parseByteRange } from '../byte-range';
import { verifyContentMd5 } from '../content-md5';
import { quotedEtag } from '../digests';
import type { ObjectRecord } from '../object-store';
import { emptyResponse, type Operation, type OperationRequest } from '../oss-response';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** GetObject's response-* query parameters and the header each one overrides. */
const RESPONSE_OVERRIDES: ReadonlyArray<[string, string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
  ['response-content-language', 'Content-Language'],
  ['response-cache-control', 'Cache-Control'],
  ['response-expires', 'Expires'],
];

export const putObject: Operation = async (request, { store }) => {
  if (request.headers['x-oss-copy-source'] !== undefined) {
    throw new OssError(501, 'NotImplemented', 'CopyObject is not implemented by the local OSS server.');
  }
  if (
    headerValue(request.headers, 'x-oss-forbid-overwrite') === 'true' &&
    store.head(request.bucket, request.key)
  ) {
    throw new OssError(
      409,
      'FileAlreadyExists',
      'The object you specified already exists and can not be overwritten.',
    );
  }
  const digest = verifyContentMd5(request.headers, request.body);
  const record: ObjectRecord = {
    key: request.key,
    size: request.body.length,
    etag: quotedEtag(digest),
    contentType: headerValue(request.headers, 'content-type') ?? DEFAULT_CONTENT_TYPE,
    lastModified: new Date(request.nowMs),
    userMeta: userMetaFromHeaders(request.headers),
    objectType: 'Normal',
  };
  await store.put(request.bucket, record, request.body);
  return emptyResponse(200, { ETag: record.etag, 'Content-MD5': digest.toString('base64') });
};

export const getObject: Operation = async (request, { store }) => {
  const stored = await store.get(request.bucket, request.key);
  if (!stored) throw noSuchKey(request);
  const { record, body } = stored;
  const headers = objectHeaders(record, request);
  const range = parseByteRange(headerValue(request.headers, 'range'), record.size);
  if (range === null) {
    return { status: 200, headers: { ...headers, 'Content-Length': String(record.size) }, body };
  }
  return {
    status: 206,
    headers: {
      ...headers,
      'Content-Length': String(range.end - range.start + 1),
      'Content-Range': `bytes ${range.start}-${range.end}/${record.size}`,
    },
    body: body.subarray(range.start, range.end + 1),
  };
};

export const headObject: Operation = async (request, { store }) => {
  const record = store.head(request.bucket, request.key);
  if (!record) throw noSuchKey(request);
  return {
    status: 200,
    headers: { ...objectHeaders(record, request), 'Content-Length': String(record.size) },
  };
};

/** HEAD ?objectMeta: the light-weight metadata ali-oss's getObjectMeta asks for. */
export const getObjectMeta: Operation = async (request, { store }) => {
  const record = store.head(request.bucket, request.key);
  if (!record) throw noSuchKey(request);
  return {
    status: 200,
    headers: {
      ETag: record.etag,
      'Content-Length': String(record.size),
      'Last-Modified': record.lastModified.toUTCString(),
    },
  };
};

/** OSS answers 204 whether or not the object existed, which is what makes a retried delete safe. */
export const deleteObject: Operation = async (request, { store }) => {
  await store.delete(request.bucket, request.key);
  return emptyResponse(204);
};

function objectHeaders(record: ObjectRecord, request: OperationRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': record.contentType,
    ETag: record.etag,
    'Last-Modified': record.lastModified.toUTCString(),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': record.objectType,
    'x-oss-storage-class': 'Standard',
  };
  for (const [name, value] of Object.entries(record.userMeta)) headers[`x-oss-meta-${name}`] = value;
  for (const [parameter, header] of RESPONSE_OVERRIDES) {
    const value = request.query.get(parameter);
    if (value !== undefined) headers[header] = value;
  }
  return headers;
}

function noSuchKey(request: OperationRequest): OssError {
  return new OssError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: request.key });
}
