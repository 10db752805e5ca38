import type {
  ImageCompositionRequest,
  ImageGenerationRequest,
  VideoGenerationRequest,
} from '../jimeng/requests';

/**
 * The data a generation workflow takes and returns. Plain JSON (it is stored in workflow histories), owned by
 * the activities that read it; workflows and starters import the types.
 */

/** What a generation makes; also what an account's lease covers (its capability). */
export type GenerationType = 'image' | 'video';

/** Where a generation came from (template_executions.platform). */
export type GenerationPlatform = 'wechat' | 'douyin' | 'alipay' | 'web' | 'api';

/** What every generation carries besides its upstream request: who, for which storyboard, told how. */
export interface GenerationTaskFields {
  /** Snowflake id chosen by the starter: the record id, the job id of job_outputs, the ledger's source id. */
  taskId: string;
  /** Owner of the points (UUID) and of the OSS folder. */
  userId: string;
  projectId: string;
  projectName: string;
  storyboardId: string;
  workId: string;
  priority?: number;
  /** Receives the final result, signed (see README, Callbacks). */
  callbackUrl?: string;
  /** template_executions.template_id; 0 when the request did not come from a template. */
  templateId?: number;
  platform?: GenerationPlatform;
  /** Who asked (the API key's owner): records' create_by, and the owner who may read and cancel the task. */
  createdBy?: string;
  /** Sites (jimeng_accounts.site_type) to lease from, best first; default: every site serving the model. */
  sites?: number[];
}

/** Text-to-image, or a composition when `images` (reference image URLs) are given. */
export interface ImageRequestFields {
  prompt: string;
  model?: string;
  negativePrompt?: string;
  ratio?: string;
  resolution?: string;
  intelligentRatio?: boolean;
  sampleStrength?: number;
  images?: string[];
}

/** Text-to-video, or image-to-video with a first (and last) frame in `images`. */
export interface VideoRequestFields {
  prompt: string;
  model?: string;
  ratio?: string;
  resolution?: string;
  duration?: number;
  images?: string[];
}

/**
 * `plan` is the one the starter made of the request (the API, at admission): its price is the one the caller's
 * balance was checked against, and the one reserved, whatever pricing the worker runs with. A starter that
 * carries none leaves the planning to beginGeneration.
 */
export interface ImageGenerationInput extends GenerationTaskFields {
  request: ImageRequestFields;
  plan?: ImagePlan;
}
export interface VideoGenerationInput extends GenerationTaskFields {
  request: VideoRequestFields;
  plan?: VideoPlan;
}

/** What a request becomes before anything is paid (domain/generation/generation-plan.ts makes it). */
export interface ImagePlan {
  type: 'image';
  call: ImageGenerationRequest | ImageCompositionRequest;
  composition: boolean;
  model: string;
  ratio: string;
  resolution: string;
  price: number;
  sites: number[];
}

export interface VideoPlan {
  type: 'video';
  call: VideoGenerationRequest;
  model: string;
  ratio: string;
  resolution: string;
  durationSeconds: number;
  price: number;
  sites: number[];
}

export type GenerationPlan = ImagePlan | VideoPlan;

export type FinalStatus = 'completed' | 'failed' | 'cancelled';

export interface GeneratedOutput {
  ossUrl: string;
  ossCdnUrl: string | null;
  ossPath: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

export interface GenerationResult {
  taskId: string;
  status: FinalStatus;
  outputs: GeneratedOutput[];
  /** Points kept (0 unless completed). */
  cost: number;
  attempts: number;
  errorCode?: string;
  errorMessage?: string;
}
