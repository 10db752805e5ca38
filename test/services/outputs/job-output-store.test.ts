import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { storeJobOutput } from '../../../services/outputs/job-output-store';
import { createOutputStorage, type OutputStorage } from '../../../services/oss/output-storage';
import type { OssServer } from '../../../dev/oss-server/server';
import { ossOptionsFor, PRIVATE_BUCKET, startTestServer } from '../../support/oss-fixture';
import { migratedTestDatabase } from '../../support/database';

describe('storing a generated output: upstream URL -> OSS -> job_outputs (real ali-oss, MariaDB)', () => {
  let sequelize: Sequelize;
  let server: OssServer;
  let upstream: Server;
  let upstreamUrl: string;
  let tmpDir: string;
  let storage: OutputStorage;
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(2000, 7),
  ]);

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    ({ server } = await startTestServer());
    upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      res.end(png);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/img-1.png?x-expires=1`;
    tmpDir = await mkdtemp(join(tmpdir(), 'jimeng-flow-outputs-'));
    storage = createOutputStorage({
      oss: ossOptionsFor(server),
      tmpDir,
      baseUrl: 'https://cdn.example.com',
      // The upstream stand-in listens on loopback.
      addressPolicy: { allowPrivate: true },
    });
  });
  afterAll(async () => {
    await rm(tmpDir, { recursive: true, force: true });
    await new Promise((resolve) => upstream.close(resolve));
    await server.close();
    await sequelize.close();
  });

  it('uploads once, writes one row, leaves no temp file, and a retry changes nothing', async () => {
    const jobId = randomUUID();
    const input = {
      userId: 'user-1',
      jobId,
      type: 'image' as const,
      sourceUrl: upstreamUrl,
      timestamp: 1_795_400_000_000,
      ext: 'png',
      sortOrder: 0,
      isPrimary: true,
      width: 1024,
      height: 1024,
    };
    const first = await storeJobOutput({ sequelize, storage }, input);
    const again = await storeJobOutput({ sequelize, storage }, input);
    expect(again).toEqual(first);
    expect(first.ossPath).toBe(`users/user-1/jobs/${jobId}/image-1795400000000.png`);
    expect(first.ossCdnUrl).toBe(`https://cdn.example.com/${first.ossPath}`);
    expect(first.ossUrl).toMatch(/^http:\/\/localhost:\d+\/users\//);
    expect(server.objectCount(PRIVATE_BUCKET)).toBeGreaterThanOrEqual(1);
    const rows = await sequelize.query<Record<string, unknown>>(
      'SELECT * FROM job_outputs WHERE job_id = ?',
      {
        replacements: [jobId],
        type: QueryTypes.SELECT,
      },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.id,
      user_id: 'user-1',
      type: 'image',
      oss_path: first.ossPath,
      size: String(png.length),
      content_type: 'image/png',
      extension: '.png',
      width: 1024,
      height: 1024,
      image_type: 'result',
      is_primary: 1,
      sort_order: 0,
    });
    expect(await readdir(tmpDir)).toEqual([]);
  });
});
