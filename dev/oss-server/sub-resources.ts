import type { QueryString } from './query-string';

/**
 * Query parameters that OSS treats as sub-resources: they are part of the V1 canonicalized resource, every
 * other parameter (prefix, marker, max-keys, list-type...) is not signed. A parameter missing here that a
 * client signs, or one present here that a client does not sign, makes every such request fail with
 * SignatureDoesNotMatch — so this list follows the OSS documentation, not what this server implements.
 */
export const SIGNED_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'append',
  'bucketInfo',
  'callback',
  'callback-var',
  'cname',
  'comp',
  'continuation-token',
  'cors',
  'delete',
  'encryption',
  'endTime',
  'img',
  'inventory',
  'inventoryId',
  'lifecycle',
  'live',
  'location',
  'logging',
  'objectMeta',
  'partNumber',
  'policy',
  'position',
  'qos',
  'referer',
  'regionList',
  'replication',
  'replicationLocation',
  'replicationProgress',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'security-token',
  'sequential',
  'startTime',
  'stat',
  'status',
  'style',
  'styleName',
  'symlink',
  'tagging',
  'transferAcceleration',
  'udf',
  'udfApplication',
  'udfApplicationLog',
  'udfId',
  'udfImage',
  'udfImageDesc',
  'udfName',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'vod',
  'website',
  'worm',
  'wormExtend',
  'wormId',
  'x-oss-process',
  'x-oss-traffic-limit',
]);

/**
 * V1 CanonicalizedResource: `/bucket/key` (or `/bucket/` for bucket operations) plus the sub-resources,
 * sorted, `name` alone when the value is empty, values undecorated (not URL-encoded).
 */
export function canonicalizedResource(bucket: string | null, key: string, query: QueryString): string {
  const path = bucket === null ? '/' : `/${bucket}/${key}`;
  const subResources = query
    .entries()
    .filter(([name]) => SIGNED_SUB_RESOURCES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  return subResources.length === 0 ? path : `${path}?${subResources.join('&')}`;
}
