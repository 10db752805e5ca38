import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

  describe('runs the workflows bundled at build time (dist/workflow-bundle.js), never webpack', () => {
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
      if (worker && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker!.once('exit', resolve));
        worker.kill('SIGKILL');
        await exited;
      }
      await rm(blockerDir, { recursive: true, force: true });
      await f.close();
    }, 60_000);

    it('the blocker does stop a bundling (the control)', async () => {
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

    it('a job runs to completion on the worker process that cannot bundle', async () => {
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
