import { Connection } from '@temporalio/client';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { ApiMetrics } from '../../../api/http/metrics';
import { loadConfig } from '../../../config/settings';
import { AccountPool } from '../../../services/accounts/account-pool';
import { clearAccounts, insertAccount } from '../../support/accounts';
import { migratedTestDatabase } from '../../support/database';

describe('/metrics', () => {
  const config = loadConfig();
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: Server;
  let url: string;
  const metrics = new ApiMetrics();

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    await clearAccounts(sequelize);
    temporal = Connection.lazy({ address: config.temporalAddress });
    server = createApp({ sequelize, temporal, logger: pino({ level: 'silent' }), metrics }).listen(
      0,
      '127.0.0.1',
    );
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await clearAccounts(sequelize);
    await temporal.close();
    await sequelize.close();
  });

  it('counts requests by route template and status, with a latency histogram, in Prometheus text', async () => {
    await fetch(`${url}/v1/tasks/123`);
    await fetch(`${url}/v1/tasks/456`);
    await fetch(`${url}/healthz`);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // Two requests to two ids are one series: the template, never the raw path.
    expect(text).toContain('jimeng_http_requests_total{method="GET",route="/v1/tasks/:id",status="401"} 2');
    expect(text).not.toContain('/v1/tasks/123');
    expect(text).toContain('jimeng_http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect(text).toMatch(
      /jimeng_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/tasks\/:id",le="\+Inf"\} 2/,
    );
    expect(text).toContain('# TYPE jimeng_http_request_duration_seconds histogram');
  });

  it('reports the accounts free to lease, by capability and site', async () => {
    await insertAccount(sequelize, { site_type: 0 });
    await insertAccount(sequelize, { site_type: 0 });
    await insertAccount(sequelize, { site_type: 4, video_generation_status: 0 });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('jimeng_pool_available_accounts{capability="image",site_type="0"} 2');
    expect(text).toContain('jimeng_pool_available_accounts{capability="image",site_type="4"} 1');
    expect(text).toContain('jimeng_pool_available_accounts{capability="video",site_type="0"} 2');
    expect(text).not.toContain('jimeng_pool_available_accounts{capability="video",site_type="4"}');
  });

  it('counts what the pool would lease: an ended cooldown counts; a running one, an empty session or a live lease do not', async () => {
    const pool = new AccountPool({ sequelize, logger: pino({ level: 'silent' }), now: () => new Date() });
    const hourAgo = new Date(Date.now() - 3_600_000);
    const restedAccount = () =>
      insertAccount(sequelize, { site_type: 1, image_generation_status: 2, image_unavailable_time: hourAgo });
    const rested = [await restedAccount(), await restedAccount()];
    await insertAccount(sequelize, {
      site_type: 1,
      image_generation_status: 2,
      image_unavailable_time: new Date(),
    });
    await insertAccount(sequelize, { site_type: 1, session_id: '  ' });
    const leased = await insertAccount(sequelize, { site_type: 1, priority: 100 });
    expect(await pool.lease({ capability: 'image', sites: [1] })).toMatchObject({ accountId: leased });

    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('jimeng_pool_available_accounts{capability="image",site_type="1"} 2');
    // The ones it counts are the ones the pool hands out next, and no others.
    const next = [
      await pool.lease({ capability: 'image', sites: [1] }),
      await pool.lease({ capability: 'image', sites: [1] }),
    ];
    expect(next.map((l) => l?.accountId).sort()).toEqual([...rested].sort());
    expect(await pool.lease({ capability: 'image', sites: [1] })).toBeNull();
  });

  it('counts admitted workflows by type', () => {
    const own = new ApiMetrics();
    own.workflowStarted('image');
    own.workflowStarted('image');
    own.workflowStarted('video');
    const text = own.render();
    expect(text).toContain('jimeng_workflows_started_total{type="image"} 2');
    expect(text).toContain('jimeng_workflows_started_total{type="video"} 1');
  });
});
