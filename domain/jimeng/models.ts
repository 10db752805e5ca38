import type { SiteFamily } from './sites';

/*
 * Models, the sites that offer them and the durations a video model accepts, as the proxy's
 * src/api/consts/common.ts had them at the reference snapshot. The proxy silently replaces an unknown model on
 * the China site with the default and silently changes an unlisted duration, so the client checks both before
 * sending: a silent substitution would bill and record something the caller did not ask for.
 */

export const IMAGE_MODELS = [
  'jimeng-5.0',
  'jimeng-4.6',
  'jimeng-4.5',
  'jimeng-4.1',
  'jimeng-4.0',
  'jimeng-3.1',
  'jimeng-3.0',
  'nanobanana',
  'nanobananapro',
] as const;
export type ImageModel = (typeof IMAGE_MODELS)[number];
export const DEFAULT_IMAGE_MODEL: ImageModel = 'jimeng-4.5';

const CN: readonly SiteFamily[] = ['cn'];
const ALL: readonly SiteFamily[] = ['cn', 'us', 'asia'];
const CN_ASIA: readonly SiteFamily[] = ['cn', 'asia'];
const INTL: readonly SiteFamily[] = ['us', 'asia'];
const ASIA: readonly SiteFamily[] = ['asia'];

export const IMAGE_MODEL_SITES: Readonly<Record<ImageModel, readonly SiteFamily[]>> = {
  'jimeng-5.0': CN_ASIA,
  'jimeng-4.6': CN_ASIA,
  'jimeng-4.5': ALL,
  'jimeng-4.1': ALL,
  'jimeng-4.0': ALL,
  'jimeng-3.1': CN,
  'jimeng-3.0': ALL,
  nanobanana: INTL,
  nanobananapro: INTL,
};

/** Models for which `intelligent_ratio` means anything; others ignore it. */
export const INTELLIGENT_RATIO_MODELS: readonly ImageModel[] = [
  'jimeng-4.0',
  'jimeng-4.1',
  'jimeng-4.5',
  'jimeng-4.6',
  'jimeng-5.0',
];

export const VIDEO_MODELS = [
  'jimeng-video-seedance-2.0',
  'jimeng-video-seedance-2.0-fast',
  'jimeng-video-3.5-pro',
  'jimeng-video-3.0',
  'jimeng-video-3.0-fast',
  'jimeng-video-3.0-pro',
  'jimeng-video-2.0-pro',
  'jimeng-video-2.0',
  'jimeng-video-veo3',
  'jimeng-video-veo3.1',
  'jimeng-video-sora2',
] as const;
export type VideoModel = (typeof VIDEO_MODELS)[number];
export const DEFAULT_VIDEO_MODEL: VideoModel = 'jimeng-video-3.5-pro';

export interface VideoModelSpec {
  readonly sites: readonly SiteFamily[];
  /** Allowed durations in seconds. */
  readonly durations: readonly number[];
  /** What the proxy turns an omitted `duration` (5) into; sent explicitly so the record says what was billed. */
  readonly defaultDuration: number;
  /** Only these read `resolution`; the rest ignore it. */
  readonly takesResolution: boolean;
  /** `functionMode: omni_reference` is accepted only by seedance. */
  readonly omniReference: boolean;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const FIVE_TEN = [5, 10] as const;

export const VIDEO_MODEL_SPECS: Readonly<Record<VideoModel, VideoModelSpec>> = {
  'jimeng-video-seedance-2.0': {
    sites: CN,
    durations: range(4, 15),
    defaultDuration: 5,
    takesResolution: false,
    omniReference: true,
  },
  'jimeng-video-seedance-2.0-fast': {
    sites: CN,
    durations: range(4, 15),
    defaultDuration: 5,
    takesResolution: false,
    omniReference: true,
  },
  'jimeng-video-3.5-pro': {
    sites: ALL,
    durations: [5, 10, 12],
    defaultDuration: 5,
    takesResolution: false,
    omniReference: false,
  },
  'jimeng-video-3.0': {
    sites: ALL,
    durations: FIVE_TEN,
    defaultDuration: 5,
    takesResolution: true,
    omniReference: false,
  },
  'jimeng-video-3.0-fast': {
    sites: CN_ASIA,
    durations: FIVE_TEN,
    defaultDuration: 5,
    takesResolution: true,
    omniReference: false,
  },
  'jimeng-video-3.0-pro': {
    sites: CN_ASIA,
    durations: FIVE_TEN,
    defaultDuration: 5,
    takesResolution: false,
    omniReference: false,
  },
  'jimeng-video-2.0-pro': {
    sites: CN_ASIA,
    durations: FIVE_TEN,
    defaultDuration: 5,
    takesResolution: false,
    omniReference: false,
  },
  'jimeng-video-2.0': {
    sites: CN_ASIA,
    durations: FIVE_TEN,
    defaultDuration: 5,
    takesResolution: false,
    omniReference: false,
  },
  'jimeng-video-veo3': {
    sites: ASIA,
    durations: [8],
    defaultDuration: 8,
    takesResolution: false,
    omniReference: false,
  },
  'jimeng-video-veo3.1': {
    sites: ASIA,
    durations: [8],
    defaultDuration: 8,
    takesResolution: false,
    omniReference: false,
  },
  'jimeng-video-sora2': {
    sites: ASIA,
    durations: [4, 8, 12],
    defaultDuration: 4,
    takesResolution: false,
    omniReference: false,
  },
};

export function isImageModel(value: string): value is ImageModel {
  return (IMAGE_MODELS as readonly string[]).includes(value);
}

export function isVideoModel(value: string): value is VideoModel {
  return (VIDEO_MODELS as readonly string[]).includes(value);
}
