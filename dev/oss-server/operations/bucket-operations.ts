import { OssError } from '../errors';
import { childBlocks, childText, element, xmlDocument } from '../xml';
import { verifyContentMd5 } from '../content-md5';
import { listPage, parseMaxKeys, type Listing } from '../object-listing';
import type { ObjectRecord } from '../object-store';
import { xmlResponse, type Operation, type OperationRequest } from '../oss-response';

/** Owner of every object; ali-oss's list() dereferences Owner.ID, so it must be present. */
const OWNER = { id: 'local-oss-owner', displayName: 'local-oss-owner' };
const MAX_DELETE_KEYS = 1000;

/** GET /?prefix=&marker=&delimiter=&max-keys= (ali-oss `list`). */
export const listObjects: Operation = async (request, { store }) => {
  const { query } = request;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const marker = query.get('marker') ?? '';
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const page = listPage(store.list(request.bucket), { prefix, delimiter, after: marker, maxKeys });
  const encode = encoderFor(request);

  const xml =
    '<ListBucketResult>' +
    element('Name', request.bucket) +
    element('Prefix', encode(prefix)) +
    element('Marker', encode(marker)) +
    element('MaxKeys', maxKeys) +
    element('Delimiter', encode(delimiter)) +
    (query.has('encoding-type') ? element('EncodingType', query.get('encoding-type')) : '') +
    element('IsTruncated', page.isTruncated) +
    (page.isTruncated && page.last !== null ? element('NextMarker', encode(page.last)) : '') +
    listingEntries(page, encode, true) +
    '</ListBucketResult>';
  return xmlResponse(200, xmlDocument(xml));
};

/** GET /?list-type=2&continuation-token=&start-after= (ali-oss `listV2`). */
export const listObjectsV2: Operation = async (request, { store }) => {
  const { query } = request;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const startAfter = query.get('start-after') ?? '';
  const token = query.get('continuation-token');
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const fromToken = token === undefined ? '' : decodeToken(token);
  const after = compareAfter(startAfter, fromToken);
  const page = listPage(store.list(request.bucket), { prefix, delimiter, after, maxKeys });
  const encode = encoderFor(request);

  const xml =
    '<ListBucketResult>' +
    element('Name', request.bucket) +
    element('Prefix', encode(prefix)) +
    (startAfter !== '' ? element('StartAfter', encode(startAfter)) : '') +
    (token !== undefined ? element('ContinuationToken', token) : '') +
    element('MaxKeys', maxKeys) +
    element('Delimiter', encode(delimiter)) +
    (query.has('encoding-type') ? element('EncodingType', query.get('encoding-type')) : '') +
    element('IsTruncated', page.isTruncated) +
    (page.isTruncated && page.last !== null ? element('NextContinuationToken', encodeToken(page.last)) : '') +
    element('KeyCount', page.contents.length + page.commonPrefixes.length) +
    listingEntries(page, encode, query.get('fetch-owner') === 'true') +
    '</ListBucketResult>';
  return xmlResponse(200, xmlDocument(xml));
};

/** POST /?delete with `<Delete><Quiet/><Object><Key/></Object>...</Delete>` (ali-oss `deleteMulti`). */
export const deleteMultipleObjects: Operation = async (request, { store }) => {
  verifyContentMd5(request.headers, request.body);
  const xml = request.body.toString('utf8');
  if (!/<Delete>[\s\S]*<\/Delete>/.test(xml)) throw malformedXml();
  const keys = childBlocks(xml, 'Object').map((object) => {
    const key = childText(object, 'Key');
    if (key === undefined || key === '') throw malformedXml();
    return key;
  });
  if (keys.length === 0 || keys.length > MAX_DELETE_KEYS) throw malformedXml();
  const quiet = childText(xml, 'Quiet') === 'true';

  for (const key of keys) await store.delete(request.bucket, key);
  const encode = encoderFor(request);
  const deleted = quiet
    ? ''
    : keys.map((key) => `<Deleted>${element('Key', encode(key))}</Deleted>`).join('');
  return xmlResponse(200, xmlDocument(`<DeleteResult>${deleted}</DeleteResult>`));
};

function listingEntries(page: Listing, encode: (text: string) => string, withOwner: boolean): string {
  const contents = page.contents.map((record) => contentsXml(record, encode, withOwner)).join('');
  const prefixes = page.commonPrefixes
    .map((p) => `<CommonPrefixes>${element('Prefix', encode(p))}</CommonPrefixes>`)
    .join('');
  return contents + prefixes;
}

function contentsXml(record: ObjectRecord, encode: (text: string) => string, withOwner: boolean): string {
  return (
    '<Contents>' +
    element('Key', encode(record.key)) +
    element('LastModified', record.lastModified.toISOString()) +
    element('ETag', record.etag) +
    element('Type', record.objectType) +
    element('Size', record.size) +
    element('StorageClass', 'Standard') +
    (withOwner
      ? `<Owner>${element('ID', OWNER.id)}${element('DisplayName', OWNER.displayName)}</Owner>`
      : '') +
    '</Contents>'
  );
}

/** `encoding-type=url` asks for names percent-encoded (keys may hold characters XML 1.0 cannot carry). */
function encoderFor(request: OperationRequest): (text: string) => string {
  const type = request.query.get('encoding-type');
  if (type === undefined) return (text) => text;
  if (type !== 'url') throw new OssError(400, 'InvalidArgument', 'encoding-type must be url.');
  return (text) => encodeURIComponent(text);
}

/** Continuation tokens are opaque to clients; here they are the last returned name, base64url-encoded. */
function encodeToken(last: string): string {
  return Buffer.from(last, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(token))
    throw new OssError(400, 'InvalidArgument', 'The continuation token provided is incorrect.');
  return Buffer.from(token, 'base64url').toString('utf8');
}

function compareAfter(a: string, b: string): string {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) >= 0 ? a : b;
}

function malformedXml(): OssError {
  return new OssError(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema.',
  );
}
