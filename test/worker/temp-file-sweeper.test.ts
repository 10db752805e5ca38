import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { TempFileSweeper } from '../../worker/temp-file-sweeper';
import { filesUnder } from '../support/files-under';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-12-01T12:00:00Z');

/** A file in `dir` last modified `ageMs` before NOW. */
async function fileAged(dir: string, name: string, ageMs: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, name);
  const at = new Date(NOW.getTime() - ageMs);
  await utimes(path, at, at);
  return path;
}

describe('each worker sweeps its own temp dir', () => {
  let root: string;
  let hostA: string;
  let hostB: string;
  const sweepers: TempFileSweeper[] = [];
  const sweeper = (tmpDir: string, intervalMs?: number) => {
    const s = new TempFileSweeper({
      tmpDir,
      maxAgeMs: DAY_MS,
      now: () => NOW,
      logger: pino({ level: 'silent' }),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    });
    sweepers.push(s);
    return s;
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'jimeng-flow-sweep-'));
    hostA = join(root, 'a', 'jimeng-flow');
    hostB = join(root, 'b', 'jimeng-flow');
    await mkdir(hostA, { recursive: true });
    await mkdir(hostB, { recursive: true });
  });
  afterEach(async () => {
    await Promise.all(sweepers.splice(0).map((s) => s.stop()));
    await rm(root, { recursive: true, force: true });
  });

  it('at start, removes the files of its own dir older than the age, and nothing of another dir', async () => {
    await fileAged(hostA, '1.old', DAY_MS + 60_000);
    const youngA = await fileAged(hostA, '2.young', DAY_MS - 60_000);
    const oldB = await fileAged(hostB, '3.old', 2 * DAY_MS);

    expect(await sweeper(hostA).start()).toBe(1);
    expect((await filesUnder(root)).sort()).toEqual([youngA, oldB].sort());

    expect(await sweeper(hostB).start()).toBe(1);
    expect(await filesUnder(root)).toEqual([youngA]);
  });

  it('sweeps again every interval while it runs', async () => {
    const s = sweeper(hostA, 20);
    expect(await s.start()).toBe(0);
    const late = await fileAged(hostA, '4.old', 2 * DAY_MS);
    const young = await fileAged(hostA, '5.young', 60_000);
    while ((await filesUnder(hostA)).includes(late)) await new Promise((r) => setTimeout(r, 10));
    expect(await filesUnder(hostA)).toEqual([young]);
  });

  it('a temp dir that does not exist yet is no failure', async () => {
    expect(await sweeper(join(root, 'c', 'jimeng-flow')).start()).toBe(0);
  });
});
