import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import { until } from '../../support/until';
import type { OssServer } from '../../../dev/oss-server/server';
import { QueryString } from '../../../dev/oss-server/query-string';
import { v1Signature, v1StringToSign } from '../../../dev/oss-server/signature-v1';
import {
  ACCESS_KEY_ID,
  PRIVATE_BUCKET,
  PUBLIC_BUCKET,
  clientFor,
  rejectionOf,
  startTestServer,
  type TestClock,
} from '../../support/oss-fixture';

const md5Base64 = (body: Buffer): string => createHash('md5').update(body).digest('base64');

describe('local OSS server with the real ali-oss client', () => {
  let server: OssServer;
  let clock: TestClock;
  let client: OSS;

  beforeAll(async () => {
    ({ server, clock } = await startTestServer());
    client = clientFor(server);
  });
  afterAll(() => server.close());
  afterEach(() => {
    clock.offsetMs = 0;
    server.clearFaults();
  });

  it('signs like the reference test vector (V1, x-oss-date as date line and canonical header)', () => {
    const date = 'Mon, 23 Nov 2026 06:20:06 GMT';
    const stringToSign = v1StringToSign(
      {
        method: 'PUT',
        headers: {
          'x-oss-date': date,
          'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==',
          'content-type': 'image/png',
        },
        bucket: 'jimeng-dev',
        key: 'users/u1/jobs/j1/image-1.png',
        query: new QueryString(''),
      },
      date,
    );
    expect(v1Signature('SK', stringToSign)).toBe('/Hv7jsBy//LGRh7Uc8KpAztYmoI=');
  });

  it('round-trips put, head, get, list, listV2, delete and deleteMulti', async () => {
    const body = Buffer.from('hello oss');
    const put = await client.put('users/u1/jobs/j1/image-1.png', body, {
      mime: 'image/png',
      meta: { md5: 'abc' } as unknown as OSS.UserMeta,
    });
    const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
    expect((put.res.headers as Record<string, string>).etag).toBe(etag);

    const head = await client.head('users/u1/jobs/j1/image-1.png');
    const headHeaders = head.res.headers as Record<string, string>;
    expect(headHeaders['content-type']).toBe('image/png');
    expect(headHeaders['content-length']).toBe(String(body.length));
    expect(headHeaders['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);
    expect(head.meta).toEqual({ md5: 'abc' });

    const got = await client.get('users/u1/jobs/j1/image-1.png');
    expect(Buffer.from(got.content as Buffer).equals(body)).toBe(true);

    await client.put('users/u1/jobs/j1/video-2.mp4', Buffer.from('v'));
    await client.put('users/u1/jobs/j2/image-3.png', Buffer.from('w'));
    await client.put('users/u2/jobs/j9/image-4.png', Buffer.from('x'));

    const listed = await client.list({ prefix: 'users/u1/', delimiter: '/', 'max-keys': 10 }, {});
    expect(listed.objects ?? []).toEqual([]);
    expect(listed.prefixes).toEqual(['users/u1/jobs/']);

    const flat = await client.list({ prefix: 'users/u1/jobs/j1/', 'max-keys': 1 }, {});
    expect(flat.objects.map((o) => o.name)).toEqual(['users/u1/jobs/j1/image-1.png']);
    expect(flat.isTruncated).toBe(true);
    const rest = await client.list(
      { prefix: 'users/u1/jobs/j1/', marker: flat.nextMarker ?? '', 'max-keys': 10 },
      {},
    );
    expect(rest.objects.map((o) => o.name)).toEqual(['users/u1/jobs/j1/video-2.mp4']);
    expect(rest.isTruncated).toBe(false);

    const v2a = await client.listV2({ prefix: 'users/', 'max-keys': 2 });
    expect(v2a.objects.map((o) => o.name)).toEqual([
      'users/u1/jobs/j1/image-1.png',
      'users/u1/jobs/j1/video-2.mp4',
    ]);
    expect(v2a.isTruncated).toBe(true);
    const v2b = await client.listV2({
      prefix: 'users/',
      'max-keys': 2,
      'continuation-token': v2a.nextContinuationToken ?? '',
    });
    expect(v2b.objects.map((o) => o.name)).toEqual([
      'users/u1/jobs/j2/image-3.png',
      'users/u2/jobs/j9/image-4.png',
    ]);
    expect(v2b.isTruncated).toBe(false);
    expect(v2b.keyCount).toBe(2);

    await client.delete('users/u1/jobs/j1/image-1.png');
    const missing = await rejectionOf(client.get('users/u1/jobs/j1/image-1.png'));
    expect(missing).toMatchObject({ status: 404, code: 'NoSuchKey' });
    const headMissing = await rejectionOf(client.head('users/u1/jobs/j1/image-1.png'));
    expect(headMissing).toMatchObject({ status: 404, code: 'NoSuchKey' });
    // Deleting what is not there is still a success, as on OSS.
    await client.delete('users/u1/jobs/j1/image-1.png');

    const multi = await client.deleteMulti([
      'users/u1/jobs/j1/video-2.mp4',
      'users/u1/jobs/j2/image-3.png',
      'users/u2/jobs/j9/image-4.png',
    ]);
    expect(multi.deleted).toHaveLength(3);
    expect(server.objectCount(PRIVATE_BUCKET)).toBe(0);
  });

  it('keeps keys with spaces, plus signs and unicode intact', async () => {
    const key = 'users/u 1/jobs/j+1/图片 #1.png';
    await client.put(key, Buffer.from('odd'));
    const got = await client.get(key);
    expect(Buffer.from(got.content as Buffer).toString()).toBe('odd');
    const listed = await client.listV2({ prefix: 'users/u 1/' });
    expect(listed.objects.map((o) => o.name)).toEqual([key]);
    await client.delete(key);
  });

  it('serves byte ranges', async () => {
    await client.put('range/object.bin', Buffer.from('0123456789'));
    const part = await client.get('range/object.bin', { headers: { Range: 'bytes=2-5' } });
    expect(part.res.status).toBe(206);
    expect(Buffer.from(part.content as Buffer).toString()).toBe('2345');
    const tail = await client.get('range/object.bin', { headers: { Range: 'bytes=-3' } });
    expect(Buffer.from(tail.content as Buffer).toString()).toBe('789');
    const beyond = await rejectionOf(client.get('range/object.bin', { headers: { Range: 'bytes=20-30' } }));
    expect(beyond).toMatchObject({ status: 416, code: 'InvalidRange' });
  });

  describe('authentication', () => {
    it('rejects a wrong secret with 403 SignatureDoesNotMatch', async () => {
      const wrong = clientFor(server, { accessKeySecret: 'not-the-secret' });
      const error = await rejectionOf(wrong.put('users/u1/jobs/j1/image-9.png', Buffer.from('x')));
      expect(error).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
        name: 'SignatureDoesNotMatchError',
      });
      expect(await rejectionOf(client.head('users/u1/jobs/j1/image-9.png'))).toMatchObject({ status: 404 });
      // HEAD answers have no body: the error travels in x-oss-err and ali-oss still reports the code.
      const headError = await rejectionOf(wrong.head('anything'));
      expect(headError).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    });

    it('rejects an unknown access key with 403 InvalidAccessKeyId', async () => {
      const stranger = clientFor(server, { accessKeyId: 'nobody' });
      const error = await rejectionOf(stranger.get('x'));
      expect(error).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
    });

    it('rejects requests signed with a clock more than 15 minutes off', async () => {
      clock.offsetMs = 20 * 60 * 1000;
      const error = await rejectionOf(client.put('skew/object', Buffer.from('x')));
      expect(error).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });
    });

    it('rejects a request whose signed sub-resource was altered on the way', async () => {
      const url = client.signatureUrl('signed/tamper.txt', { expires: 60 });
      const res = await fetch(`${url}&acl`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    it('refuses unsigned requests to a private bucket and allows reads on a public-read bucket', async () => {
      await client.put('private/object.txt', Buffer.from('secret bytes'));
      const anonymous = await fetch(`${server.endpoint}/private/object.txt`);
      expect(anonymous.status).toBe(403);
      expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');

      // sldEnable: path-style addressing (/bucket/key), the way the public bucket is reached here.
      const publicClient = clientFor(server, { bucket: PUBLIC_BUCKET, cname: false, sldEnable: true });
      await publicClient.put('users/u1/jobs/j1/image-1.png', Buffer.from('public bytes'), {
        mime: 'image/png',
      });
      const read = await fetch(`${server.endpoint}/${PUBLIC_BUCKET}/users/u1/jobs/j1/image-1.png`);
      expect(read.status).toBe(200);
      expect(read.headers.get('content-type')).toBe('image/png');
      expect(await read.text()).toBe('public bytes');
      const write = await fetch(`${server.endpoint}/${PUBLIC_BUCKET}/users/u1/jobs/j1/image-2.png`, {
        method: 'PUT',
        body: 'x',
      });
      expect(write.status).toBe(403);
      expect(server.objectCount(PUBLIC_BUCKET)).toBe(1);
    });

    it('reads the bucket from the Host header when the endpoint is an IP without cname', async () => {
      // ali-oss then connects to the IP but sends Host: <bucket>.oss-cn-hangzhou.aliyuncs.com.
      const byIp = clientFor(server, { endpoint: server.url, cname: false, bucket: PUBLIC_BUCKET });
      await byIp.put('vhost/object.txt', Buffer.from('via host header'));
      const read = await fetch(`${server.endpoint}/${PUBLIC_BUCKET}/vhost/object.txt`);
      expect(await read.text()).toBe('via host header');
    });

    it('verifies V4 signatures (authorizationV4: true) and V4 signed URLs', async () => {
      const v4 = clientFor(server, { authorizationV4: true, region: 'oss-cn-hangzhou' });
      await v4.put('v4/object.txt', Buffer.from('signed with v4'), {
        meta: { k: 'v' } as unknown as OSS.UserMeta,
      });
      const listed = await v4.listV2({ prefix: 'v4/' });
      expect(listed.objects.map((o) => o.name)).toEqual(['v4/object.txt']);
      const got = await v4.get('v4/object.txt');
      expect(Buffer.from(got.content as Buffer).toString()).toBe('signed with v4');

      const wrong = clientFor(server, { authorizationV4: true, accessKeySecret: 'nope' });
      expect(await rejectionOf(wrong.get('v4/object.txt'))).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });

      const url = await v4.signatureUrlV4('GET', 60, { headers: {} }, 'v4/object.txt');
      const viaUrl = await fetch(url);
      expect(viaUrl.status).toBe(200);
      expect(await viaUrl.text()).toBe('signed with v4');
      clock.offsetMs = 120_000;
      expect((await fetch(url)).status).toBe(403);
    });
  });

  describe('Content-MD5', () => {
    it('rejects a body that does not match the Content-MD5 the client signed', async () => {
      const error = await rejectionOf(
        client.put('md5/object.txt', Buffer.from('actual bytes'), {
          headers: { 'Content-MD5': md5Base64(Buffer.from('other bytes')) },
        }),
      );
      expect(error).toMatchObject({ status: 400, code: 'InvalidDigest' });
      const missing = await rejectionOf(client.head('md5/object.txt'));
      expect(missing.status).toBe(404);
    });

    it('rejects a Content-MD5 that is not an MD5 at all', async () => {
      const error = await rejectionOf(
        client.put('md5/object.txt', Buffer.from('bytes'), { headers: { 'Content-MD5': 'not-base64-md5' } }),
      );
      expect(error).toMatchObject({ status: 400, code: 'InvalidDigest' });
    });

    it('accepts a matching Content-MD5 sent with a streamed upload', async () => {
      const body = Buffer.from('streamed with digest');
      await client.put('md5/streamed.txt', body, { headers: { 'Content-MD5': md5Base64(body) } });
      expect(server.stats.contentMd5Verified).toBeGreaterThan(0);
    });
  });

  describe('signed URLs', () => {
    it('serve the object until they expire', async () => {
      await client.put('signed/object.txt', Buffer.from('via signed url'), { mime: 'text/plain' });
      const url = client.signatureUrl('signed/object.txt', { expires: 60 });
      expect(new URL(url).searchParams.get('OSSAccessKeyId')).toBe(ACCESS_KEY_ID);
      const ok = await fetch(url);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('via signed url');

      clock.offsetMs = 61_000;
      const expired = await fetch(url);
      expect(expired.status).toBe(403);
      const xml = await expired.text();
      expect(xml).toContain('<Code>AccessDenied</Code>');
      expect(xml).toContain('expired');
    });

    it('honour signed response-* overrides', async () => {
      await client.put('signed/download.bin', Buffer.from('data'));
      const url = client.signatureUrl('signed/download.bin', {
        expires: 60,
        response: { 'content-disposition': 'attachment; filename="x.bin"' },
      });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="x.bin"');
    });
  });

  describe('multipart upload', () => {
    it('assembles parts uploaded by multipartUpload', async () => {
      const body = Buffer.alloc(250 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 251;
      const before = server.stats.byOperation.UploadPart ?? 0;
      const result = await client.multipartUpload('multipart/video.mp4', body, {
        partSize: 100 * 1024,
        mime: 'video/mp4',
      });
      expect(result.etag).toMatch(/^"[0-9A-F]{32}-3"$/);
      expect((server.stats.byOperation.UploadPart ?? 0) - before).toBe(3);
      const got = await client.get('multipart/video.mp4');
      expect(Buffer.from(got.content as Buffer).equals(body)).toBe(true);
      const head = await client.head('multipart/video.mp4');
      expect((head.res.headers as Record<string, string>)['x-oss-object-type']).toBe('Multipart');
      expect((head.res.headers as Record<string, string>)['content-type']).toBe('video/mp4');
    });

    it('refuses to complete with a part below the minimum size, and aborts', async () => {
      const { uploadId } = await client.initMultipartUpload('multipart/small.bin');
      const p1 = await client.uploadPart('multipart/small.bin', uploadId, 1, Buffer.from('tiny'), 0, 4);
      const p2 = await client.uploadPart('multipart/small.bin', uploadId, 2, Buffer.from('tiny'), 0, 4);
      const error = await rejectionOf(
        client.completeMultipartUpload('multipart/small.bin', uploadId, [
          { number: 1, etag: p1.etag },
          { number: 2, etag: p2.etag },
        ]),
      );
      expect(error).toMatchObject({ status: 400, code: 'EntityTooSmall' });
      await client.abortMultipartUpload('multipart/small.bin', uploadId);
      const gone = await rejectionOf(
        client.completeMultipartUpload('multipart/small.bin', uploadId, [{ number: 1, etag: p1.etag }]),
      );
      expect(gone).toMatchObject({ status: 404, code: 'NoSuchUpload' });
      expect(await rejectionOf(client.head('multipart/small.bin'))).toMatchObject({ status: 404 });
    });
  });

  describe('fault injection', () => {
    it('fails the next N requests with 500 InternalError', async () => {
      server.injectFault({ kind: 'error500', count: 2 });
      expect(await rejectionOf(client.put('faults/a', Buffer.from('x')))).toMatchObject({
        status: 500,
        code: 'InternalError',
      });
      expect(await rejectionOf(client.put('faults/a', Buffer.from('x')))).toMatchObject({ status: 500 });
      await client.put('faults/a', Buffer.from('x'));
      expect(server.objectCount(PRIVATE_BUCKET)).toBeGreaterThan(0);
    });

    it('resets connections (ali-oss status -1), and ali-oss retryMax recovers from it', async () => {
      server.injectFault({ kind: 'reset', method: 'GET' });
      await client.put('faults/b', Buffer.from('y'));
      expect(await rejectionOf(client.get('faults/b'))).toMatchObject({ status: -1 });

      server.injectFault({ kind: 'reset', method: 'GET' });
      const retrying = clientFor(server, { retryMax: 1 });
      const got = await retrying.get('faults/b');
      expect(Buffer.from(got.content as Buffer).toString()).toBe('y');
    });

    it('slows requests down past the client timeout', async () => {
      server.injectFault({ kind: 'slow', delayMs: 600 });
      const impatient = clientFor(server, { timeout: 200 });
      const error = await rejectionOf(impatient.put('faults/slow', Buffer.from('z')));
      expect(error.name).toBe('ResponseTimeoutError');
    });

    it('names the requests a slow fault holds by the client port they came from, until it lets them go', async () => {
      server.injectFault({ kind: 'slow', method: 'PUT', delayMs: 400 });
      let clientPort = 0;
      const answered = new Promise<number>((resolve, reject) => {
        const req = http.request(
          `${server.url}/${PRIVATE_BUCKET}/faults/held.bin`,
          { method: 'PUT', headers: { 'content-length': '1' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('socket', (socket) => socket.on('connect', () => (clientPort = socket.localPort ?? 0)));
        req.on('error', reject);
        req.end('h');
      });
      const ours = () => server.heldRequests().filter((r) => r.key === 'faults/held.bin');
      await until(() => ours().length === 1 && clientPort > 0, 'the PUT to be held');
      expect(ours()).toEqual([{ method: 'PUT', key: 'faults/held.bin', clientPort }]);
      // Unsigned: held first, then refused as OSS refuses an anonymous write.
      expect(await answered).toBe(403);
      expect(ours()).toEqual([]);
    });

    it('takes faults over HTTP at /__admin/faults', async () => {
      const res = await fetch(`${server.endpoint}/__admin/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'error500', count: 1, keyPrefix: 'faults/admin' }),
      });
      expect(res.status).toBe(200);
      await client.put('faults/other', Buffer.from('unaffected'));
      expect(await rejectionOf(client.put('faults/admin-1', Buffer.from('x')))).toMatchObject({
        status: 500,
      });
      expect(await (await fetch(`${server.endpoint}/__admin/faults`)).json()).toEqual([]);
      const bad = await fetch(`${server.endpoint}/__admin/faults`, {
        method: 'POST',
        body: '{"kind":"explode"}',
      });
      expect(bad.status).toBe(400);
    });
  });

  it('answers 501 for features it does not implement rather than a wrong answer', async () => {
    const error = await rejectionOf(client.putACL('x', 'public-read'));
    expect(error).toMatchObject({ status: 501, code: 'NotImplemented' });
  });
});

describe('local OSS server with a data directory', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'oss-server-data-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps objects across restarts', async () => {
    const first = await startTestServer({ dataDir });
    await clientFor(first.server).put('persist/object.txt', Buffer.from('still here'));
    await first.server.close();

    const second = await startTestServer({ dataDir });
    try {
      expect(second.server.objectCount(PRIVATE_BUCKET)).toBe(1);
      const got = await clientFor(second.server).get('persist/object.txt');
      expect(Buffer.from(got.content as Buffer).toString()).toBe('still here');
    } finally {
      await second.server.close();
    }
  });
});
