import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { cancelSignal, generationWorkflowId } from '../../workflows/generation-definitions';
import { principalOf } from '../auth/authentication';
import { tenantFilter, tenantScopeOf } from '../auth/tenant-scope';
import { defineRoute, type AnyRoute } from '../http/route';
import { Problem } from '../problem';
import { taskPage, taskResource, taskStatus } from '../schemas/task-resource';
import {
  cursorFromQuery,
  decodeTimeCursor,
  encodeTimeCursor,
  pageOf,
  timeCursorParam,
} from '../http/keyset-cursor';
import type { TaskStore } from './task-store';
import { FINAL_STATUSES } from './task-view';

export interface TaskRouteDependencies {
  client: Client;
  tasks: TaskStore;
}

const idParams = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,36}$/, 'must be a task id')
    .meta({ description: 'Task id' }),
});

const listQuery = z.strictObject({
  tenant: tenantFilter,
  project_id: z.string().max(50).optional(),
  storyboard_id: z.string().max(50).optional(),
  type: z.enum(['image', 'video']).optional(),
  status: taskStatus.optional(),
  created_from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Inclusive, ISO 8601' }),
  created_to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Exclusive, ISO 8601' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: timeCursorParam,
});

/** The same answer for another tenant's task as for one that does not exist: its existence is not told. */
const notFound = (id: string) => new Problem(404, 'Not Found', `no task ${id}`);

export function taskRoutes(deps: TaskRouteDependencies): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/tasks/:id',
      operationId: 'getTask',
      summary: 'A task: status, progress, attempts, OSS URLs, error, timings, cost',
      tag: 'Tasks',
      scope: 'caller',
      params: idParams,
      responses: {
        200: { description: 'The task', schema: taskResource },
        404: { description: "No such task, or another tenant's" },
      },
      async handler(ctx, { params }) {
        const view = await deps.tasks.find(params.id, tenantScopeOf(ctx, undefined));
        if (!view) throw notFound(params.id);
        ctx.body = view;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tasks',
      operationId: 'listTasks',
      summary: 'Tasks, newest first, filtered, by keyset pages',
      description:
        'Every task ever admitted, however often its storyboard was generated again. A caller key lists its own ' +
        "tenant's tasks; an admin key lists every tenant's, or one tenant's with `tenant`.",
      tag: 'Tasks',
      scope: 'caller',
      query: listQuery,
      responses: {
        200: { description: 'A page of tasks; follow `next_cursor` until it is null', schema: taskPage },
        403: { description: 'A caller key naming another tenant in `tenant`' },
        422: { description: 'Invalid filter or cursor' },
      },
      async handler(ctx, { query }) {
        const after = cursorFromQuery(query.cursor, decodeTimeCursor);
        const page = await deps.tasks.list(
          {
            ...(query.type ? { type: query.type } : {}),
            ...(query.status ? { status: query.status } : {}),
            ...(query.project_id ? { projectId: query.project_id } : {}),
            ...(query.storyboard_id ? { storyboardId: query.storyboard_id } : {}),
            ...(query.created_from ? { createdFrom: new Date(query.created_from) } : {}),
            ...(query.created_to ? { createdTo: new Date(query.created_to) } : {}),
          },
          tenantScopeOf(ctx, query.tenant),
          query.limit + 1,
          after,
        );
        ctx.body = pageOf(page, query.limit, (last) => encodeTimeCursor(last.created_at, last.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/tasks/:id/cancel',
      operationId: 'cancelTask',
      summary: 'Cancel a task: it stops at once, its points are refunded',
      tag: 'Tasks',
      scope: 'caller',
      params: idParams,
      responses: {
        200: { description: 'Already cancelled (cancelling again changes nothing)', schema: taskResource },
        202: {
          description:
            'Cancellation requested; the task becomes cancelled shortly (completed if its outputs were already uploading)',
          schema: taskResource,
        },
        404: { description: "No such task, or another tenant's" },
        409: { description: 'The task already completed or failed' },
      },
      async handler(ctx, { params }) {
        const view = await deps.tasks.find(params.id, tenantScopeOf(ctx, undefined));
        if (!view) throw notFound(params.id);
        if (view.status === 'cancelled') {
          ctx.body = view;
          return;
        }
        if (FINAL_STATUSES.includes(view.status))
          throw new Problem(409, 'Conflict', `task ${view.id} is already ${view.status}`);
        const handle = deps.client.workflow.getHandle(
          generationWorkflowId(view.type, view.project_id, view.storyboard_id),
        );
        await handle.signal(cancelSignal, {
          reason: `cancelled through the API by ${principalOf(ctx).owner}`,
        });
        ctx.status = 202;
        ctx.body = (await deps.tasks.find(view.id, 'every tenant')) ?? view;
      },
    }),
  ];
}
