import {
  CODE,
  COMPOSITION_TEXT,
  VIDEO_TEXT,
  failure,
  invalidJson,
  paramsInvalid,
  unsupportedInternationalModel,
  unsupportedNanoProRatio,
  unsupportedRatio,
  unsupportedResolution,
  unsupportedSizeParams,
  type ProxyFailure,
} from './proxy-text';

/*
 * The proxy's request rules as the simulator enforces them: its own reading of iptag/jimeng-api v1.9.6
 * (paths below are in /work/shared/reference/jimeng-api-v1.9.6/), kept apart from activities/jimeng on purpose
 * so the client is tested against an independent reading of the protocol rather than against itself. Checks
 * run in the proxy's order, since the first failing one decides the answer.
 */

export type Family = 'cn' | 'us' | 'asia';

/** Thrown for a request the proxy would refuse; carries the envelope it would answer with. */
export class ProtocolError extends Error {
  readonly code: number;
  constructor(readonly answer: ProxyFailure) {
    super(answer.message);
    this.code = answer.code;
  }
}

const fail = (answer: ProxyFailure): never => {
  throw new ProtocolError(answer);
};
const sysError = (message: string): never => fail(failure(CODE.SYSTEM_ERROR, message));

type Body = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------
// Bodies (src/lib/server.ts:39-124)
// ---------------------------------------------------------------------------------------------------------

/**
 * The proxy's own JSON reader (src/lib/server.ts:56-98): normalise line ends, no-break and zero-width spaces
 * and the BOM, trim, drop trailing commas; if that does not parse, try once more with single quotes made
 * double, bare keys quoted and repeated commas collapsed; if that fails too, answer with the first error.
 */
export function parseProxyJson(text: string): unknown {
  let cleaned = text
    .replace(/\r\n?/g, '\n')
    .replace(/\u00A0/g, ' ')
    .replace(/[\u2000-\u200B]/g, ' ')
    .replace(/\uFEFF/g, '')
    .trim();
  cleaned = cleaned.replace(/,(\s*[}\]])/g, '$1');
  try {
    return JSON.parse(cleaned) as unknown;
  } catch (first) {
    const repaired = cleaned
      .replace(/'/g, '"')
      .replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":')
      .replace(/,(\s*[}\]])/g, '$1')
      .replace(/,+/g, ',');
    try {
      return JSON.parse(repaired) as unknown;
    } catch {
      return fail(invalidJson((first as Error).message));
    }
  }
}

/**
 * The body a route sees. JSON (POST/PUT/PATCH only) goes through parseProxyJson; url-encoded forms become
 * string fields (koa-body, src/lib/server.ts:112-124); anything else, multipart included, is not simulated
 * and reads as an empty body. `Request` replaces a missing or falsy body by `{}` (src/lib/request/Request.ts:49).
 */
export function readBody(method: string, contentType: string, raw: string): Body {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  let value: unknown;
  if (/^application\/(.+\+)?json$/.test(type) && ['POST', 'PUT', 'PATCH'].includes(method)) {
    value = parseProxyJson(raw);
  } else if (type === 'application/x-www-form-urlencoded') {
    value = Object.fromEntries(new URLSearchParams(raw));
  }
  if (typeof value === 'object' && value !== null) return value as Body;
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// Tokens (src/api/controllers/core.ts:95-128, 161-178, 648-650)
// ---------------------------------------------------------------------------------------------------------

/** tokenSplit: the first "Bearer " anywhere is removed, then a split on commas, nothing trimmed (core.ts:648-650). */
export function tokenSplit(authorization: string): string[] {
  return authorization.replace('Bearer ', '').split(',');
}

export interface ParsedToken {
  /** The sessionid cookie value (region prefix removed). */
  readonly sessionId: string;
  readonly family: Family;
  /** The per-token proxy prefix (`http://user:pass@host:port`), if any. */
  readonly proxyUrl: string | null;
}

/**
 * Token grammar `[proxyURL@][region-]sessionid`. parseProxyFromToken (core.ts:95-109): trimmed; a value that
 * starts with http://, https://, socks://, socks4:// or socks5:// (any case) is cut at its last `@`, unless that
 * `@` is first or last. parseRegionFromToken (core.ts:111-128): us-/hk-/jp-/sg- in any case; generateCookie
 * (core.ts:161-166) drops those 3 characters and sends the rest as sessionid, sessionid_ss, sid_tt, sid_guard.
 */
export function parseToken(raw: string): ParsedToken {
  let token = raw.trim();
  let proxyUrl: string | null = null;
  if (/^(https?|socks(?:4|5)?):\/\//i.test(token)) {
    const at = token.lastIndexOf('@');
    if (at > 0 && at !== token.length - 1) {
      proxyUrl = token.slice(0, at);
      token = token.slice(at + 1);
    }
  }
  const prefix = token.slice(0, 3).toLowerCase();
  if (prefix === 'us-') return { sessionId: token.slice(3), family: 'us', proxyUrl };
  if (prefix === 'hk-' || prefix === 'jp-' || prefix === 'sg-')
    return { sessionId: token.slice(3), family: 'asia', proxyUrl };
  return { sessionId: token, family: 'cn', proxyUrl };
}

// ---------------------------------------------------------------------------------------------------------
// Models and sizes (src/api/consts/common.ts)
// ---------------------------------------------------------------------------------------------------------

/** IMAGE_MODEL_MAP, _US, _ASIA (src/api/consts/common.ts:47-76), in the source's key order. */
const IMAGE_MODELS: Readonly<Record<Family, readonly string[]>> = {
  cn: ['jimeng-5.0', 'jimeng-4.6', 'jimeng-4.5', 'jimeng-4.1', 'jimeng-4.0', 'jimeng-3.1', 'jimeng-3.0'],
  us: ['jimeng-4.5', 'jimeng-4.1', 'jimeng-4.0', 'jimeng-3.0', 'nanobanana', 'nanobananapro'],
  asia: [
    'jimeng-5.0',
    'jimeng-4.6',
    'jimeng-4.5',
    'jimeng-4.1',
    'jimeng-4.0',
    'jimeng-3.0',
    'nanobanana',
    'nanobananapro',
  ],
};
/** DEFAULT_IMAGE_MODEL and DEFAULT_IMAGE_MODEL_US (src/api/consts/common.ts:33-34). */
export const DEFAULT_IMAGE_MODEL = 'jimeng-4.5';

/** RESOLUTION_OPTIONS (src/api/consts/common.ts:134-166), width x height; the 1k 4:3/3:4 swap is the source's. */
const RESOLUTIONS: Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>> = {
  '1k': {
    '1:1': [1024, 1024],
    '4:3': [768, 1024],
    '3:4': [1024, 768],
    '16:9': [1024, 576],
    '9:16': [576, 1024],
    '3:2': [1024, 682],
    '2:3': [682, 1024],
    '21:9': [1195, 512],
  },
  '2k': {
    '1:1': [2048, 2048],
    '4:3': [2304, 1728],
    '3:4': [1728, 2304],
    '16:9': [2560, 1440],
    '9:16': [1440, 2560],
    '3:2': [2496, 1664],
    '2:3': [1664, 2496],
    '21:9': [3024, 1296],
  },
  '4k': {
    '1:1': [4096, 4096],
    '4:3': [4608, 3456],
    '3:4': [3456, 4608],
    '16:9': [5120, 2880],
    '9:16': [2880, 5120],
    '3:2': [4992, 3328],
    '2:3': [3328, 4992],
    '21:9': [6048, 2592],
  },
};
/** RESOLUTION_OPTIONS_NANOBANANAPRO_4K (src/api/consts/common.ts:169-178). */
const NANOPRO_4K: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [4096, 4096],
  '4:3': [4693, 3520],
  '3:4': [3520, 4693],
  '16:9': [5404, 3040],
  '9:16': [3040, 5404],
  '3:2': [4992, 3328],
  '2:3': [3328, 4992],
  '21:9': [6197, 2656],
};

const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;

/** VIDEO_MODEL_MAP, _US, _ASIA (src/api/consts/common.ts:79-107): user name → upstream key. */
const VIDEO_MODELS: Readonly<Record<Family, Readonly<Record<string, string>>>> = {
  cn: {
    'jimeng-video-seedance-2.0': 'dreamina_seedance_40_pro',
    'jimeng-video-seedance-2.0-fast': 'dreamina_seedance_40',
    'jimeng-video-3.5-pro': 'dreamina_ic_generate_video_model_vgfm_3.5_pro',
    'jimeng-video-3.0-pro': 'dreamina_ic_generate_video_model_vgfm_3.0_pro',
    'jimeng-video-3.0': 'dreamina_ic_generate_video_model_vgfm_3.0',
    'jimeng-video-3.0-fast': 'dreamina_ic_generate_video_model_vgfm_3.0_fast',
    'jimeng-video-2.0': 'dreamina_ic_generate_video_model_vgfm_lite',
    'jimeng-video-2.0-pro': 'dreamina_ic_generate_video_model_vgfm1.0',
  },
  us: {
    'jimeng-video-3.5-pro': 'dreamina_ic_generate_video_model_vgfm_3.5_pro',
    'jimeng-video-3.0': 'dreamina_ic_generate_video_model_vgfm_3.0',
  },
  asia: {
    'jimeng-video-veo3': 'dreamina_veo3_generate_video',
    'jimeng-video-veo3.1': 'dreamina_veo3.1_generate_video',
    'jimeng-video-sora2': 'dreamina_sora2_generate_video',
    'jimeng-video-3.5-pro': 'dreamina_ic_generate_video_model_vgfm_3.5_pro',
    'jimeng-video-3.0-pro': 'dreamina_ic_generate_video_model_vgfm_3.0_pro',
    'jimeng-video-3.0': 'dreamina_ic_generate_video_model_vgfm_3.0',
    'jimeng-video-3.0-fast': 'dreamina_ic_generate_video_model_vgfm_3.0_fast',
    'jimeng-video-2.0': 'dreamina_ic_generate_video_model_vgfm_lite',
    'jimeng-video-2.0-pro': 'dreamina_ic_generate_video_model_vgfm1.0',
  },
};
/** DEFAULT_VIDEO_MODEL (src/api/consts/common.ts:35). */
export const DEFAULT_VIDEO_MODEL = 'jimeng-video-3.5-pro';

// ---------------------------------------------------------------------------------------------------------
// Validation helpers (Request.validate, src/lib/request/Request.ts:55-70)
// ---------------------------------------------------------------------------------------------------------

const isUndef = (v: unknown): boolean => v === undefined;
const isStr = (v: unknown): v is string => typeof v === 'string';
const optionalString = (v: unknown): boolean => isUndef(v) || isStr(v);
/** lodash isFinite: a finite primitive number. */
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function validate(body: Body, key: string, ok: (v: unknown) => boolean): void {
  if (!ok(body[key])) fail(paramsInvalid(`body.${key}`));
}
function validateAuthorization(authorization: unknown): string {
  if (!isStr(authorization)) fail(paramsInvalid('headers.authorization'));
  return authorization as string;
}

// ---------------------------------------------------------------------------------------------------------
// Images (src/api/routes/images.ts, src/api/controllers/images.ts, src/api/builders/payload-builder.ts)
// ---------------------------------------------------------------------------------------------------------

export interface ImageJob {
  /** The model the proxy actually uses (after its silent substitutions). */
  readonly model: string;
  readonly ratio: string;
  /** The resolution type the upstream is asked for (nanobanana forces it). */
  readonly resolution: string;
  /** Upstream pixel size. */
  readonly pixelWidth: number;
  readonly pixelHeight: number;
  /** Items the job is expected to produce: 4, or N in multi-image mode. */
  readonly count: number;
  readonly b64: boolean;
  readonly prompt: string;
  /** Compositions: the input image URLs, in order. */
  readonly inputImages?: readonly string[];
}

/** Route checks shared by generations and compositions, in the route's order (routes/images.ts:15-32, 96-106). */
function validateImageRoute(body: Body, composition: boolean, authorization: unknown): string {
  const found = ['size', 'width', 'height'].filter((k) => Object.keys(body).includes(k));
  if (found.length > 0) fail(unsupportedSizeParams(found));
  validate(body, 'model', optionalString);
  validate(body, 'prompt', isStr);
  if (composition) validate(body, 'images', Array.isArray);
  validate(body, 'negative_prompt', optionalString);
  validate(body, 'ratio', optionalString);
  validate(body, 'resolution', optionalString);
  validate(body, 'intelligent_ratio', (v) => isUndef(v) || typeof v === 'boolean');
  validate(body, 'sample_strength', (v) => isUndef(v) || isFiniteNumber(v));
  validate(body, 'response_format', optionalString);
  return validateAuthorization(authorization);
}

/** Composition inputs (routes/images.ts:124-139): 1-10 items, each a string or an object with a truthy `url`. */
function compositionImages(images: unknown[]): string[] {
  if (images.length === 0) fail(failure(CODE.SYSTEM_ERROR, COMPOSITION_TEXT.noImages));
  if (images.length > 10) fail(failure(CODE.SYSTEM_ERROR, COMPOSITION_TEXT.tooManyImages));
  images.forEach((image, i) => {
    const isObject = (typeof image === 'object' && image !== null) || typeof image === 'function';
    if (!isStr(image) && !isObject) sysError(COMPOSITION_TEXT.badItem(i + 1));
    if (isObject && !(image as Body).url) sysError(COMPOSITION_TEXT.noUrl(i + 1));
  });
  return images.map((image) => (isStr(image) ? image : String((image as Body).url)));
}

/**
 * getModel (controllers/images.ts:38-61): on an international site a model it does not list is an error (the CN default
 * falls back, images.ts:51-54, though every map lists it); on CN any unknown name, nano models included,
 * silently becomes jimeng-4.5. resolveResolution's "国内站不支持nano" branch (payload-builder.ts:75-79) is
 * therefore never reached.
 */
export function imageModelFor(model: string, family: Family): string {
  const models = IMAGE_MODELS[family];
  if (models.includes(model)) return model;
  if (family !== 'cn' && model !== DEFAULT_IMAGE_MODEL) fail(unsupportedInternationalModel(model, models));
  return DEFAULT_IMAGE_MODEL;
}

/** resolveResolution (payload-builder.ts:66-111). */
function resolveResolution(
  model: string,
  family: Family,
  resolution: string,
  ratio: string,
): { resolution: string; ratio: string; size: readonly [number, number] } {
  if (model === 'nanobanana' && family === 'us')
    return { resolution: '2k', ratio: '1:1', size: [1024, 1024] };
  if (model === 'nanobanana' && family === 'asia') resolution = '1k';
  if (model === 'nanobananapro' && resolution === '4k') {
    const size = own(NANOPRO_4K, ratio);
    if (size === undefined) fail(unsupportedNanoProRatio(ratio, Object.keys(NANOPRO_4K)));
    return { resolution, ratio, size: size! };
  }
  const group = own(RESOLUTIONS, resolution);
  if (group === undefined) fail(unsupportedResolution(resolution, Object.keys(RESOLUTIONS)));
  const size = own(group!, ratio);
  if (size === undefined) fail(unsupportedRatio(resolution, ratio, Object.keys(group!)));
  return { resolution, ratio, size: size! };
}

/**
 * Multi-image mode (controllers/images.ts:365-375, 527): jimeng-4.0/4.1/4.5 and a prompt with 连续, 绘本, 故事 or "<N>张"
 * waits for N images (4 without N). How many the upstream really makes for a large N is not known; the
 * simulator keeps N within 1-10.
 */
function imageCount(model: string, prompt: string, normal: number): number {
  if (!['jimeng-4.0', 'jimeng-4.1', 'jimeng-4.5'].includes(model)) return normal;
  if (!/连续|绘本|故事/.test(prompt) && !/\d+张/.test(prompt)) return normal;
  const n = /(\d+)张/.exec(prompt);
  return n ? Math.min(Math.max(parseInt(n[1]!, 10), 1), 10) : 4;
}

export interface ImageRequest {
  readonly authorization: string;
  /** Parses the rest once the token (and so the site) is known; throws ProtocolError. */
  readonly job: (family: Family) => ImageJob;
}

export function parseImageRequest(
  body: Body,
  authorization: unknown,
  composition: boolean,
  normalCount: number,
): ImageRequest {
  const auth = validateImageRoute(body, composition, authorization);
  const inputs = composition ? compositionImages(body.images as unknown[]) : undefined;
  return {
    authorization: auth,
    job: (family) => {
      // _.defaultTo (routes/images.ts:46, 155), then the controller's destructuring defaults (images.ts:86-91, 299-304).
      const model = imageModelFor((body.model as string | undefined) ?? DEFAULT_IMAGE_MODEL, family);
      const resolved = resolveResolution(
        model,
        family,
        (body.resolution as string | undefined) ?? '2k',
        (body.ratio as string | undefined) ?? '1:1',
      );
      const prompt = body.prompt as string;
      return {
        model,
        ratio: resolved.ratio,
        resolution: resolved.resolution,
        pixelWidth: resolved.size[0],
        pixelHeight: resolved.size[1],
        // Compositions never use multi-image mode: it lives in generateImagesInternal only.
        count: composition ? normalCount : imageCount(model, prompt, normalCount),
        // Any other response_format string behaves as url (routes/images.ts:48, 57).
        b64: body.response_format === 'b64_json',
        prompt,
        ...(inputs === undefined ? {} : { inputImages: inputs }),
      };
    },
  };
}

/** The 1k pixel size of a ratio: the simulator's PNGs are that divided by 64. */
export function previewSize(ratio: string): readonly [number, number] {
  const [w, h] = own(RESOLUTIONS['1k']!, ratio) ?? [1024, 1024];
  return [Math.max(1, Math.round(w / 64)), Math.max(1, Math.round(h / 64))];
}

// ---------------------------------------------------------------------------------------------------------
// Videos (src/api/routes/videos.ts, src/api/controllers/videos.ts)
// ---------------------------------------------------------------------------------------------------------

export interface VideoJob {
  /** The user-facing model the upstream key belongs to (the site default when the name is unknown). */
  readonly model: string;
  readonly upstreamModel: string;
  readonly durationSeconds: number;
  /** The resolution sent upstream (only 3.0 and 3.0-fast take one), else null. */
  readonly resolution: string | null;
  readonly b64: boolean;
  readonly prompt: string;
  readonly omni: boolean;
  /** omni_reference on a model that does not take it: refused after the credit check (controllers/videos.ts:253-256). */
  readonly omniRefused: boolean;
  /** Images the proxy uploads and checks, in its order. */
  readonly images: readonly VideoImage[];
}

export interface VideoImage {
  /** `frame_1`/`frame_2` (first_last_frames) or `image_file_N` (omni_reference). */
  readonly field: string;
  readonly url: string;
  /** omni_reference: the slot was filled from file_paths (its failure reads "URL图片处理失败"). */
  readonly fromFilePaths: boolean;
}

export interface VideoRequest {
  readonly authorization: string;
  readonly job: (family: Family) => VideoJob;
}

/** The route's duration check (routes/videos.ts:32-78): by substring of the model name as sent. */
function checkDuration(body: Body): void {
  const raw = body.duration;
  if (raw === undefined) return;
  if (!isFiniteNumber(raw)) sysError(VIDEO_TEXT.badFormat);
  const d = raw as number;
  if (!Number.isInteger(d)) sysError(VIDEO_TEXT.notInteger(d));
  const name = (body.model as string | undefined) || DEFAULT_VIDEO_MODEL;
  let allowed: number[] = [];
  let rule = '';
  if (name.includes('veo3.1') || name.includes('veo3')) [allowed, rule] = [[8], VIDEO_TEXT.veo3];
  else if (name.includes('sora2')) [allowed, rule] = [[4, 8, 12], VIDEO_TEXT.sora2];
  else if (name.includes('3.5-pro') || name.includes('3.5_pro'))
    [allowed, rule] = [[5, 10, 12], VIDEO_TEXT.pro35];
  else if (['seedance-2.0', '40_pro', '40-pro', 'seedance-2.0-fast'].some((s) => name.includes(s))) {
    if (d < 4 || d > 15) sysError(VIDEO_TEXT.seedance(d));
  } else [allowed, rule] = [[5, 10], VIDEO_TEXT.other];
  if (allowed.length > 0 && !allowed.includes(d)) sysError(VIDEO_TEXT.notListed(rule, d));
}

/** The controller's duration (controllers/videos.ts:199-233), by substring of the upstream key. */
function actualDuration(key: string, duration: number): number {
  if (key.includes('veo3')) return 8;
  if (key.includes('sora2')) return duration === 12 ? 12 : duration === 8 ? 8 : 4;
  if (key.includes('40')) return Math.max(4, Math.min(15, duration));
  if (key.includes('3.5_pro')) return duration === 12 ? 12 : duration === 10 ? 10 : 5;
  return duration === 10 ? 10 : 5;
}

const httpUrl = (v: unknown): v is string => isStr(v) && v.startsWith('http');

export function parseVideoRequest(body: Body, authorization: unknown): VideoRequest {
  // routes/videos.ts:19-26
  validate(body, 'model', optionalString);
  validate(body, 'prompt', isStr);
  validate(body, 'ratio', optionalString);
  validate(body, 'resolution', optionalString);
  validate(
    body,
    'functionMode',
    (v) => isUndef(v) || (isStr(v) && ['first_last_frames', 'omni_reference'].includes(v)),
  );
  validate(body, 'response_format', optionalString);
  const auth = validateAuthorization(authorization);
  const omni = body.functionMode === 'omni_reference';
  checkDuration(body);
  // routes/videos.ts:81-83
  validate(body, 'file_paths', (v) => isUndef(v) || (Array.isArray(v) && v.length <= 2));
  validate(body, 'filePaths', (v) => isUndef(v) || (Array.isArray(v) && v.length <= 2));
  const filePaths = (body.filePaths as unknown[] | undefined) ?? [];
  const paths = filePaths.length > 0 ? filePaths : ((body.file_paths as unknown[] | undefined) ?? []);
  const imageFields = Array.from({ length: 9 }, (_, i) => `image_file_${i + 1}`).filter((f) =>
    httpUrl(body[f]),
  );
  const videoFields = Array.from({ length: 3 }, (_, i) => `video_file_${i + 1}`).filter((f) =>
    httpUrl(body[f]),
  );
  if (omni) {
    // routes/videos.ts:85-130 (file parts are not simulated; URL fields are)
    if (imageFields.length + videoFields.length === 0 && paths.length === 0) sysError(VIDEO_TEXT.omniNone);
  }
  return {
    authorization: auth,
    job: (family) => {
      const name = (body.model as string | undefined) ?? DEFAULT_VIDEO_MODEL;
      const map = VIDEO_MODELS[family];
      // getModel (controllers/videos.ts:20-31): unknown names become the site default, silently.
      const model = own(map, name) !== undefined ? name : DEFAULT_VIDEO_MODEL;
      const key = map[model]!;
      const supportsResolution = key.includes('vgfm_3.0') && !key.includes('_pro'); // controllers/videos.ts:191
      const is40 = key.includes('40');
      let images: VideoImage[];
      if (omni) {
        // controllers/videos.ts:305-416: image_file_N URL fields first, then file paths fill free image_file slots.
        images = imageFields.map((f) => ({ field: f, url: body[f] as string, fromFilePaths: false }));
        const taken = new Set(imageFields);
        let slot = 1;
        for (const p of paths) {
          while (slot <= 9 && taken.has(`image_file_${slot}`)) slot++;
          if (slot > 9) break;
          images.push({ field: `image_file_${slot}`, url: String(p), fromFilePaths: true });
          slot++;
        }
      } else {
        // controllers/videos.ts:676-700: empty entries are skipped; only a failure of entry 0 (frame_1) is an error.
        images = paths.flatMap((p, i) =>
          p ? [{ field: `frame_${i + 1}`, url: String(p), fromFilePaths: false }] : [],
        );
      }
      return {
        model,
        upstreamModel: key,
        durationSeconds: actualDuration(key, (body.duration as number | undefined) ?? 5),
        resolution: supportsResolution ? ((body.resolution as string | undefined) ?? '720p') : null,
        b64: body.response_format === 'b64_json',
        prompt: body.prompt as string,
        omni,
        omniRefused: omni && !is40,
        images,
      };
    },
  };
}
