import { createHash, createHmac } from 'node:crypto';
import { headerValue } from './http-headers';
import { SIGNED_SUB_RESOURCES } from './sub-resources';
import type { SignedRequest } from './signed-request';

/**
 * OSS V4 (OSS4-HMAC-SHA256), as ali-oss builds it with `authorizationV4: true` (header) and
 * `signatureUrlV4` (query). Unlike V1 every query parameter is signed, and a signing key is derived per
 * day, region and product.
 */
export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';

export interface V4Scope {
  readonly day: string; // yyyymmdd
  readonly region: string; // standard region, e.g. cn-hangzhou
  readonly product: string; // oss
}

/** Percent-encoding of ali-oss's encodeString: encodeURIComponent plus ! ' ( ) *. */
export function encodeV4(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function v4CanonicalRequest(
  request: SignedRequest,
  additionalHeaders: readonly string[],
  excludedQuery: ReadonlySet<string>,
): string {
  const { headers } = request;
  const uri = encodeV4(request.bucket === null ? '/' : `/${request.bucket}/${request.key}`).replace(
    /%2F/g,
    '/',
  );

  const query = request.query
    .entries()
    .filter(([name]) => !excludedQuery.has(name))
    .sort(([a], [b]) => a.localeCompare(b))
    // ali-oss signs sub-resources without a value as a bare name and plain query values (even empty) as
    // name=value; on the wire both look like `name=`, so the sub-resource list tells them apart.
    .map(([name, value]) =>
      value === '' && SIGNED_SUB_RESOURCES.has(name)
        ? encodeV4(name)
        : `${encodeV4(name)}=${encodeV4(value)}`,
    )
    .join('&');

  const signedHeaderNames = new Set<string>(additionalHeaders);
  for (const name of Object.keys(headers)) {
    if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-'))
      signedHeaderNames.add(name);
  }
  const canonicalHeaders = [...signedHeaderNames]
    .sort()
    .map((name) => `${name}:${(headerValue(headers, name) ?? '').trim()}\n`)
    .join('');

  return [
    request.method.toUpperCase(),
    uri,
    query,
    canonicalHeaders,
    additionalHeaders.join(';'),
    headerValue(headers, 'x-oss-content-sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
}

export function v4StringToSign(timestamp: string, scope: V4Scope, canonicalRequest: string): string {
  return [
    V4_ALGORITHM,
    timestamp,
    `${scope.day}/${scope.region}/${scope.product}/aliyun_v4_request`,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
}

export function v4Signature(accessKeySecret: string, scope: V4Scope, stringToSign: string): string {
  const hmac = (key: string | Buffer, data: string): Buffer =>
    createHmac('sha256', key).update(data).digest();
  const dayKey = hmac(`aliyun_v4${accessKeySecret}`, scope.day);
  const regionKey = hmac(dayKey, scope.region);
  const productKey = hmac(regionKey, scope.product);
  const signingKey = hmac(productKey, 'aliyun_v4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

/** `yyyymmddTHHMMssZ` → epoch ms, or NaN. */
export function parseV4Timestamp(timestamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(timestamp);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
