import type { OssClientOptions } from '../activities/oss';
import type { Config } from './settings';

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * ali-oss options from the OSS_* settings. A local endpoint (dev/oss-server) serves the bucket directly, so it
 * is addressed as a custom domain (cname); Aliyun endpoints use the usual bucket.endpoint host names.
 */
export function ossClientOptions(config: Config): OssClientOptions {
  const endpoint = new URL(config.ossEndpoint);
  return {
    bucket: config.ossBucket,
    region: config.ossRegion,
    endpoint: config.ossEndpoint,
    accessKeyId: config.ossAccessKey,
    accessKeySecret: config.ossSecret,
    ...(LOCAL_HOSTS.includes(endpoint.hostname) ? { cname: true } : {}),
  };
}
