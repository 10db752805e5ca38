import { Connection } from '@temporalio/client';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { loadConfig } from '../../../config/settings';
import { connectTestDatabase } from '../../support/database';
import { listen, type RunningServer } from '../../support/koa-test-server';

const serve = (sequelize: Sequelize, temporal: Connection): Promise<RunningServer> =>
  listen(createApp({ sequelize, temporal, logger: pino({ level: 'silent' }) }));

describe('health endpoints', () => {
  const config = loadConfig();
  let sequelize: Sequelize;
  let temporal: Connection;

  beforeAll(() => {
    sequelize = connectTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
  });
  afterAll(async () => {
    await temporal.close();
    await sequelize.close();
  });

  it('/healthz answers 200 while the process runs', async () => {
    const { url, close } = await serve(sequelize, temporal);
    try {
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    } finally {
      await close();
    }
  });

  it('/readyz answers 200 when MariaDB and Temporal both answer', async () => {
    const { url, close } = await serve(sequelize, temporal);
    try {
      const res = await fetch(`${url}/readyz`);
      const body = (await res.json()) as Record<string, { ok: boolean }>;
      expect(res.status).toBe(200);
      expect(body.database!.ok).toBe(true);
      expect(body.temporal!.ok).toBe(true);
    } finally {
      await close();
    }
  });

  it('/readyz answers 503 and names the database when MySQL refuses the login', async () => {
    const wrong = connectTestDatabase({ password: 'not-the-password', poolMax: 1 });
    const { url, close } = await serve(wrong, temporal);
    try {
      const res = await fetch(`${url}/readyz`);
      const body = (await res.json()) as Record<string, { ok: boolean; error?: string }>;
      expect(res.status).toBe(503);
      expect(body.database!.ok).toBe(false);
      expect(body.database!.error).toMatch(/Access denied/);
      expect(JSON.stringify(body)).not.toContain('not-the-password');
      expect(body.temporal!.ok).toBe(true);
    } finally {
      await close();
      await wrong.close();
    }
  });

  it('/readyz answers 503 and names Temporal when nothing listens at its address', async () => {
    const nowhere = Connection.lazy({ address: '127.0.0.1:1' });
    const { url, close } = await serve(sequelize, nowhere);
    try {
      const res = await fetch(`${url}/readyz`);
      const body = (await res.json()) as Record<string, { ok: boolean; error?: string }>;
      expect(res.status).toBe(503);
      expect(body.database!.ok).toBe(true);
      expect(body.temporal!.ok).toBe(false);
      expect(body.temporal!.error).toBeTruthy();
    } finally {
      await close();
      await nowhere.close().catch(() => undefined);
    }
  });

  it('answers an unknown route with application/problem+json 404', async () => {
    const { url, close } = await serve(sequelize, temporal);
    try {
      const res = await fetch(`${url}/nope`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/nope' });
    } finally {
      await close();
    }
  });
});
