import { OssError } from './errors';

export interface Address {
  /** null for service-level requests (no bucket could be told from the request). */
  readonly bucket: string | null;
  /** Object key, '' for bucket-level operations. */
  readonly key: string;
}

/**
 * Which bucket and key a request names. ali-oss addresses a local server in three ways:
 * - virtual host: with an IP endpoint and no `cname`, the URL goes to the IP but ali-oss sets
 *   `Host: <bucket>.<region>.aliyuncs.com`; a `Host: <bucket>.<anything>` is read the same way;
 * - path style: with `sldEnable: true` the path is `/<bucket>/<key>`;
 * - custom domain: with `cname: true` the path is `/<key>` and the bucket is implied by the host, which for
 *   a loopback server means the default bucket (the only one, or the one named default).
 * Ambiguity: under a custom domain, a key whose first segment equals a configured bucket name is read as
 * path style. The project's keys start with `users/`, so this never bites it.
 */
export function resolveAddress(
  hostHeader: string | undefined,
  decodedPath: string,
  buckets: ReadonlySet<string>,
  defaultBucket: string | null,
): Address {
  const path = decodedPath.startsWith('/') ? decodedPath.slice(1) : decodedPath;
  const hostname = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();

  const dot = hostname.indexOf('.');
  if (dot > 0) {
    const label = hostname.slice(0, dot);
    if (buckets.has(label)) return { bucket: label, key: path };
    if (hostname.endsWith('.aliyuncs.com') && !hostname.startsWith('oss-')) {
      throw new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: label });
    }
  }

  const slash = path.indexOf('/');
  const firstSegment = slash === -1 ? path : path.slice(0, slash);
  if (firstSegment !== '' && buckets.has(firstSegment)) {
    return { bucket: firstSegment, key: slash === -1 ? '' : path.slice(slash + 1) };
  }

  if (defaultBucket !== null) return { bucket: defaultBucket, key: path };
  if (path === '') return { bucket: null, key: '' };
  throw new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', {
    BucketName: firstSegment,
  });
}
