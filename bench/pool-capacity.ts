/**
 * Pool capacity: does a burst of image jobs through the whole platform keep the account pool as busy as its
 * upstream limits allow, without calling an account that has told it it cannot serve?
 *
 *   node dist/bench/pool-capacity.js            small: 100 jobs (a minute or two per side)
 *   node dist/bench/pool-capacity.js --full     the issue's size: a burst of 1,000 jobs
 *   options: --jobs N, --latency-ms L (10000), --baseline-clients K (20), --posters P (32), --fork-extensions
 *
 * 20 accounts, each registered in the Jimeng simulator with the limits of bench/pool-capacity-model.ts:
 * maxConcurrent 1 (the platform leases one image job per account at a time), a rate limit of
 * floor(60 s / L) + 2 calls a minute (so it binds only on a client that piles calls onto an account) and the
 * upstream's 66 credits a day at one credit a call. The simulator answers as the real proxy does (iptag/jimeng-api
 * v1.9.6): a call over an account's rate window gets risk control, HTTP 200 -2001 `[请求失败]: shark not pass
 * (错误码: 1019)` with no Retry-After; a call beyond maxConcurrent -2007 `[生成失败]: credit prededuct failed`
 * (ret 5001). `--fork-extensions` runs both sides against a fork's answers instead (HTTP 429 + Retry-After), the
 * setup of the figures recorded before 2026-12. The "time scale" L = 10 s per image call makes the pool's ceiling 120 jobs/min,
 * well under what the platform itself admits and runs (~8 admissions/s on the Temporal dev server, see the
 * API benchmark): the pool, not the platform, should be the limit, and 1,000 jobs take ~8.5 minutes at best.
 *
 * Platform: everything in this process (bench/bench-stack.ts, database <MYSQL_DATABASE>_bench), N POSTs to
 * /v1/images/generations (each its own project and storyboard) sent by P concurrent clients, then the
 * records are read until every job is final. Baseline, in the same run, on a second simulator with the same
 * accounts and limits: the naive client, K workers (K = 20 = the calls the platform can have in flight) each
 * taking the next job, a random account per attempt, up to 3 retries 1 s apart whatever the error (risk
 * control, which names no wait, included; it never read a Retry-After either), no cooldown and no memory of
 * refusals; it only makes the upstream call (no uploads, no bookkeeping).
 *
 * Figures per side: completed and failed jobs (error codes, with the upstream ret the proxy's message names:
 * -2001/1019 risk control, -2007/5001 busy), jobs/min over the whole makespan (first request to last final job)
 * as a share of the pool's capacity (the ideal makespan of the burst is printed above the table), the
 * simulator's generation calls, its refusals (calls it refused for the account's state: busy, rate_limited =
 * the window's risk control, quota, invalid) and its calls after refusal, the wasted calls (a call to an account
 * that had been refused and could still not serve it: for risk control, while its window was still full, the
 * moment a 429 would have named; dev/jimeng-sim/README.md, "Refusals and calls after a refusal"), and how much of
 * the accounts' time a call was in flight while work was waiting for an account (sampled from the simulator
 * every 100 ms). For the platform, where that time goes: job waits, attempts (leaseAndGenerateImages, or the
 * leaseAccount/generateImages/releaseAccount of runs recorded before it), the waits after a no_account answer and
 * what woke them (the accountFreed signal or the fallback timer), from the workflow histories; account leases
 * (jimeng_account_leases) and the gaps between them.
 *
 * The pieces: the options and the pool in pool-capacity-setup.ts, the platform side in pool-capacity-platform.ts
 * (its workload in pool-capacity-burst.ts, where its time went in pool-capacity-breakdown.ts), the naive client
 * in pool-capacity-naive-client.ts, the ideal in pool-capacity-model.ts, the output in pool-capacity-report.ts.
 */
import { loadavg } from 'node:os';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { idealBurst, poolCapacity } from './pool-capacity-model';
import { runNaiveClient } from './pool-capacity-naive-client';
import { runPlatform } from './pool-capacity-platform';
import { printComparison, printSetup } from './pool-capacity-report';
import { JOBS, POOL } from './pool-capacity-setup';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  printSetup(poolCapacity(POOL), idealBurst(POOL, JOBS));

  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  const loads = [`start ${load()}`];
  const platform = await runPlatform();
  loads.push(`after the platform ${load()}`);
  console.warn('platform done; baseline next');
  const baseline = await runNaiveClient();
  loads.push(`after the baseline ${load()}`);

  printComparison(platform, baseline);
  console.log(`\nload average (1, 5, 15 min): ${loads.join('; ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
