import OSS from 'ali-oss';
import type { OssClientOptions } from './oss-client-options';

/** ali-oss options the published types lack although the client reads them. */
type AliOssOptions = OSS.Options & { sldEnable?: boolean; retryMax?: number };

/**
 * The one place an ali-oss client is built. The client object holds the secret, so it stays inside this
 * module: nothing exported returns it.
 */
export function createOssClient(options: OssClientOptions): OSS {
  const aliOptions: AliOssOptions = {
    bucket: options.bucket,
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    secure: options.secure ?? true,
  };
  // Only set what is given: ali-oss merges options over its defaults, so `region: undefined` would erase
  // the default region and make construction fail.
  if (options.region !== undefined) aliOptions.region = options.region;
  if (options.endpoint !== undefined) aliOptions.endpoint = options.endpoint;
  if (options.cname !== undefined) aliOptions.cname = options.cname;
  if (options.sldEnable !== undefined) aliOptions.sldEnable = options.sldEnable;
  if (options.internal !== undefined) aliOptions.internal = options.internal;
  if (options.authorizationV4 !== undefined) aliOptions.authorizationV4 = options.authorizationV4;
  if (options.timeoutMs !== undefined) aliOptions.timeout = options.timeoutMs;
  if (options.retryMax !== undefined) aliOptions.retryMax = options.retryMax;
  return new OSS(aliOptions);
}
