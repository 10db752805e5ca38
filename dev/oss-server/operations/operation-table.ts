import { OssError, notImplemented } from '../errors';
import type { QueryString } from '../query-string';
import { SIGNED_SUB_RESOURCES } from '../sub-resources';
import type { Operation } from '../oss-response';
import { deleteMultipleObjects, listObjects, listObjectsV2 } from './bucket-operations';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  uploadPart,
} from './multipart-operations';
import { deleteObject, getObject, getObjectMeta, headObject, putObject } from './object-operations';

export interface SelectedOperation {
  readonly name: string;
  readonly run: Operation;
  /** What a public-read bucket lets anyone do without a signature. */
  readonly publicRead: boolean;
  /** Verifies a sent Content-MD5 against the body. */
  readonly checksContentMd5: boolean;
}

/** Sub-resources an operation is selected by; any other signed sub-resource is an unimplemented feature. */
const SELECTING = new Set(['uploads', 'uploadId', 'partNumber', 'delete', 'objectMeta']);
/** Sub-resources that only modify an operation's answer and so never select another one. */
const MODIFIERS = new Set([
  'response-content-type',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-cache-control',
  'response-expires',
  'continuation-token',
]);

/**
 * Which OSS operation a request is. Requests for features this server does not have (ACLs, tagging,
 * append, image processing, ListMultipartUploads...) get 501 NotImplemented rather than a wrong answer.
 */
export function selectOperation(method: string, key: string, query: QueryString): SelectedOperation {
  const unsupported = query
    .entries()
    .find(([name]) => SIGNED_SUB_RESOURCES.has(name) && !SELECTING.has(name) && !MODIFIERS.has(name));
  if (unsupported) throw notImplemented(`The ${unsupported[0]} sub-resource`);

  if (key === '') {
    if (method === 'GET' && !query.has('uploads')) {
      return query.get('list-type') === '2'
        ? { name: 'ListObjectsV2', run: listObjectsV2, publicRead: false, checksContentMd5: false }
        : { name: 'ListObjects', run: listObjects, publicRead: false, checksContentMd5: false };
    }
    if (method === 'POST' && query.has('delete'))
      return {
        name: 'DeleteMultipleObjects',
        run: deleteMultipleObjects,
        publicRead: false,
        checksContentMd5: true,
      };
    if (method === 'GET' && query.has('uploads')) throw notImplemented('ListMultipartUploads');
    throw notImplemented(`${method} on a bucket`);
  }

  switch (method) {
    case 'PUT':
      if (query.has('partNumber') || query.has('uploadId'))
        return { name: 'UploadPart', run: uploadPart, publicRead: false, checksContentMd5: true };
      return { name: 'PutObject', run: putObject, publicRead: false, checksContentMd5: true };
    case 'GET':
      if (query.has('uploadId')) throw notImplemented('ListParts');
      return { name: 'GetObject', run: getObject, publicRead: true, checksContentMd5: false };
    case 'HEAD':
      if (query.has('objectMeta'))
        return { name: 'GetObjectMeta', run: getObjectMeta, publicRead: true, checksContentMd5: false };
      return { name: 'HeadObject', run: headObject, publicRead: true, checksContentMd5: false };
    case 'DELETE':
      if (query.has('uploadId'))
        return {
          name: 'AbortMultipartUpload',
          run: abortMultipartUpload,
          publicRead: false,
          checksContentMd5: false,
        };
      return { name: 'DeleteObject', run: deleteObject, publicRead: false, checksContentMd5: false };
    case 'POST':
      if (query.has('uploads'))
        return {
          name: 'InitiateMultipartUpload',
          run: initiateMultipartUpload,
          publicRead: false,
          checksContentMd5: false,
        };
      if (query.has('uploadId'))
        return {
          name: 'CompleteMultipartUpload',
          run: completeMultipartUpload,
          publicRead: false,
          checksContentMd5: true,
        };
      throw notImplemented('PostObject');
    default:
      throw new OssError(
        405,
        'MethodNotAllowed',
        `The specified method ${method} is not allowed against this resource.`,
      );
  }
}
