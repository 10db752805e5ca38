import { Connection } from '@temporalio/client';
import pino from 'pino';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { loadConfig } from '../../../config/settings';
import { SnowflakeGenerator } from '../../../db/ids/snowflake';
import { migratedTestDatabase } from '../../support/database';
import { listen, type RunningServer } from '../../support/koa-test-server';

const ids = new SnowflakeGenerator({ nodeId: 903 });

describe('GET /v1/tasks keyset pages', () => {
  const config = loadConfig();
  const owner = `pager-${Date.now()}`;
  const project = `pg-${Date.now()}`;
  let sequelize: Sequelize;
  let temporal: Connection;
  let server: RunningServer;
  let url: string;
  let key: string;
  let storyboard = 0;

  /** A task's rows as the workflow would have written them; many share one second, as busy seconds do. */
  async function insertTask(type: 'image' | 'video', createTime: Date): Promise<string> {
    const id = ids.next();
    const storyboardId = `sb-${storyboard++}`;
    await sequelize.query(
      `INSERT INTO jimeng_${type}_generation_records
         (id, jimeng_accounts_id, project_id, project_name, storyboard_id, work_id, model, prompt, create_by, create_time)
       VALUES (?, '', ?, 'pager', ?, 'w', 'm', 'p', ?, ?)`,
      { replacements: [id, project, storyboardId, owner, createTime] },
    );
    await sequelize.query(
      `INSERT INTO generation_tasks (task_id, tenant, type, user_id, project_id, storyboard_id, work_id, model, created_at)
       VALUES (?, ?, ?, NULL, ?, ?, 'w', 'm', ?)`,
      { replacements: [id, owner, type, project, storyboardId, createTime] },
    );
    return id;
  }

  beforeAll(async () => {
    sequelize = await migratedTestDatabase();
    temporal = Connection.lazy({ address: config.temporalAddress });
    server = await listen(createApp({ sequelize, temporal, logger: pino({ level: 'silent' }) }));
    url = server.url;
    key = (await issueApiKey(sequelize, { owner, scope: 'caller' })).key;
  });
  afterAll(async () => {
    await server.close();
    await temporal.close();
    await sequelize.close();
  });

  it('visits every task exactly once, newest first, while new tasks keep arriving', async () => {
    const base = Date.UTC(2026, 10, 1, 8, 0, 0);
    const existing: string[] = [];
    // 45 tasks over 9 seconds: five per second, images and videos interleaved.
    for (let i = 0; i < 45; i++)
      existing.push(await insertTask(i % 2 ? 'video' : 'image', new Date(base + Math.floor(i / 5) * 1000)));

    const seen: string[] = [];
    let previous: { created_at: string; id: string } | null = null;
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await fetch(
        `${url}/v1/tasks?project_id=${project}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        {
          headers: { authorization: `Bearer ${key}` },
        },
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        data: Array<{ id: string; created_at: string }>;
        next_cursor: string | null;
      };
      for (const task of page.data) {
        if (previous)
          expect(
            task.created_at < previous.created_at ||
              (task.created_at === previous.created_at && BigInt(task.id) < BigInt(previous.id)),
          ).toBe(true);
        previous = task;
        seen.push(task.id);
      }
      // Meanwhile: new tasks, newer than anything the walk has left to see.
      await insertTask('image', new Date(base + 60_000 + pages * 1000));
      await insertTask('video', new Date(base + 60_000 + pages * 1000));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);

    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...existing].sort());
    expect(pages).toBe(Math.ceil(45 / 7));
  });

  it('filters by type and by creation range', async () => {
    const base = Date.UTC(2026, 10, 2, 8, 0, 0);
    const image = await insertTask('image', new Date(base));
    const video = await insertTask('video', new Date(base + 1000));
    const get = async (query: string) =>
      (
        (await (
          await fetch(`${url}/v1/tasks?project_id=${project}&${query}`, {
            headers: { authorization: `Bearer ${key}` },
          })
        ).json()) as { data: Array<{ id: string }> }
      ).data.map((t) => t.id);
    const from = new Date(base).toISOString();
    const to = new Date(base + 2000).toISOString();
    expect(await get(`created_from=${from}&created_to=${to}`)).toEqual([video, image]);
    expect(await get(`type=image&created_from=${from}&created_to=${to}`)).toEqual([image]);
    expect(await get(`status=pending&created_from=${from}&created_to=${to}`)).toEqual([video, image]);
    expect(await get(`status=completed&created_from=${from}&created_to=${to}`)).toEqual([]);
  });
});
