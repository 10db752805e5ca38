import type { GenerationType } from '../../domain/generation/generation-types';

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

/**
 * A generation task as callers see it: its generation_tasks row, its execution row, its outputs, and its record
 * while it runs (api/tasks/task-store.ts).
 */
export interface TaskView {
  id: string;
  type: GenerationType;
  /** The tenant that asked for it; null for a task started without the API. */
  tenant: string | null;
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
