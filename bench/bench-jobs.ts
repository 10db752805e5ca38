/**
 * Pieces the end-to-end benchmarks share (platform-overhead, throughput): simulator accounts in the pool, one image
 * job through the API, and the same job done directly (JimengClient → simulator → ali-oss), the floor.
 */
import { randomUUID } from 'node:crypto';
import { JimengClient } from '../services/jimeng/client';
import { createOutputStorage } from '../services/oss/output-storage';
import { SnowflakeGenerator } from '../db/ids/snowflake';
import type { BenchStack } from './bench-stack';

/**
 * Registers `count` sessions in the simulator (quota and rate limit out of the way) and inserts one jimeng_accounts
 * row for each; returns the session ids.
 */
export async function addBenchAccounts(
  stack: Pick<BenchStack, 'sequelize' | 'sim'>,
  count: number,
  nodeId = 950,
): Promise<string[]> {
  const ids = new SnowflakeGenerator({ nodeId });
  const sessions: string[] = [];
  for (let i = 0; i < count; i++) {
    const sessionId = `bench-${randomUUID()}`;
    sessions.push(sessionId);
    stack.sim.admin.registerSession({
      sessionId,
      dailyQuota: 100_000,
      rateLimit: { maxRequests: 100_000, windowMs: 60_000 },
    });
    await stack.sequelize.query(
      'INSERT INTO jimeng_accounts (id, jimeng_account, session_id, site_type, max_retry_count) VALUES (?, ?, ?, 0, 4)',
      { replacements: [ids.next(), `bench-${i}`, sessionId] },
    );
  }
  return sessions;
}

export interface ImageJobAnswer {
  httpStatus: number;
  /** The task, or, when the POST was refused, its problem (title and detail). */
  task: { id?: string; status?: string; outputs?: unknown[]; title?: string; detail?: string };
}

/** `POST /v1/images/generations` of a 1k, 4-image job, with `Prefer: wait=<waitSeconds>` unless null. */
export async function postImageJob(
  stack: Pick<BenchStack, 'url' | 'key' | 'userId'>,
  job: {
    project: string;
    projectName: string;
    storyboard: string;
    prompt: string;
    waitSeconds: number | null;
  },
): Promise<ImageJobAnswer> {
  const res = await fetch(`${stack.url}/v1/images/generations`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.key}`,
      'content-type': 'application/json',
      ...(job.waitSeconds !== null ? { prefer: `wait=${job.waitSeconds}` } : {}),
    },
    body: JSON.stringify({
      user_id: stack.userId,
      project_id: job.project,
      project_name: job.projectName,
      storyboard_id: job.storyboard,
      work_id: 'w',
      prompt: job.prompt,
      resolution: '1k',
    }),
  });
  return { httpStatus: res.status, task: (await res.json()) as ImageJobAnswer['task'] };
}

/** A final answer of a completed job with its 4 images stored. */
export const completedWithFourOutputs = (answer: ImageJobAnswer): boolean =>
  answer.httpStatus === 200 && answer.task.status === 'completed' && answer.task.outputs?.length === 4;

/**
 * The floor: the same image job with no workflow, database or API: one JimengClient call to the simulator (session
 * `sessions[i % n]`) and the 4 images copied to OSS by the platform's own storage code, in parallel.
 */
export function directImageJob(
  stack: Pick<BenchStack, 'sim' | 'ossOptions' | 'tmpDir' | 'userId'>,
  sessions: readonly string[],
  prompt: string,
): (i: number) => Promise<void> {
  const jimeng = new JimengClient({ baseUrls: { default: stack.sim.url }, timeoutMs: 60_000 });
  // The simulator serves its outputs on loopback.
  const storage = createOutputStorage({
    oss: stack.ossOptions,
    tmpDir: stack.tmpDir,
    addressPolicy: { allowPrivate: true },
  });
  return async (i) => {
    const result = await jimeng.generateImages(
      { sessionId: sessions[i % sessions.length]!, siteType: 0 },
      { prompt, resolution: '1k' },
    );
    const jobId = `direct-${randomUUID()}`;
    await Promise.all(
      result.images.map((image, n) =>
        storage.uploadFromUrl(
          storage.objectKeyFor({
            userId: stack.userId,
            jobId,
            type: 'image',
            timestamp: Date.now() + n,
            ext: 'png',
          }),
          image.url!,
          { jobId },
        ),
      ),
    );
  };
}
