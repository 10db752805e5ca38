import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountFreedSignalName } from '../domain/generation/account-freed-signal';
import type { GenerationType } from '../domain/generation/generation-types';

/**
 * What callers and operators can say to a generation workflow and ask of it, defined once: the workflows
 * register handlers for these, the API and the Web UI use the same names.
 */

export type {
  FinalStatus,
  GeneratedOutput,
  GenerationPlatform,
  GenerationResult,
  GenerationTaskFields,
  ImageGenerationInput,
  ImageRequestFields,
  VideoGenerationInput,
  VideoRequestFields,
} from '../domain/generation/generation-types';

export interface GenerationProgress {
  status: 'pending' | 'processing' | 'retrying' | 'completed' | 'failed' | 'cancelled';
  percent: number;
  attempt: number;
  /** The account in use, masked (last 4 characters of its id): operators see which, callers nothing secret. */
  accountHint: string | null;
  /** ISO time of the next durable timer's end while waiting on a backoff, else null. */
  nextWakeUpAt: string | null;
}

export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');

/** Sent by a release to the job that has waited longest for an account: look again now, not at the timer. */
export const accountFreedSignal = defineSignal('accountFreed' satisfies AccountFreedSignalName);

/** What a generation answers once it is admitted: its points are reserved and its rows exist. */
export interface Admission {
  taskId: string;
  price: number;
}

/**
 * Starters send this with the start (update-with-start): it completes when the job is admitted, or fails with
 * the reason it was not (InvalidGenerationRequest, InsufficientPoints, StoryboardBusy). For a duplicate request
 * it reaches the running workflow and answers that one's task id.
 */
export const admissionUpdate = defineUpdate<Admission>('admission');
export const progressQuery = defineQuery<GenerationProgress>('progress');

// project_id and storyboard_id are VARCHAR(50) in seed 002.
const ID_PART = /^[A-Za-z0-9_.:-]{1,50}$/;

/**
 * One live workflow per (project_id, storyboard_id), the seed's unique key uk_project_storyboard: starting the
 * same id again attaches to the running workflow instead of starting a second generation.
 */
export function generationWorkflowId(type: GenerationType, projectId: string, storyboardId: string): string {
  for (const [name, value] of [
    ['projectId', projectId],
    ['storyboardId', storyboardId],
  ] as const) {
    if (!ID_PART.test(value))
      throw new TypeError(`${name} must be 1-50 characters of letters, digits, _ . : -`);
  }
  // "/" cannot occur in either part, so two different pairs never make the same id.
  return `jimeng-${type}/${projectId}/${storyboardId}`;
}
