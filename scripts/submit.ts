import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/settings';
import { databaseOptions } from '../config/database';
import { createSequelize } from '../db/connection';
import { withLeasedIds } from '../services/ids/node-id-leases';
import type { imageGeneration, videoGeneration } from '../workflows/generation';
import { generationStartOptions } from '../workflows/generation-start';
import { DEV_USER_ID } from './lib/dev-data';

const USAGE = `usage: npm run submit -- [--video] [--model M] [--ratio R] [--resolution R] [--duration S]
                         [--project P] [--storyboard S] [--user UUID] [--image URL]... [--no-wait] "prompt"

Starts one generation workflow with the Temporal client (as the API does), waits for it and prints the task,
its OSS URLs and where to find the run in the Web UI. Defaults: an image, the dev user seeded by npm start.`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      video: { type: 'boolean', default: false },
      model: { type: 'string' },
      ratio: { type: 'string' },
      resolution: { type: 'string' },
      duration: { type: 'string' },
      project: { type: 'string', default: 'demo-project' },
      storyboard: { type: 'string' },
      user: { type: 'string', default: DEV_USER_ID },
      image: { type: 'string', multiple: true },
      'no-wait': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const prompt = positionals.join(' ').trim();
  if (values.help || prompt === '') {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const config = loadConfig();
  const taskId = await leasedTaskId(config);
  const common = {
    taskId,
    userId: values.user,
    projectId: values.project,
    projectName: values.project,
    storyboardId: values.storyboard ?? `sb-${taskId}`,
    workId: 'submit-script',
    platform: 'api' as const,
  };
  const request = {
    prompt,
    ...(values.model ? { model: values.model } : {}),
    ...(values.ratio ? { ratio: values.ratio } : {}),
    ...(values.resolution ? { resolution: values.resolution } : {}),
    ...(values.image ? { images: values.image } : {}),
  };
  const connection = await Connection.connect({ address: config.temporalAddress });
  try {
    const client = new Client({ connection, namespace: config.temporalNamespace });
    const handle = values.video
      ? await client.workflow.start<typeof videoGeneration>(
          'videoGeneration',
          generationStartOptions(
            'video',
            {
              ...common,
              request: { ...request, ...(values.duration ? { duration: Number(values.duration) } : {}) },
            },
            config.temporalTaskQueue,
          ),
        )
      : await client.workflow.start<typeof imageGeneration>(
          'imageGeneration',
          generationStartOptions('image', { ...common, request }, config.temporalTaskQueue),
        );
    const ui = `${config.temporalUiUrl}/namespaces/${config.temporalNamespace}`;
    console.log(`task ${taskId}`);
    console.log(`workflow ${handle.workflowId}`);
    console.log(`  ${ui}/workflows/${encodeURIComponent(handle.workflowId)}`);
    console.log(
      `  search: ${ui}/workflows?query=${encodeURIComponent(`JimengProjectId="${common.projectId}"`)}`,
    );
    if (values['no-wait']) return;
    try {
      const result = await handle.result();
      console.log(`${result.status}, ${result.cost} points, ${result.attempts} attempt(s)`);
      for (const output of result.outputs)
        console.log(`  ${output.ossCdnUrl ?? output.ossUrl}  (${output.size} bytes)`);
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        console.error(`failed: ${err.cause?.message ?? err.message}`);
        process.exitCode = 1;
        return;
      }
      throw err;
    }
  } finally {
    await connection.close();
  }
}

/** A task id as the API mints one: under a node id leased for the moment, so it is no other process's. */
async function leasedTaskId(config: Config): Promise<string> {
  const sequelize = createSequelize(databaseOptions(config, { poolMax: 1 }));
  try {
    return await withLeasedIds({ sequelize, role: 'submit' }, async (ids) => ids.next());
  } finally {
    await sequelize.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
