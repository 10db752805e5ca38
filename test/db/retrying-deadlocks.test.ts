import { retryingDeadlocks } from '../../db/errors';

const deadlock = () => Object.assign(new Error('Deadlock found'), { parent: { errno: 1213 } });

describe('re-running a transaction InnoDB rolled back as a deadlock victim', () => {
  it('runs it again until it commits', async () => {
    let runs = 0;
    const result = await retryingDeadlocks(async () => {
      runs++;
      if (runs < 3) throw deadlock();
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(runs).toBe(3);
  });

  it('gives up after the attempts it was given, with the deadlock', async () => {
    let runs = 0;
    const failing = retryingDeadlocks(async () => {
      runs++;
      throw deadlock();
    }, 4);
    await expect(failing).rejects.toThrow('Deadlock found');
    expect(runs).toBe(4);
  });

  it('never repeats a transaction that failed for any other reason', async () => {
    let runs = 0;
    const failing = retryingDeadlocks(async () => {
      runs++;
      throw Object.assign(new Error('Duplicate entry'), { parent: { errno: 1062 } });
    });
    await expect(failing).rejects.toThrow('Duplicate entry');
    expect(runs).toBe(1);
  });
});
