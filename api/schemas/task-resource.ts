import { z } from 'zod';

const statuses = ['pending', 'processing', 'retrying', 'completed', 'failed', 'cancelled'] as const;

export const taskStatus = z.enum(statuses);

export const taskResource = z
  .object({
    id: z
      .string()
      .meta({ description: 'Task id (snowflake); also the record id and the job id of the outputs' }),
    type: z.enum(['image', 'video']),
    tenant: z.string().nullable().meta({
      description: 'The tenant (API key owner) that asked for it; null for a task started without the API',
    }),
    status: taskStatus,
    progress: z.number().int().min(0).max(100),
    attempts: z.number().int().min(0).meta({ description: 'Jimeng accounts the task has been run on' }),
    user_id: z.string().nullable(),
    project_id: z.string(),
    storyboard_id: z.string(),
    work_id: z.string(),
    model: z.string(),
    prompt: z.string(),
    outputs: z.array(
      z.object({
        url: z.string().meta({ description: 'CDN URL when OSS_BASE_URL is set, else the OSS URL' }),
        oss_url: z.string(),
        size: z.number().int(),
        content_type: z.string().nullable(),
        width: z.number().int().nullable(),
        height: z.number().int().nullable(),
        duration: z.number().nullable(),
        is_primary: z.boolean(),
      }),
    ),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    cost: z.number().int().meta({ description: 'Points kept (0 unless completed)' }),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: 'Task' });

export const taskPage = z
  .object({ data: z.array(taskResource), next_cursor: z.string().nullable() })
  .meta({ id: 'TaskPage' });
