import type http from 'node:http';
import type { Caller } from './caller';
import { refuse } from './call-refusals';
import { imageCost, videoCost } from './credits';
import { ENDPOINTS, isVideoEndpoint, type Endpoint } from './endpoints';
import { sendFailure, sendJson } from './http-messages';
import { buildMp4 } from './mp4';
import { encodePng, type Rgb } from './png';
import { parseImageRequest, parseVideoRequest, previewSize, type ImageJob, type VideoJob } from './protocol';
import {
  CONTENT_CHECK_REFUSED,
  DEAD_SESSION_CREDIT_READ,
  FORK_TEXT,
  TOO_MANY_JOBS,
  UPLOAD_TOKEN_FAILED,
  UPSTREAM_5XX,
  UPSTREAM_ERRMSG,
  VIDEO_TEXT,
  compositionUploadFailed,
  failure,
  firstFrameUploadFailed,
  generationFailed,
  imageClaimFailed,
  loginError,
  omniFieldFailed,
  omniFilePathFailed,
  riskControl,
  upstreamRet,
  videoClaimFailed,
} from './proxy-text';
import type { RefusalReason } from './refusals';
import { DEFAULT_CLAIM_REFUSAL, nextQuotaDayStartMs } from './sessions';
import type { SimulatorState } from './simulator-state';
import { failedCreditRead, retriesMs, upstreamFault } from './upstream-faults';

/*
 * The generation routes: POST /v1/images/generations, /v1/images/compositions, /v1/videos/generations and, in
 * fork mode, /v1/async/videos/generations. Each runs the proxy's checks in its controller's order, then the
 * job, and answers with the files it made.
 */

type Kind = 'image' | 'composition' | 'video';

const kindOf = (e: Endpoint): Kind =>
  isVideoEndpoint(e) ? 'video' : e === ENDPOINTS.imageCompositions ? 'composition' : 'image';

const color = (state: SimulatorState): Rgb => [state.prng.int(256), state.prng.int(256), state.prng.int(256)];

function imageItems(
  state: SimulatorState,
  job: ImageJob,
  count: number,
): { url?: string; b64_json?: string }[] {
  const [w, h] = previewSize(job.ratio);
  return Array.from({ length: count }, () => {
    const png = encodePng(w, h, color(state), color(state));
    // b64_json: the proxy downloads each URL and base64-encodes it (routes/images.ts:57-60).
    if (job.b64) return { b64_json: png.toString('base64') };
    const name = `${state.prng.hex(16)}.png`;
    state.files.put(name, { contentType: 'image/png', bytes: png });
    return { url: state.fileUrl(name) };
  });
}

/** Returns the URL, or only the file name when the task will reveal the URL later. */
function storeVideo(state: SimulatorState, mp4: Buffer, nameOnly = false): string {
  const name = `${state.prng.hex(16)}.mp4`;
  state.files.put(name, { contentType: 'video/mp4', bytes: mp4 });
  return nameOnly ? name : state.fileUrl(name);
}

/**
 * One generation call after the route's checks, in the controller's order: model and size, the credit read
 * and daily claim, (videos) the omni model check, uploads and the CN content check, the submit, the job.
 */
export async function generate(
  state: SimulatorState,
  res: http.ServerResponse,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  authorization: unknown,
  caller: Caller | undefined,
): Promise<void> {
  const { sessions, settings } = state;
  const { fork, latency } = settings;
  const kind = kindOf(endpoint);
  const request =
    kind === 'video'
      ? parseVideoRequest(body, authorization)
      : parseImageRequest(body, authorization, kind === 'composition', settings.imagesPerCall);
  // The header is a string from here on, so the arrival pick exists.
  const who = caller as Caller;
  const job = request.job(who.family);
  const inputs =
    kind === 'video' ? (job as VideoJob).images.length : ((job as ImageJob).inputImages?.length ?? 0);
  const quotaRefusal = (): void =>
    refuse(state, res, who, endpoint, 'quota', nextQuotaDayStartMs(state.now()));

  // A dead session (sessions.ts). The proxy meets it at the credit read (core.ts:185-196, iptag #58), except
  // compositions, which swallow that error (images.ts:111-124) and meet ret 1015 at the first upload.
  if (!state.alive(who.sessionId)) {
    const sessionState = who.sessionId === '' ? undefined : sessions.get(who.sessionId)?.state;
    const reason: RefusalReason = sessionState === 'banned' ? 'banned' : 'invalid';
    refuse(state, res, who, endpoint, reason, null);
    if (fork && sessionState === 'banned') return sendFailure(res, failure(-2001, FORK_TEXT.banned));
    if (kind === 'composition') return sendFailure(res, compositionUploadFailed(loginError().message));
    return sendFailure(res, DEAD_SESSION_CREDIT_READ);
  }

  const fault = upstreamFault(state, endpoint, who, inputs);
  // An outage from the first upstream call on (http_5xx / upstream_transport with at: first_call).
  const outage =
    (fault?.kind === 'http_5xx' || fault?.kind === 'upstream_transport') && fault.at === 'first_call'
      ? fault
      : undefined;
  if (outage !== undefined && kind !== 'composition')
    return sendFailure(res, (await failedCreditRead(state, outage, who.family))!);

  // The credit read and the daily claim (images.ts:350-363, videos.ts:238-248, images.ts:111-124).
  if (fault?.kind === 'credits_claim_failed')
    sessions.exhaust(who.sessionId, {
      ret: fault.ret ?? DEFAULT_CLAIM_REFUSAL.ret,
      errmsg: fault.errmsg ?? DEFAULT_CLAIM_REFUSAL.errmsg,
    });
  if (sessions.credits(who.sessionId).totalCredit <= 0) {
    const claimed = sessions.claim(who.sessionId);
    if (!claimed.ok && kind !== 'composition') {
      quotaRefusal();
      return sendFailure(res, kind === 'video' ? videoClaimFailed : imageClaimFailed);
    }
  }

  if (kind === 'video' && (job as VideoJob).omniRefused)
    return sendFailure(res, failure(-2001, VIDEO_TEXT.omniWrongModel));

  // Uploads (image-uploader.ts) and the CN content check (core.ts:431-479), per input image.
  if (fault?.kind === 'session_invalid' || fault?.kind === 'banned') {
    state.kill(who.sessionId, fault.kind === 'banned' ? 'banned' : 'invalid');
    refuse(state, res, who, endpoint, fault.kind === 'banned' ? 'banned' : 'invalid', null);
    if (fork && fault.kind === 'banned') return sendFailure(res, failure(-2001, FORK_TEXT.banned));
    // The login died after the credit read: the next upstream call answers ret 1015.
    if (kind === 'composition') return sendFailure(res, compositionUploadFailed(loginError().message));
    return sendFailure(res, loginError());
  }
  if (fault?.kind === 'input_image_refused') {
    const index = (fault.imageIndex ?? 1) - 1;
    if (kind === 'composition') return sendFailure(res, compositionUploadFailed(CONTENT_CHECK_REFUSED));
    const image = (job as VideoJob).images[index]!;
    if ((job as VideoJob).omni) {
      return sendFailure(
        res,
        image.fromFilePaths
          ? omniFilePathFailed(image.field, CONTENT_CHECK_REFUSED)
          : omniFieldFailed(image.field, CONTENT_CHECK_REFUSED),
      );
    }
    // first_last_frames: only the first frame's failure is an error; a refused last frame is only logged
    // and the video made without it (videos.ts:694-699).
    if (image.field === 'frame_1') return sendFailure(res, firstFrameUploadFailed(CONTENT_CHECK_REFUSED));
  }
  if (outage !== undefined) {
    // A composition swallows the failed credit read (images.ts:111-124); its first upload then fails the
    // same way, after its own retries, and is wrapped (images.ts:142-145). An HTML page has no upload keys
    // (image-uploader.ts:46-51).
    await failedCreditRead(state, outage, who.family);
    const read = await failedCreditRead(state, outage, who.family);
    return sendFailure(
      res,
      compositionUploadFailed(outage.kind === 'http_5xx' ? UPLOAD_TOKEN_FAILED : read!.message),
    );
  }

  // The submit (/mweb/v1/aigc_draft/generate): risk control, account limits, ret errors, pre-deduction.
  const admitted = sessions.admit(who.sessionId);
  if (!admitted.ok) {
    const untilMs = state.now() + admitted.retryAfterMs;
    refuse(state, res, who, endpoint, 'rate_limited', untilMs);
    if (fork) {
      return sendJson(
        res,
        429,
        { code: -1, message: FORK_TEXT.tooMany, data: null },
        { 'retry-after': String(Math.ceil(admitted.retryAfterMs / 1000)) },
      );
    }
    // Default mode: the upstream's risk control, without any hint of how long (error-handler.ts:64-65).
    return sendFailure(res, riskControl('1019'));
  }
  if (fault !== undefined) {
    switch (fault.kind) {
      case 'quota_exhausted':
        sessions.exhaust(who.sessionId);
        quotaRefusal();
        return sendFailure(res, upstreamRet('5000', UPSTREAM_ERRMSG['5000']));
      case 'content_policy':
        return sendFailure(res, upstreamRet('4001', fault.errmsg ?? '提示词或素材包含违规内容'));
      case 'risk_control':
        refuse(
          state,
          res,
          who,
          endpoint,
          'rate_limited',
          fault.cooldownMs === undefined ? null : state.now() + fault.cooldownMs,
          fault.cooldownMs !== undefined,
        );
        return sendFailure(res, riskControl(fault.ret ?? '1019', fault.errmsg));
      case 'http_5xx':
        await state.delay(retriesMs(state, false));
        return sendFailure(res, kind === 'video' ? UPSTREAM_5XX.videoSubmit : UPSTREAM_5XX.imageSubmit);
      case 'upstream_transport': {
        const read = await failedCreditRead(state, fault, who.family);
        return sendFailure(res, read!);
      }
      default:
        break;
    }
  }
  if (!sessions.enter(who.sessionId)) {
    refuse(state, res, who, endpoint, 'busy', null);
    return sendFailure(res, TOO_MANY_JOBS);
  }
  let entered = true;
  const stopTracking = state.running.start(who.sessionId, res, endpoint);
  const leave = (): void => {
    if (entered) {
      sessions.leave(who.sessionId);
      stopTracking();
    }
    entered = false;
  };
  try {
    const cost =
      kind === 'video'
        ? videoCost(
            settings.costs,
            job.model,
            (job as VideoJob).resolution,
            (job as VideoJob).durationSeconds,
          )
        : imageCost(settings.costs, job.model, (job as ImageJob).resolution);
    if (!sessions.charge(who.sessionId, cost)) {
      quotaRefusal();
      return sendFailure(res, upstreamRet('5000', UPSTREAM_ERRMSG['5000']));
    }
    const failCode = fault?.kind === 'task_failure' ? (fault.failCode ?? '2038') : undefined;

    if (endpoint === ENDPOINTS.videoSubmit) {
      // Fork mode: the job runs "in the background"; the caller polls /v1/async/tasks/:id.
      leave();
      const v = job as VideoJob;
      const id = `${1 + state.prng.int(9)}${Array.from({ length: 18 }, () => state.prng.int(10)).join('')}`;
      const fileName = storeVideo(state, buildMp4(v.durationSeconds), true);
      state.tasks.add({
        id,
        sessionId: who.sessionId,
        submittedAt: state.now(),
        runMs: latency.videoMs,
        prompt: v.prompt,
        fileName,
        ...(failCode === undefined ? {} : { failCode }),
      });
      if (failCode !== undefined) sessions.refund(who.sessionId, cost);
      return sendJson(res, 200, {
        created: state.created(),
        history_id: id,
        status: 'submitted',
        message: '任务已提交，请使用 history_id 查询任务状态',
      });
    }

    // The job: the proxy polls until it ends (smart-poller.ts), then answers.
    await state.delay(
      kind === 'video' ? latency.videoMs : kind === 'composition' ? latency.compositionMs : latency.imageMs,
    );
    leave();
    if (failCode !== undefined) {
      // Status 30 and no items: handleGenerationFailure throws (error-handler.ts:128-149). The upstream
      // gives the credits of a failed job back (an assumption: the proxy cannot see it).
      sessions.refund(who.sessionId, cost);
      return sendFailure(res, generationFailed(kind === 'video' ? 'video' : 'image', 30, failCode));
    }
    if (kind === 'video') {
      const v = job as VideoJob;
      const mp4 = buildMp4(v.durationSeconds);
      // b64_json: the proxy downloads the video and base64-encodes it (routes/videos.ts:180-189).
      const item = v.b64
        ? { b64_json: mp4.toString('base64'), revised_prompt: v.prompt }
        : { url: storeVideo(state, mp4), revised_prompt: v.prompt };
      return sendJson(res, 200, { created: state.created(), data: [item] });
    }
    const image = job as ImageJob;
    // A job that failed or timed out with some items answers with those (error-handler.ts:103-121, 128-143;
    // smart-poller.ts:184-200).
    const count =
      fault?.kind === 'partial_result'
        ? Math.max(1, Math.min(fault.items ?? 1, image.count - 1))
        : image.count;
    const data = imageItems(state, image, count);
    return sendJson(
      res,
      200,
      kind === 'composition'
        ? {
            created: state.created(),
            data,
            input_images: image.inputImages?.length ?? 0,
            composition_type: 'multi_image_synthesis',
          }
        : { created: state.created(), data },
    );
  } finally {
    leave();
  }
}
