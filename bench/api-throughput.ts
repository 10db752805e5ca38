/**
 * API throughput and latency: requests per second and p50/p99 of `POST /v1/images/generations` (workflow start
 * and admission included: the answer waits until the workflow has reserved the points and written the rows) and
 * of `GET /v1/tasks/{id}`, with 1, 16 and 64 concurrent clients. Baseline in the same run: a bare Koa route
 * answering `{"ok":true}` on the same machine, same clients, so the figures show what auth, validation, MySQL
 * and Temporal cost on top of Koa itself.
 *
 *   node dist/bench/api-throughput.js [postsPerLevel=150] [getsPerLevel=1500]
 *
 * Runs everything in this process on the dev stack's MariaDB (database <MYSQL_DATABASE>_bench) and Temporal dev
 * server: the API, a worker (on its own task queue) and the clients. Admitted jobs are terminated right after
 * their 202 by a background loop, so the measured requests do not compete with hundreds of running generations
 * (that load is what the capacity benchmark of issue 8 measures).
 */
import Koa from 'koa';
import { generationWorkflowId } from '../workflows/generation-definitions';
import { listen, startBenchStack } from './bench-stack';
import { ONE_CREDIT_PER_IMAGE_CALL, uniformLatency } from './bench-simulator';
import { quantile } from './quantile';
import { runConcurrently } from './run-concurrently';

const posts = Number(process.argv[2] ?? 150);
const gets = Number(process.argv[3] ?? 1500);
const LEVELS = [1, 16, 64];

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(
  total: number,
  clients: number,
  request: (i: number) => Promise<boolean>,
): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await runConcurrently(total, clients, async (i) => {
    const t = performance.now();
    if (!(await request(i))) errors++;
    latencies.push(performance.now() - t);
  });
  const seconds = (performance.now() - started) / 1000;
  return { rps: total / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors };
}

async function main(): Promise<void> {
  // No account is added, so admitted jobs never reach the simulator (they wait for an account until the
  // background loop terminates them); its settings are the ones this bench always ran with.
  const stack = await startBenchStack({
    name: 'api',
    simulator: {
      latency: uniformLatency(50),
      dailyQuota: 66,
      creditCosts: ONE_CREDIT_PER_IMAGE_CALL,
      forkExtensions: false,
    },
  });
  const { client, url, key, userId } = stack;
  const bare = new Koa();
  bare.use((ctx) => {
    ctx.body = { ok: true };
  });
  const baseline = await listen(bare);

  const auth = { authorization: `Bearer ${key}` };
  const project = `bench-${Date.now()}`;
  const taskIds: string[] = [];
  const toTerminate: string[] = [];
  let benchOver = false;
  const terminator = (async () => {
    while (!benchOver || toTerminate.length > 0) {
      const batch = toTerminate.splice(0, 8);
      if (batch.length === 0) await new Promise((r) => setTimeout(r, 50));
      await Promise.all(
        batch.map((id) =>
          client.workflow
            .getHandle(id)
            .terminate('benchmark: admitted')
            .catch(() => undefined),
        ),
      );
    }
  })();

  const post = async (i: number, level: number) => {
    const storyboard = `sb-${level}-${i}`;
    const res = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: userId,
        project_id: project,
        project_name: 'bench',
        storyboard_id: storyboard,
        work_id: 'w',
        prompt: 'benchmark',
      }),
    });
    const body = (await res.json()) as { id?: string };
    toTerminate.push(generationWorkflowId('image', project, storyboard));
    if (body.id) taskIds.push(body.id);
    return res.status === 202;
  };

  const rows: string[] = [];
  const row = (what: string, level: number, f: Figures) =>
    rows.push(
      `| ${what} | ${level} | ${f.rps.toFixed(0)} | ${f.p50.toFixed(1)} | ${f.p99.toFixed(1)} | ${f.errors} |`,
    );
  // Warm-up: JIT, connection pools, the workflow bundle's first tasks.
  await load(20, 4, (i) => post(i, 0));
  await load(200, 8, async () => (await fetch(`${baseline.url}/hello`)).ok);
  for (const level of LEVELS) {
    row(
      'baseline: bare Koa GET',
      level,
      await load(gets, level, async () => (await fetch(`${baseline.url}/hello`)).ok),
    );
    row(
      'GET /v1/tasks/{id}',
      level,
      await load(gets, level, async (i) => {
        const res = await fetch(`${url}/v1/tasks/${taskIds[i % taskIds.length]}`, { headers: auth });
        await res.arrayBuffer();
        return res.ok;
      }),
    );
    row('POST /v1/images/generations', level, await load(posts, level, (i) => post(i, level)));
  }

  console.log(`\n${posts} POSTs and ${gets} GETs per concurrency level\n`);
  console.log('| request | clients | req/s | p50 ms | p99 ms | errors |');
  console.log('|---|---|---|---|---|---|');
  for (const line of rows) console.log(line);

  benchOver = true;
  await terminator;
  baseline.server.close();
  await stack.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
