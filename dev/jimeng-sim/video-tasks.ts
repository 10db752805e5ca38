/*
 * Video jobs run "in the background" as a function of time: status is computed from how long ago the job was
 * submitted, against the simulator's clock, instead of from timers. That keeps jobs deterministic and lets a
 * test move time forward with an injected clock.
 */

/** Upstream record statuses: processing, post-processing, finalizing, success, failed. */
export const TASK_STATUS = {
  PROCESSING: 20,
  POST_PROCESSING: 42,
  FINALIZING: 45,
  SUCCESS: 10,
  FAILED: 30,
} as const;

export interface VideoTask {
  readonly id: string;
  readonly sessionId: string;
  readonly submittedAt: number;
  readonly runMs: number;
  readonly prompt: string;
  /** File name of the output, decided at submit so the outcome does not depend on poll timing. */
  readonly fileName: string;
  /** Set when a task_failure fault fired at submit. */
  readonly failCode?: string;
}

export interface TaskView {
  readonly status: number;
  readonly failCode: string;
  readonly finished: boolean;
}

export function taskView(task: VideoTask, now: number): TaskView {
  const progress = task.runMs <= 0 ? 1 : (now - task.submittedAt) / task.runMs;
  if (progress >= 1) {
    return task.failCode === undefined
      ? { status: TASK_STATUS.SUCCESS, failCode: '', finished: true }
      : { status: TASK_STATUS.FAILED, failCode: task.failCode, finished: true };
  }
  const status =
    progress < 0.5
      ? TASK_STATUS.PROCESSING
      : progress < 0.8
        ? TASK_STATUS.POST_PROCESSING
        : TASK_STATUS.FINALIZING;
  return { status, failCode: '', finished: false };
}

export class VideoTaskStore {
  private readonly tasks = new Map<string, VideoTask>();

  add(task: VideoTask): void {
    this.tasks.set(task.id, task);
  }

  /** Only the session that submitted a task can see it, as upstream history is per account. */
  find(id: string, sessionId: string): VideoTask | undefined {
    const task = this.tasks.get(id);
    return task !== undefined && task.sessionId === sessionId ? task : undefined;
  }

  clear(): void {
    this.tasks.clear();
  }
}
