import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../../activities/create-activities';
import type { ImageGenerationInput } from '../../../workflows/generation-definitions';

/**
 * A deliberately incompatible edit of imageGeneration, for the replay test to prove that CI catches one: it
 * leases an account before reserving points, so its first command differs from every recorded history's.
 */
const { leaseAccount } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export async function imageGeneration(input: ImageGenerationInput): Promise<void> {
  await leaseAccount({
    type: 'image',
    sites: input.sites ?? [0],
    excludeAccountIds: [],
    holder: input.taskId,
  });
}

export { videoGeneration } from '../../../workflows/generation';
