import { OssError } from '../errors';
import { headerValue, userMetaFromHeaders } from '../http-headers';
import { childBlocks, childText, element, xmlDocument } from '../xml';
import { verifyContentMd5 } from '../content-md5';
import { emptyResponse, xmlResponse, type Operation } from '../oss-response';

/** POST /key?uploads (ali-oss `initMultipartUpload`, first step of `multipartUpload`). */
export const initiateMultipartUpload: Operation = async (request, { uploads }) => {
  const upload = uploads.initiate(
    request.bucket,
    request.key,
    headerValue(request.headers, 'content-type') ?? 'application/octet-stream',
    userMetaFromHeaders(request.headers),
  );
  const xml = `<InitiateMultipartUploadResult>${element('Bucket', request.bucket)}${element('Key', request.key)}${element('UploadId', upload.uploadId)}</InitiateMultipartUploadResult>`;
  return xmlResponse(200, xmlDocument(xml));
};

/** PUT /key?partNumber=N&uploadId=U; the part's ETag (its MD5) is what the client lists on completion. */
export const uploadPart: Operation = async (request, { uploads }) => {
  verifyContentMd5(request.headers, request.body);
  const etag = uploads.putPart(
    request.bucket,
    request.key,
    request.query.get('uploadId') ?? '',
    request.query.get('partNumber') ?? '',
    request.body,
  );
  return emptyResponse(200, { ETag: etag });
};

/** POST /key?uploadId=U with the part list; the object appears only now, atomically. */
export const completeMultipartUpload: Operation = async (request, { store, uploads }) => {
  verifyContentMd5(request.headers, request.body);
  const xml = request.body.toString('utf8');
  const listed = childBlocks(xml, 'Part').map((part) => {
    const partNumber = Number(childText(part, 'PartNumber'));
    const etag = childText(part, 'ETag');
    if (!Number.isInteger(partNumber) || etag === undefined) {
      throw new OssError(
        400,
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
      );
    }
    return { partNumber, etag };
  });
  const completed = uploads.complete(
    request.bucket,
    request.key,
    request.query.get('uploadId') ?? '',
    listed,
  );
  await store.put(
    request.bucket,
    {
      key: request.key,
      size: completed.body.length,
      etag: completed.etag,
      contentType: completed.upload.contentType,
      lastModified: new Date(request.nowMs),
      userMeta: completed.upload.userMeta,
      objectType: 'Multipart',
    },
    completed.body,
  );
  const result =
    '<CompleteMultipartUploadResult>' +
    element('Location', `/${request.bucket}/${request.key}`) +
    element('Bucket', request.bucket) +
    element('Key', request.key) +
    element('ETag', completed.etag) +
    '</CompleteMultipartUploadResult>';
  return xmlResponse(200, xmlDocument(result), { ETag: completed.etag });
};

/** DELETE /key?uploadId=U. */
export const abortMultipartUpload: Operation = async (request, { uploads }) => {
  uploads.abort(request.bucket, request.key, request.query.get('uploadId') ?? '');
  return emptyResponse(204);
};
