import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../../api/app';
import { SnowflakeGenerator } from '../../../db/ids/snowflake';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import type { GaugeRefresher } from '../../../api/http/gauge-refresher';
import { poolGaugeRefresher } from '../../../api/http/pool-gauges';
import { AccountPool } from '../../../services/accounts/account-pool';
import { generationWorkflowId } from '../../../workflows/generation-definitions';
import { clearAccounts, insertAccount } from '../../support/accounts';
import { apiCaller, listen, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

/**
 * /metrics of the API as main.ts composes it: request counters from the middleware, workflows counted by the
 * generation routes, and the pool gauges read in the background by their refresher (every 50 ms here).
 */
describe('/metrics', () => {
  const f = new GenerationFixture();
  let server: RunningServer;
  let url: string;
  let refresher: GaugeRefresher;
  let callerKey: string;
  const call = apiCaller(
    () => url,
    () => callerKey,
  );
  const scrape = async () => (await fetch(`${url}/metrics`)).text();
  /** The refresher reads every 50 ms: scrape until what was just written shows. */
  const scrapeUntil = async (line: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const text = await scrape();
      if (text.includes(line)) return text;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no scrape showed ${line}:\n${await scrape()}`);
  };

  beforeAll(async () => {
    await f.start();
    await clearAccounts(f.sequelize);
    refresher = poolGaugeRefresher({ sequelize: f.sequelize, intervalMs: 50, cooldownMs: 300_000 });
    refresher.start();
    server = await listen(
      createApp({
        sequelize: f.sequelize,
        temporal: f.connection,
        logger: pino({ level: 'silent' }),
        gauges: refresher,
        ids: new SnowflakeGenerator({ nodeId: 915 }),
        settings: { namespace: f.config.temporalNamespace, taskQueue: f.taskQueue, allowPrivateUrls: true },
      }),
    );
    url = server.url;
    callerKey = (
      await issueApiKey(f.sequelize, { owner: `metrics-${randomUUID().slice(0, 8)}`, scope: 'caller' })
    ).key;
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await refresher.stop();
    await f.close();
  }, 60_000);

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

  it('reports the accounts free to lease, by capability and site, and how old that count is', async () => {
    await insertAccount(f.sequelize, { site_type: 0 });
    await insertAccount(f.sequelize, { site_type: 0 });
    await insertAccount(f.sequelize, { site_type: 4, video_generation_status: 0 });
    const text = await scrapeUntil('jimeng_pool_available_accounts{capability="image",site_type="4"} 1');
    expect(text).toContain('jimeng_pool_available_accounts{capability="image",site_type="0"} 2');
    expect(text).toContain('jimeng_pool_available_accounts{capability="video",site_type="0"} 2');
    expect(text).not.toContain('jimeng_pool_available_accounts{capability="video",site_type="4"}');
    expect(text).toContain('# TYPE jimeng_pool_gauges_age_seconds gauge');
    const age = Number(/^jimeng_pool_gauges_age_seconds (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);
  });

  it('answers a scrape from the last read, without asking MySQL', async () => {
    await scrapeUntil('jimeng_pool_available_accounts{capability="image",site_type="0"} 2');
    await refresher.stop();
    const query = jest.spyOn(f.sequelize, 'query');
    try {
      const first = await scrape();
      await new Promise((r) => setTimeout(r, 100));
      const second = await scrape();
      expect(query).not.toHaveBeenCalled();
      for (const text of [first, second])
        expect(text).toContain('jimeng_pool_available_accounts{capability="image",site_type="0"} 2');
      const ageOf = (text: string) => Number(/^jimeng_pool_gauges_age_seconds (\S+)$/m.exec(text)?.[1]);
      expect(ageOf(second) - ageOf(first)).toBeGreaterThanOrEqual(0.1);
    } finally {
      query.mockRestore();
      refresher.start();
    }
  });

  it('counts what the pool would lease: an ended cooldown counts; a running one, an empty session or a live lease do not', async () => {
    const pool = new AccountPool({
      sequelize: f.sequelize,
      logger: pino({ level: 'silent' }),
      now: () => new Date(),
    });
    const hourAgo = new Date(Date.now() - 3_600_000);
    const restedAccount = () =>
      insertAccount(f.sequelize, {
        site_type: 1,
        image_generation_status: 2,
        image_unavailable_time: hourAgo,
      });
    const rested = [await restedAccount(), await restedAccount()];
    await insertAccount(f.sequelize, {
      site_type: 1,
      image_generation_status: 2,
      image_unavailable_time: new Date(),
    });
    await insertAccount(f.sequelize, { site_type: 1, session_id: '  ' });
    const leased = await insertAccount(f.sequelize, { site_type: 1, priority: 100 });
    expect(await pool.lease({ capability: 'image', sites: [1] })).toMatchObject({ accountId: leased });

    await scrapeUntil('jimeng_pool_available_accounts{capability="image",site_type="1"} 2');
    // The ones it counts are the ones the pool hands out next, and no others.
    const next = [
      await pool.lease({ capability: 'image', sites: [1] }),
      await pool.lease({ capability: 'image', sites: [1] }),
    ];
    expect(next.map((l) => l?.accountId).sort()).toEqual([...rested].sort());
    expect(await pool.lease({ capability: 'image', sites: [1] })).toBeNull();
  });

  it('counts the generations the API admitted, by type', async () => {
    await f.reset();
    await f.account();
    const userId = await f.userWithPoints(100);
    const task = f.task(userId);
    const before = await scrape();
    expect(before).not.toContain('jimeng_workflows_started_total{type="image"}');
    const res = await call('/v1/images/generations', {
      method: 'POST',
      json: {
        user_id: userId,
        project_id: task.projectId,
        project_name: 'Metrics',
        storyboard_id: task.storyboardId,
        work_id: 'w1',
        prompt: 'a lighthouse at dawn',
      },
    });
    expect(res.status).toBe(202);
    // A refused request starts nothing and counts nothing.
    const refused = await call('/v1/images/generations', {
      method: 'POST',
      json: {
        user_id: randomUUID(),
        project_id: `${task.projectId}-poor`,
        project_name: 'Metrics',
        storyboard_id: task.storyboardId,
        work_id: 'w1',
        prompt: 'a user without points',
      },
    });
    expect(refused.status).toBe(402);
    const text = await scrape();
    expect(text).toContain('jimeng_workflows_started_total{type="image"} 1');
    expect(text).not.toContain('jimeng_workflows_started_total{type="video"}');
    // The run finishes before the worker stops with the suite.
    await f.client.workflow
      .getHandle(generationWorkflowId('image', task.projectId, task.storyboardId))
      .result();
  });
});
