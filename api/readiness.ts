import type { Connection } from '@temporalio/client';
import type { Sequelize } from 'sequelize';

export interface DependencyCheck {
  ok: boolean;
  /** Why it is not ready; no credentials, only what an operator needs to look at. */
  error?: string;
  latencyMs: number;
}

export interface Readiness {
  ready: boolean;
  checks: { database: DependencyCheck; temporal: DependencyCheck };
}

export interface ReadinessDependencies {
  sequelize: Sequelize;
  temporal: Connection;
  timeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(run: () => Promise<unknown>): Promise<DependencyCheck> {
  const started = performance.now();
  try {
    await run();
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: (err as Error).message, latencyMs: Math.round(performance.now() - started) };
  }
}

/** Both dependencies are checked in parallel, each under its own timeout, so one slow one names itself. */
export async function checkReadiness(deps: ReadinessDependencies): Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? 2000;
  const [database, temporal] = await Promise.all([
    check(() => withTimeout(deps.sequelize.query('SELECT 1'), timeoutMs, 'MySQL')),
    check(() =>
      deps.temporal.withDeadline(Date.now() + timeoutMs, async () => {
        const response = await deps.temporal.healthService.check({});
        // 1 = SERVING in grpc.health.v1.HealthCheckResponse.ServingStatus
        if (response.status !== 1) throw new Error(`Temporal health status ${String(response.status)}`);
      }),
    ),
  ]);
  return { ready: database.ok && temporal.ok, checks: { database, temporal } };
}
