import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import type { OssServer } from '../../../dev/oss-server/server';
import { DownloadError, OssOperationError } from '../../../services/oss/storage-errors';
import {
  createOutputStorage,
  type OutputStorage,
  type OutputStorageDeps,
} from '../../../services/oss/output-storage';
import { objectKeyFor } from '../../../services/oss/object-key';
import { type StorageLogger } from '../../../services/oss/storage-logger';
import {
  ACCESS_KEY_SECRET,
  PUBLIC_BUCKET,
  clientFor,
  ossOptionsFor,
  startTestServer,
} from '../../support/oss-fixture';

const md5Hex = (body: Buffer): string => createHash('md5').update(body).digest('hex');

function patterned(size: number, seed: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = (i * 7 + seed) % 253;
  return body;
}

/** Collects everything logged, to prove the secret never appears in it. */
function recordingLogger(): StorageLogger & { lines: unknown[] } {
  const lines: unknown[] = [];
  const log = (...args: unknown[]): void => {
    lines.push(args);
  };
  return { lines, debug: log, warn: log } as unknown as StorageLogger & { lines: unknown[] };
}

describe('objectKeyFor', () => {
  it('builds users/{userId}/jobs/{jobId}/{type}-{timestamp}.{ext}', () => {
    expect(
      objectKeyFor({
        userId: 'test@factory-buy.com',
        jobId: 'abc123',
        type: 'image',
        timestamp: 1703123456789,
        ext: 'jpg',
      }),
    ).toBe('users/test@factory-buy.com/jobs/abc123/image-1703123456789.jpg');
    expect(
      objectKeyFor({
        userId: '42',
        jobId: '7',
        type: 'video',
        timestamp: new Date(1703123456789),
        ext: '.MP4',
      }),
    ).toBe('users/42/jobs/7/video-1703123456789.mp4');
  });

  it.each([
    { userId: '../other', jobId: 'j', type: 'image', timestamp: 1, ext: 'png' },
    { userId: 'a/b', jobId: 'j', type: 'image', timestamp: 1, ext: 'png' },
    { userId: 'u', jobId: '', type: 'image', timestamp: 1, ext: 'png' },
    { userId: 'u', jobId: '..', type: 'image', timestamp: 1, ext: 'png' },
    { userId: 'u', jobId: 'j', type: 'audio', timestamp: 1, ext: 'png' },
    { userId: 'u', jobId: 'j', type: 'image', timestamp: 1.5, ext: 'png' },
    { userId: 'u', jobId: 'j', type: 'image', timestamp: -1, ext: 'png' },
    { userId: 'u', jobId: 'j', type: 'image', timestamp: 1, ext: 'p/ng' },
  ])('refuses parts that would escape or break the path: %j', (parts) => {
    expect(() => objectKeyFor(parts as Parameters<typeof objectKeyFor>[0])).toThrow(TypeError);
  });
});

describe('output storage against the local OSS server', () => {
  let server: OssServer;
  let tmpDir: string;
  let storage: OutputStorage;
  let logger: ReturnType<typeof recordingLogger>;
  let client: OSS;

  const baseDeps = (): OutputStorageDeps => ({
    oss: ossOptionsFor(server),
    tmpDir,
    logger,
    // The local OSS server, which also serves the files downloaded here, listens on loopback.
    addressPolicy: { allowPrivate: true },
    multipartThresholdBytes: 200 * 1024,
    partSizeBytes: 100 * 1024,
  });
  const publicUrl = (key: string): string => `${server.endpoint}/${PUBLIC_BUCKET}/${key}`;
  const tempFiles = (): Promise<string[]> => readdir(tmpDir);
  const count = (operation: string): number => server.stats.byOperation[operation] ?? 0;

  beforeAll(async () => {
    ({ server } = await startTestServer());
    client = clientFor(server);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tmpDir = await mkdtemp(join(tmpdir(), 'oss-storage-'));
    logger = recordingLogger();
    storage = createOutputStorage(baseDeps());
  });
  afterEach(async () => {
    server.clearFaults();
    expect(JSON.stringify(logger.lines)).not.toContain(ACCESS_KEY_SECRET);
    await rm(tmpDir, { recursive: true, force: true });
  });

  describe('uploadBuffer', () => {
    it('stores the bytes under the key and returns what job_outputs needs', async () => {
      const key = storage.objectKeyFor({
        userId: 'u1',
        jobId: 'j1',
        type: 'image',
        timestamp: 1703123456789,
        ext: 'png',
      });
      const body = Buffer.from('png bytes');
      const stored = await storage.uploadBuffer(key, body);
      expect(stored).toEqual({
        ossPath: 'users/u1/jobs/j1/image-1703123456789.png',
        ossUrl: `${server.endpoint}/users/u1/jobs/j1/image-1703123456789.png`,
        ossCdnUrl: null,
        size: body.length,
        contentType: 'image/png',
        etag: md5Hex(body).toUpperCase(),
        md5: md5Hex(body),
        alreadyPresent: false,
      });
      const got = await client.get(key);
      expect(Buffer.from(got.content as Buffer).equals(body)).toBe(true);
      expect((await client.head(key)).res.headers).toMatchObject({ 'content-type': 'image/png' });
    });

    it('gives CDN URLs from the base URL and OSS URLs that open the object', async () => {
      const cdn = createOutputStorage({
        ...baseDeps(),
        oss: { ...baseDeps().oss, bucket: PUBLIC_BUCKET, cname: false, sldEnable: true },
        baseUrl: 'https://cdn.example.com/media/',
      });
      const key = 'users/u 1/jobs/j1/video-5.mp4';
      const stored = await cdn.uploadBuffer(key, Buffer.from('mp4 bytes'));
      expect(stored.ossCdnUrl).toBe('https://cdn.example.com/media/users/u%201/jobs/j1/video-5.mp4');
      expect(stored.ossUrl).toBe(`${server.endpoint}/${PUBLIC_BUCKET}/users/u%201/jobs/j1/video-5.mp4`);
      expect(stored.contentType).toBe('video/mp4');
      const res = await fetch(stored.ossUrl);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('mp4 bytes');
    });

    it('is a no-op when the key already holds the same bytes, and overwrites different bytes', async () => {
      const key = 'users/u1/jobs/j2/image-1.png';
      const first = await storage.uploadBuffer(key, Buffer.from('same'));
      const puts = count('PutObject');
      const heads = count('HeadObject');

      const again = await storage.uploadBuffer(key, Buffer.from('same'));
      expect(again).toEqual({ ...first, alreadyPresent: true });
      expect(count('PutObject')).toBe(puts);
      expect(count('HeadObject')).toBe(heads + 1);

      const changed = await storage.uploadBuffer(key, Buffer.from('different'));
      expect(changed.alreadyPresent).toBe(false);
      expect(count('PutObject')).toBe(puts + 1);
      expect(Buffer.from((await client.get(key)).content as Buffer).toString()).toBe('different');

      // Same bytes but a corrected content type is an upload, not a skip.
      const retyped = await storage.uploadBuffer(key, Buffer.from('different'), {
        contentType: 'image/webp',
      });
      expect(retyped.alreadyPresent).toBe(false);
      expect((await client.head(key)).res.headers).toMatchObject({ 'content-type': 'image/webp' });
    });
  });

  describe('uploadFile', () => {
    it('sends a Content-MD5 that the server verifies', async () => {
      const path = join(tmpDir, 'small.jpg');
      const body = patterned(50 * 1024, 1);
      await writeFile(path, body);
      const verified = server.stats.contentMd5Verified;
      const stored = await storage.uploadFile('users/u1/jobs/j3/image-1.jpg', path);
      expect(server.stats.contentMd5Verified).toBe(verified + 1);
      expect(stored).toMatchObject({
        size: body.length,
        contentType: 'image/jpeg',
        md5: md5Hex(body),
        alreadyPresent: false,
      });
      expect(Buffer.from((await client.get(stored.ossPath)).content as Buffer).equals(body)).toBe(true);
    });

    it('uploads large files in parts, and recognises them on re-upload by their stored MD5', async () => {
      const path = join(tmpDir, 'large.mp4');
      const body = patterned(250 * 1024, 2);
      await writeFile(path, body);
      const parts = count('UploadPart');
      const stored = await storage.uploadFile('users/u1/jobs/j4/video-1.mp4', path);
      expect(count('UploadPart')).toBe(parts + 3);
      expect(stored.etag).toMatch(/^[0-9A-F]{32}-3$/);
      expect(Buffer.from((await client.get(stored.ossPath)).content as Buffer).equals(body)).toBe(true);

      const initiated = count('InitiateMultipartUpload');
      const again = await storage.uploadFile('users/u1/jobs/j4/video-1.mp4', path);
      expect(again.alreadyPresent).toBe(true);
      expect(count('InitiateMultipartUpload')).toBe(initiated);
      expect(count('UploadPart')).toBe(parts + 3);
    });
  });

  describe('errors', () => {
    it('turns injected OSS failures into retryable OssOperationErrors', async () => {
      server.injectFault({ kind: 'error500', method: 'PUT' });
      const failed = await storage
        .uploadBuffer('users/u1/jobs/j5/image-1.png', Buffer.from('x'))
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(OssOperationError);
      expect(failed).toMatchObject({ operation: 'put', status: 500, code: 'InternalError', retryable: true });

      server.injectFault({ kind: 'reset', method: 'HEAD' });
      const reset = await storage
        .uploadBuffer('users/u1/jobs/j5/image-1.png', Buffer.from('x'))
        .catch((e: unknown) => e);
      expect(reset).toMatchObject({ operation: 'head', status: -1, retryable: true });

      // The fault is used up: the next attempt, as Temporal would make it, succeeds.
      await expect(
        storage.uploadBuffer('users/u1/jobs/j5/image-1.png', Buffer.from('x')),
      ).resolves.toMatchObject({ alreadyPresent: false });
    });

    it('reports a wrong secret as a non-retryable SignatureDoesNotMatch without exposing secret or signature', async () => {
      const wrong = createOutputStorage({
        ...baseDeps(),
        oss: { ...baseDeps().oss, accessKeySecret: 'wrong-secret-value' },
      });
      const failed = await wrong
        .uploadBuffer('users/u1/jobs/j6/image-1.png', Buffer.from('x'))
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(OssOperationError);
      expect(failed).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', retryable: false });
      const exposed = JSON.stringify({
        ...(failed as object),
        message: (failed as Error).message,
        stack: (failed as Error).stack,
      });
      expect(exposed).not.toContain('wrong-secret-value');
      expect(exposed).not.toMatch(/OSS test-access-key:/);
      expect(failed).not.toHaveProperty('params');
      expect(failed).not.toHaveProperty('cause');
    });
  });

  describe('temp files', () => {
    it('downloads a URL to a temp file named for the job', async () => {
      const body = patterned(64 * 1024, 3);
      await clientFor(server, { bucket: PUBLIC_BUCKET, cname: false, sldEnable: true }).put(
        'src/ok.png',
        body,
      );
      const temp = await storage.downloadToTemp(publicUrl('src/ok.png'), { jobId: 'job42', ext: 'png' });
      expect(temp.size).toBe(body.length);
      expect(temp.contentType).toBe('image/png');
      expect((await readFile(temp.path)).equals(body)).toBe(true);
      expect(await tempFiles()).toEqual([temp.path.slice(tmpDir.length + 1)]);
      expect(temp.path.slice(tmpDir.length + 1)).toMatch(/^job42\.[0-9a-f-]{36}\.png$/);
      expect(await storage.cleanupJobTempFiles('job42')).toBe(1);
      expect(await tempFiles()).toEqual([]);
    });

    it('leaves no temp file when the connection resets mid-body', async () => {
      await clientFor(server, { bucket: PUBLIC_BUCKET, cname: false, sldEnable: true }).put(
        'src/broken.mp4',
        patterned(256 * 1024, 4),
      );
      server.injectFault({ kind: 'reset-mid-body', method: 'GET', keyPrefix: 'src/broken' });
      const failed = await storage
        .downloadToTemp(publicUrl('src/broken.mp4'), { jobId: 'job43', ext: 'mp4' })
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(DownloadError);
      expect(failed).toMatchObject({ retryable: true });
      expect(server.stats.faultsInjected).toBeGreaterThan(0);
      expect(await tempFiles()).toEqual([]);
    });

    it('leaves no temp file on an HTTP error, an oversized body or a non-http URL', async () => {
      const missing = await storage.downloadToTemp(publicUrl('src/none.png')).catch((e: unknown) => e);
      expect(missing).toMatchObject({ name: 'DownloadError', status: 404, retryable: false });

      await clientFor(server, { bucket: PUBLIC_BUCKET, cname: false, sldEnable: true }).put(
        'src/big.bin',
        patterned(10_000, 5),
      );
      const limited = createOutputStorage({ ...baseDeps(), download: { maxBytes: 1000 } });
      await expect(limited.downloadToTemp(publicUrl('src/big.bin'))).rejects.toBeInstanceOf(DownloadError);

      await expect(storage.downloadToTemp('file:///etc/passwd')).rejects.toBeInstanceOf(DownloadError);
      expect(await tempFiles()).toEqual([]);
    });

    it('uploadFromUrl removes its temp file after success and after a failed upload', async () => {
      const body = patterned(30 * 1024, 6);
      await clientFor(server, { bucket: PUBLIC_BUCKET, cname: false, sldEnable: true }).put(
        'src/result.png',
        body,
      );
      const stored = await storage.uploadFromUrl(
        'users/u1/jobs/j7/image-1.png',
        publicUrl('src/result.png'),
        { jobId: 'j7' },
      );
      expect(stored).toMatchObject({ size: body.length, contentType: 'image/png', md5: md5Hex(body) });
      expect(Buffer.from((await client.get(stored.ossPath)).content as Buffer).equals(body)).toBe(true);
      expect(await tempFiles()).toEqual([]);

      server.injectFault({ kind: 'error500', method: 'PUT' });
      await expect(
        storage.uploadFromUrl('users/u1/jobs/j7/image-2.png', publicUrl('src/result.png'), { jobId: 'j7' }),
      ).rejects.toBeInstanceOf(OssOperationError);
      expect(await tempFiles()).toEqual([]);
    });

    it('cleans up temp files older than the threshold and those of one job', async () => {
      const now = Date.parse('2026-11-23T06:00:00Z');
      const aged = createOutputStorage({ ...baseDeps(), now: () => new Date(now) });
      const old = join(tmpDir, 'download.old.png');
      const fresh = join(tmpDir, 'download.fresh.png');
      await writeFile(old, 'old');
      await writeFile(fresh, 'fresh');
      await utimes(old, new Date(now - 25 * 3600_000), new Date(now - 25 * 3600_000));
      await utimes(fresh, new Date(now - 3600_000), new Date(now - 3600_000));
      expect(await aged.cleanupOldTempFiles(24 * 3600_000)).toBe(1);
      expect(await tempFiles()).toEqual(['download.fresh.png']);

      await writeFile(join(tmpDir, '12.a.png'), '');
      await writeFile(join(tmpDir, '12-3.b.png'), '');
      expect(await aged.cleanupJobTempFiles('12')).toBe(1);
      expect((await tempFiles()).sort()).toEqual(['12-3.b.png', 'download.fresh.png']);

      await rm(tmpDir, { recursive: true, force: true });
      expect(await aged.cleanupOldTempFiles(0)).toBe(0);
    });
  });
});
