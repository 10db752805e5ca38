import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities/create-activities';
import type { WorkerConcurrency } from './worker-concurrency';

export interface WorkerSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /**
   * On SIGTERM, how long running activities may finish before they are cancelled (WORKER_SHUTDOWN_GRACE_MS).
   * A generation call cancelled by a shutdown is handed back to Temporal, which runs it on another worker.
   */
  shutdownGraceMs?: number;
  /**
   * The workflow bundle built by `npm run build` (worker/workflow-bundle.ts): the worker process always gives it.
   * Without it the workflows are bundled from source (`workflows/index`, webpack at start), as in-process test
   * workers and the replay tests do, so they run the code under test without a build.
   */
  workflowBundle?: { codePath: string };
  /** From the database pool (worker/worker-concurrency.ts); the SDK's defaults without it (tests). */
  concurrency?: WorkerConcurrency;
}

/** One place builds the worker, for the process entry and for tests. */
export async function createWorker(
  settings: WorkerSettings,
  deps: ActivityDependencies,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: settings.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      ...(settings.workflowBundle !== undefined
        ? { workflowBundle: settings.workflowBundle }
        : { workflowsPath: require.resolve('../workflows/index') }),
      activities: createActivities(deps),
      ...(settings.shutdownGraceMs !== undefined ? { shutdownGraceTime: settings.shutdownGraceMs } : {}),
      ...settings.concurrency,
    });
    return { worker, connection };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
