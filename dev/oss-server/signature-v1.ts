import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { headerValue } from './http-headers';
import { canonicalizedResource } from './sub-resources';
import type { SignedRequest } from './signed-request';

/**
 * OSS V1 (`Authorization: OSS AccessKeyId:Signature`, and signed URLs with OSSAccessKeyId/Expires/Signature):
 * base64(HMAC-SHA1(secret, VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders
 * CanonicalizedResource)). For a header signature the date line is `x-oss-date` when present (ali-oss sends
 * only that header), else `Date`; for a signed URL it is the Expires value.
 */
export function v1StringToSign(request: SignedRequest, dateLine: string): string {
  const { headers } = request;
  return [
    request.method.toUpperCase(),
    headerValue(headers, 'content-md5') ?? '',
    headerValue(headers, 'content-type') ?? '',
    dateLine,
    ...canonicalizedOssHeaders(headers),
    canonicalizedResource(request.bucket, request.key, request.query),
  ].join('\n');
}

export function v1Signature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha1', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}

function canonicalizedOssHeaders(headers: IncomingHttpHeaders): string[] {
  return Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${(headerValue(headers, name) ?? '').trim()}`);
}
