import type { SiteType } from '../../db/codes';
import type { ImageModel, VideoModel } from './models';
import type {
  ImageRatio,
  ImageResolution,
  ResponseFormat,
  VideoRatio,
  VideoResolution,
} from './output-formats';

/** The columns of jimeng_accounts the client needs; `id` only labels log lines. */
export interface JimengAccountRef {
  readonly sessionId: string;
  readonly siteType: SiteType;
  readonly id?: string;
  /**
   * The account's outbound proxy (attr3, domain/jimeng/proxy-url.ts), sent to the Jimeng proxy in front of the
   * token; absent, null or empty: none. A credential, kept out of errors and logs like the session id.
   */
  readonly proxyUrl?: string | null;
}

export interface ImageGenerationRequest {
  readonly prompt: string;
  readonly model?: ImageModel;
  readonly negativePrompt?: string;
  readonly ratio?: ImageRatio;
  readonly resolution?: ImageResolution;
  /** Infer the ratio from the prompt (jimeng-4.x/5.0 only). */
  readonly intelligentRatio?: boolean;
  /** 0.0-1.0. */
  readonly sampleStrength?: number;
  readonly responseFormat?: ResponseFormat;
}

export interface ImageCompositionRequest extends ImageGenerationRequest {
  /** 1-10 http(s) URLs of the reference images. */
  readonly images: readonly string[];
}

export interface VideoGenerationRequest {
  readonly prompt: string;
  readonly model?: VideoModel;
  /** Ignored upstream when frame images are given. */
  readonly ratio?: VideoRatio;
  /** Read only by jimeng-video-3.0 and -3.0-fast. */
  readonly resolution?: VideoResolution;
  /** Seconds; must be one the model lists. Omitted = the model's own default, sent explicitly. */
  readonly duration?: number;
  /** First frame, and optionally last frame (http(s) URLs). */
  readonly framePaths?: readonly string[];
  /** Seedance omni reference: up to 9 images and 3 videos (12 in all), named in the prompt as @image_file_1 … */
  readonly omniReference?: { readonly images?: readonly string[]; readonly videos?: readonly string[] };
  readonly responseFormat?: ResponseFormat;
}

export interface GeneratedImage {
  readonly url?: string;
  /** Base64 PNG/WebP when responseFormat was b64_json. */
  readonly b64Json?: string;
}

export interface ImageGenerationResult {
  /** Unix seconds, from the proxy. */
  readonly created: number;
  readonly images: readonly GeneratedImage[];
  /** Compositions only: how many input images the proxy used. */
  readonly inputImages?: number;
  /** What was actually sent, after defaults: for the generation record. */
  readonly model: ImageModel;
  readonly ratio: ImageRatio;
  readonly resolution: ImageResolution;
}

export interface VideoSubmission {
  /** The upstream history record id: store it as remote_task_id and poll with it. */
  readonly taskId: string;
  readonly created: number;
  readonly model: VideoModel;
  readonly duration: number;
}

export interface GeneratedVideo {
  readonly url?: string;
  readonly b64Json?: string;
  readonly revisedPrompt?: string;
}

/** Upstream status labels (the proxy's own naming, unverified): 20 processing, 42 post-processing, 45 finalizing. */
export type VideoTaskState =
  | {
      readonly state: 'running';
      /** Null when the upstream record carries no status yet or cannot be found yet. */
      readonly status: number | null;
      /** The record was not found: normal right after a submit, suspicious if it lasts. */
      readonly recordMissing: boolean;
    }
  | { readonly state: 'succeeded'; readonly status: number; readonly videos: readonly GeneratedVideo[] };

export interface VideoResult {
  readonly videos: readonly GeneratedVideo[];
  readonly created?: number;
}
