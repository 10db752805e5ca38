/**
 * The platform side of bench/pool-capacity.ts: the whole stack in this process (bench/bench-stack.ts), the pool's
 * accounts registered in its simulator and in jimeng_accounts, the burst sent and followed to its final records,
 * then the evidence read back (the simulator's counters, the pool's leases, the workflow histories) and broken
 * down.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { SnowflakeGenerator } from '../db/ids/snowflake';
import { generationWorkflowId } from '../workflows/generation-definitions';
import { readImageLeases } from './account-leases';
import { startBenchStack, type BenchStack } from './bench-stack';
import { InFlightSampler } from './in-flight-sampler';
import { timelineOf, type Timeline } from './job-timeline';
import { platformBreakdown } from './pool-capacity-breakdown';
import {
  failRefusedWithoutRecord,
  followRecords,
  newBurst,
  postBurst,
  type PlatformJob,
} from './pool-capacity-burst';
import type { SideRun } from './pool-capacity-figures';
import { ACCOUNTS, SAMPLE_MS, SIMULATOR, simulatorLimits } from './pool-capacity-setup';
import { runConcurrently } from './run-concurrently';

/** The pool: ACCOUNTS sessions in the simulator, each with a jimeng_accounts row. */
async function addPoolAccounts(
  stack: Pick<BenchStack, 'sequelize' | 'sim'>,
): Promise<{ sessions: string[]; accountIndex: Map<string, number> }> {
  const ids = new SnowflakeGenerator({ nodeId: 952 });
  const sessions: string[] = [];
  const accountIndex = new Map<string, number>();
  for (let i = 0; i < ACCOUNTS; i++) {
    const sessionId = `cap-${randomUUID()}`;
    const id = ids.next();
    sessions.push(sessionId);
    accountIndex.set(id, i);
    stack.sim.admin.registerSession({ sessionId, ...simulatorLimits() });
    await stack.sequelize.query(
      'INSERT INTO jimeng_accounts (id, jimeng_account, session_id, site_type, max_retry_count) VALUES (?, ?, ?, 0, 4)',
      { replacements: [id, `cap-${i}`, sessionId] },
    );
  }
  return { sessions, accountIndex };
}

/** Where each job spent its time, to the millisecond: the server's event times in its workflow history. */
async function readTimelines(
  client: Client,
  jobs: readonly PlatformJob[],
): Promise<Map<PlatformJob, Timeline>> {
  const withRecord = jobs.filter((j) => j.recordSeen);
  const timelines = new Map<PlatformJob, Timeline>();
  await runConcurrently(withRecord.length, 8, async (i) => {
    const job = withRecord[i]!;
    const history = await client.workflow
      .getHandle(generationWorkflowId('image', job.projectId, job.storyboardId))
      .fetchHistory()
      .catch(() => null);
    if (history) timelines.set(job, timelineOf(history.events ?? []));
  });
  return timelines;
}

export async function runPlatform(): Promise<SideRun> {
  const stack = await startBenchStack({ name: 'capacity', simulator: SIMULATOR });
  const { sessions, accountIndex } = await addPoolAccounts(stack);
  const burst = newBurst();
  const sampler = new InFlightSampler(stack.sim, sessions, SAMPLE_MS);
  stack.sim.admin.resetCounters();
  sampler.start();
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();

  const posting = postBurst(stack, burst.jobs);
  await followRecords(stack.sequelize, burst, posting.done, t0);
  failRefusedWithoutRecord(burst.jobs);
  await posting.posted;
  sampler.stop();
  const counters = stack.sim.admin.counters();
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1000 / (Date.now() - t0);

  const leases = await readImageLeases(stack.sequelize);
  const timelines = await readTimelines(stack.client, burst.jobs);
  await stack.close();

  return platformBreakdown({
    jobs: burst.jobs,
    timelines,
    leases: leases.rows,
    fractionalLeaseRows: leases.fractionalRows,
    accountIndex,
    sampler,
    counters,
    t0,
    cpuShare,
  });
}
