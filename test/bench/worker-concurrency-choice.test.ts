import { benchWorkerConcurrency, workerConcurrencyChoices } from '../../bench/worker-concurrency-choice';

describe('workerConcurrencyChoices', () => {
  it('measures the production rule when the flag is absent', () => {
    expect(workerConcurrencyChoices(['60', '8,32'])).toEqual(['derived']);
  });

  it('takes one choice or a comma list, in the order given', () => {
    expect(workerConcurrencyChoices(['--worker-concurrency=sdk-defaults'])).toEqual(['sdk-defaults']);
    expect(workerConcurrencyChoices(['--worker-concurrency=sdk-defaults,derived'])).toEqual([
      'sdk-defaults',
      'derived',
    ]);
  });

  it('measures a choice named twice once', () => {
    expect(workerConcurrencyChoices(['--worker-concurrency=derived,derived'])).toEqual(['derived']);
  });

  it('refuses a name it does not know, naming the flag', () => {
    expect(() => workerConcurrencyChoices(['--worker-concurrency=derived,defaults'])).toThrow(
      '--worker-concurrency=derived,defaults: expected a comma list of derived, sdk-defaults',
    );
    expect(() => workerConcurrencyChoices(['--worker-concurrency='])).toThrow(/expected a comma list/);
  });
});

describe('benchWorkerConcurrency', () => {
  it('gives the production rule for derived: at a pool of 10 and 5 per connection, 50 / 5 / 10', () => {
    expect(benchWorkerConcurrency('derived', { dbPoolMax: 10, activitiesPerConnection: 5 })).toEqual({
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentLocalActivityExecutions: 5,
      maxConcurrentWorkflowTaskExecutions: 10,
    });
  });

  it('leaves the SDK its defaults for sdk-defaults', () => {
    expect(benchWorkerConcurrency('sdk-defaults', { dbPoolMax: 10, activitiesPerConnection: 5 })).toBe(
      undefined,
    );
  });
});
