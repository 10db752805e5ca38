import type { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Sequelize } from 'sequelize';
import type { IdSource } from '../db/ids/snowflake';

/** What the API cannot serve without. */
export const DEPENDENCIES = ['mysql', 'temporal'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];
/** What readiness may name as down: the dependencies, and the snowflake node id the process mints with. */
export const READINESS_PARTS = [...DEPENDENCIES, 'node_id'] as const;
export type ReadinessPart = (typeof READINESS_PARTS)[number];

export interface DependencyCheck {
  ok: boolean;
  latencyMs: number;
}

export interface Readiness {
  ready: boolean;
  /** The dependencies that did not answer, by name only (the answer is unauthenticated); node_id: no lease. */
  down: ReadinessPart[];
  checks: Record<Dependency, DependencyCheck>;
}

export interface ReadinessDependencies {
  sequelize: Sequelize;
  temporal: Connection;
  /** Where the reason a dependency is down goes (driver messages name users, hosts, databases). */
  logger: Logger;
  timeoutMs?: number;
  /** The ids the process mints: not ready while they cannot be (services/ids/node-id-leases.ts). */
  ids?: IdSource;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(
  dependency: Dependency,
  run: () => Promise<unknown>,
  logger: Logger,
): Promise<DependencyCheck> {
  const started = performance.now();
  try {
    await run();
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    logger.warn({ err, dependency }, 'readiness check failed');
    return { ok: false, latencyMs: Math.round(performance.now() - started) };
  }
}

/** Both dependencies are checked in parallel, each under its own timeout, so one slow one names itself. */
export async function checkReadiness(deps: ReadinessDependencies): Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? 2000;
  const [mysql, temporal] = await Promise.all([
    check('mysql', () => withTimeout(deps.sequelize.query('SELECT 1'), timeoutMs, 'MySQL'), deps.logger),
    check(
      'temporal',
      () =>
        deps.temporal.withDeadline(Date.now() + timeoutMs, async () => {
          const response = await deps.temporal.healthService.check({});
          // 1 = SERVING in grpc.health.v1.HealthCheckResponse.ServingStatus
          if (response.status !== 1) throw new Error(`Temporal health status ${String(response.status)}`);
        }),
      deps.logger,
    ),
  ]);
  const checks = { mysql, temporal };
  const down: ReadinessPart[] = DEPENDENCIES.filter((name) => !checks[name].ok);
  if (deps.ids?.mintable && !deps.ids.mintable()) down.push('node_id');
  return { ready: down.length === 0, down, checks };
}
