import { InputError } from './input-error';

/**
 * What a generation costs in points. Pure and table-driven, so the table can be configured per
 * deployment and a job's estimate (reserved at start) and its actual cost (settled at the end) come from
 * the same rules. Images are priced per call by resolution (a call returns up to 4 images); videos per
 * second of duration by resolution: per-second billing is why the actual cost of a video can be lower than
 * its estimate. Model multipliers price the expensive upstream models (4k and the external models use more
 * Jimeng credits, protocol reference #36). Costs are rounded up to whole points.
 */
export interface PricingTable {
  imagePerCall: Record<string, number>;
  videoPerSecond: Record<string, number>;
  modelMultipliers: Record<string, number>;
}

export const DEFAULT_PRICING: PricingTable = {
  imagePerCall: { '1k': 2, '2k': 4, '4k': 8 },
  videoPerSecond: { '720p': 2, '1080p': 3 },
  modelMultipliers: {
    'jimeng-5.0': 1.5,
    'jimeng-4.6': 1.25,
    nanobanana: 1.5,
    nanobananapro: 2,
    'jimeng-video-3.5-pro': 1.5,
    'jimeng-video-seedance-2.0': 2,
    'jimeng-video-seedance-2.0-fast': 1.5,
    'jimeng-video-veo3': 3,
    'jimeng-video-veo3.1': 3,
    'jimeng-video-sora2': 3,
  },
};

export interface ImagePriceInput {
  model: string;
  resolution: string;
}

export interface VideoPriceInput {
  model: string;
  resolution: string;
  durationSeconds: number;
}

function multiplier(table: PricingTable, model: string): number {
  return table.modelMultipliers[model] ?? 1;
}

export function priceImage(input: ImagePriceInput, table: PricingTable = DEFAULT_PRICING): number {
  const base = table.imagePerCall[input.resolution];
  if (base === undefined) {
    throw new InputError('resolution', `no image price for resolution ${input.resolution}`);
  }
  return Math.ceil(base * multiplier(table, input.model));
}

export function priceVideo(input: VideoPriceInput, table: PricingTable = DEFAULT_PRICING): number {
  const perSecond = table.videoPerSecond[input.resolution];
  if (perSecond === undefined) {
    throw new InputError('resolution', `no video price for resolution ${input.resolution}`);
  }
  if (!(input.durationSeconds > 0) || !Number.isFinite(input.durationSeconds)) {
    throw new InputError('durationSeconds', 'durationSeconds must be a positive number');
  }
  // Part of a second is billed as a whole second.
  return Math.ceil(Math.ceil(input.durationSeconds) * perSecond * multiplier(table, input.model));
}

/**
 * Reads a pricing table from JSON (the POINTS_PRICING setting), over the defaults. Every price must be a
 * positive number; an unknown top-level key is refused so a typo does not silently keep a default.
 */
export function parsePricing(json: string): PricingTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('pricing must be JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('pricing must be a JSON object');
  const out: PricingTable = {
    imagePerCall: { ...DEFAULT_PRICING.imagePerCall },
    videoPerSecond: { ...DEFAULT_PRICING.videoPerSecond },
    modelMultipliers: { ...DEFAULT_PRICING.modelMultipliers },
  };
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in out)) throw new Error(`pricing has unknown key ${key}`);
    if (typeof value !== 'object' || value === null) throw new Error(`pricing.${key} must be an object`);
    for (const [name, price] of Object.entries(value as Record<string, unknown>)) {
      if (typeof price !== 'number' || !(price > 0))
        throw new Error(`pricing.${key}.${name} must be a positive number`);
      out[key as keyof PricingTable][name] = price;
    }
  }
  return out;
}
