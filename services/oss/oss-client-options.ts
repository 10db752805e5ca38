/**
 * How to reach the bucket. Built by config/ from OSS_BUCKET, OSS_REGION, OSS_ACCESS_KEY(_ID) and
 * OSS_SECRET / OSS_ACCESS_KEY_SECRET; this module only consumes it.
 *
 * Production: { bucket, region, accessKeyId, accessKeySecret }.
 * Local dev server (dev/oss-server): { bucket, endpoint: 'http://localhost:8791', cname: true, ... } — a host
 * name rather than 127.0.0.1, because ali-oss refuses to sign URLs for an IP endpoint.
 */
export interface OssClientOptions {
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** e.g. oss-cn-hangzhou; ali-oss's default when absent. */
  readonly region?: string;
  /** Takes priority over region: a custom domain, or the local server. */
  readonly endpoint?: string;
  /** The endpoint serves this bucket directly (custom domain): requests go to `/<key>`. */
  readonly cname?: boolean;
  /** Path-style addressing: `/<bucket>/<key>`. */
  readonly sldEnable?: boolean;
  /** https when the endpoint does not say; default true (URLs handed to users must be https). */
  readonly secure?: boolean;
  /** Aliyun-internal network endpoint (same-region ECS). */
  readonly internal?: boolean;
  /** Sign with OSS4-HMAC-SHA256 instead of the V1 default. */
  readonly authorizationV4?: boolean;
  /** Per-request timeout; ali-oss's default is 60 s, short for large videos on a slow link. */
  readonly timeoutMs?: number;
  /** ali-oss's own retries of network errors (not HTTP errors); 0 leaves retrying to Temporal. */
  readonly retryMax?: number;
}
