import { z } from 'zod';
import { MAX_PROMPT_LENGTH } from '../../domain/generation/generation-plan';
import {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VIDEO_MODEL,
  IMAGE_MODEL_SITES,
  IMAGE_MODELS,
  INTELLIGENT_RATIO_MODELS,
  VIDEO_MODEL_SPECS,
  VIDEO_MODELS,
  type ImageModel,
  type VideoModel,
} from '../../domain/jimeng/models';
import {
  DEFAULT_IMAGE_RATIO,
  DEFAULT_IMAGE_RESOLUTION,
  DEFAULT_VIDEO_RATIO,
  DEFAULT_VIDEO_RESOLUTION,
  IMAGE_RATIOS,
  IMAGE_RESOLUTIONS,
  VIDEO_RATIOS,
  VIDEO_RESOLUTIONS,
} from '../../domain/jimeng/output-formats';
import { SITE_PROFILES, siteTypesOf, type SiteFamily } from '../../domain/jimeng/sites';
import { SiteType } from '../../db/codes';
import { httpUrl } from './http-url';
import { textField } from './text-field';

/*
 * The generation requests carry the plan's rules (domain/generation/generation-plan.ts over the catalogue of
 * domain/jimeng/models.ts): one shape per model, told apart by `model` (absent: the default model's shape),
 * each with what that model takes (its sites, its durations, intelligent_ratio or not). A body the document
 * accepts is one the plan accepts; what no schema can say (public hosts, the balance) is in the descriptions.
 */

const id = (what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,50}$/, 'must be 1-50 letters, digits, _ . : -')
    .meta({ description: what });

const SITE_TYPES = Object.values(SiteType);
const SITE_NAMES = SITE_TYPES.map((s) => `${s} ${SITE_PROFILES[s].name}`).join(', ');

/**
 * The sites a request may name for a model: known ones, at most five, and (unless it names none, which means
 * every site serving the model) at least one that serves it; the others are dropped.
 */
function sitesFor(model: string, families: readonly SiteFamily[]) {
  const serving = siteTypesOf(families);
  const sites = z
    .array(z.literal(SITE_TYPES, { error: `must be a site type: ${SITE_NAMES}` }))
    .max(SITE_TYPES.length);
  const description = `Sites to use, best first: ${SITE_NAMES} (default: every site serving the model)`;
  if (serving.length === SITE_TYPES.length) return sites.optional().meta({ description });
  return sites
    .refine(
      (named) => named.length === 0 || named.some((s) => serving.includes(s)),
      `${model} is served on sites ${serving.join(', ')}: name at least one of them`,
    )
    .optional()
    .meta({
      description: `${description}; ${model} runs on ${serving.join(', ')} only, so at least one of those`,
      anyOf: [{ maxItems: 0 }, { contains: { enum: serving } }],
    });
}

/** The platform's own fields, the same on every generation request. */
const taskFields = {
  user_id: z.uuid().meta({ description: 'The end user who pays the points (UUID); short of them: 402' }),
  project_id: id('推理项目ID: with storyboard_id, one live generation per storyboard'),
  project_name: textField({ max: 50, required: true, description: '推理项目名称' }),
  storyboard_id: id('分镜ID'),
  work_id: id('作品ID'),
  priority: z.number().int().min(-1000).max(1000).optional().meta({ description: '任务优先级' }),
  callback_url: httpUrl('Receives the signed final result (README, Callbacks)').optional(),
};

const prompt = textField({ max: MAX_PROMPT_LENGTH, required: true, description: '生成提示词' });

/** The default model's shape takes an absent `model`; the others name theirs. */
function modelField<M extends string>(model: M, defaultModel: string) {
  return model === defaultModel
    ? z
        .literal(model)
        .optional()
        .meta({ description: `${model}, the default` })
    : z.literal(model);
}

function imageFields(model: ImageModel) {
  return {
    ...taskFields,
    sites: sitesFor(model, IMAGE_MODEL_SITES[model]),
    prompt,
    model: modelField(model, DEFAULT_IMAGE_MODEL),
    negative_prompt: textField({ max: MAX_PROMPT_LENGTH, required: false }).optional(),
    ratio: z
      .enum(IMAGE_RATIOS)
      .optional()
      .meta({ description: `Default ${DEFAULT_IMAGE_RATIO}` }),
    resolution: z
      .enum(IMAGE_RESOLUTIONS)
      .optional()
      .meta({ description: `Default ${DEFAULT_IMAGE_RESOLUTION}` }),
    intelligent_ratio: INTELLIGENT_RATIO_MODELS.includes(model)
      ? z.boolean().optional()
      : z
          .literal(false, { error: `${model} does not support intelligent ratio` })
          .optional()
          .meta({ description: `${model} has no intelligent ratio: false or absent` }),
    sample_strength: z.number().min(0).max(1).optional(),
  };
}

/** An error for a `model` no shape has, naming the ones there are. */
const unknownModel = (models: readonly string[]) => (issue: { code?: string }) =>
  issue.code === 'invalid_union' ? `must be one of ${models.join(', ')}` : undefined;

function nonEmpty<T>(items: readonly T[]): [T, ...T[]] {
  const [first, ...rest] = items;
  if (first === undefined) throw new RangeError('a union needs at least one shape');
  return [first, ...rest];
}

export const imageGenerationRequest = z
  .discriminatedUnion('model', nonEmpty(IMAGE_MODELS.map((model) => z.strictObject(imageFields(model)))), {
    error: unknownModel(IMAGE_MODELS),
  })
  .meta({ id: 'ImageGenerationRequest', description: 'Text-to-image; one shape per model' });

const referenceImages = z
  .array(httpUrl('Reference image'))
  .min(1)
  .max(10)
  .meta({ description: '1-10 reference image URLs' });

export const imageCompositionRequest = z
  .discriminatedUnion(
    'model',
    nonEmpty(IMAGE_MODELS.map((model) => z.strictObject({ ...imageFields(model), images: referenceImages }))),
    { error: unknownModel(IMAGE_MODELS) },
  )
  .meta({
    id: 'ImageCompositionRequest',
    description: 'Image-to-image from reference images; one shape per model',
  });

function videoFields(model: VideoModel) {
  const spec = VIDEO_MODEL_SPECS[model];
  const seconds = spec.durations.join(', ');
  return {
    ...taskFields,
    sites: sitesFor(model, spec.sites),
    prompt,
    model: modelField(model, DEFAULT_VIDEO_MODEL),
    ratio: z
      .enum(VIDEO_RATIOS)
      .optional()
      .meta({ description: `Default ${DEFAULT_VIDEO_RATIO}` }),
    resolution: z
      .enum(VIDEO_RESOLUTIONS)
      .optional()
      .meta({
        description: spec.takesResolution
          ? `Default ${DEFAULT_VIDEO_RESOLUTION}`
          : `${model} ignores it: made, billed and recorded as ${DEFAULT_VIDEO_RESOLUTION}`,
      }),
    duration: z
      .literal([...spec.durations], { error: `${model} makes videos of ${seconds} seconds` })
      .optional()
      .meta({ description: `Seconds: ${seconds} (default ${spec.defaultDuration})` }),
    images: z
      .array(httpUrl('Frame'))
      .min(1)
      .max(2)
      .optional()
      .meta({ description: 'First (and last) frame' }),
  };
}

export const videoGenerationRequest = z
  .discriminatedUnion('model', nonEmpty(VIDEO_MODELS.map((model) => z.strictObject(videoFields(model)))), {
    error: unknownModel(VIDEO_MODELS),
  })
  .meta({
    id: 'VideoGenerationRequest',
    description: 'Text-to-video or image-to-video; one shape per model (its durations and sites)',
  });

export type ImageGenerationRequestBody = z.infer<typeof imageGenerationRequest>;
export type ImageCompositionRequestBody = z.infer<typeof imageCompositionRequest>;
export type VideoGenerationRequestBody = z.infer<typeof videoGenerationRequest>;
