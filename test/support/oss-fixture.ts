import OSS from 'ali-oss';
import type { OssClientOptions } from '../../services/oss/oss-client-options';
import { startOssServer, type OssServer, type OssServerOptions } from '../../dev/oss-server/server';

export const ACCESS_KEY_ID = 'test-access-key';
export const ACCESS_KEY_SECRET = 'test-secret-value';
export const PRIVATE_BUCKET = 'jimeng-test';
export const PUBLIC_BUCKET = 'jimeng-public';

/** A server clock tests can move, so expiry and skew are tested without sleeping. */
export class TestClock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
}

export async function startTestServer(
  overrides: Partial<OssServerOptions> = {},
): Promise<{ server: OssServer; clock: TestClock }> {
  const clock = new TestClock();
  const server = await startOssServer({
    port: 0,
    buckets: [{ name: PRIVATE_BUCKET }, { name: PUBLIC_BUCKET, public: true }],
    defaultBucket: PRIVATE_BUCKET,
    credentials: [{ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET }],
    clock: clock.now,
    ...overrides,
  });
  return { server, clock };
}

/** The storage module's OSS options for the local server, as the project configures them. */
export function ossOptionsFor(server: OssServer): OssClientOptions {
  return {
    bucket: PRIVATE_BUCKET,
    endpoint: server.endpoint,
    cname: true,
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
  };
}

/** The client the way the project configures it for a local endpoint. */
export function clientFor(
  server: OssServer,
  options: Partial<OSS.Options> & Record<string, unknown> = {},
): OSS {
  return new OSS({
    endpoint: server.endpoint,
    cname: true,
    bucket: PRIVATE_BUCKET,
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    ...options,
  });
}

/** An ali-oss error's fields, for assertions (ali-oss throws plain Errors with extra properties). */
export interface AliOssErrorShape {
  name: string;
  status: number;
  code: string;
  message: string;
  requestId?: string;
}

export async function rejectionOf(promise: Promise<unknown>): Promise<AliOssErrorShape> {
  try {
    await promise;
  } catch (error) {
    return error as AliOssErrorShape;
  }
  throw new Error('expected the promise to reject');
}
