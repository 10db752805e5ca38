import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { TempFileSweeper } from '../../worker/temp-file-sweeper';
import { filesUnder } from '../support/files-under';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-12-01T12:00:00Z');
const SELF = { host: 'host-a', pid: 100 };
/** Processes of host-a that run: this worker (100) and another worker (200); 300 is gone. */
const alive = (pid: number) => pid === 100 || pid === 200;

/** A file at `dir/name` last modified `ageMs` before NOW. */
async function fileAged(dir: string, name: string, ageMs: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, name);
  const at = new Date(NOW.getTime() - ageMs);
  await utimes(path, at, at);
  return path;
}

describe('each worker sweeps the temp files of its own host', () => {
  let root: string;
  const sweepers: TempFileSweeper[] = [];
  const sweeper = (intervalMs?: number) => {
    const s = new TempFileSweeper({
      root,
      self: SELF,
      isAlive: alive,
      maxAgeMs: DAY_MS,
      now: () => NOW,
      logger: pino({ level: 'silent' }),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    });
    sweepers.push(s);
    return s;
  };

  beforeEach(async () => {
    root = join(await mkdtemp(join(tmpdir(), 'jimeng-flow-sweep-')), 'jimeng-flow');
  });
  afterEach(async () => {
    await Promise.all(sweepers.splice(0).map((s) => s.stop()));
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('at start, removes the folders of its host whose worker is gone, and old files in any folder', async () => {
    // A worker of this host SIGKILLed mid-download: its files are young, and nobody else will remove them.
    await fileAged(join(root, 'host-a-300'), '7.a.png', 60_000);
    await fileAged(join(root, 'host-a-300'), '8.b.mp4', 60_000);
    // A process before this one under the same host and pid (a restarted container): nothing of ours yet.
    await fileAged(join(root, 'host-a-100'), '9.c.png', 60_000);
    const otherWorker = await fileAged(join(root, 'host-a-200'), '10.d.png', 60_000);
    // Another host's worker 300 (a shared TMPDIR): its process ids say nothing here.
    const otherHost = await fileAged(join(root, 'host-b-300'), '11.e.png', 60_000);
    // The age backstop: in a live worker's folder, another host's, and loose in the root (the layout before).
    await fileAged(join(root, 'host-a-200'), '12.leak.png', DAY_MS + 60_000);
    await fileAged(join(root, 'host-b-300'), '13.leak.png', 2 * DAY_MS);
    await fileAged(root, '14.before-folders.png', DAY_MS + 60_000);
    const youngLoose = await fileAged(root, '15.young.png', DAY_MS - 60_000);

    expect(await sweeper().start()).toBe(6);
    expect((await filesUnder(root)).sort()).toEqual([otherWorker, otherHost, youngLoose].sort());
  });

  it('sweeps again every interval while it runs', async () => {
    const s = sweeper(20);
    expect(await s.start()).toBe(0);
    const gone = await fileAged(join(root, 'host-a-300'), '4.png', 60_000);
    // Staged by this worker after it started: only the age takes it.
    const young = await fileAged(join(root, 'host-a-100'), '5.png', 60_000);
    while ((await filesUnder(root)).includes(gone)) await new Promise((r) => setTimeout(r, 10));
    expect(await filesUnder(root)).toEqual([young]);
  });

  it('a temp root that does not exist yet is no failure', async () => {
    expect(await sweeper().start()).toBe(0);
  });
});
