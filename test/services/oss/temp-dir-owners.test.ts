import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ownTempDir,
  processIsAlive,
  removeAbandonedTempDirs,
  removeInheritedTempFiles,
} from '../../../services/oss/temp-dir-owners';
import { filesUnder } from '../../support/files-under';

describe('temp folders owned by worker processes', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'jimeng-flow-owners-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const put = async (folder: string, name: string): Promise<string> => {
    await mkdir(join(root, folder, 'nested'), { recursive: true });
    await writeFile(join(root, folder, name), name);
    await writeFile(join(root, folder, 'nested', name), name);
    return join(root, folder);
  };

  it('names a process its own folder by host and pid, with a host name that is no path', () => {
    expect(ownTempDir('/tmp/jimeng-flow', { host: 'worker-7.example', pid: 42 })).toBe(
      '/tmp/jimeng-flow/worker-7.example-42',
    );
    expect(ownTempDir('/tmp/jimeng-flow', { host: '../etc', pid: 1 })).toBe('/tmp/jimeng-flow/.._etc-1');
  });

  it("removes whole only the folders of this host's processes that no longer run, counting their files", async () => {
    await put('h1-30', 'a.png');
    const running = await put('h1-20', 'b.png');
    const self = await put('h1-10', 'c.png');
    const otherHost = await put('h10-30', 'd.png');
    const notAProcess = await put('h1-x', 'e.png');
    const asked: number[] = [];
    const alive = (pid: number) => (asked.push(pid), pid === 20);

    expect(await removeAbandonedTempDirs(root, { host: 'h1', pid: 10 }, alive)).toBe(2);
    // Only this host's other processes are asked about: h10-30 is another host, h1-x no process folder.
    expect(asked.sort()).toEqual([20, 30]);
    const left = await filesUnder(root);
    expect(left.filter((f) => f.startsWith(join(root, 'h1-30')))).toEqual([]);
    for (const dir of [running, self, otherHost, notAProcess])
      expect(left.filter((f) => f.startsWith(`${dir}/`))).toHaveLength(2);
  });

  it("empties this process's own folder, which only an earlier process of the same host and pid can have filled", async () => {
    await put('h1-10', 'left-by-the-last-container.png');
    const other = await put('h1-20', 'f.png');
    expect(await removeInheritedTempFiles(root, { host: 'h1', pid: 10 })).toBe(2);
    expect((await filesUnder(root)).every((f) => f.startsWith(`${other}/`))).toBe(true);
    expect(await removeInheritedTempFiles(root, { host: 'h1', pid: 10 })).toBe(0);
  });

  it('finds no folder in a root that does not exist', async () => {
    expect(await removeAbandonedTempDirs(join(root, 'none'), { host: 'h', pid: 1 }, () => false)).toBe(0);
  });

  it('tells a running process from one that has exited', () => {
    expect(processIsAlive(process.pid)).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', '0']);
    expect(exited.status).toBe(0);
    expect(processIsAlive(exited.pid!)).toBe(false);
  });
});
