import type { OssClientOptions } from '../services/oss/oss-client-options';
import type { Config } from './settings';

/**
 * ali-oss options from the OSS_* settings. Aliyun's own endpoints (*.aliyuncs.com) are addressed the usual way,
 * bucket.endpoint; any other endpoint (a custom domain bound to the bucket, or dev/oss-server, locally or as the
 * `oss-server` service of docker-compose) serves the bucket directly and is addressed as a custom domain (cname).
 */
export function ossClientOptions(config: Config): OssClientOptions {
  const endpoint = new URL(config.ossEndpoint);
  return {
    bucket: config.ossBucket,
    region: config.ossRegion,
    endpoint: config.ossEndpoint,
    accessKeyId: config.ossAccessKey,
    accessKeySecret: config.ossSecret,
    ...(endpoint.hostname.endsWith('.aliyuncs.com') ? {} : { cname: true }),
  };
}
