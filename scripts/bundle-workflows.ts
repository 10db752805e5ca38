import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WORKFLOW_BUNDLE_PATH } from '../worker/workflow-bundle';

/**
 * The workflow code bundled once, at build time (`npm run build` runs this after tsc): the worker process
 * loads dist/workflow-bundle.js instead of running webpack at every start, which took seconds of CPU per
 * worker and made each start depend on the bundler (Temporal's production recommendation). Bundled from the
 * compiled workflows/index next to this script, with the same @temporalio/worker the worker runs, as the SDK
 * requires. usage: node dist/scripts/bundle-workflows.js
 */
async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows/index'),
    // webpack's module listing is noise in a build log; its warnings and errors are not.
    logger: new DefaultLogger('WARN'),
  });
  await mkdir(dirname(WORKFLOW_BUNDLE_PATH), { recursive: true });
  await writeFile(WORKFLOW_BUNDLE_PATH, code);
  console.log(`workflow bundle written: ${WORKFLOW_BUNDLE_PATH} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
