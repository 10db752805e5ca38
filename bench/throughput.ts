/**
 * Sustained throughput: completed image jobs per second through the whole platform when Jimeng itself costs
 * nothing (simulator image latency 0), with K jobs kept in flight (closed loop: each of K clients posts
 * `POST /v1/images/generations` with `Prefer: wait=60`, polls `GET /v1/tasks/{id}` if the answer is not final yet,
 * and posts the next job as soon as it has its answer). Per level: a warm-up (at least warmupSeconds and K jobs
 * done), then a fixed window in which completions are counted; latency p50/p99 of the jobs completed in it.
 * Baseline, same run and levels: the floor, the same job done directly (JimengClient → simulator → 4 ali-oss
 * uploads), no workflow, database or API.
 *
 * Where the time goes: CPU seconds in each platform window of the Temporal dev server, MariaDB, this process (by
 * thread) and the rest of the machine (/proc), per component and per completed job. With `--profile`, one more
 * platform pass at the highest level runs in a child under `node --cpu-prof`, and the self time of its samples
 * inside the window is attributed by module (bench/cpu-profile-summary.ts).
 *
 *   node dist/bench/throughput.js [seconds=60] [levels=2,8,32] [warmupSeconds=10] [--profile | --keep-profiles]
 *     [--worker-concurrency=derived|sdk-defaults|derived,sdk-defaults]
 *
 * Everything runs in this process on the dev stack's MariaDB (database <MYSQL_DATABASE>_bench) and Temporal dev
 * server; accounts: twice the highest level (at least 40), so the pool never limits. The worker runs with the
 * production concurrency (derived from its pool) unless `--worker-concurrency` names others: each gets a pass of
 * its own (a fresh stack, floor and platform at every level); the profiled pass uses the first.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FINAL_STATUSES, type TaskStatus } from '../api/tasks/task-view';
import {
  addBenchAccounts,
  completedWithFourOutputs,
  directImageJob,
  postImageJob,
  type ImageJobAnswer,
} from './bench-jobs';
import { startBenchStack, type BenchStack } from './bench-stack';
import { ONE_CREDIT_PER_IMAGE_CALL, uniformLatency } from './bench-simulator';
import { mergeSummaries, summarizeCpuProfile, IDLE, type CpuProfile } from './cpu-profile-summary';
import { cpuBetween, findStackPids, takeCpuSample, type CpuBreakdown, type CpuSample } from './cpu-sampler';
import { quantile } from './quantile';
import { workerConcurrencyChoices, type WorkerConcurrencyChoice } from './worker-concurrency-choice';

const ROOT = resolve(__dirname, '..', '..');
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(positional[0] ?? 60);
const levels = (positional[1] ?? '2,8,32').split(',').map(Number);
const warmupSeconds = Number(positional[2] ?? 10);
const profileChildDir = flags.find((f) => f.startsWith('--profile-child='))?.slice('--profile-child='.length);
const profile = flags.includes('--profile') || flags.includes('--keep-profiles');
const keepProfiles = flags.includes('--keep-profiles');
const concurrencyChoices = workerConcurrencyChoices(flags);
const POLL_MS = 200;

interface LoopResult {
  completed: number;
  failed: number;
  /** Latencies (ms) of the jobs completed in the window. */
  latencies: number[];
  cpu: CpuBreakdown;
  /** The window on the monotonic clock of CPU profiles (microseconds). */
  windowUs: { startUs: number; endUs: number };
  /** sequelize.query calls in the window (the API's pool and the worker's). */
  queries: number;
  /** Jobs started in all, and the slowest one (warm-up and drain included), ms. */
  started: number;
  slowestMs: number;
}

/** Counts the statements this process sends through `sequelize.query` (models and raw queries both go there). */
const queryCount = { value: 0 };

const hrUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * K clients, each running jobs back to back until the window ends. The window opens once the warm-up has passed
 * and K jobs have finished (a full turn of the loop, so the queue has reached its steady length); jobs finishing
 * inside it count. The ones still running at its end are waited for (drained) but not counted.
 */
async function closedLoop(k: number, job: (i: number) => Promise<boolean>): Promise<LoopResult> {
  const pids = findStackPids(process.env.JIMENG_FLOW_DATA_DIR ?? join(ROOT, '.data'));
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let first: CpuSample | undefined;
  let last: CpuSample | undefined;
  const windowUs = { startUs: 0, endUs: 0 };
  let queriesAtStart = 0;
  let queriesAtEnd: number | undefined;
  let warmedUp = false;
  let finished = 0;
  let closing: NodeJS.Timeout | undefined;
  const open = () => {
    if (windowStart !== Infinity) return;
    first = takeCpuSample(pids);
    windowUs.startUs = hrUs();
    queriesAtStart = queryCount.value;
    windowStart = performance.now();
    windowEnd = windowStart + seconds * 1000;
    closing = setTimeout(() => {
      windowUs.endUs = hrUs();
      last = takeCpuSample(pids);
      queriesAtEnd = queryCount.value;
    }, seconds * 1000);
  };
  const warmup = setTimeout(() => {
    warmedUp = true;
    if (finished >= k) open();
  }, warmupSeconds * 1000);
  let next = 0;
  let completed = 0;
  let failed = 0;
  const latencies: number[] = [];
  let slowestMs = 0;
  await Promise.all(
    Array.from({ length: k }, async () => {
      while (performance.now() < windowEnd) {
        const i = next++;
        const t = performance.now();
        const ok = await job(i).catch(() => false);
        const done = performance.now();
        slowestMs = Math.max(slowestMs, done - t);
        if (done >= windowStart && done < windowEnd) {
          if (ok) {
            completed++;
            latencies.push(done - t);
          } else failed++;
        }
        if (++finished >= k && warmedUp) open();
        if (!ok) await sleep(100); // an error should not turn into a hot loop
      }
    }),
  );
  clearTimeout(warmup);
  clearTimeout(closing);
  last ??= takeCpuSample(pids);
  return {
    completed,
    failed,
    latencies,
    cpu: cpuBetween(first!, last),
    windowUs,
    queries: (queriesAtEnd ?? queryCount.value) - queriesAtStart,
    started: next,
    slowestMs,
  };
}

function countQueries(sequelize: BenchStack['sequelize']): void {
  const query = sequelize.query.bind(sequelize);
  sequelize.query = ((...args: Parameters<typeof query>) => {
    queryCount.value++;
    return query(...args);
  }) as typeof query;
}

async function setUp(workerConcurrency: WorkerConcurrencyChoice): Promise<{
  stack: BenchStack;
  platformJob: (i: number) => Promise<boolean>;
  directJob: (i: number) => Promise<boolean>;
}> {
  const stack = await startBenchStack({
    name: 'throughput',
    workerConcurrency,
    // A free upstream: every call answers at once (the simulator's realistic default is 30 s an image).
    simulator: {
      latency: uniformLatency(0),
      dailyQuota: 100_000,
      creditCosts: ONE_CREDIT_PER_IMAGE_CALL,
      forkExtensions: false,
    },
    worker: { heartbeatMs: 5_000 },
  });
  countQueries(stack.sequelize);
  countQueries(stack.workerSequelize);
  const sessions = await addBenchAccounts(stack, Math.max(40, 2 * Math.max(...levels)), 951);
  const project = `throughput-${Date.now()}`;
  const auth = { authorization: `Bearer ${stack.key}` };
  const platformJob = async (i: number) => {
    let answer: ImageJobAnswer = await postImageJob(stack, {
      project,
      projectName: 'throughput',
      storyboard: `tp-${i}`,
      prompt: 'throughput benchmark',
      waitSeconds: 60,
    });
    // Not final within the wait (a long queue): poll the task like a client would.
    while (answer.httpStatus === 202 && answer.task.id) {
      await sleep(POLL_MS);
      const res = await fetch(`${stack.url}/v1/tasks/${answer.task.id}`, { headers: auth });
      const task = (await res.json()) as ImageJobAnswer['task'];
      const final = res.ok && FINAL_STATUSES.includes(task.status as TaskStatus);
      answer = { httpStatus: final ? 200 : res.ok ? 202 : res.status, task };
    }
    return completedWithFourOutputs(answer);
  };
  const direct = directImageJob(stack, sessions, 'throughput benchmark');
  const directJob = async (i: number) => {
    await direct(i);
    return true;
  };
  // Warm-up: JIT, pools, the workflow bundle's first tasks.
  await Promise.all([0, 1, 2, 3].map((i) => platformJob(1_000_000_000 + i)));
  await Promise.all([0, 1, 2, 3].map(directJob));
  return { stack, platformJob, directJob };
}

const ms = (v: number) => v.toFixed(0);
const fig = (r: LoopResult) => ({
  rate: (r.completed / seconds).toFixed(1),
  p50: r.latencies.length ? ms(quantile(r.latencies, 0.5)) : '-',
  p99: r.latencies.length ? ms(quantile(r.latencies, 0.99)) : '-',
});

function cpuTable(level: number, r: LoopResult, worker: string): string[] {
  const { cpu } = r;
  const perJob = (s: number) =>
    r.completed > 0 ? (s * 1000 * seconds) / cpu.wallSeconds / r.completed : NaN;
  const lines = [
    `\nwhere the CPU went, platform at ${level} in flight, worker ${worker}: ${cpu.wallSeconds.toFixed(1)} s window, ${cpu.cores} cores` +
      ` (${(cpu.cores * cpu.wallSeconds).toFixed(1)} CPU s), ${r.completed} jobs completed,` +
      ` ${r.queries} SQL statements from this process (${r.completed > 0 ? (r.queries / r.completed).toFixed(0) : '-'} per job)\n`,
    '| component | CPU s | share of busy CPU | CPU ms per completed job |',
    '|---|---|---|---|',
  ];
  for (const row of cpu.rows)
    lines.push(
      `| ${row.component} | ${row.seconds.toFixed(1)} | ${((100 * row.seconds) / cpu.busySeconds).toFixed(0)}% | ${perJob(row.seconds).toFixed(1)} |`,
    );
  lines.push(
    `| **machine busy** | ${cpu.busySeconds.toFixed(1)} | 100% | ${perJob(cpu.busySeconds).toFixed(1)} |`,
  );
  lines.push(
    `| machine idle | ${cpu.idleSeconds.toFixed(1)} | (${((100 * cpu.idleSeconds) / (cpu.busySeconds + cpu.idleSeconds)).toFixed(0)}% of capacity) | |`,
  );
  return lines;
}

/** The profiled pass, in a child: platform only, at one level; writes the window next to its profiles. */
async function profileChild(dir: string): Promise<void> {
  const { stack, platformJob } = await setUp(concurrencyChoices[0]);
  const level = Math.max(...levels);
  const r = await closedLoop(level, (i) => platformJob(2_000_000_000 + i));
  await writeFile(join(dir, 'window.json'), JSON.stringify({ ...r.windowUs, completed: r.completed }));
  const f = fig(r);
  console.log(
    `profiled pass (under --cpu-prof, worker ${stack.workerConcurrency}): ${level} in flight, ${f.rate} jobs/s, p50 ${f.p50} ms, p99 ${f.p99} ms`,
  );
  await stack.close();
}

async function profilePass(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'jimeng-flow-throughput-prof-'));
  try {
    const level = Math.max(...levels);
    const code = await new Promise<number | null>((done) =>
      spawn(
        process.execPath,
        [
          '--cpu-prof',
          `--cpu-prof-dir=${dir}`,
          __filename,
          String(seconds),
          String(level),
          String(warmupSeconds),
          `--profile-child=${dir}`,
          `--worker-concurrency=${concurrencyChoices[0]}`,
        ],
        { stdio: 'inherit' },
      ).on('exit', done),
    );
    if (code !== 0) return [`\nprofiled pass failed (exit ${code})`];
    const window = JSON.parse(await readFile(join(dir, 'window.json'), 'utf8')) as {
      startUs: number;
      endUs: number;
      completed: number;
    };
    const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
    const isMain = (f: string) => f.split('.')[4] === '0';
    const summarize = async (names: string[]) =>
      mergeSummaries(
        await Promise.all(
          names.map(async (f) =>
            summarizeCpuProfile(JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile, {
              root: ROOT,
              window,
            }),
          ),
        ),
      );
    const main = await summarize(files.filter(isMain));
    const workers = await summarize(files.filter((f) => !isMain(f)));
    const categories = [
      ...new Set([...main.byCategory, ...workers.byCategory].map((c) => c.category)),
    ].filter((c) => c !== IDLE);
    const of = (s: typeof main, c: string) => s.byCategory.find((x) => x.category === c)?.ms ?? 0;
    const busy = (s: typeof main) => s.totalMs - s.idleMs;
    const rows = categories
      .map((c) => ({ c, main: of(main, c), workers: of(workers, c) }))
      .sort((a, b) => b.main + b.workers - (a.main + a.workers));
    const pct = (v: number, total: number) => (total > 0 ? `${((100 * v) / total).toFixed(0)}%` : '-');
    const perJob = (v: number) => (window.completed > 0 ? (v / window.completed).toFixed(2) : '-');
    const lines = [
      `\nJS self time by module, profiled pass at ${level} in flight (${window.completed} jobs in the window;` +
        ` ${files.filter(isMain).length} main-thread and ${files.filter((f) => !isMain(f)).length} worker-thread profiles)\n`,
      '| module | main thread ms | share of main busy | worker threads ms | share of workers busy | ms per job |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.c} | ${r.main.toFixed(0)} | ${pct(r.main, busy(main))} | ${r.workers.toFixed(0)} | ${pct(r.workers, busy(workers))} | ${perJob(r.main + r.workers)} |`,
      ),
      `| **busy (JS, GC, native)** | ${busy(main).toFixed(0)} | 100% | ${busy(workers).toFixed(0)} | 100% | ${perJob(busy(main) + busy(workers))} |`,
      `| ${IDLE} | ${main.idleMs.toFixed(0)} | | ${workers.idleMs.toFixed(0)} | | |`,
    ];
    return lines;
  } finally {
    if (keepProfiles) console.log(`\nprofiles kept in ${dir} (open them in Chrome DevTools or speedscope)`);
    else await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // The SDK logs every worker state change at INFO; the tables are what this run prints.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  if (profileChildDir) return profileChild(profileChildDir);
  const rows: string[] = [];
  const cpuTables: string[] = [];
  let jobBase = 0;
  for (const choice of concurrencyChoices) {
    const { stack, platformJob, directJob } = await setUp(choice);
    for (const level of levels) {
      const floor = await closedLoop(level, directJob);
      const base = jobBase;
      const platform = await closedLoop(level, (i) => platformJob(base + i));
      jobBase += 1_000_000;
      const f = fig(floor);
      const p = fig(platform);
      const row = `| ${stack.workerConcurrency} | ${level} | ${f.rate} | ${f.p50} | ${f.p99} | ${p.rate} | ${p.p50} | ${p.p99} | ${platform.failed} |`;
      console.log(
        `level ${level}: ${row} (platform: ${platform.started} jobs started, slowest ${ms(platform.slowestMs)} ms)`,
      );
      rows.push(row);
      cpuTables.push(...cpuTable(level, platform, stack.workerConcurrency));
    }
    await stack.close();
  }

  console.log(
    `\nimage jobs (4 images, 1k) with simulator latency 0; warm-up of at least ${warmupSeconds} s and K jobs, then ${seconds} s counted per level\n`,
  );
  console.log(
    '| worker | jobs in flight | floor jobs/s | floor p50 ms | floor p99 ms | platform jobs/s | platform p50 ms | platform p99 ms | platform failures |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  for (const line of cpuTables) console.log(line);
  if (profile) for (const line of await profilePass()) console.log(line);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
