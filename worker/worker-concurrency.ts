/** The worker's concurrency options (WorkerOptions of @temporalio/worker). */
export interface WorkerConcurrency {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
}

/**
 * How much a worker process runs at once, from its database pool (MYSQL_POOL_MAX) instead of the SDK's defaults
 * (100 activities, 100 local activities, 40 workflow tasks), which against 10 connections queued statements until
 * sequelize's 30 s acquire timeout failed them:
 * - local activities (an image job's begin, uploads and finish, inside its workflow task) hold a connection for
 *   most of their run: half the pool, so the other half is always there for the remote activities' statements;
 * - remote activities are mostly generation calls, which hold no connection while the proxy works (a lease
 *   extension every heartbeat, a few statements at the start and the end): `activitiesPerConnection` of them
 *   per connection (WORKER_ACTIVITIES_PER_CONNECTION);
 * - workflow tasks use no connection themselves but wait for local-activity slots: twice as many as those keep
 *   the slots busy; more would only queue inside this worker while another worker could take them (at least 2,
 *   the SDK's minimum with a workflow cache).
 */
export function workerConcurrency(settings: {
  dbPoolMax: number;
  activitiesPerConnection: number;
}): WorkerConcurrency {
  const local = Math.max(1, Math.floor(settings.dbPoolMax / 2));
  return {
    maxConcurrentActivityTaskExecutions: settings.dbPoolMax * settings.activitiesPerConnection,
    maxConcurrentLocalActivityExecutions: local,
    maxConcurrentWorkflowTaskExecutions: Math.max(2, 2 * local),
  };
}
