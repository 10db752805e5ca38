export {
  createGenerationActivities,
  type AttemptAccount,
  type AttemptResult,
  type BeginInput,
  type BeginResult,
  type GenerationActivities,
  type GenerationDependencies,
  type ProducedOutput,
} from './generation-activities';
export { planImage, planVideo, MAX_PROMPT_LENGTH } from '../../domain/generation/generation-plan';
export { InputError } from '../../domain/input-error';
export type { GenerationPlan, ImagePlan, VideoPlan } from '../../domain/generation/generation-plan';
export { outputExtensionOf } from './output-extension';
export type * from '../../domain/generation/generation-types';
export type { GenerationFailureType } from '../../domain/generation/generation-failures';
