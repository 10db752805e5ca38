import { timingSafeEqual } from 'node:crypto';
import { OssError, accessDenied, invalidArgument } from './errors';
import { headerValue } from './http-headers';
import type { CredentialStore } from './credentials';
import type { SignedRequest } from './signed-request';
import { v1Signature, v1StringToSign } from './signature-v1';
import {
  V4_ALGORITHM,
  parseV4Timestamp,
  v4CanonicalRequest,
  v4Signature,
  v4StringToSign,
  type V4Scope,
} from './signature-v4';

export type AuthScheme = 'v1-header' | 'v1-query' | 'v4-header' | 'v4-query';

export type Authentication =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'signed'; readonly scheme: AuthScheme; readonly accessKeyId: string };

export interface AuthenticationContext {
  readonly credentials: CredentialStore;
  readonly nowMs: number;
  /** Standard region (cn-hangzhou) that V4 scopes must name. */
  readonly region: string;
}

/** Real OSS refuses header-signed requests whose date is more than 15 minutes off. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * Decides who sent the request. Throws the OssError real OSS would answer with; a request carrying no
 * signature at all is anonymous (the caller then decides whether the bucket's ACL allows it).
 */
export function authenticate(request: SignedRequest, context: AuthenticationContext): Authentication {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization !== undefined) {
    if (authorization.startsWith('OSS ')) return authenticateV1Header(request, authorization, context);
    if (authorization.startsWith(`${V4_ALGORITHM} `))
      return authenticateV4Header(request, authorization, context);
    throw invalidArgument('Authorization header is invalid.');
  }
  const { query } = request;
  if (query.has('OSSAccessKeyId') || query.has('Signature')) return authenticateV1Query(request, context);
  if (query.has('x-oss-signature') || query.has('x-oss-signature-version'))
    return authenticateV4Query(request, context);
  return { kind: 'anonymous' };
}

function authenticateV1Header(
  request: SignedRequest,
  authorization: string,
  context: AuthenticationContext,
): Authentication {
  const match = /^OSS ([^:]+):(.+)$/.exec(authorization);
  if (!match) throw invalidArgument('Authorization header is invalid.');
  const [, accessKeyId = '', provided = ''] = match;
  const secret = secretOrThrow(accessKeyId, context);

  const dateLine = headerValue(request.headers, 'x-oss-date') ?? headerValue(request.headers, 'date');
  if (dateLine === undefined) throw accessDenied('OSS authentication requires a valid Date.');
  checkSkew(Date.parse(dateLine), context.nowMs);

  const stringToSign = v1StringToSign(request, dateLine);
  if (!sameSignature(v1Signature(secret, stringToSign), provided)) {
    throw signatureMismatch(accessKeyId, provided, stringToSign);
  }
  return { kind: 'signed', scheme: 'v1-header', accessKeyId };
}

function authenticateV1Query(request: SignedRequest, context: AuthenticationContext): Authentication {
  const { query } = request;
  const accessKeyId = query.get('OSSAccessKeyId');
  const provided = query.get('Signature');
  const expires = query.get('Expires');
  if (
    accessKeyId === undefined ||
    provided === undefined ||
    expires === undefined ||
    !/^\d+$/.test(expires)
  ) {
    throw accessDenied('Signed URL needs OSSAccessKeyId, Expires and Signature.');
  }
  const secret = secretOrThrow(accessKeyId, context);
  const stringToSign = v1StringToSign(request, expires);
  if (!sameSignature(v1Signature(secret, stringToSign), provided)) {
    throw signatureMismatch(accessKeyId, provided, stringToSign);
  }
  // Expiry is judged after the signature so that "expired" is only ever said of a genuine URL.
  if (Number(expires) * 1000 < context.nowMs) throw accessDenied('Request has expired.');
  return { kind: 'signed', scheme: 'v1-query', accessKeyId };
}

function authenticateV4Header(
  request: SignedRequest,
  authorization: string,
  context: AuthenticationContext,
): Authentication {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(V4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const timestamp = headerValue(request.headers, 'x-oss-date');
  if (timestamp === undefined) throw accessDenied('V4 signature requires x-oss-date.');
  const timeMs = parseV4Timestamp(timestamp);
  checkSkew(timeMs, context.nowMs);
  return verifyV4(request, context, {
    credential: fields.get('Credential'),
    signature: fields.get('Signature'),
    additionalHeaders: fields.get('AdditionalHeaders'),
    timestamp,
    scheme: 'v4-header',
  });
}

function authenticateV4Query(request: SignedRequest, context: AuthenticationContext): Authentication {
  const { query } = request;
  if (query.get('x-oss-signature-version') !== V4_ALGORITHM)
    throw invalidArgument('Unsupported x-oss-signature-version.');
  const timestamp = query.get('x-oss-date');
  const expires = query.get('x-oss-expires');
  if (timestamp === undefined || expires === undefined || !/^\d+$/.test(expires)) {
    throw accessDenied('V4 signed URL needs x-oss-date and x-oss-expires.');
  }
  const result = verifyV4(request, context, {
    credential: query.get('x-oss-credential'),
    signature: query.get('x-oss-signature'),
    additionalHeaders: query.get('x-oss-additional-headers'),
    timestamp,
    scheme: 'v4-query',
  });
  const timeMs = parseV4Timestamp(timestamp);
  if (Number.isNaN(timeMs) || timeMs + Number(expires) * 1000 < context.nowMs)
    throw accessDenied('Request has expired.');
  return result;
}

interface V4Parts {
  readonly credential: string | undefined;
  readonly signature: string | undefined;
  readonly additionalHeaders: string | undefined;
  readonly timestamp: string;
  readonly scheme: AuthScheme;
}

function verifyV4(request: SignedRequest, context: AuthenticationContext, parts: V4Parts): Authentication {
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aliyun_v4_request$/.exec(parts.credential ?? '');
  if (!credential || parts.signature === undefined)
    throw accessDenied('V4 Credential or Signature is malformed.');
  const [, accessKeyId = '', day = '', region = '', product = ''] = credential;
  const secret = secretOrThrow(accessKeyId, context);
  if (region !== context.region) {
    throw new OssError(
      400,
      'InvalidArgument',
      `Credential region ${region} does not match the bucket region ${context.region}.`,
    );
  }
  if (!parts.timestamp.startsWith(day)) throw accessDenied('V4 Credential date does not match x-oss-date.');

  const additionalHeaders = (parts.additionalHeaders ?? '')
    .split(';')
    .filter((h) => h !== '')
    .map((h) => h.toLowerCase());
  const excluded = new Set(parts.scheme === 'v4-query' ? ['x-oss-signature'] : []);
  const scope: V4Scope = { day, region, product };
  const canonicalRequest = v4CanonicalRequest(request, additionalHeaders, excluded);
  const stringToSign = v4StringToSign(parts.timestamp, scope, canonicalRequest);
  if (!sameSignature(v4Signature(secret, scope, stringToSign), parts.signature)) {
    throw signatureMismatch(accessKeyId, parts.signature, stringToSign, canonicalRequest);
  }
  return { kind: 'signed', scheme: parts.scheme, accessKeyId };
}

function secretOrThrow(accessKeyId: string, context: AuthenticationContext): string {
  const secret = context.credentials.secretFor(accessKeyId);
  if (secret === undefined) {
    throw new OssError(
      403,
      'InvalidAccessKeyId',
      'The OSS Access Key Id you provided does not exist in our records.',
      {
        OSSAccessKeyId: accessKeyId,
      },
    );
  }
  return secret;
}

function checkSkew(timeMs: number, nowMs: number): void {
  if (Number.isNaN(timeMs)) throw accessDenied('OSS authentication requires a valid Date.');
  if (Math.abs(nowMs - timeMs) > MAX_CLOCK_SKEW_MS) {
    throw new OssError(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  }
}

function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}

function signatureMismatch(
  accessKeyId: string,
  provided: string,
  stringToSign: string,
  canonicalRequest?: string,
): OssError {
  const details: Record<string, string> = {
    OSSAccessKeyId: accessKeyId,
    SignatureProvided: provided,
    StringToSign: stringToSign,
  };
  if (canonicalRequest !== undefined) details.CanonicalRequest = canonicalRequest;
  return new OssError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    details,
  );
}
