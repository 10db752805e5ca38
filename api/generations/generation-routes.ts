import type { Sequelize } from 'sequelize';
import { PointsReads } from '../../services/points/points-reads';
import { TenantOwnership } from '../../services/tenants/tenant-ownership';
import type { HostLookup, OutboundAddressPolicy } from '../../services/outbound/outbound-address-policy';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  GENERATION_FAILURES,
  fieldDetailsOf,
  isGenerationFailureType,
  type FailureKind,
} from '../../domain/generation/generation-failures';
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from 'koa';
import type { IdSource } from '../../db/ids/snowflake';
import { idempotentTaskId } from './idempotent-task-id';
import { planImage, planVideo } from '../../domain/generation/generation-plan';
import type {
  GenerationTaskFields,
  ImageGenerationInput,
  VideoGenerationInput,
} from '../../domain/generation/generation-types';
import { InputError } from '../../domain/input-error';
import type { PricingTable } from '../../domain/pricing';
import {
  admissionUpdate,
  generationWorkflowId,
  type Admission,
} from '../../workflows/generation-definitions';
import { generationStartOptions } from '../../workflows/generation-start';
import { principalOf } from '../auth/authentication';
import { defineRoute, type AnyRoute } from '../http/route';
import { Problem } from '../problem';
import {
  imageCompositionRequest,
  imageGenerationRequest,
  videoGenerationRequest,
  type ImageCompositionRequestBody,
  type ImageGenerationRequestBody,
  type VideoGenerationRequestBody,
} from '../schemas/generation-requests';
import { taskResource } from '../schemas/task-resource';
import { FINAL_STATUSES, type TaskView } from '../tasks/task-view';
import type { TaskStore } from '../tasks/task-store';
import { bodyFieldOf, outboundUrlProblems, preferredWaitSeconds } from './request-fields';

export interface GenerationRouteDependencies {
  sequelize: Sequelize;
  client: Client;
  tasks: TaskStore;
  taskQueue: string;
  pricing: PricingTable;
  allowPrivateUrls: boolean;
  /** Resolves the hosts of callback and reference image URLs at admission; default node:dns. */
  hostLookup?: HostLookup;
  /** Mints the task ids of requests without an Idempotency-Key: the process's leased snowflake node id. */
  ids: IdSource;
  /** Aborted when the process begins to stop: `Prefer: wait` answers with the task as it stands. */
  stopWaiting?: AbortSignal;
  metrics?: { workflowStarted(type: string): void };
}

export const MAX_PREFER_WAIT_SECONDS = 60;
/** Between reads of the task while waiting, after the run has closed or could not be watched. */
const WAIT_POLL_MS = 200;

const responses = {
  200: { description: 'Finished within `Prefer: wait`: the final task', schema: taskResource },
  202: {
    description: 'Admitted: points reserved, the task is running (Location: /v1/tasks/{id})',
    schema: taskResource,
  },
  400: { description: 'Malformed JSON or Idempotency-Key' },
  402: { description: 'Not enough points for the estimated cost; nothing was started' },
  404: {
    description: "`user_id` is another tenant's user (`errors` names body.user_id); nothing was started",
  },
  409: {
    description:
      "`project_id` is another tenant's project (`errors` names body.project_id), or the storyboard is generating under another task",
  },
  413: { description: 'Body too large' },
  422: {
    description: 'Invalid fields (each named in `errors`), or Idempotency-Key reused with another body',
  },
};
const headers = [
  { name: 'Idempotency-Key', description: 'Replays the first response for the same key and body (24 h)' },
  {
    name: 'Prefer',
    description: '`wait=N` (N ≤ 60): hold the request until the task is final or N seconds pass',
  },
];

/**
 * The three ways to ask for a generation. Each checks the request on its face (schema, then the plan's rules:
 * model, durations, sites), checks the balance, then starts the workflow with the admission update: a 202 means
 * the points are reserved and the task's rows exist. A duplicate request for a running storyboard gets the
 * running task.
 */
export function generationRoutes(deps: GenerationRouteDependencies): AnyRoute[] {
  const { ids } = deps;
  const points = new PointsReads(deps.sequelize);
  const tenants = new TenantOwnership(deps.sequelize);

  const taskFields = (
    ctx: Context,
    body: ImageGenerationRequestBody | VideoGenerationRequestBody,
  ): GenerationTaskFields => ({
    taskId:
      typeof ctx.state.idempotencyKey === 'string'
        ? idempotentTaskId(principalOf(ctx).owner, ctx.state.idempotencyKey)
        : ids.next(),
    userId: body.user_id,
    projectId: body.project_id,
    projectName: body.project_name,
    storyboardId: body.storyboard_id,
    workId: body.work_id,
    createdBy: principalOf(ctx).owner,
    platform: 'api',
    ...(body.priority !== undefined ? { priority: body.priority } : {}),
    ...(body.callback_url !== undefined ? { callbackUrl: body.callback_url } : {}),
    ...(body.sites !== undefined ? { sites: body.sites } : {}),
  });

  const addressPolicy: OutboundAddressPolicy = {
    allowPrivate: deps.allowPrivateUrls,
    ...(deps.hostLookup ? { lookup: deps.hostLookup } : {}),
  };
  const checkUrls = async (body: { callback_url?: string; images?: string[] }) => {
    const problems = await outboundUrlProblems(
      {
        'body.callback_url': body.callback_url,
        ...Object.fromEntries((body.images ?? []).map((u, i) => [`body.images.${i}`, u])),
      },
      addressPolicy,
    );
    if (problems.length > 0) throw invalid(problems);
  };

  const plan = <P>(compute: () => P): P => {
    try {
      return compute();
    } catch (err) {
      if (err instanceof InputError)
        throw invalid([{ field: bodyFieldOf(err.field), reason: err.message.replace(/^[^:]+: /, '') }]);
      throw err;
    }
  };

  /**
   * The user and the project become the caller's tenant's at their first use; another tenant's are refused
   * before anything is checked or started. A user id is the tenant's own (a UUID no other tenant has reason to
   * know): another's is a 404, as when it is read. A project id is a name two tenants may both pick: the 409
   * tells the caller to choose another, and not whose it is.
   */
  const checkTenancy = async (ctx: Context, task: GenerationTaskFields) => {
    const claimed = await tenants.claim(principalOf(ctx).owner, {
      userId: task.userId,
      projectId: task.projectId,
    });
    if (claimed.user === 'taken')
      throw new Problem(404, 'Not Found', `no user ${task.userId}`, [
        { field: 'body.user_id', reason: 'no such user for this tenant' },
      ]);
    if (claimed.project === 'taken')
      throw new Problem(
        409,
        'Conflict',
        'the project belongs to another tenant: use a project_id of your own',
        [{ field: 'body.project_id', reason: 'belongs to another tenant' }],
        'https://jimeng-flow.dev/problems/project-taken',
      );
  };

  const checkBalance = async (userId: string, price: number) => {
    const balance = await points.balance(userId, new Date());
    if (balance < price)
      throw insufficient(`the estimated cost is ${price} points, the balance is ${balance}`);
  };

  const admit = async (
    ctx: Context,
    start: { type: 'image'; input: ImageGenerationInput } | { type: 'video'; input: VideoGenerationInput },
  ) => {
    // A retry of a request that was admitted before its answer got lost (same Idempotency-Key, so the same
    // task id): that task, running or finished, is the answer; nothing starts or is charged again. A key reused
    // much later for another storyboard gets a fresh id instead. Without a key the id is a fresh snowflake:
    // nothing to look up.
    const keyed = typeof ctx.state.idempotencyKey === 'string';
    const earlier = keyed
      ? await deps.tasks.find(start.input.taskId, { tenant: principalOf(ctx).owner })
      : null;
    if (earlier) {
      if (earlier.project_id === start.input.projectId && earlier.storyboard_id === start.input.storyboardId)
        return answer(ctx, earlier.id);
      start.input.taskId = ids.next();
    }
    let admission: Admission;
    try {
      const operation =
        start.type === 'image'
          ? new WithStartWorkflowOperation(
              'imageGeneration',
              generationStartOptions('image', start.input, deps.taskQueue),
            )
          : new WithStartWorkflowOperation(
              'videoGeneration',
              generationStartOptions('video', start.input, deps.taskQueue),
            );
      admission = await deps.client.workflow.executeUpdateWithStart(admissionUpdate, {
        startWorkflowOperation: operation,
      });
    } catch (err) {
      throw problemOfAdmission(err);
    }
    deps.metrics?.workflowStarted(start.type);
    await answer(ctx, admission.taskId);
  };

  const answer = async (ctx: Context, taskId: string) => {
    const owner = { tenant: principalOf(ctx).owner };
    // Admitted means the record exists: a task this owner cannot see is another owner's running storyboard,
    // which the request attached to. Nothing of theirs is shown, and there is nothing to wait for.
    let view = await deps.tasks.find(taskId, owner);
    if (!view)
      throw new Problem(409, 'Conflict', 'this storyboard is generating under a task of another owner');
    const wait = preferredWaitSeconds(ctx.get('Prefer'), MAX_PREFER_WAIT_SECONDS);
    if (wait !== null) {
      const deadline = Date.now() + wait * 1000;
      // A process that is stopping does not wait: the caller gets the task as it stands, and follows it on
      // another process (GET /v1/tasks/{id}, or the same request again with its Idempotency-Key).
      const waiting = () => !deps.stopWaiting?.aborted && Date.now() < deadline;
      if (!FINAL_STATUSES.includes(view.status) && waiting()) {
        // The workflow closes right after it wrote the final rows: waiting on its close (a long poll) answers
        // as soon as the task is final, where reading the task on a timer added half a period on average.
        await runClosed(generationWorkflowId(view.type, view.project_id, view.storyboard_id), deadline);
        view = await deps.tasks.find(taskId, owner);
      }
      while (view && !FINAL_STATUSES.includes(view.status) && waiting()) {
        await pause(WAIT_POLL_MS, deps.stopWaiting);
        view = await deps.tasks.find(taskId, owner);
      }
      ctx.set('Preference-Applied', `wait=${wait}`);
    }
    if (!view) throw new Problem(500, 'Internal Server Error', `task ${taskId} disappeared while waited for`);
    ctx.status = FINAL_STATUSES.includes(view.status) && wait !== null ? 200 : 202;
    ctx.set('Location', `/v1/tasks/${view.id}`);
    ctx.body = view satisfies TaskView;
  };

  /**
   * Resolves when the storyboard's current run closes, however it ended, at the deadline or when the process
   * begins to stop (the long poll is aborted then, so a run of hours does not keep a poll open per request
   * that gave up on it).
   */
  const runClosed = async (workflowId: string, deadline: number): Promise<void> => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
    const stop = () => abort.abort();
    deps.stopWaiting?.addEventListener('abort', stop, { once: true });
    try {
      await deps.client.withAbortSignal(abort.signal, () =>
        deps.client.workflow.getHandle(workflowId).result(),
      );
    } catch {
      // Failed, cancelled, aborted at the deadline, or not found: the task row says which, read next.
    } finally {
      clearTimeout(timer);
      deps.stopWaiting?.removeEventListener('abort', stop);
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/images/generations',
      operationId: 'createImageGeneration',
      summary: 'Generate images from a prompt',
      tag: 'Generations',
      scope: 'caller',
      body: imageGenerationRequest,
      headers,
      responses,
      async handler(ctx, { body }) {
        await checkUrls(body);
        const asked = { ...taskFields(ctx, body), request: imageRequestOf(body) };
        const planned = plan(() => planImage(asked, asked.request, deps.pricing));
        const input: ImageGenerationInput = { ...asked, plan: planned };
        await checkTenancy(ctx, input);
        await checkBalance(input.userId, planned.price);
        await admit(ctx, { type: 'image', input });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/images/compositions',
      operationId: 'createImageComposition',
      summary: 'Generate images from reference images and a prompt',
      tag: 'Generations',
      scope: 'caller',
      body: imageCompositionRequest,
      headers,
      responses,
      async handler(ctx, { body }) {
        await checkUrls(body);
        const asked = { ...taskFields(ctx, body), request: { ...imageRequestOf(body), images: body.images } };
        const planned = plan(() => planImage(asked, asked.request, deps.pricing));
        const input: ImageGenerationInput = { ...asked, plan: planned };
        await checkTenancy(ctx, input);
        await checkBalance(input.userId, planned.price);
        await admit(ctx, { type: 'image', input });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/videos/generations',
      operationId: 'createVideoGeneration',
      summary: 'Generate a video from a prompt, optionally from first/last frames',
      tag: 'Generations',
      scope: 'caller',
      body: videoGenerationRequest,
      headers,
      responses,
      async handler(ctx, { body }) {
        await checkUrls(body);
        const asked = { ...taskFields(ctx, body), request: videoRequestOf(body) };
        const planned = plan(() => planVideo(asked, asked.request, deps.pricing));
        const input: VideoGenerationInput = { ...asked, plan: planned };
        await checkTenancy(ctx, input);
        await checkBalance(input.userId, planned.price);
        await admit(ctx, { type: 'video', input });
      },
    }),
  ];
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function imageRequestOf(
  body: ImageGenerationRequestBody | ImageCompositionRequestBody,
): ImageGenerationInput['request'] {
  return {
    prompt: body.prompt,
    ...(body.model !== undefined ? { model: body.model } : {}),
    ...(body.negative_prompt !== undefined ? { negativePrompt: body.negative_prompt } : {}),
    ...(body.ratio !== undefined ? { ratio: body.ratio } : {}),
    ...(body.resolution !== undefined ? { resolution: body.resolution } : {}),
    ...(body.intelligent_ratio !== undefined ? { intelligentRatio: body.intelligent_ratio } : {}),
    ...(body.sample_strength !== undefined ? { sampleStrength: body.sample_strength } : {}),
  };
}

function videoRequestOf(body: VideoGenerationRequestBody): VideoGenerationInput['request'] {
  return {
    prompt: body.prompt,
    ...(body.model !== undefined ? { model: body.model } : {}),
    ...(body.ratio !== undefined ? { ratio: body.ratio } : {}),
    ...(body.resolution !== undefined ? { resolution: body.resolution } : {}),
    ...(body.duration !== undefined ? { duration: body.duration } : {}),
    ...(body.images !== undefined ? { images: body.images } : {}),
  };
}

function invalid(errors: { field: string; reason: string }[]): Problem {
  return new Problem(
    422,
    'Unprocessable Content',
    'the request body is not valid',
    errors,
    'https://jimeng-flow.dev/problems/validation',
  );
}

function insufficient(detail: string): Problem {
  return new Problem(
    402,
    'Payment Required',
    detail,
    [],
    'https://jimeng-flow.dev/problems/insufficient-points',
  );
}

/** The admission update's refusal, as the caller's problem. */
/** An admission the workflow refused, as the problem its failure type answers with (generation-failures.ts). */
function problemOfAdmission(err: unknown): unknown {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || !isGenerationFailureType(cause.type)) return err;
  const kind: FailureKind = GENERATION_FAILURES[cause.type];
  switch (kind.httpStatus) {
    case 402:
      return insufficient(cause.message);
    case 422: {
      const { field } = fieldDetailsOf(cause.details);
      return invalid([{ field: field ? bodyFieldOf(field) : 'body', reason: cause.message }]);
    }
    case 409:
      return new Problem(409, 'Conflict', cause.message);
    default:
      return err;
  }
}
