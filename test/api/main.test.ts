import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { issueApiKey } from '../../api/auth/issue-api-key';
import { idempotentTaskId } from '../../api/generations/idempotent-task-id';
import { parseSnowflake } from '../../db/ids/snowflake';
import { generationWorkflowId } from '../../workflows/generation-definitions';
import { spawnApi, type ApiProcess } from '../support/api-process';
import { startBuilt } from '../support/built-process';
import { freePort } from '../support/free-port';
import { until } from '../support/until';
import { testDatabaseOptions } from '../support/database';
import { DEVELOPMENT_DEFAULT_VARIABLES, startInProduction } from '../support/production-start';
import type { RunningServer } from '../support/koa-test-server';
import { GenerationFixture } from '../workflows/generation-fixture';

describe('the API process', () => {
  it('refuses to start in production on development defaults, naming each in one message', () => {
    const { status, stderr, stdout } = startInProduction('api/main');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^invalid configuration:/);
    for (const name of DEVELOPMENT_DEFAULT_VARIABLES)
      expect(stderr).toContain(`${name} is the development default`);
    expect(stderr).not.toContain('dev-access-secret');
    expect(stderr).not.toContain('dev-callback-secret');
  });
});

/**
 * API processes (dist/api/main.js) over the test database, the Temporal dev server and a worker in-process on
 * the fixture's task queue. The pool has no account, so an admitted task stays pending: it is what a
 * `Prefer: wait` waits for while the process is told to stop. Every task started is terminated at the end.
 */
describe('API processes side by side and stopping', () => {
  const f = new GenerationFixture();
  const owner = `main-${randomUUID().slice(0, 8)}`;
  const started: { project_id: string; storyboard_id: string }[] = [];
  const running: ApiProcess[] = [];
  let key: string;
  let userId: string;

  const spawn = async (env: NodeJS.ProcessEnv = {}) => {
    const api = await spawnApi({
      ...process.env,
      MYSQL_DATABASE: testDatabaseOptions().database,
      TEMPORAL_TASK_QUEUE: f.taskQueue,
      TEMPORAL_SCHEDULES: 'false',
      // One client sends everything: the limits are not what is tested.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
      // No node id by hand: each process leases its own.
      API_NODE_ID: '',
      LOG_LEVEL: 'info',
      ...env,
    });
    running.push(api);
    await api.ready();
    return api;
  };
  const imageBody = () => {
    const task = f.task(userId);
    const body = {
      user_id: userId,
      project_id: task.projectId,
      project_name: 'process tests',
      storyboard_id: task.storyboardId,
      work_id: 'w1',
      prompt: 'a lighthouse at dawn',
    };
    started.push(body);
    return body;
  };
  const admit = (url: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const leaseOf = async (pid: number) =>
    f.sequelize.query<{ node_id: number }>(
      'SELECT node_id FROM node_id_leases WHERE pid = ? AND holder IS NOT NULL',
      { replacements: [pid], type: QueryTypes.SELECT },
    );

  beforeAll(async () => {
    await f.start();
    key = (await issueApiKey(f.sequelize, { owner, scope: 'caller' })).key;
    userId = await f.userWithPoints(100_000);
  }, 120_000);
  afterAll(async () => {
    for (const api of running) api.child.kill('SIGKILL');
    for (const { project_id, storyboard_id } of started)
      await f.client.workflow
        .getHandle(generationWorkflowId('image', project_id, storyboard_id))
        .terminate('the process test is over')
        .catch(() => undefined);
    await f.sequelize.query('DELETE FROM api_keys WHERE owner = ?', { replacements: [owner] });
    await f.close();
  }, 60_000);

  it('two processes without API_NODE_ID admitting at once mint task ids on node ids of their own', async () => {
    const [a, b] = await Promise.all([spawn(), spawn()]);
    const perProcess = 25;
    const answers = await Promise.all(
      [a, b].map((api) =>
        Promise.all(
          Array.from({ length: perProcess }, async () => {
            const res = await admit(api.url, imageBody());
            return { status: res.status, id: ((await res.json()) as { id?: string }).id };
          }),
        ),
      ),
    );

    const all = answers.flat();
    expect(all.map((answer) => answer.status)).toEqual(Array(2 * perProcess).fill(202));
    const ids = all.map((answer) => answer.id!);
    expect(new Set(ids).size).toBe(ids.length);
    const nodesOf = (i: number) => new Set(answers[i]!.map((answer) => parseSnowflake(answer.id!).nodeId));
    const [nodesA, nodesB] = [nodesOf(0), nodesOf(1)];
    expect(nodesA.size).toBe(1);
    expect(nodesB.size).toBe(1);
    const [nodeA, nodeB] = [[...nodesA][0]!, [...nodesB][0]!];
    expect(nodeA).not.toBe(nodeB);
    // Each process mints with the node id the table says it holds.
    expect(await leaseOf(a.child.pid!)).toEqual([{ node_id: nodeA }]);
    expect(await leaseOf(b.child.pid!)).toEqual([{ node_id: nodeB }]);

    // Stopped, each frees its node id.
    for (const api of [a, b]) api.child.kill('SIGTERM');
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
    expect(await leaseOf(a.child.pid!)).toEqual([]);
    expect(await leaseOf(b.child.pid!)).toEqual([]);
  }, 120_000);

  it('a second process given the same API_NODE_ID as a live one exits, naming the holder', async () => {
    const first = await spawn({ API_NODE_ID: '1017' });
    const second = await startBuilt(
      'api/main',
      {
        ...process.env,
        MYSQL_DATABASE: testDatabaseOptions().database,
        TEMPORAL_TASK_QUEUE: f.taskQueue,
        API_PORT: String(await freePort()),
        API_NODE_ID: '1017',
      },
      { readyText: 'API_NODE_ID is held by another process' },
    );
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`snowflake node id 1017 is held by api pid ${first.child.pid}`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  }, 120_000);

  it('on SIGTERM: /readyz 503 at once, an open Prefer: wait answers with the task, its retry is replayed, exit 0', async () => {
    // A drain delay long enough that /readyz is asked well before the server stops accepting, on a busy machine.
    const api = await spawn({ API_DRAIN_DELAY_MS: '8000', API_SHUTDOWN_TIMEOUT_MS: '30000' });
    const idempotencyKey = `drain-${randomUUID()}`;
    const body = imageBody();
    const waiting = admit(api.url, body, { prefer: 'wait=60', 'idempotency-key': idempotencyKey });
    // The request is waiting once its task exists (there is no account: it stays pending).
    const taskId = idempotentTaskId(owner, idempotencyKey);
    await until(
      async () =>
        (await f.rows('SELECT task_id FROM generation_tasks WHERE task_id = ?', [taskId])).length > 0,
      'the task to be admitted',
    );

    api.child.kill('SIGTERM');
    await api.logged('"api draining"');
    const readiness = await fetch(`${api.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining', down: [] });

    const answer = await waiting;
    expect(answer.status).toBe(202);
    expect(answer.headers.get('location')).toBe(`/v1/tasks/${taskId}`);
    expect(answer.headers.get('connection')).toBe('close');
    const task = (await answer.json()) as { id: string; status: string };
    expect(task).toMatchObject({ id: taskId, status: 'pending' });

    expect(await api.exited).toBe(0);
    expect(await leaseOf(api.child.pid!)).toEqual([]);

    // The client retries on another process: the stored answer, not a 409 for a claim nobody settles.
    const other: RunningServer = await f.listenApi();
    try {
      const retry = await admit(other.url, body, { prefer: 'wait=60', 'idempotency-key': idempotencyKey });
      expect(retry.status).toBe(202);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await retry.json()).toEqual(task);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('a request still open at API_SHUTDOWN_TIMEOUT_MS is cut and its Idempotency-Key claim let go', async () => {
    // No worker polls this queue: the admission waits for ever, as behind a stuck dependency.
    const api = await spawn({
      TEMPORAL_TASK_QUEUE: `nobody-polls-${randomUUID()}`,
      API_DRAIN_DELAY_MS: '200',
      API_SHUTDOWN_TIMEOUT_MS: '1500',
    });
    const idempotencyKey = `cut-${randomUUID()}`;
    const claim = () =>
      f.rows<{ state: string }>(
        'SELECT state FROM api_idempotency_keys WHERE owner = ? AND idempotency_key = ?',
        [owner, idempotencyKey],
      );
    const stuck = admit(api.url, imageBody(), { 'idempotency-key': idempotencyKey }).then(
      (res) => res.status,
      () => 'cut' as const,
    );
    await until(async () => (await claim()).length > 0, 'the Idempotency-Key to be claimed');
    expect(await claim()).toEqual([{ state: 'in_progress' }]);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(await stuck).toBe('cut');
    expect(await claim()).toEqual([]);
    expect(api.output()).toContain('"claimsReleased":1');
  }, 120_000);
});
