import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtWorkflowBundle, WorkflowBundleMissing } from '../../worker/workflow-bundle';

describe('the workflow bundle the worker process loads', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jimeng-flow-bundle-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is the built file when it exists', async () => {
    const path = join(dir, 'workflow-bundle.js');
    await writeFile(path, '// bundle');
    expect(builtWorkflowBundle(path)).toEqual({ codePath: path });
  });

  it('is a failure naming the file and the build command when it is missing, never a rebuild', () => {
    const path = join(dir, 'missing', 'workflow-bundle.js');
    expect(() => builtWorkflowBundle(path)).toThrow(WorkflowBundleMissing);
    expect(() => builtWorkflowBundle(path)).toThrow(`the workflow bundle ${path} is missing`);
    expect(() => builtWorkflowBundle(path)).toThrow('npm run build');
  });
});
