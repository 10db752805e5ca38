import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route';
import type { Drain } from '../http/drain';
import {
  checkReadiness,
  READINESS_PARTS,
  type DependencyCheck,
  type ReadinessDependencies,
} from '../readiness';

const TAG = 'Operations';

const dependencyCheck = z.object({
  ok: z.boolean(),
  latency_ms: z.number().int().min(0).meta({ description: 'How long the check took' }),
});

const readiness = z
  .object({
    status: z.enum(['ready', 'not ready', 'draining']),
    down: z.array(z.enum(READINESS_PARTS)).meta({
      description:
        'What did not answer, by name (node_id: no snowflake node id leased); why is in the API log, not here',
    }),
    checks: z
      .object({ mysql: dependencyCheck, temporal: dependencyCheck })
      .optional()
      .meta({ description: 'Absent while draining: nothing is checked then' }),
  })
  .meta({ id: 'Readiness' });

const view = (check: DependencyCheck) => ({ ok: check.ok, latency_ms: check.latencyMs });

/** Liveness says the process runs; readiness says it can serve, naming the dependency that cannot. */
export function healthRoutes(deps: ReadinessDependencies & { drain?: Drain }): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getLiveness',
      summary: 'Liveness: the process runs',
      tag: TAG,
      scope: 'public',
      responses: {
        200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) },
      },
      async handler(ctx) {
        ctx.body = { status: 'ok' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'Readiness: MySQL and Temporal answer, a node id is leased, the process is not draining',
      tag: TAG,
      scope: 'public',
      responses: {
        200: { description: 'Ready to serve', schema: readiness },
        503: {
          description:
            'Not ready: `down` names what did not answer; or `draining`: the process is stopping (SIGTERM)',
          schema: readiness,
          contentType: 'application/json',
        },
      },
      async handler(ctx) {
        // At once, without asking anything: the balancer must stop sending before the process stops accepting.
        if (deps.drain?.draining) {
          ctx.status = 503;
          ctx.body = { status: 'draining', down: [] } satisfies z.infer<typeof readiness>;
          return;
        }
        const result = await checkReadiness(deps);
        ctx.status = result.ready ? 200 : 503;
        ctx.body = {
          status: result.ready ? 'ready' : 'not ready',
          down: result.down,
          checks: { mysql: view(result.checks.mysql), temporal: view(result.checks.temporal) },
        } satisfies z.infer<typeof readiness>;
      },
    }),
  ];
}
