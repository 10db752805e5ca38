import { IMAGE_PIXEL_SIZES, type ImageRatio, type ImageResolution } from '../../domain/jimeng/output-formats';
import { type ImageCompositionRequest, type ImageGenerationRequest } from '../../domain/jimeng/requests';
import { markProgress } from '../../services/generation/generation-records';
import type { AttemptCalls } from './attempt-calls';
import type {
  AttemptInput,
  AttemptResult,
  LeasedCallInput,
  ProducedOutput,
} from './generation-activity-shapes';
import type { GenerationDependencies } from './generation-dependencies';
import { leaseAndCall } from './lease-and-call';
import type { LeaseSession } from './lease-session';

interface ImageCall {
  call: ImageGenerationRequest | ImageCompositionRequest;
  composition: boolean;
}
type ImageAttemptInput = AttemptInput & ImageCall;

/** The image attempts: one synchronous call on a leased account, given a lease or leasing its own. */
export function createImageAttempts(
  deps: Pick<GenerationDependencies, 'sequelize' | 'jimeng'>,
  session: LeaseSession,
  calls: AttemptCalls,
) {
  const { sequelize } = deps;

  /** The image call on a leased account; throws what the call threw. */
  const imageCall = async (input: ImageAttemptInput): Promise<ProducedOutput[]> => {
    const account = await calls.startAttempt('image', input);
    const result = await calls.heldCall(input.lease, account, (signal) =>
      input.composition
        ? deps.jimeng.composeImages(account, input.call as ImageCompositionRequest, { signal })
        : deps.jimeng.generateImages(account, input.call, { signal }),
    );
    const size = IMAGE_PIXEL_SIZES[result.ratio as ImageRatio]?.[result.resolution as ImageResolution];
    const outputs = result.images.flatMap((image) =>
      image.url ? [{ url: image.url, ...(size ? { width: size.width, height: size.height } : {}) }] : [],
    );
    await markProgress(sequelize, input.taskId, 60);
    return outputs;
  };

  return {
    /** One synchronous image call on a leased account; returns the upstream's (expiring) URLs. */
    async generateImages(input: ImageAttemptInput): Promise<ProducedOutput[]> {
      try {
        return await imageCall(input);
      } catch (err) {
        throw await session.failed(input.lease, err);
      }
    },

    /** Lease, image call and release in one activity (leaseAndCall). */
    async leaseAndGenerateImages(input: LeasedCallInput & ImageCall): Promise<AttemptResult> {
      return leaseAndCall(session, 'image', input, (lease) => imageCall({ ...input, lease }));
    },
  };
}
