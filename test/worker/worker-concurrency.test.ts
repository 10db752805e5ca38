import { workerConcurrency } from '../../worker/worker-concurrency';

describe("a worker's concurrency, from its database pool", () => {
  it.each([
    // pool, activities per connection → activities, local activities, workflow tasks
    [10, 5, 50, 5, 10], // the defaults
    [20, 5, 100, 10, 20],
    [10, 2, 20, 5, 10],
    [3, 5, 15, 1, 2],
    [1, 5, 5, 1, 2], // never below one local activity and the SDK's two workflow tasks
  ])(
    'pool %i, %i per connection: %i activities, %i local, %i workflow tasks',
    (pool, per, act, local, wft) => {
      expect(workerConcurrency({ dbPoolMax: pool, activitiesPerConnection: per })).toEqual({
        maxConcurrentActivityTaskExecutions: act,
        maxConcurrentLocalActivityExecutions: local,
        maxConcurrentWorkflowTaskExecutions: wft,
      });
    },
  );
});
