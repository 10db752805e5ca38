import type { GenerationType } from '../../domain/generation/generation-types';
/** A generation task as callers see it: one record row, its execution row, its outputs. */
export type TaskStatus = 'pending' | 'processing' | 'retrying' | 'completed' | 'failed' | 'cancelled';

export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export interface TaskOutput {
  url: string;
  oss_url: string;
  size: number;
  content_type: string | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  is_primary: boolean;
}

export interface TaskView {
  id: string;
  type: GenerationType;
  status: TaskStatus;
  progress: number;
  attempts: number;
  user_id: string | null;
  project_id: string;
  storyboard_id: string;
  work_id: string;
  model: string;
  prompt: string;
  outputs: TaskOutput[];
  error: { code: string; message: string } | null;
  cost: number;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/**
 * The caller's status from the seed's two vocabularies: records have no "cancelled" (a cancel is status 3 with
 * error_code CANCELLED) and executions have no "retrying" (status 4 of the record).
 */
export function taskStatusOf(
  recordStatus: number,
  errorCode: string | null,
  executionStatus: string | null,
): TaskStatus {
  switch (recordStatus) {
    case 0:
      return 'pending';
    case 1:
      return 'processing';
    case 2:
      return 'completed';
    case 4:
      return 'retrying';
    default:
      return errorCode === 'CANCELLED' || executionStatus === 'cancelled' ? 'cancelled' : 'failed';
  }
}
