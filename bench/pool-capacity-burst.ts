/**
 * The platform side's workload: a burst of image jobs, each its own project and storyboard, POSTed by concurrent
 * clients, then followed through their records until every one is final.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryTypes, type Sequelize } from 'sequelize';
import { postImageJob } from './bench-jobs';
import type { BenchStack } from './bench-stack';
import { idealBurst } from './pool-capacity-model';
import { inSeconds } from './pool-capacity-format';
import { JOBS, POOL, POSTERS } from './pool-capacity-setup';
import { runConcurrently } from './run-concurrently';

/** One job of the burst, as its client and the records saw it (ms since the epoch). */
export interface PlatformJob {
  projectId: string;
  storyboardId: string;
  postAt: number;
  answeredAt?: number;
  httpStatus?: number;
  /** Status and problem of an answer other than 202. */
  answer?: string;
  recordSeen?: boolean;
  finalAt?: number;
  status?: 'completed' | 'failed';
  errorCode?: string;
}

export interface Burst {
  /** The project ids' common prefix, unique to this run. */
  run: string;
  jobs: PlatformJob[];
}

export function newBurst(): Burst {
  const run = `cap${Date.now().toString(36)}`;
  const jobs: PlatformJob[] = Array.from({ length: JOBS }, (_, i) => ({
    projectId: `${run}-${i}`,
    storyboardId: `sb-${i}`,
    postAt: 0,
  }));
  return { run, jobs };
}

/** Every job POSTed, by POSTERS clients; `done` tells, without waiting, whether all have their answer. */
export function postBurst(
  stack: Pick<BenchStack, 'url' | 'key' | 'userId'>,
  jobs: readonly PlatformJob[],
): { posted: Promise<void>; done: () => boolean } {
  let done = false;
  const post = async (job: PlatformJob): Promise<void> => {
    job.postAt = Date.now();
    const { httpStatus, task } = await postImageJob(stack, {
      project: job.projectId,
      projectName: 'pool capacity',
      storyboard: job.storyboardId,
      prompt: 'pool capacity benchmark',
      waitSeconds: null,
    });
    job.answeredAt = Date.now();
    job.httpStatus = httpStatus;
    if (httpStatus !== 202)
      job.answer = `${httpStatus} ${task.title ?? ''}: ${task.detail ?? ''}`.slice(0, 200);
  };
  const posted = runConcurrently(jobs.length, POSTERS, (i) => post(jobs[i]!)).then(() => {
    done = true;
  });
  return { posted, done: () => done };
}

/**
 * Reads the burst's records every 0.5 s until the posts are done and no job is open, or the deadline passes,
 * noting when each job was first seen final and how it ended; a progress line every 15 s.
 */
export async function followRecords(
  sequelize: Sequelize,
  burst: Burst,
  postsDone: () => boolean,
  t0: number,
): Promise<void> {
  const { run, jobs } = burst;
  const byProject = new Map(jobs.map((j) => [j.projectId, j]));
  // The job's record decides, whatever the POST answered (a 5xx may still have started the workflow). A job
  // is open until its record is final, or, when the POST was refused, as long as a record of it is not final.
  const isOpen = (j: PlatformJob) =>
    j.finalAt === undefined && (j.httpStatus === undefined || j.httpStatus === 202 || j.recordSeen === true);
  // Generous: four ideal makespans plus the admission of the burst, at least ten minutes.
  const deadline = t0 + Math.max(600_000, 4 * idealBurst(POOL, JOBS).makespanMs + JOBS * 200);
  let lastReport = t0;
  while ((!postsDone() || jobs.some(isOpen)) && Date.now() < deadline) {
    await sleep(500);
    const rows = await sequelize.query<{
      project_id: string;
      generation_status: number;
      error_code: string | null;
    }>(
      `SELECT project_id, generation_status, error_code FROM jimeng_image_generation_records
        WHERE project_id LIKE ?`,
      { replacements: [`${run}-%`], type: QueryTypes.SELECT },
    );
    const now = Date.now();
    for (const row of rows) {
      const job = byProject.get(row.project_id);
      if (!job || job.finalAt !== undefined) continue;
      job.recordSeen = true;
      if (row.generation_status !== 2 && row.generation_status !== 3) continue;
      job.finalAt = now;
      job.status = row.generation_status === 2 ? 'completed' : 'failed';
      if (row.error_code !== null) job.errorCode = row.error_code;
    }
    if (Date.now() - lastReport >= 15_000) {
      lastReport = Date.now();
      const done = jobs.filter((j) => j.finalAt !== undefined).length;
      console.warn(
        `  platform ${inSeconds(Date.now() - t0)} s: ${jobs.filter((j) => j.answeredAt).length} answered, ${done} final`,
      );
    }
  }
}

/** Refused at the door and no record: failed when answered. */
export function failRefusedWithoutRecord(jobs: readonly PlatformJob[]): void {
  for (const j of jobs) {
    if (j.finalAt !== undefined || j.recordSeen || j.httpStatus === undefined || j.httpStatus === 202)
      continue;
    j.finalAt = j.answeredAt!;
    j.status = 'failed';
    j.errorCode = `HTTP_${j.httpStatus}`;
  }
}
