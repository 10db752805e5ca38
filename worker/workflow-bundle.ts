import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where `npm run build` writes the workflow bundle (scripts/bundle-workflows.ts): dist/workflow-bundle.js, next
 * to the compiled worker (dist/worker/), so an image that copies dist/ carries it.
 */
export const WORKFLOW_BUNDLE_PATH = join(__dirname, '..', 'workflow-bundle.js');

export class WorkflowBundleMissing extends Error {
  constructor(readonly path: string) {
    super(
      `the workflow bundle ${path} is missing: build it with \`npm run build\` (tsc, then ` +
        'scripts/bundle-workflows.ts). The worker process does not bundle the workflows itself',
    );
    this.name = 'WorkflowBundleMissing';
  }
}

/**
 * The worker process's workflow code: the bundle built at build time, or a clear failure. Never a silent
 * rebuild: a worker that bundled at start would run whatever workflows/ it found next to it, not what was
 * built and replay-tested, and would spend its start compiling.
 */
export function builtWorkflowBundle(path: string = WORKFLOW_BUNDLE_PATH): { codePath: string } {
  if (!existsSync(path)) throw new WorkflowBundleMissing(path);
  return { codePath: path };
}
