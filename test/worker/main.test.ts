import { execFile, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { filesUnder } from '../support/files-under';
import { stopProcess } from '../support/stop-process';
import { DEVELOPMENT_DEFAULT_VARIABLES, startInProduction } from '../support/production-start';
import { GenerationFixture } from '../workflows/generation-fixture';

/**
 * Preloaded into a process (NODE_OPTIONS=--require), it makes any webpack compilation fail: the SDK's bundler
 * calls `require('webpack').webpack(...)`, which this replaces with a function that throws.
 */
const WEBPACK_BLOCKER = `
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  const real = load.call(this, request, ...rest);
  if (request !== 'webpack') return real;
  return new Proxy({}, {
    get: (_, key) => key === 'webpack' ? () => { throw new Error('webpack blocked: the process tried to bundle workflows'); } : real[key],
  });
};
`;

describe('the worker process', () => {
  it('refuses to start in production on development defaults, naming each in one message', () => {
    const { status, stderr, stdout } = startInProduction('worker/main');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^invalid configuration:/);
    for (const name of DEVELOPMENT_DEFAULT_VARIABLES)
      expect(stderr).toContain(`${name} is the development default`);
    expect(stderr).not.toContain('dev-access-secret');
    expect(stderr).not.toContain('dev-callback-secret');
  });

  describe('over a database, Temporal, the simulator and OSS', () => {
    const f = new GenerationFixture();
    let blockerDir: string;
    let blocker: string;
    let worker: ChildProcess | null = null;
    beforeAll(async () => {
      await f.start({ inProcessWorker: false });
      blockerDir = await mkdtemp(join(tmpdir(), 'jimeng-flow-no-webpack-'));
      blocker = join(blockerDir, 'block-webpack.js');
      await writeFile(blocker, WEBPACK_BLOCKER);
    }, 120_000);
    afterAll(async () => {
      if (worker) await stopProcess(worker);
      await rm(blockerDir, { recursive: true, force: true });
      await f.close();
    }, 60_000);

    it('cannot bundle workflows with the webpack blocker (the control of the next test)', async () => {
      const script =
        "require('@temporalio/worker').bundleWorkflowCode({ workflowsPath: process.argv[1] })" +
        '.then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })';
      const run = promisify(execFile)(
        process.execPath,
        ['-e', script, join(__dirname, '..', '..', 'dist', 'workflows', 'index.js')],
        { env: { ...process.env, NODE_OPTIONS: `--require ${blocker}` } },
      );
      await expect(run).rejects.toMatchObject({
        code: 3,
        stderr: expect.stringContaining('webpack blocked') as string,
      });
    });

    it('two worker processes on different hosts (temp dirs) each sweep their own host at start: old files, and the folder of a worker of theirs that is gone', async () => {
      const root = await mkdtemp(join(tmpdir(), 'jimeng-flow-hosts-'));
      const started: ChildProcess[] = [];
      try {
        const file = async (host: string, name: string, ageMs: number): Promise<string> => {
          const path = join(root, host, 'jimeng-flow', name); // a host's temp root: <TMPDIR>/jimeng-flow
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, name);
          const at = new Date(Date.now() - ageMs);
          await utimes(path, at, at);
          return path;
        };
        const HOUR = 60 * 60 * 1000;
        await file('a', '1.crash-leftover', 25 * HOUR);
        const youngA = await file('a', '2.running-job', HOUR);
        await file('b', '3.crash-leftover', 48 * HOUR);
        const youngB = await file('b', '4.running-job', HOUR);
        const noWorkersHost = await file('c', '5.crash-leftover', 48 * HOUR);
        // Host a's worker that was SIGKILLed mid-download (its process is gone; the job ended elsewhere), and a
        // worker of host a that still runs (this test's own process).
        const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
        await file('a', `${hostname()}-${gone}/6.killed-mid-download`, 60_000);
        const running = await file('a', `${hostname()}-${process.pid}/7.running-job`, 60_000);

        // The first sweep is done before a worker polls, which spawnWorkerProcess waits for.
        for (const host of ['a', 'b']) started.push(await f.spawnWorkerProcess({ TMPDIR: join(root, host) }));

        expect((await filesUnder(root)).sort()).toEqual([youngA, youngB, noWorkersHost, running].sort());
      } finally {
        await Promise.all(started.map((w) => stopProcess(w)));
        await rm(root, { recursive: true, force: true });
      }
    });

    it('runs the workflows bundled at build time (dist/workflow-bundle.js): a job completes on a worker process that cannot bundle', async () => {
      worker = await f.spawnWorkerProcess({ NODE_OPTIONS: `--require ${blocker}` });
      await f.account();
      const userId = await f.userWithPoints(100);
      const input = { ...f.task(userId), request: { prompt: 'from the built bundle' } };
      const result = await (await f.startImage(input)).result();
      expect(result).toMatchObject({ status: 'completed', cost: 4 });
      await f.expectConsistent(userId, [input.taskId]);
    }, 120_000);
  });
});
