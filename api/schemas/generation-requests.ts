import { z } from 'zod';
import { MAX_PROMPT_LENGTH } from '../../domain/generation/generation-plan';
import { IMAGE_MODELS, VIDEO_MODELS } from '../../domain/jimeng/models';
import {
  IMAGE_RATIOS,
  IMAGE_RESOLUTIONS,
  VIDEO_RATIOS,
  VIDEO_RESOLUTIONS,
} from '../../domain/jimeng/output-formats';
import { SiteType } from '../../db/codes';
import { httpUrl } from './http-url';

const id = (what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,50}$/, 'must be 1-50 letters, digits, _ . : -')
    .meta({ description: what });

/** The platform's own fields, the same on every generation request. */
const taskFields = {
  user_id: z.uuid().meta({ description: 'The end user who pays the points (UUID)' }),
  project_id: id('推理项目ID: with storyboard_id, one live generation per storyboard'),
  project_name: z.string().trim().min(1).max(50).meta({ description: '推理项目名称' }),
  storyboard_id: id('分镜ID'),
  work_id: id('作品ID'),
  priority: z.number().int().min(-1000).max(1000).optional().meta({ description: '任务优先级' }),
  callback_url: httpUrl('Receives the signed final result (README, Callbacks)').optional(),
  sites: z
    .array(
      z
        .number()
        .int()
        .refine((s) => (Object.values(SiteType) as number[]).includes(s), 'unknown site type'),
    )
    .max(5)
    .optional()
    .meta({
      description:
        'Sites to use, best first: 0 cn, 1 us, 2 hk, 3 jp, 4 sg (default: every site serving the model)',
    }),
};

const prompt = z.string().trim().min(1).max(MAX_PROMPT_LENGTH).meta({ description: '生成提示词' });

const imageFields = {
  prompt,
  model: z.enum(IMAGE_MODELS).optional().meta({ description: 'Default jimeng-4.5' }),
  negative_prompt: z.string().max(MAX_PROMPT_LENGTH).optional(),
  ratio: z.enum(IMAGE_RATIOS).optional().meta({ description: 'Default 1:1' }),
  resolution: z.enum(IMAGE_RESOLUTIONS).optional().meta({ description: 'Default 2k' }),
  intelligent_ratio: z.boolean().optional().meta({ description: 'jimeng-4.x and 5.0 only' }),
  sample_strength: z.number().min(0).max(1).optional(),
};

export const imageGenerationRequest = z
  .strictObject({ ...taskFields, ...imageFields })
  .meta({ id: 'ImageGenerationRequest', description: 'Text-to-image' });

export const imageCompositionRequest = z
  .strictObject({
    ...taskFields,
    ...imageFields,
    images: z
      .array(httpUrl('Reference image'))
      .min(1)
      .max(10)
      .meta({ description: '1-10 reference image URLs' }),
  })
  .meta({ id: 'ImageCompositionRequest', description: 'Image-to-image from reference images' });

export const videoGenerationRequest = z
  .strictObject({
    ...taskFields,
    prompt,
    model: z.enum(VIDEO_MODELS).optional().meta({ description: 'Default jimeng-video-3.5-pro' }),
    ratio: z.enum(VIDEO_RATIOS).optional(),
    resolution: z
      .enum(VIDEO_RESOLUTIONS)
      .optional()
      .meta({ description: 'Read by jimeng-video-3.0 and -3.0-fast only' }),
    duration: z
      .number()
      .int()
      .min(1)
      .max(15)
      .optional()
      .meta({ description: 'Seconds; must be one the model offers' }),
    images: z
      .array(httpUrl('Frame'))
      .min(1)
      .max(2)
      .optional()
      .meta({ description: 'First (and last) frame' }),
  })
  .meta({ id: 'VideoGenerationRequest', description: 'Text-to-video or image-to-video' });

export type ImageGenerationRequestBody = z.infer<typeof imageGenerationRequest>;
export type ImageCompositionRequestBody = z.infer<typeof imageCompositionRequest>;
export type VideoGenerationRequestBody = z.infer<typeof videoGenerationRequest>;
