import { scheduleWrite } from '../../worker/schedule-versions';

describe('whether a worker writes an existing schedule', () => {
  it.each([
    [0, 1, 'update'], // written before versions
    [1, 2, 'update'], // a newer release
    [2, 2, 'keep'], // the same release restarting
    [3, 2, 'keep'], // an older release restarting in the middle of a rollout
  ] as const)('theirs %i, ours %i: %s', (theirs, ours, expected) => {
    expect(scheduleWrite(theirs, ours)).toBe(expected);
  });
});
