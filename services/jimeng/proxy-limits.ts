import type { JimengOperation } from './jimeng-error';

/*
 * How long the proxy (iptag/jimeng-api at addf0f0) keeps a synchronous generation call open before it answers
 * by itself, and so how long our side must wait before it may conclude that the proxy hung. A deadline shorter
 * than the proxy's would give up on a job that is still running and paid for, and a retry would start and pay
 * for a second one.
 *
 * - Images: the smart poller polls every 10 s (x1.5 at status 45) and stops after 900 polls, or after 30 min
 *   once at least one image exists (src/api/controllers/images.ts:233-237, src/lib/smart-poller.ts:136-141):
 *   900 polls at 10-15 s is 2.5-3.75 h with no image; the README's "up to 15 min at peak" is the usual case.
 * - Videos: 5 s, then every 20 s, 900 polls, or 60 min once a video exists (src/api/controllers/videos.ts:870-878):
 *   about 5 h with no video.
 * - Every upstream request of the proxy may take 45 s and is tried 4 times, 5 s apart (core.ts:333-350), for the
 *   credit read, the claim, uploads and the submit before polling starts.
 */
export const PROXY_IMAGE_CALL_LIMIT_MS = 900 * 15_000;
export const PROXY_VIDEO_CALL_LIMIT_MS = 5_000 + 900 * 20_000;
/** The proxy's per-request budget before polling: 4 tries of 45 s, 5 s apart, for a few requests. */
const PROXY_PREAMBLE_MS = 5 * (4 * 45_000 + 3 * 5_000);

/**
 * Our HTTP deadline per operation: above the proxy's own limit for the generation routes, a minute for the
 * quick ones (the async fork's submit and poll, the session and credit looks).
 */
export const DEFAULT_CALL_DEADLINES_MS: Readonly<Record<JimengOperation, number>> = {
  image_generation: PROXY_IMAGE_CALL_LIMIT_MS + PROXY_PREAMBLE_MS,
  image_composition: PROXY_IMAGE_CALL_LIMIT_MS + PROXY_PREAMBLE_MS,
  video_generation: PROXY_VIDEO_CALL_LIMIT_MS + PROXY_PREAMBLE_MS,
  video_submit: 2 * 60_000,
  video_poll: 60_000,
  session_check: 60_000,
  credit_balance: 60_000,
};
