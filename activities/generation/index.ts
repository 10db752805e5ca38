export {
  createGenerationActivities,
  type BeginInput,
  type BeginResult,
  type GenerationActivities,
  type GenerationDependencies,
  type GenerationFailureType,
  type ProducedOutput,
} from './generation-activities';
export { GenerationInputError, planImage, planVideo, MAX_PROMPT_LENGTH } from './generation-plan';
export type { GenerationPlan, ImagePlan, VideoPlan } from './generation-plan';
export { outputExtensionOf } from './output-extension';
export type * from './generation-types';
