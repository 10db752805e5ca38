import { createHash } from 'node:crypto';

export function md5(body: Buffer): Buffer {
  return createHash('md5').update(body).digest();
}

/** ETag of a simple upload: the body's MD5, upper-case hex in quotes, as real OSS returns it. */
export function quotedEtag(digest: Buffer, suffix = ''): string {
  return `"${digest.toString('hex').toUpperCase()}${suffix}"`;
}
