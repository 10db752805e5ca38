import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HEALTH_MAX_AGE_MS,
  HEALTH_WRITE_INTERVAL_MS,
  healthFileIsFresh,
  healthFileVouches,
  startHealthFile,
  workerCanTakeWork,
} from '../../worker/health-file';

type Status = Parameters<typeof workerCanTakeWork>[0];
const polling: Status = {
  runState: 'RUNNING',
  workflowPollerState: 'POLLING',
  activityPollerState: 'POLLING',
};
const HOUR = 3_600_000;

describe("the worker's health file", () => {
  const dir = mkdtempSync(join(tmpdir(), 'worker-health-'));
  let n = 0;
  const file = () => join(dir, `health-${++n}`);

  it('counts a worker as able to take work only while it runs and both pollers poll', () => {
    expect(workerCanTakeWork(polling)).toBe(true);
    for (const runState of ['INITIALIZED', 'DRAINING', 'STOPPING', 'STOPPED', 'FAILED'] as const)
      expect(workerCanTakeWork({ ...polling, runState })).toBe(false);
    expect(workerCanTakeWork({ ...polling, workflowPollerState: 'FAILED' })).toBe(false);
    expect(workerCanTakeWork({ ...polling, activityPollerState: 'SHUTDOWN' })).toBe(false);
  });

  it('stays fresh for 30 s, several rewrites long, so one slow rewrite does not make the worker unhealthy', () => {
    expect(HEALTH_MAX_AGE_MS).toBe(30_000);
    expect(HEALTH_MAX_AGE_MS / HEALTH_WRITE_INTERVAL_MS).toBeGreaterThanOrEqual(3);
    expect(healthFileIsFresh(1_000_000, 1_000_000 + 30_000)).toBe(true);
    expect(healthFileIsFresh(1_000_000, 1_000_000 + 30_001)).toBe(false);
  });

  it('is written while the worker polls and removed when it stops', async () => {
    const path = file();
    const health = await startHealthFile(path, () => polling, HOUR);
    expect(await healthFileVouches(path)).toBe(true);
    await health.stop();
    expect(existsSync(path)).toBe(false);
    expect(await healthFileVouches(path)).toBe(false);
  });

  it('is not written while the worker cannot take work, and a file left by an earlier run is removed', async () => {
    const path = file();
    writeFileSync(path, 'left by the last run\n');
    const health = await startHealthFile(path, () => ({ ...polling, runState: 'INITIALIZED' }), HOUR);
    expect(existsSync(path)).toBe(false);
    await health.stop();
  });

  it('vouches for nothing once the file is older than the limit', async () => {
    const path = file();
    writeFileSync(path, 'x\n');
    const now = Date.now();
    const stale = (now - HEALTH_MAX_AGE_MS - 5_000) / 1000;
    utimesSync(path, stale, stale);
    expect(await healthFileVouches(path, now)).toBe(false);
    expect(await healthFileVouches(path, now - 10_000)).toBe(true);
  });
});
