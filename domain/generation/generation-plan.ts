import { SiteType } from '../../db/codes';
import { characterCount } from '../character-count';
import { InputError } from '../input-error';
import {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VIDEO_MODEL,
  IMAGE_MODEL_SITES,
  INTELLIGENT_RATIO_MODELS,
  VIDEO_MODEL_SPECS,
  isImageModel,
  isVideoModel,
} from '../jimeng/models';
import {
  DEFAULT_IMAGE_RATIO,
  DEFAULT_IMAGE_RESOLUTION,
  DEFAULT_VIDEO_RATIO,
  DEFAULT_VIDEO_RESOLUTION,
  IMAGE_RATIOS,
  IMAGE_RESOLUTIONS,
  VIDEO_RATIOS,
  VIDEO_RESOLUTIONS,
} from '../jimeng/output-formats';
import { SITE_PROFILES, type SiteFamily } from '../jimeng/sites';
import type { ImageGenerationRequest } from '../jimeng/requests';
import { priceImage, priceVideo, type PricingTable } from '../pricing';
import type {
  GenerationTaskFields,
  ImagePlan,
  ImageRequestFields,
  VideoPlan,
  VideoRequestFields,
} from './generation-types';

export const MAX_PROMPT_LENGTH = 2000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID = /^[A-Za-z0-9_.:-]{1,50}$/;
const TASK_ID = /^[A-Za-z0-9_-]{1,36}$/;

/**
 * Turns a generation request into what the client sends, what it costs and where it may run. Pure: the same
 * request always plans the same way, so the price reserved at start is the price settled at the end, and
 * defaults are written into the record instead of being left to the upstream's silent choices.
 */
export function planImage(
  task: GenerationTaskFields,
  request: ImageRequestFields,
  pricing: PricingTable,
): ImagePlan {
  checkTask(task);
  const prompt = checkPrompt(request.prompt);
  const model = request.model ?? DEFAULT_IMAGE_MODEL;
  if (!isImageModel(model)) throw new InputError('model', `unknown image model ${model}`);
  const ratio = oneOf(request.ratio ?? DEFAULT_IMAGE_RATIO, IMAGE_RATIOS, 'ratio');
  const resolution = oneOf(request.resolution ?? DEFAULT_IMAGE_RESOLUTION, IMAGE_RESOLUTIONS, 'resolution');
  if (request.negativePrompt !== undefined && typeof request.negativePrompt !== 'string')
    throw new InputError('negativePrompt', 'must be a string');
  if (request.negativePrompt !== undefined && characterCount(request.negativePrompt) > MAX_PROMPT_LENGTH)
    throw new InputError('negativePrompt', `must be at most ${MAX_PROMPT_LENGTH} characters`);
  if (request.intelligentRatio !== undefined && typeof request.intelligentRatio !== 'boolean')
    throw new InputError('intelligentRatio', 'must be true or false');
  if (request.intelligentRatio && !INTELLIGENT_RATIO_MODELS.includes(model))
    throw new InputError('intelligentRatio', `${model} does not support intelligent ratio`);
  if (
    request.sampleStrength !== undefined &&
    !(
      typeof request.sampleStrength === 'number' &&
      request.sampleStrength >= 0 &&
      request.sampleStrength <= 1
    )
  )
    throw new InputError('sampleStrength', 'must be a number from 0 to 1');
  const images = request.images === undefined ? undefined : checkUrls(request.images, 'images', 1, 10);
  const call: ImageGenerationRequest = {
    prompt,
    model,
    ratio,
    resolution,
    ...(request.negativePrompt ? { negativePrompt: request.negativePrompt } : {}),
    ...(request.intelligentRatio !== undefined ? { intelligentRatio: request.intelligentRatio } : {}),
    ...(request.sampleStrength !== undefined ? { sampleStrength: request.sampleStrength } : {}),
  };
  return {
    type: 'image',
    call: images ? { ...call, images } : call,
    composition: images !== undefined,
    model,
    ratio,
    resolution,
    price: priceImage({ model, resolution }, pricing),
    sites: sitesFor(IMAGE_MODEL_SITES[model], task.sites, model),
  };
}

export function planVideo(
  task: GenerationTaskFields,
  request: VideoRequestFields,
  pricing: PricingTable,
): VideoPlan {
  checkTask(task);
  const prompt = checkPrompt(request.prompt);
  const model = request.model ?? DEFAULT_VIDEO_MODEL;
  if (!isVideoModel(model)) throw new InputError('model', `unknown video model ${model}`);
  const spec = VIDEO_MODEL_SPECS[model];
  const ratio = oneOf(request.ratio ?? DEFAULT_VIDEO_RATIO, VIDEO_RATIOS, 'ratio');
  const requested = oneOf(request.resolution ?? DEFAULT_VIDEO_RESOLUTION, VIDEO_RESOLUTIONS, 'resolution');
  // Most models ignore `resolution` upstream: billing or recording 1080p for them would be a fiction.
  const resolution = spec.takesResolution ? requested : DEFAULT_VIDEO_RESOLUTION;
  const duration = request.duration ?? spec.defaultDuration;
  if (!spec.durations.includes(duration))
    throw new InputError('duration', `${model} makes videos of ${spec.durations.join(', ')} seconds`);
  const frames = request.images === undefined ? undefined : checkUrls(request.images, 'images', 1, 2);
  return {
    type: 'video',
    call: {
      prompt,
      model,
      ratio,
      ...(spec.takesResolution ? { resolution } : {}),
      duration,
      ...(frames ? { framePaths: frames } : {}),
    },
    model,
    ratio,
    resolution,
    durationSeconds: duration,
    price: priceVideo({ model, resolution, durationSeconds: duration }, pricing),
    sites: sitesFor(spec.sites, task.sites, model),
  };
}

function checkTask(task: GenerationTaskFields): void {
  if (typeof task.taskId !== 'string' || !TASK_ID.test(task.taskId))
    throw new InputError('taskId', 'must be 1-36 letters, digits, _ or -');
  if (typeof task.userId !== 'string' || !UUID.test(task.userId))
    throw new InputError('userId', 'must be a UUID');
  for (const field of ['projectId', 'storyboardId', 'workId'] as const) {
    if (typeof task[field] !== 'string' || !ID.test(task[field]))
      throw new InputError(field, 'must be 1-50 letters, digits, _ . : -');
  }
  if (
    typeof task.projectName !== 'string' ||
    task.projectName.trim() === '' ||
    characterCount(task.projectName) > 50
  )
    throw new InputError('projectName', 'must be 1-50 characters');
  if (task.priority !== undefined && !Number.isInteger(task.priority))
    throw new InputError('priority', 'must be an integer');
  if (task.callbackUrl !== undefined) checkUrls([task.callbackUrl], 'callbackUrl', 1, 1);
}

function checkPrompt(prompt: unknown): string {
  if (typeof prompt !== 'string' || prompt.trim() === '')
    throw new InputError('prompt', 'must be a non-empty string');
  if (characterCount(prompt) > MAX_PROMPT_LENGTH)
    throw new InputError('prompt', `must be at most ${MAX_PROMPT_LENGTH} characters`);
  return prompt;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new InputError(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** template_executions.input_image_url and records' callback_url are VARCHAR(500). */
const MAX_URL_LENGTH = 500;

function checkUrls(urls: unknown, field: string, min: number, max: number): string[] {
  if (!Array.isArray(urls) || urls.length < min || urls.length > max)
    throw new InputError(field, `must hold ${min === max ? min : `${min} to ${max}`} URL(s)`);
  return urls.map((u, i) => {
    let url: URL | undefined;
    try {
      url = typeof u === 'string' ? new URL(u) : undefined;
    } catch {
      url = undefined;
    }
    const name = max === 1 ? field : `${field}[${i}]`;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new InputError(name, 'must be an http(s) URL');
    if ((u as string).length > MAX_URL_LENGTH)
      throw new InputError(name, `must be at most ${MAX_URL_LENGTH} characters`);
    return u as string;
  });
}

const ALL_SITES: readonly number[] = Object.values(SiteType);

/** The caller's preferred sites, or every site, kept only where the model is served. */
function sitesFor(
  families: readonly SiteFamily[],
  preferred: readonly number[] | undefined,
  model: string,
): number[] {
  if (preferred !== undefined) {
    const unknown = preferred.find((s) => !ALL_SITES.includes(s));
    if (unknown !== undefined) throw new InputError('sites', `unknown site type ${unknown}`);
  }
  const sites = [...new Set(preferred && preferred.length > 0 ? preferred : ALL_SITES)].filter((s) =>
    families.includes(SITE_PROFILES[s as SiteType].family),
  );
  if (sites.length === 0) throw new InputError('sites', `${model} is not served on the requested sites`);
  return sites;
}
