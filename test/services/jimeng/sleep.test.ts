import { timerSleep } from '../../../services/jimeng/sleep';

/** Settles within the current turn of the event loop, or says it has not. */
async function settled(p: Promise<void>): Promise<'resolved' | 'rejected' | 'pending'> {
  return Promise.race([
    p.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
  ]);
}

describe('timerSleep', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('resolves once the time has passed, not before', async () => {
    const sleeping = timerSleep(1_000);
    jest.advanceTimersByTime(999);
    expect(await settled(sleeping)).toBe('pending');
    jest.advanceTimersByTime(1);
    expect(await settled(sleeping)).toBe('resolved');
  });

  it('rejects with an AbortError when the signal fires during the wait, and stops the timer', async () => {
    const controller = new AbortController();
    const sleeping = timerSleep(1_000, controller.signal);
    jest.advanceTimersByTime(400);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sleeping).rejects.toBeInstanceOf(Error);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects at once with an AbortError when the signal has already fired, starting no timer', async () => {
    const controller = new AbortController();
    controller.abort();
    const sleeping = timerSleep(1_000, controller.signal);
    expect(jest.getTimerCount()).toBe(0);
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
  });
});
