import type { IncomingHttpHeaders } from 'node:http';
import { OssError } from './errors';
import { headerValue } from './http-headers';
import { md5 } from './digests';

/**
 * Checks a sent Content-MD5 against the received body: a header that is not base64 of 16 bytes and a
 * digest that does not match are both 400 InvalidDigest, as OSS answers (S3 would say BadDigest for the
 * second). Returns the body's digest so callers do not hash twice.
 */
export function verifyContentMd5(headers: IncomingHttpHeaders, body: Buffer): Buffer {
  const digest = md5(body);
  const sent = headerValue(headers, 'content-md5');
  if (sent === undefined) return digest;
  const decoded = /^[A-Za-z0-9+/]{22}==$/.test(sent.trim()) ? Buffer.from(sent.trim(), 'base64') : null;
  if (decoded === null || decoded.length !== 16) {
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', {
      'Content-MD5': sent,
    });
  }
  if (!decoded.equals(digest)) {
    throw new OssError(
      400,
      'InvalidDigest',
      'The Content-MD5 you specified did not match what we received.',
      {
        'Content-MD5': sent,
        CalculatedContentMD5: digest.toString('base64'),
      },
    );
  }
  return digest;
}
