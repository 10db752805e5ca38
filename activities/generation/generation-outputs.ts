import type { GeneratedOutput } from '../../domain/generation/generation-types';
import { storeJobOutput } from '../../services/outputs/job-output-store';
import { outputExtensionOf } from '../../services/generation/output-extension';
import { markProgress } from '../../services/generation/generation-records';
import type { ProducedOutput } from './generation-activity-shapes';
import type { GenerationDependencies } from './generation-dependencies';
import { heartbeat, withHeartbeat } from './heartbeat';
import type { GenerationType } from '../../domain/generation/generation-types';

const noLease = (): Promise<void> => Promise.resolve();

/** A job's outputs kept: the upstream's expiring URLs copied to OSS objects and job_outputs rows. */
export function createOutputActivities(
  deps: Pick<Required<GenerationDependencies>, 'sequelize' | 'storage' | 'heartbeatMs'>,
) {
  const { sequelize, heartbeatMs } = deps;

  return {
    /** Upstream URLs to OSS objects and job_outputs rows; `timestamp` is fixed by the workflow for idempotency. */
    async storeOutputs(input: {
      type: GenerationType;
      taskId: string;
      userId: string;
      timestamp: number;
      outputs: ProducedOutput[];
      durationSeconds?: number;
    }): Promise<GeneratedOutput[]> {
      // In parallel: a job's images are independent objects and rows (own keys, own sort_order), and a
      // sequential loop made storing four images four times as slow as storing one.
      let done = 0;
      // Beats on a timer too, not only per stored output: a large video upload may take longer than the heartbeat
      // timeout, which is short so that a killed worker's uploads are picked up again quickly.
      const stored = await withHeartbeat(heartbeatMs, noLease, () =>
        Promise.all(
          input.outputs.map(async (output, index): Promise<GeneratedOutput> => {
            const durationSeconds = output.durationSeconds ?? input.durationSeconds;
            const record = await storeJobOutput(
              { sequelize, storage: deps.storage },
              {
                userId: input.userId,
                jobId: input.taskId,
                type: input.type,
                sourceUrl: output.url,
                // One timestamp per output: the key must differ between a job's images.
                timestamp: input.timestamp + index,
                ext: outputExtensionOf(output.url, input.type),
                sortOrder: index,
                isPrimary: index === 0,
                ...(output.width !== undefined ? { width: output.width } : {}),
                ...(output.height !== undefined ? { height: output.height } : {}),
                ...(durationSeconds !== undefined ? { durationSeconds } : {}),
              },
            );
            heartbeat({ stored: ++done });
            return {
              ossUrl: record.ossUrl,
              ossCdnUrl: record.ossCdnUrl,
              ossPath: record.ossPath,
              size: record.size,
              contentType: record.contentType,
              ...(output.width !== undefined ? { width: output.width } : {}),
              ...(output.height !== undefined ? { height: output.height } : {}),
              ...(durationSeconds !== undefined ? { durationSeconds } : {}),
            };
          }),
        ),
      );
      await markProgress(sequelize, input.taskId, 90);
      return stored;
    },
  };
}
