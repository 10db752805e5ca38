/**
 * Dev OSS server process: `node dist/dev/oss-server/main.js`.
 * Env: OSS_SIM_PORT (8791), OSS_SIM_HOST (127.0.0.1), OSS_BUCKET (jimeng-dev), OSS_ACCESS_KEY or
 * OSS_ACCESS_KEY_ID, OSS_SECRET or OSS_ACCESS_KEY_SECRET, OSS_REGION (oss-cn-hangzhou), OSS_SIM_DATA_DIR
 * (keep objects on disk; default in memory), OSS_SIM_PUBLIC_READ (1 = bucket is public-read, the default,
 * so the URLs the app hands out open in a browser).
 */
import { startOssServer } from './server';

function env(...names: string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

async function main(): Promise<void> {
  const accessKeyId = env('OSS_ACCESS_KEY', 'OSS_ACCESS_KEY_ID');
  const accessKeySecret = env('OSS_SECRET', 'OSS_ACCESS_KEY_SECRET');
  if (accessKeyId === undefined || accessKeySecret === undefined) {
    console.error(
      'oss-server: set OSS_ACCESS_KEY (or OSS_ACCESS_KEY_ID) and OSS_SECRET (or OSS_ACCESS_KEY_SECRET)',
    );
    process.exit(2);
  }
  const bucket = env('OSS_BUCKET') ?? 'jimeng-dev';
  const dataDir = env('OSS_SIM_DATA_DIR');
  const server = await startOssServer({
    port: Number(env('OSS_SIM_PORT') ?? '8791'),
    host: env('OSS_SIM_HOST') ?? '127.0.0.1',
    buckets: [{ name: bucket, public: env('OSS_SIM_PUBLIC_READ') !== '0' }],
    credentials: [{ accessKeyId, accessKeySecret }],
    region: env('OSS_REGION') ?? 'oss-cn-hangzhou',
    ...(dataDir !== undefined ? { dataDir } : {}),
  });
  // The secret is never printed; the key id helps tell which credentials a client must use.
  console.log(
    `oss-server listening on ${server.url} bucket=${bucket} accessKeyId=${accessKeyId}${dataDir ? ` dataDir=${dataDir}` : ''}`,
  );
  console.log(`ali-oss: { endpoint: '${server.endpoint}', cname: true, bucket: '${bucket}' }`);

  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('oss-server: failed to start', error);
  process.exit(1);
});
