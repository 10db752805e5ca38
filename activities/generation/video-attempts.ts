import { Context } from '@temporalio/activity';
import { type Lease } from '../../services/accounts/account-pool';
import { type VideoGenerationRequest } from '../../domain/jimeng/requests';
import { TASK_STATUS } from '../../services/jimeng/client';
import {
  markProgress,
  markVideoSubmitted,
  readRemoteTaskId,
} from '../../services/generation/generation-records';
import type { AttemptCalls } from './attempt-calls';
import type {
  AttemptInput,
  AttemptResult,
  LeasedCallInput,
  ProducedOutput,
} from './generation-activity-shapes';
import type { GenerationDependencies } from './generation-dependencies';
import { withHeartbeat } from './heartbeat';
import { leaseAndCall } from './lease-and-call';
import type { LeaseSession } from './lease-session';

type VideoAttemptInput = AttemptInput & { call: VideoGenerationRequest };

/**
 * The video attempts: one call held open on a leased account (given a lease or leasing its own), or, the older
 * way, a submit and a poll in two activities on a lease the workflow took.
 */
export function createVideoAttempts(
  deps: Pick<
    Required<GenerationDependencies>,
    'sequelize' | 'jimeng' | 'heartbeatMs' | 'videoPollIntervalMs'
  >,
  session: LeaseSession,
  calls: AttemptCalls,
) {
  const { sequelize, heartbeatMs, videoPollIntervalMs: pollMs } = deps;

  /**
   * The video call on a leased account: the proxy's synchronous route by default, one request held open until
   * the video exists. With a fork's async routes, the job id is recorded as soon as it is known, and a retry
   * after a lost worker polls that job instead of paying for another.
   */
  const videoCall = async (input: VideoAttemptInput): Promise<ProducedOutput[]> => {
    const recorded =
      Context.current().info.attempt > 1 ? await readRemoteTaskId(sequelize, input.taskId) : null;
    const account = await calls.startAttempt('video', input, recorded !== null);
    const result = await calls.heldCall(input.lease, account, (signal) =>
      deps.jimeng.makeVideo(account, input.call, {
        signal,
        ...(recorded ? { resumeTaskId: recorded } : {}),
        onSubmitted: (remoteTaskId) => markVideoSubmitted(sequelize, input.taskId, remoteTaskId),
        onPoll: (status) => markProgress(sequelize, input.taskId, videoProgress(status)),
      }),
    );
    const url = result.videos.find((v) => v.url)?.url;
    if (!url) throw new Error(`the video call for ${input.taskId} succeeded without a URL`);
    await markProgress(sequelize, input.taskId, 80);
    return [{ url }];
  };

  return {
    /** Lease, video call and release in one activity (leaseAndCall); the call may last hours (proxy-limits.ts). */
    async leaseAndGenerateVideo(
      input: LeasedCallInput & { call: VideoGenerationRequest },
    ): Promise<AttemptResult> {
      return leaseAndCall(session, 'video', input, (lease) => videoCall({ ...input, lease }));
    },

    /** Starts the upstream video job and records its id, so a resumed workflow polls the same job. */
    async submitVideo(
      input: AttemptInput & { call: VideoGenerationRequest },
    ): Promise<{ remoteTaskId: string }> {
      const account = await calls.startAttempt('video', input);
      try {
        const submitted = await deps.jimeng.submitVideo(account, input.call, {
          signal: Context.current().cancellationSignal,
        });
        await markVideoSubmitted(sequelize, input.taskId, submitted.taskId);
        return { remoteTaskId: submitted.taskId };
      } catch (err) {
        throw await session.failed(input.lease, err);
      }
    },

    /**
     * Polls the upstream job until it has a video. Heartbeats carry the last status, so a retry after a worker
     * crash resumes polling the same job rather than starting (and paying for) another.
     */
    async awaitVideo(input: { taskId: string; lease: Lease; remoteTaskId: string }): Promise<ProducedOutput> {
      const account = await session.accountOf(input.lease);
      const context = Context.current();
      try {
        return await withHeartbeat(heartbeatMs, session.extendLease(input.lease), async () => {
          for (;;) {
            const state = await deps.jimeng.getVideoTask(account, input.remoteTaskId, {
              signal: context.cancellationSignal,
            });
            context.heartbeat({ status: state.status });
            if (state.state === 'succeeded') {
              const url = state.videos.find((v) => v.url)?.url;
              if (!url) throw new Error(`video task ${input.remoteTaskId} succeeded without a URL`);
              await markProgress(sequelize, input.taskId, 80);
              return { url };
            }
            await markProgress(sequelize, input.taskId, videoProgress(state.status));
            await context.sleep(pollMs);
          }
        });
      } catch (err) {
        throw await session.failed(input.lease, err);
      }
    },
  };
}

/** Upstream video states as a share of the bar: submitted 30, processing 40, post-processing 60, finalizing 70. */
function videoProgress(status: number | null): number {
  if (status === TASK_STATUS.FINALIZING) return 70;
  if (status === TASK_STATUS.PROCESSING) return 40;
  if (status !== null && status > TASK_STATUS.PROCESSING) return 60;
  return 30;
}
