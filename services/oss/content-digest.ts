import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface ContentDigest {
  readonly md5Base64: string; // Content-MD5 header
  readonly md5Hex: string; // stored as x-oss-meta-md5, compared on re-upload
  readonly size: number;
}

export function digestOfBuffer(body: Buffer): ContentDigest {
  const digest = createHash('md5').update(body).digest();
  return { md5Base64: digest.toString('base64'), md5Hex: digest.toString('hex'), size: body.length };
}

/** Streams the file once; files may be videos too large to hold in memory. */
export async function digestOfFile(path: string): Promise<ContentDigest> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const digest = hash.digest();
  return { md5Base64: digest.toString('base64'), md5Hex: digest.toString('hex'), size };
}
