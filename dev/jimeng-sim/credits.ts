/*
 * What a job costs in upstream credits. The proxy has no price table: it reads the balance
 * (getCredit, src/api/controllers/core.ts:185-204), claims the daily gift when the total is <= 0
 * (src/api/controllers/images.ts:350-363, videos.ts:238-248) and lets the upstream pre-deduct at submit, which
 * refuses with ret 5000 "credit prededuct not enough" (src/lib/error-handler.ts:48-50) when the balance does not
 * cover the job. Users report that the price depends on model and resolution (iptag #36: a 4k image refused
 * with 46 credits left, the same at 2k served). The figures below are therefore placeholders of the right shape,
 * not measured prices: configure `creditCosts` when a test or benchmark needs other ones.
 */

export interface CreditCostTable {
  /** Credits per image call (any number of items) by the resolution the upstream is asked for. */
  readonly imagePerCall: Readonly<Record<string, number>>;
  /** Credits per second of video, by resolution (only jimeng-video-3.0 and -3.0-fast send one; others 720p). */
  readonly videoPerSecond: Readonly<Record<string, number>>;
  /** Multipliers by the model actually used (after the proxy's substitutions). */
  readonly modelMultipliers: Readonly<Record<string, number>>;
}

export const DEFAULT_CREDIT_COSTS: CreditCostTable = {
  // The LLM-Red-Team README (2025): 66 free credits a day were "about 66 generations".
  imagePerCall: { '1k': 1, '2k': 1, '4k': 2 },
  videoPerSecond: { '720p': 2, '1080p': 3 },
  modelMultipliers: {
    nanobanana: 2,
    nanobananapro: 4,
    'jimeng-video-seedance-2.0': 2,
    'jimeng-video-veo3': 3,
    'jimeng-video-veo3.1': 3,
    'jimeng-video-sora2': 3,
  },
};

const multiplier = (t: CreditCostTable, model: string): number =>
  Object.prototype.hasOwnProperty.call(t.modelMultipliers, model) ? t.modelMultipliers[model]! : 1;

export function imageCost(t: CreditCostTable, model: string, resolution: string): number {
  const base = t.imagePerCall[resolution] ?? t.imagePerCall['2k'] ?? 1;
  return Math.ceil(base * multiplier(t, model));
}

export function videoCost(
  t: CreditCostTable,
  model: string,
  resolution: string | null,
  seconds: number,
): number {
  const perSecond = t.videoPerSecond[resolution ?? '720p'] ?? t.videoPerSecond['720p'] ?? 1;
  return Math.ceil(seconds * perSecond * multiplier(t, model));
}

export function checkCreditCosts(t: CreditCostTable): void {
  const all = [
    ...Object.values(t.imagePerCall),
    ...Object.values(t.videoPerSecond),
    ...Object.values(t.modelMultipliers),
  ];
  if (all.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0))
    throw new Error('jimeng simulator: creditCosts must hold non-negative numbers');
}
