import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { loadConfig } from '../../../config/settings';
import { connectTestDatabase, testDatabaseOptions } from '../../support/database';
import { listen, type RunningServer } from '../../support/koa-test-server';
import { recordingLogger } from '../../support/recording-logger';

interface ReadinessBody {
  status: string;
  down: string[];
  checks: Record<string, { ok: boolean; latency_ms: number }>;
}

const serve = (sequelize: Sequelize, temporal: Connection, logger: Logger = pino({ level: 'silent' })) =>
  listen(createApp({ sequelize, temporal, logger }));

describe('health endpoints', () => {
  const config = loadConfig();
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: RunningServer | undefined;

  beforeAll(() => {
    sequelize = connectTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await temporal.close();
    await sequelize.close();
  });

  it('/healthz answers 200 while the process runs', async () => {
    server = await serve(sequelize, temporal);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when MariaDB and Temporal both answer', async () => {
    server = await serve(sequelize, temporal);
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      down: [],
      checks: {
        mysql: { ok: true, latency_ms: expect.any(Number) },
        temporal: { ok: true, latency_ms: expect.any(Number) },
      },
    });
  });

  it('/readyz names mysql when MySQL refuses the login, and keeps the driver text for the log', async () => {
    const wrong = connectTestDatabase({ password: 'not-the-password', poolMax: 1 });
    const log = recordingLogger();
    server = await serve(wrong, temporal, log.logger);
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        status: 'not ready',
        down: ['mysql'],
        checks: {
          mysql: { ok: false, latency_ms: expect.any(Number) },
          temporal: { ok: true, latency_ms: expect.any(Number) },
        },
      });
      // The answer is unauthenticated: nothing of the driver's message (user, host, database) is in it.
      const { user, host, database } = testDatabaseOptions();
      for (const secret of ['not-the-password', 'Access denied', `'${user}'`, host, database])
        expect(text).not.toContain(secret);
      expect(log.lines).toContainEqual(
        expect.objectContaining({
          dependency: 'mysql',
          msg: 'readiness check failed',
          err: expect.objectContaining({ message: expect.stringMatching(/Access denied/) }),
        }),
      );
    } finally {
      await wrong.close();
    }
  });

  it('/readyz names temporal when nothing listens at its address', async () => {
    const nowhere = Connection.lazy({ address: '127.0.0.1:1' });
    const log = recordingLogger();
    server = await serve(sequelize, nowhere, log.logger);
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as ReadinessBody;
      expect(body.down).toEqual(['temporal']);
      expect(body.checks.mysql!.ok).toBe(true);
      expect(body.checks.temporal!.ok).toBe(false);
      expect(JSON.stringify(body)).not.toContain('127.0.0.1:1');
      expect(log.lines).toContainEqual(expect.objectContaining({ dependency: 'temporal', level: 40 }));
    } finally {
      await nowhere.close().catch(() => undefined);
    }
  });

  it('answers an unknown route with application/problem+json 404', async () => {
    server = await serve(sequelize, temporal);
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/nope' });
  });
});
