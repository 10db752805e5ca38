import { classifyBusy, classifyCallsAfterRefusal, recordedAt, type AccountWrite } from './refusal-races';

const write = (atMs: number, image: number, video: number, accountStatus = 0): AccountWrite => ({
  accountId: 'A',
  atMs,
  accountStatus,
  isDeleted: 0,
  imageStatus: image,
  videoStatus: video,
});

describe('when the pool recorded a refusal', () => {
  it('is the first write after it was told that makes the capability unusable', () => {
    const writes = [write(100, 1, 1), write(1_050, 1, 0), write(1_060, 0, 0)];
    expect(recordedAt(writes, 'video', 1_000)).toBe(1_050);
    expect(recordedAt(writes, 'image', 1_000)).toBe(1_060);
    expect(recordedAt(writes, 'image', 2_000)).toBe(1_060);
  });

  it('is the start of the unusable stretch the row was already in, and undefined when never', () => {
    expect(recordedAt([write(500, 1, 1, 1), write(600, 1, 1, 1)], 'image', 1_000)).toBe(500);
    expect(recordedAt([write(500, 2, 1), write(900, 1, 1)], 'image', 1_000)).toBeUndefined();
  });
});

describe('calls after a refusal', () => {
  const base = {
    refusals: [
      {
        sessionId: 's',
        endpoint: 'POST /v1/images/generations',
        reason: 'invalid',
        atMs: 1_000,
        remembered: true,
      },
    ],
    accountOfSession: new Map([['s', 'A']]),
    writes: [write(1_040, 0, 0)],
    maxConcurrent: 2,
  };
  const call = {
    sessionId: 's',
    endpoint: 'POST /v1/videos/generations',
    reason: 'invalid',
    toldAtMs: 1_000,
    atMs: 1_029,
  };
  const grant = (atMs: number) => ({
    token: `t${atMs}`,
    accountId: 'A',
    capability: 'video',
    holder: 'w',
    atMs,
  });

  it('counts a call on a lease granted before the write as raced, within its bound', () => {
    const figures = classifyCallsAfterRefusal({ ...base, calls: [call], grants: [grant(990)] });
    expect(figures).toMatchObject({
      after: 0,
      raced: 1,
      neverRecorded: 0,
      racedBound: 1,
      longestRacedWindowMs: 40,
    });
  });

  it('counts a call on a lease granted after the write as after: the pool knew', () => {
    const late = { ...call, atMs: 1_100 };
    const figures = classifyCallsAfterRefusal({ ...base, calls: [late], grants: [grant(990), grant(1_090)] });
    expect(figures).toMatchObject({ after: 1, raced: 0 });
    expect(figures.calls[0]!.lease!.atMs).toBe(1_090);
  });

  it('counts a call after a refusal the pool never wrote apart', () => {
    const figures = classifyCallsAfterRefusal({ ...base, writes: [], calls: [call], grants: [grant(990)] });
    expect(figures).toMatchObject({ after: 0, raced: 0, neverRecorded: 1 });
  });
});

it('tells a busy refusal behind a job its caller left from an over-commit', () => {
  const busy = (callerGone: boolean) => ({
    sessionId: 's',
    endpoint: 'POST /v1/images/generations',
    reason: 'busy',
    atMs: 1,
    remembered: false,
    inFlight: [{ endpoint: 'POST /v1/videos/generations', sinceMs: 0, callerGone }],
  });
  expect(classifyBusy([busy(true), busy(false)]).map((b) => b.abandonedJobRunning)).toEqual([true, false]);
});
