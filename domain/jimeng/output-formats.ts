/*
 * Aspect ratios and resolutions the proxy accepts. Image values outside these lists are rejected upstream
 * (code -1000); video ratios are not checked upstream, so the client checks them to keep records honest.
 */

export const IMAGE_RATIOS = ['1:1', '4:3', '3:4', '16:9', '9:16', '3:2', '2:3', '21:9'] as const;
export type ImageRatio = (typeof IMAGE_RATIOS)[number];

export const IMAGE_RESOLUTIONS = ['1k', '2k', '4k'] as const;
export type ImageResolution = (typeof IMAGE_RESOLUTIONS)[number];

export const VIDEO_RATIOS = ['1:1', '4:3', '3:4', '16:9', '9:16', '21:9'] as const;
export type VideoRatio = (typeof VIDEO_RATIOS)[number];

export const VIDEO_RESOLUTIONS = ['720p', '1080p'] as const;
export type VideoResolution = (typeof VIDEO_RESOLUTIONS)[number];

export const RESPONSE_FORMATS = ['url', 'b64_json'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

/**
 * Output size per ratio and resolution, for records and storage estimates. The 1k 4:3 and 3:4 entries are
 * swapped in the proxy's source; they are copied as they are because that is what the upstream produces.
 * Nano models override these on some sites (forced 1024x1024 or 1k).
 */
export const IMAGE_PIXEL_SIZES: Readonly<Record<ImageRatio, Readonly<Record<ImageResolution, PixelSize>>>> = {
  '1:1': {
    '1k': { width: 1024, height: 1024 },
    '2k': { width: 2048, height: 2048 },
    '4k': { width: 4096, height: 4096 },
  },
  '4:3': {
    '1k': { width: 768, height: 1024 },
    '2k': { width: 2304, height: 1728 },
    '4k': { width: 4608, height: 3456 },
  },
  '3:4': {
    '1k': { width: 1024, height: 768 },
    '2k': { width: 1728, height: 2304 },
    '4k': { width: 3456, height: 4608 },
  },
  '16:9': {
    '1k': { width: 1024, height: 576 },
    '2k': { width: 2560, height: 1440 },
    '4k': { width: 5120, height: 2880 },
  },
  '9:16': {
    '1k': { width: 576, height: 1024 },
    '2k': { width: 1440, height: 2560 },
    '4k': { width: 2880, height: 5120 },
  },
  '3:2': {
    '1k': { width: 1024, height: 682 },
    '2k': { width: 2496, height: 1664 },
    '4k': { width: 4992, height: 3328 },
  },
  '2:3': {
    '1k': { width: 682, height: 1024 },
    '2k': { width: 1664, height: 2496 },
    '4k': { width: 3328, height: 4992 },
  },
  '21:9': {
    '1k': { width: 1195, height: 512 },
    '2k': { width: 3024, height: 1296 },
    '4k': { width: 6048, height: 2592 },
  },
};

export const DEFAULT_IMAGE_RATIO: ImageRatio = '1:1';
export const DEFAULT_IMAGE_RESOLUTION: ImageResolution = '2k';
export const DEFAULT_VIDEO_RATIO: VideoRatio = '1:1';
export const DEFAULT_VIDEO_RESOLUTION: VideoResolution = '720p';
