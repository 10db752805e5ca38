/**
 * Platform overhead: end-to-end time of one image job through the whole platform (POST with `Prefer: wait` →
 * admission → lease → Jimeng call → 4 uploads to OSS → settle → final answer) minus the simulator's own
 * generation time, p50 and p99, at 1, 8 and 32 concurrent jobs. Floor, in the same run: the same job done by a
 * direct script (JimengClient → simulator → ali-oss uploads), with no workflow, database or API.
 *
 *   node dist/bench/platform-overhead.js [jobsPerLevel=40] [imageLatencyMs=500]
 *     [--worker-concurrency=derived|sdk-defaults|derived,sdk-defaults]
 *
 * Everything runs in this process on the dev stack's MariaDB (database <MYSQL_DATABASE>_bench) and Temporal dev
 * server; 40 simulator accounts so the pool never limits. The worker runs with the production concurrency (derived
 * from its pool) unless `--worker-concurrency` names others: each gets a pass of its own (a fresh stack, floor and
 * platform at every level).
 */
import { addBenchAccounts, completedWithFourOutputs, directImageJob, postImageJob } from './bench-jobs';
import { startBenchStack } from './bench-stack';
import { ONE_CREDIT_PER_IMAGE_CALL, uniformLatency } from './bench-simulator';
import { quantile } from './quantile';
import { runConcurrently } from './run-concurrently';
import { workerConcurrencyChoices, type WorkerConcurrencyChoice } from './worker-concurrency-choice';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const jobs = Number(positional[0] ?? 40);
const latencyMs = Number(positional[1] ?? 500);
const LEVELS = [1, 8, 32];
const ACCOUNTS = 40;

async function timed(total: number, clients: number, job: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  await runConcurrently(total, clients, async (i) => {
    const t = performance.now();
    await job(i);
    times.push(performance.now() - t);
  });
  return times;
}

/** One pass: a stack whose worker runs with `workerConcurrency`, floor and platform at each level; its rows. */
async function pass(workerConcurrency: WorkerConcurrencyChoice): Promise<string[]> {
  const stack = await startBenchStack({
    name: 'overhead',
    workerConcurrency,
    // The upstream call takes latencyMs (500 ms), whatever the simulator's realistic default (30 s).
    simulator: {
      latency: uniformLatency(latencyMs),
      dailyQuota: 100_000,
      creditCosts: ONE_CREDIT_PER_IMAGE_CALL,
      forkExtensions: false,
    },
    worker: { heartbeatMs: 5_000 },
  });
  const sessions = await addBenchAccounts(stack, ACCOUNTS);
  const project = `overhead-${Date.now()}`;
  let failures = 0;

  const platformJob = async (tag: string) => {
    const answer = await postImageJob(stack, {
      project,
      projectName: 'overhead',
      storyboard: tag,
      prompt: 'overhead benchmark',
      waitSeconds: 60,
    });
    if (!completedWithFourOutputs(answer)) failures++;
  };
  const directJob = directImageJob(stack, sessions, 'overhead benchmark');

  // Warm-up: JIT, pools, the workflow bundle's first tasks.
  await timed(4, 2, (i) => platformJob(`warm-${i}`));
  await timed(4, 2, directJob);

  const rows: string[] = [];
  for (const level of LEVELS) {
    const total = Math.max(jobs, level * 2);
    const direct = await timed(total, level, directJob);
    const platform = await timed(total, level, (i) => platformJob(`c${level}-${i}`));
    const overhead = (times: number[], q: number) => (quantile(times, q) - latencyMs).toFixed(0);
    rows.push(
      `| ${stack.workerConcurrency} | ${level} | ${total} | ${overhead(direct, 0.5)} | ${overhead(direct, 0.99)} | ${overhead(platform, 0.5)} | ${overhead(platform, 0.99)} |`,
    );
  }
  console.log(`worker ${stack.workerConcurrency}: platform jobs not completed with 4 outputs: ${failures}`);
  await stack.close();
  return rows;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const choice of workerConcurrencyChoices(process.argv.slice(2))) rows.push(...(await pass(choice)));
  console.log(
    `\nimage jobs of ${latencyMs} ms upstream time (4 images each), overhead = end to end - ${latencyMs} ms\n`,
  );
  console.log(
    '| worker | concurrent jobs | jobs | floor p50 ms | floor p99 ms | platform p50 ms | platform p99 ms |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
