import { isIP } from 'node:net';
import type { OssClientOptions } from './oss-client-options';

/** Percent-encodes a key for a URL path, keeping its slashes. */
export function escapeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/**
 * The object's URL on OSS itself (job_outputs.oss_url), built with the addressing the client uses, so it
 * points at the same place the upload went. ali-oss's own generateObjectUrl is not used: it ignores
 * `cname` and throws for IP endpoints, both of which the local setup uses.
 */
export function ossObjectUrl(options: OssClientOptions, key: string): string {
  const path = escapeKey(key);
  if (options.endpoint !== undefined) {
    const secure = options.secure ?? true;
    const endpoint = new URL(
      /^https?:\/\//.test(options.endpoint)
        ? options.endpoint
        : `${secure ? 'https' : 'http'}://${options.endpoint}`,
    );
    const origin = `${endpoint.protocol}//${endpoint.host}`;
    if (options.cname === true) return `${origin}/${path}`;
    if (options.sldEnable === true || isIP(endpoint.hostname.replace(/^\[|\]$/g, '')) !== 0)
      return `${origin}/${options.bucket}/${path}`;
    return `${endpoint.protocol}//${options.bucket}.${endpoint.host}/${path}`;
  }
  const protocol = options.secure === false ? 'http' : 'https';
  const region = options.region ?? 'oss-cn-hangzhou';
  return `${protocol}://${options.bucket}.${region}${options.internal === true ? '-internal' : ''}.aliyuncs.com/${path}`;
}

/** The object's URL behind OSS_BASE_URL (job_outputs.oss_cdn_url), or null when no CDN is configured. */
export function cdnObjectUrl(baseUrl: string | null | undefined, key: string): string | null {
  if (baseUrl === undefined || baseUrl === null || baseUrl.trim() === '') return null;
  return `${baseUrl.trim().replace(/\/+$/, '')}/${escapeKey(key)}`;
}
