/*
 * The proxy's request rules as the simulator enforces them: its own copy of the reference (section 1 and 4),
 * kept apart from activities/jimeng on purpose so the client is tested against an independent reading of the
 * protocol rather than against itself. Where the proxy silently changes a value, so does the simulator.
 */

export type Family = 'cn' | 'us' | 'asia';

/** Thrown for a request the proxy would refuse; carries the envelope code it would use. */
export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const paramsInvalid = (field: string): ProtocolError =>
  new ProtocolError(-2000, `Params body.${field} invalid`);

const IMAGE_MODELS: Readonly<Record<string, readonly Family[]>> = {
  'jimeng-5.0': ['cn', 'asia'],
  'jimeng-4.6': ['cn', 'asia'],
  'jimeng-4.5': ['cn', 'us', 'asia'],
  'jimeng-4.1': ['cn', 'us', 'asia'],
  'jimeng-4.0': ['cn', 'us', 'asia'],
  'jimeng-3.1': ['cn'],
  'jimeng-3.0': ['cn', 'us', 'asia'],
  nanobanana: ['us', 'asia'],
  nanobananapro: ['us', 'asia'],
};
const DEFAULT_IMAGE_MODEL = 'jimeng-4.5';
const IMAGE_RATIOS = ['1:1', '4:3', '3:4', '16:9', '9:16', '3:2', '2:3', '21:9'];
const IMAGE_RESOLUTIONS = ['1k', '2k', '4k'];
/** Pixel sizes at 1k; the simulator's PNGs are these divided by 64 (the 4:3/3:4 swap is the proxy's). */
const SIZE_1K: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [1024, 1024],
  '4:3': [768, 1024],
  '3:4': [1024, 768],
  '16:9': [1024, 576],
  '9:16': [576, 1024],
  '3:2': [1024, 682],
  '2:3': [682, 1024],
  '21:9': [1195, 512],
};

interface VideoModel {
  readonly families: readonly Family[];
  readonly omni: boolean;
  /** Returns the duration the proxy would actually use for a requested one. */
  readonly duration: (requested: number) => number;
}
const among =
  (allowed: readonly number[], fallback: number) =>
  (d: number): number =>
    allowed.includes(d) ? d : fallback;
const clamp = (d: number): number => Math.min(15, Math.max(4, Math.round(d)));
const VIDEO_MODELS: Readonly<Record<string, VideoModel>> = {
  'jimeng-video-seedance-2.0': { families: ['cn'], omni: true, duration: clamp },
  'jimeng-video-seedance-2.0-fast': { families: ['cn'], omni: true, duration: clamp },
  'jimeng-video-3.5-pro': { families: ['cn', 'us', 'asia'], omni: false, duration: among([5, 10, 12], 5) },
  'jimeng-video-3.0': { families: ['cn', 'us', 'asia'], omni: false, duration: among([5, 10], 5) },
  'jimeng-video-3.0-fast': { families: ['cn', 'asia'], omni: false, duration: among([5, 10], 5) },
  'jimeng-video-3.0-pro': { families: ['cn', 'asia'], omni: false, duration: among([5, 10], 5) },
  'jimeng-video-2.0-pro': { families: ['cn', 'asia'], omni: false, duration: among([5, 10], 5) },
  'jimeng-video-2.0': { families: ['cn', 'asia'], omni: false, duration: among([5, 10], 5) },
  'jimeng-video-veo3': { families: ['asia'], omni: false, duration: among([8], 8) },
  'jimeng-video-veo3.1': { families: ['asia'], omni: false, duration: among([8], 8) },
  'jimeng-video-sora2': { families: ['asia'], omni: false, duration: among([4, 8, 12], 4) },
};
const DEFAULT_VIDEO_MODEL = 'jimeng-video-3.5-pro';

export interface ImageJob {
  readonly model: string;
  readonly ratio: string;
  readonly resolution: string;
  readonly count: number;
  readonly b64: boolean;
  readonly width: number;
  readonly height: number;
  readonly inputImages?: number;
}

export interface VideoJob {
  readonly model: string;
  readonly durationSeconds: number;
  readonly b64: boolean;
  readonly prompt: string;
}

type Body = Record<string, unknown>;

function str(body: Body, key: string, fallback: string): string {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw paramsInvalid(key);
  return v;
}

function prompt(body: Body): string {
  const p = body.prompt;
  if (typeof p !== 'string' || p.trim() === '') throw paramsInvalid('prompt');
  return p;
}

/** Multi-image mode of jimeng-4.0/4.1/4.5: "<N>张" asks for N images, 连续/绘本/故事 for 4. */
function imageCount(model: string, text: string, normal: number): number {
  if (!['jimeng-4.0', 'jimeng-4.1', 'jimeng-4.5'].includes(model)) return normal;
  const n = /(\d+)\s*张/.exec(text);
  if (n) return Math.min(Math.max(Number(n[1]), 1), 10);
  return /连续|绘本|故事/.test(text) ? 4 : normal;
}

export function parseImageJob(
  body: Body,
  family: Family,
  normalCount: number,
  composition: boolean,
): ImageJob {
  for (const key of ['size', 'width', 'height']) {
    if (key in body)
      throw new ProtocolError(-1000, '不支持size/width/height参数，请使用ratio和resolution参数');
  }
  const text = prompt(body);
  let model = str(body, 'model', DEFAULT_IMAGE_MODEL);
  const families = IMAGE_MODELS[model];
  if (family === 'cn') {
    if (families !== undefined && !families.includes('cn'))
      throw new ProtocolError(-1000, `模型 ${model} 不支持国内站`);
    if (families === undefined) model = DEFAULT_IMAGE_MODEL; // the China site swallows unknown names
  } else if (families === undefined || !families.includes(family)) {
    const supported = Object.keys(IMAGE_MODELS).filter((m) => IMAGE_MODELS[m]?.includes(family));
    throw new ProtocolError(-1000, `不支持的模型 ${model}，支持的模型: ${supported.join(', ')}`);
  }
  const ratio = str(body, 'ratio', '1:1');
  if (!IMAGE_RATIOS.includes(ratio)) throw new ProtocolError(-1000, `不支持的比例 ${ratio}`);
  const resolution = str(body, 'resolution', '2k');
  if (!IMAGE_RESOLUTIONS.includes(resolution)) throw new ProtocolError(-1000, `不支持的分辨率 ${resolution}`);
  if (body.negative_prompt !== undefined && typeof body.negative_prompt !== 'string')
    throw paramsInvalid('negative_prompt');
  if (body.intelligent_ratio !== undefined && typeof body.intelligent_ratio !== 'boolean')
    throw paramsInvalid('intelligent_ratio');
  if (body.sample_strength !== undefined && typeof body.sample_strength !== 'number')
    throw paramsInvalid('sample_strength');
  const b64 = str(body, 'response_format', 'url') === 'b64_json';
  const [w, h] = SIZE_1K[ratio] as readonly [number, number];
  const job: ImageJob = {
    model,
    ratio,
    resolution,
    count: imageCount(model, text, normalCount),
    b64,
    width: Math.round(w / 64),
    height: Math.round(h / 64),
  };
  if (!composition) return job;
  const images = body.images;
  const ok =
    Array.isArray(images) &&
    images.length >= 1 &&
    images.length <= 10 &&
    images.every(
      (i: unknown) =>
        typeof i === 'string' || (typeof i === 'object' && i !== null && typeof (i as Body).url === 'string'),
    );
  if (!ok) throw paramsInvalid('images');
  return { ...job, inputImages: images.length };
}

export function parseVideoJob(body: Body, family: Family): VideoJob {
  const text = prompt(body);
  let model = str(body, 'model', DEFAULT_VIDEO_MODEL);
  let spec = VIDEO_MODELS[model];
  if (spec === undefined || !spec.families.includes(family)) {
    model = DEFAULT_VIDEO_MODEL; // unknown names silently become the site default
    spec = VIDEO_MODELS[model] as VideoModel;
  }
  const requested = body.duration === undefined ? 5 : body.duration;
  if (typeof requested !== 'number' || !Number.isFinite(requested)) throw paramsInvalid('duration');
  const paths = Array.isArray(body.filePaths) && body.filePaths.length > 0 ? body.filePaths : body.file_paths;
  if (
    paths !== undefined &&
    (!Array.isArray(paths) || paths.length > 2 || !paths.every((p: unknown) => typeof p === 'string'))
  ) {
    throw paramsInvalid('file_paths');
  }
  const mode = str(body, 'functionMode', 'first_last_frames');
  if (mode === 'omni_reference') {
    if (!spec.omni) throw new ProtocolError(-1000, `模型 ${model} 不支持 omni_reference`);
    const images = Object.keys(body).filter((k) => /^image_file_[1-9]$/.test(k)).length;
    const videos = Object.keys(body).filter((k) => /^video_file_[1-3]$/.test(k)).length;
    if (images + videos < 1 || images + videos > 12) throw paramsInvalid('image_file_1');
  } else if (mode !== 'first_last_frames') {
    throw paramsInvalid('functionMode');
  }
  const b64 = str(body, 'response_format', 'url') === 'b64_json';
  return { model, durationSeconds: spec.duration(requested), b64, prompt: text };
}

/** Token grammar `[proxyURL@][region-]sessionid`; the family comes from the region prefix. */
export function parseToken(token: string): { sessionId: string; family: Family } {
  let rest = token.trim();
  if (/^(https?|socks[45]?):\/\//i.test(rest) && rest.includes('@'))
    rest = rest.slice(rest.lastIndexOf('@') + 1);
  const m = /^(us|hk|jp|sg)-/i.exec(rest);
  if (!m) return { sessionId: rest, family: 'cn' };
  const region = (m[1] as string).toLowerCase();
  return { sessionId: rest.slice(m[0].length), family: region === 'us' ? 'us' : 'asia' };
}
