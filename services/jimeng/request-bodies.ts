import {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VIDEO_MODEL,
  IMAGE_MODEL_SITES,
  VIDEO_MODEL_SPECS,
  isImageModel,
  isVideoModel,
  type ImageModel,
  type VideoModel,
} from '../../domain/jimeng/models';
import {
  DEFAULT_IMAGE_RATIO,
  DEFAULT_IMAGE_RESOLUTION,
  IMAGE_RATIOS,
  IMAGE_RESOLUTIONS,
  RESPONSE_FORMATS,
  VIDEO_RATIOS,
  VIDEO_RESOLUTIONS,
  type ImageRatio,
  type ImageResolution,
} from '../../domain/jimeng/output-formats';
import type {
  ImageCompositionRequest,
  ImageGenerationRequest,
  VideoGenerationRequest,
} from '../../domain/jimeng/requests';
import type { SiteProfile } from '../../domain/jimeng/sites';

/*
 * Turns typed requests into the proxy's JSON bodies, checking first what the proxy would reject or, worse,
 * silently change. A request that fails here never costs a call or a credit. Values arrive typed, but they come
 * from API payloads and database rows, so they are checked at run time too.
 */

export type Built<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export type WireBody = Record<string, string | number | boolean | readonly string[]>;

const MAX_COMPOSITION_IMAGES = 10;
const MAX_FRAMES = 2;
const MAX_OMNI_IMAGES = 9;
const MAX_OMNI_VIDEOS = 3;
const MAX_OMNI_TOTAL = 12;

const fail = (problem: string): { ok: false; problem: string } => ({ ok: false, problem });

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function oneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

export interface BuiltImageBody {
  readonly body: WireBody;
  readonly model: ImageModel;
  readonly ratio: ImageRatio;
  readonly resolution: ImageResolution;
}

export function buildImageBody(site: SiteProfile, req: ImageGenerationRequest): Built<BuiltImageBody> {
  if (typeof req.prompt !== 'string' || req.prompt.trim() === '')
    return fail('prompt must be a non-empty string');
  const model = req.model ?? DEFAULT_IMAGE_MODEL;
  if (!isImageModel(model)) return fail(`unknown image model "${String(model)}"`);
  // On the China site an unknown model silently becomes the default; we refuse instead.
  if (!IMAGE_MODEL_SITES[model].includes(site.family))
    return fail(`image model ${model} is not offered on site ${site.name}`);
  const ratio = req.ratio ?? DEFAULT_IMAGE_RATIO;
  if (!oneOf(IMAGE_RATIOS, ratio)) return fail(`ratio must be one of ${IMAGE_RATIOS.join(' ')}`);
  const resolution = req.resolution ?? DEFAULT_IMAGE_RESOLUTION;
  if (!oneOf(IMAGE_RESOLUTIONS, resolution))
    return fail(`resolution must be one of ${IMAGE_RESOLUTIONS.join(' ')}`);
  if (req.negativePrompt !== undefined && typeof req.negativePrompt !== 'string')
    return fail('negativePrompt must be a string');
  if (req.intelligentRatio !== undefined && typeof req.intelligentRatio !== 'boolean')
    return fail('intelligentRatio must be a boolean');
  // The proxy does not check the range; out-of-range strengths reach the upstream unchecked.
  if (
    req.sampleStrength !== undefined &&
    !(typeof req.sampleStrength === 'number' && req.sampleStrength >= 0 && req.sampleStrength <= 1)
  ) {
    return fail('sampleStrength must be a number from 0 to 1');
  }
  if (req.responseFormat !== undefined && !oneOf(RESPONSE_FORMATS, req.responseFormat))
    return fail(`responseFormat must be one of ${RESPONSE_FORMATS.join(' ')}`);

  const body: WireBody = { model, prompt: req.prompt, ratio, resolution };
  if (req.negativePrompt !== undefined) body.negative_prompt = req.negativePrompt;
  if (req.intelligentRatio !== undefined) body.intelligent_ratio = req.intelligentRatio;
  if (req.sampleStrength !== undefined) body.sample_strength = req.sampleStrength;
  if (req.responseFormat !== undefined) body.response_format = req.responseFormat;
  return { ok: true, value: { body, model, ratio, resolution } };
}

export function buildCompositionBody(site: SiteProfile, req: ImageCompositionRequest): Built<BuiltImageBody> {
  const images: unknown = req.images;
  if (!Array.isArray(images) || images.length < 1 || images.length > MAX_COMPOSITION_IMAGES) {
    return fail(`images must list 1 to ${MAX_COMPOSITION_IMAGES} URLs`);
  }
  if (!images.every(isHttpUrl)) return fail('every image must be an http(s) URL');
  const built = buildImageBody(site, req);
  if (!built.ok) return built;
  return { ok: true, value: { ...built.value, body: { ...built.value.body, images: images as string[] } } };
}

export interface BuiltVideoBody {
  readonly body: WireBody;
  readonly model: VideoModel;
  readonly duration: number;
}

export function buildVideoBody(site: SiteProfile, req: VideoGenerationRequest): Built<BuiltVideoBody> {
  if (typeof req.prompt !== 'string' || req.prompt.trim() === '')
    return fail('prompt must be a non-empty string');
  const model = req.model ?? DEFAULT_VIDEO_MODEL;
  if (!isVideoModel(model)) return fail(`unknown video model "${String(model)}"`);
  const spec = VIDEO_MODEL_SPECS[model];
  if (!spec.sites.includes(site.family))
    return fail(`video model ${model} is not offered on site ${site.name}`);
  // The proxy turns an unlisted duration into another one; billing is per second, so we refuse instead.
  const duration = req.duration ?? spec.defaultDuration;
  if (!Number.isInteger(duration) || !spec.durations.includes(duration)) {
    return fail(
      `duration ${String(duration)} s is not offered by ${model} (allowed: ${spec.durations.join(', ')})`,
    );
  }
  if (req.ratio !== undefined && !oneOf(VIDEO_RATIOS, req.ratio))
    return fail(`ratio must be one of ${VIDEO_RATIOS.join(' ')}`);
  if (req.resolution !== undefined && !oneOf(VIDEO_RESOLUTIONS, req.resolution))
    return fail(`resolution must be one of ${VIDEO_RESOLUTIONS.join(' ')}`);
  if (req.responseFormat !== undefined && !oneOf(RESPONSE_FORMATS, req.responseFormat))
    return fail(`responseFormat must be one of ${RESPONSE_FORMATS.join(' ')}`);

  const body: WireBody = { model, prompt: req.prompt, duration };
  if (req.ratio !== undefined) body.ratio = req.ratio;
  if (req.resolution !== undefined) body.resolution = req.resolution;
  if (req.responseFormat !== undefined) body.response_format = req.responseFormat;

  const frames: unknown = req.framePaths ?? [];
  if (!Array.isArray(frames) || frames.length > MAX_FRAMES || !frames.every(isHttpUrl)) {
    return fail(`framePaths must list at most ${MAX_FRAMES} http(s) URLs (first and last frame)`);
  }

  if (req.omniReference !== undefined) {
    if (!spec.omniReference) return fail(`omni reference is offered only by seedance models, not ${model}`);
    if (frames.length > 0) return fail('framePaths and omniReference cannot be combined');
    const images: unknown = req.omniReference.images ?? [];
    const videos: unknown = req.omniReference.videos ?? [];
    if (!Array.isArray(images) || !Array.isArray(videos))
      return fail('omniReference images and videos must be lists');
    if (images.length > MAX_OMNI_IMAGES) return fail(`omniReference takes at most ${MAX_OMNI_IMAGES} images`);
    if (videos.length > MAX_OMNI_VIDEOS) return fail(`omniReference takes at most ${MAX_OMNI_VIDEOS} videos`);
    const total = images.length + videos.length;
    if (total < 1 || total > MAX_OMNI_TOTAL)
      return fail(`omniReference needs 1 to ${MAX_OMNI_TOTAL} materials`);
    if (![...images, ...videos].every(isHttpUrl))
      return fail('every omniReference material must be an http(s) URL');
    body.functionMode = 'omni_reference';
    images.forEach((url: string, i) => (body[`image_file_${i + 1}`] = url));
    videos.forEach((url: string, i) => (body[`video_file_${i + 1}`] = url));
  } else if (frames.length > 0) {
    body.file_paths = frames as string[];
  }
  return { ok: true, value: { body, model, duration } };
}

/**
 * The proxy splits the bearer value on `,` (then picks one token at random), cuts a proxy URL at the last `@`
 * and strips a region prefix. A session id carrying any of those would be reinterpreted, so it is refused.
 */
export function sessionIdProblem(sessionId: unknown): string | undefined {
  if (typeof sessionId !== 'string' || sessionId.trim() === '') return 'the session id is empty';
  if (/[,@\s]/.test(sessionId)) return 'the session id contains a comma, an @ or whitespace';
  if (/^(us|hk|jp|sg)-/i.test(sessionId))
    return 'the session id already carries a region prefix; the site comes from site_type';
  return undefined;
}
