import type { TransportError } from './faults';
import type { Family } from './protocol';

/*
 * Every text the simulator answers with in default mode, each built the way the proxy builds it. The
 * specification is iptag/jimeng-api v1.9.6 (commit addf0f0), kept in /work/shared/reference/jimeng-api-v1.9.6/;
 * the `file:line` next to each text is in that folder. Nothing here is copied from it: the texts are the wire
 * format a client sees, and the builders are ours.
 *
 * How a thrown error becomes an answer (src/lib/response/FailureBody.ts:11-25, src/lib/response/Body.ts:21-27):
 * an APIException keeps its code and text; any other Error becomes code -1000 (EX.SYSTEM_ERROR,
 * src/lib/consts/exceptions.ts:2) with the error's own message; the HTTP status is always 200 because no
 * exception sets one. The body is `{ code, message, data: null }`.
 */

export const CODE = {
  /** src/lib/consts/exceptions.ts:2 */
  SYSTEM_ERROR: -1000,
  /** src/api/consts/exceptions.ts:3 */
  PARAMS_INVALID: -2000,
  /** src/api/consts/exceptions.ts:4 */
  REQUEST_FAILED: -2001,
  /** src/api/consts/exceptions.ts:5 */
  TOKEN_EXPIRES: -2002,
  /** src/api/consts/exceptions.ts:9 */
  CONTENT_FILTERED: -2006,
  /** src/api/consts/exceptions.ts:10 */
  IMAGE_FAILED: -2007,
  /** src/api/consts/exceptions.ts:11 */
  VIDEO_FAILED: -2008,
  /** src/api/consts/exceptions.ts:12 */
  INSUFFICIENT_POINTS: -2009,
} as const;

/** One answer the proxy would give: its envelope code and text. */
export interface ProxyFailure {
  readonly code: number;
  readonly message: string;
}

export const failure = (code: number, message: string): ProxyFailure => ({ code, message });

/** Request.validate: `Params <key> invalid` with -2000 (src/lib/request/Request.ts:55-70). */
export const paramsInvalid = (key: string): ProxyFailure =>
  failure(CODE.PARAMS_INVALID, `Params ${key} invalid`);

/** Unknown route: the catch-all middleware (src/lib/server.ts:163-175); `url` keeps the query string. */
export const unknownRoute = (method: string, url: string): ProxyFailure =>
  failure(
    CODE.SYSTEM_ERROR,
    `[请求有误]: 请检查API文档确认正确的请求路径，当前请求为 ${method} -> ${url} 请纠正`,
  );

/** A JSON body that neither parses nor repairs (src/lib/server.ts:70-97). */
export const invalidJson = (parseMessage: string): ProxyFailure =>
  failure(CODE.SYSTEM_ERROR, `无效的JSON格式: ${parseMessage}`);

/** size/width/height in an image body (src/api/routes/images.ts:15-21 and 73-79). */
export const unsupportedSizeParams = (found: readonly string[]): ProxyFailure =>
  failure(
    CODE.SYSTEM_ERROR,
    `不支持的参数: ${found.join(', ')}。请使用 ratio 和 resolution 参数控制图像尺寸。`,
  );

/** An image model the international site does not list (src/api/controllers/images.ts:49-57). */
export const unsupportedInternationalModel = (model: string, supported: readonly string[]): ProxyFailure =>
  failure(CODE.SYSTEM_ERROR, `国际版不支持模型 "${model}"。支持的模型: ${supported.join(', ')}`);

/** lookupResolution (src/api/builders/payload-builder.ts:39-49). */
export const unsupportedResolution = (resolution: string, supported: readonly string[]): ProxyFailure =>
  failure(CODE.SYSTEM_ERROR, `不支持的分辨率 "${resolution}"。支持的分辨率: ${supported.join(', ')}`);
export const unsupportedRatio = (
  resolution: string,
  ratio: string,
  supported: readonly string[],
): ProxyFailure =>
  failure(
    CODE.SYSTEM_ERROR,
    `在 "${resolution}" 分辨率下，不支持的比例 "${ratio}"。支持的比例: ${supported.join(', ')}`,
  );
/** nanobananapro at 4k has its own table (src/api/builders/payload-builder.ts:25-30). */
export const unsupportedNanoProRatio = (ratio: string, supported: readonly string[]): ProxyFailure =>
  failure(
    CODE.SYSTEM_ERROR,
    `nanobananapro 模型在 4k 分辨率下，不支持的比例 "${ratio}"。支持的比例: ${supported.join(', ')}`,
  );

/** Composition inputs (src/api/routes/images.ts:124-138). */
export const COMPOSITION_TEXT = {
  noImages: '至少需要提供1张输入图片',
  tooManyImages: '最多支持10张输入图片',
  badItem: (i: number): string => `图片 ${i} 格式不正确：应为URL字符串或包含url字段的对象`,
  noUrl: (i: number): string => `图片 ${i} 缺少url字段`,
} as const;

/** Video duration rules of the route (src/api/routes/videos.ts:32-78). */
export const VIDEO_TEXT = {
  notInteger: (v: unknown): string => `duration 必须是整数，当前值: ${String(v)}`,
  badFormat: 'duration 参数格式错误',
  veo3: 'veo3 模型仅支持 8 秒时长',
  sora2: 'sora2 模型仅支持 4、8、12 秒时长',
  pro35: '3.5-pro 模型仅支持 5、10、12 秒时长',
  seedance: (v: number): string => `seedance 2.0/2.0-fast 模型支持 4~15 秒时长，当前值: ${v}`,
  other: '该模型仅支持 5、10 秒时长',
  notListed: (rule: string, v: number): string => `${rule}，当前值: ${v}`,
  /** src/api/routes/videos.ts:114-129 */
  omniTooManyImages: '全能模式最多上传9张图片',
  omniTooManyVideos: '全能模式最多上传3个视频',
  omniTooMany: '全能模式图片+视频总数不超过12个',
  omniNone: '全能模式至少需要上传1个素材文件(图片或视频)',
  /** src/api/controllers/videos.ts:253-256, raised after the credit check. */
  omniWrongModel:
    'omni_reference 模式仅支持 jimeng-video-seedance-2.0 和 jimeng-video-seedance-2.0-fast 模型',
} as const;

/**
 * A dead session: getCredit destructures `credit` from the commerce answer (src/api/controllers/core.ts:185-196),
 * which a dead session's answer lacks, so a TypeError escapes as -1000 (iptag issue #58). Images
 * (src/api/controllers/images.ts:350), videos (src/api/controllers/videos.ts:238), /token/points and
 * /token/receive (src/api/routes/token.ts:27-31, 41-42) do not catch it.
 */
export const DEAD_SESSION_CREDIT_READ = failure(
  CODE.SYSTEM_ERROR,
  "Cannot read properties of undefined (reading 'gift_credit')",
);

/** What the upstream says to an mweb call from a dead session (reference section 6: ret 1015 `login error`). */
export const LOGIN_ERROR = { ret: '1015', errmsg: 'login error' } as const;

/**
 * checkResult → JimengErrorHandler.handleApiResponse (src/api/controllers/core.ts:631-641,
 * src/lib/error-handler.ts:34-67): the text for a non-zero upstream `ret`. The operation is always 请求 there.
 */
export function upstreamRet(ret: string, errmsg: string): ProxyFailure {
  switch (ret) {
    case '1015': // src/lib/error-handler.ts:45-46
      return failure(CODE.TOKEN_EXPIRES, `[登录失效]: ${errmsg}。请重新获取refresh_token并更新配置`);
    case '5000': // src/lib/error-handler.ts:48-50
      return failure(
        CODE.INSUFFICIENT_POINTS,
        `[积分不足]: ${errmsg}。建议：1)尝试使用1024x1024分辨率，2)检查是否需要购买积分，3)确认账户状态正常`,
      );
    case '4001': // src/lib/error-handler.ts:52-53
      return failure(CODE.CONTENT_FILTERED, `[内容违规]: ${errmsg}`);
    case '4002': // src/lib/error-handler.ts:55-56
      return failure(CODE.PARAMS_INVALID, `[参数错误]: ${errmsg}`);
    case '5001': // src/lib/error-handler.ts:58-59
      return failure(CODE.IMAGE_FAILED, `[生成失败]: ${errmsg}`);
    case '5002': // src/lib/error-handler.ts:61-62
      return failure(CODE.VIDEO_FAILED, `[视频生成失败]: ${errmsg}`);
    default: // src/lib/error-handler.ts:64-65, operation 请求 from core.ts:637-640
      return failure(CODE.REQUEST_FAILED, `[请求失败]: ${errmsg} (错误码: ${ret})`);
  }
}

/** The upstream's answer to a dead session's mweb call, through checkResult (ret 1015). */
export const loginError = (): ProxyFailure => upstreamRet(LOGIN_ERROR.ret, LOGIN_ERROR.errmsg);

/** The upstream errmsg of each ret the simulator produces (reference section 6 and the issues it cites). */
export const UPSTREAM_ERRMSG = {
  /** iptag #36 */
  '5000': 'credit prededuct not enough',
  /** wwwzhouhui/jimeng-free-api-all #36: too many tasks queued on the account. */
  '5001': 'credit prededuct failed',
  /** iptag #131, #143 */
  '1019': 'shark not pass',
  /** iptag #101 */
  '-4': 'shark check reject',
  /** iptag #148, #159 */
  '4013': '生成失败，疑似存在异常行为，请重新尝试',
  /** iptag #108: a refused daily claim. */
  '34010100': 'param error',
} as const;

/** Risk-control rets users report (reference section 6). */
export const RISK_RETS = ['1019', '-4', '4013'] as const;
export type RiskRet = (typeof RISK_RETS)[number];

/** A risk-control ret through checkResult, with the errmsg users report for it unless given one. */
export function riskControl(ret: string, errmsg?: string): ProxyFailure {
  return upstreamRet(ret, errmsg ?? UPSTREAM_ERRMSG[ret as keyof typeof UPSTREAM_ERRMSG] ?? 'risk control');
}

/** Out of credits and the daily claim failed (src/api/controllers/images.ts:356-359, videos.ts:243-246). */
export const CLAIM_FAILED_TEXT = '积分不足且无法自动收取。请访问即梦官网手动收取首次积分，或检查账户状态。';
export const imageClaimFailed = failure(CODE.INSUFFICIENT_POINTS, CLAIM_FAILED_TEXT);
export const videoClaimFailed = failure(CODE.VIDEO_FAILED, CLAIM_FAILED_TEXT);

/** A submit answered without `aigc_data.history_record_id` (src/api/controllers/images.ts:225-227, videos.ts:860-862). */
export const RECORD_ID_MISSING = failure(CODE.IMAGE_FAILED, '记录ID不存在');
/** An image poll without the record (src/api/controllers/images.ts:263-266). */
export const RECORD_MISSING = failure(CODE.IMAGE_FAILED, '记录不存在');

/** handleGenerationFailure with no items (src/lib/error-handler.ts:128-149). */
export function generationFailed(type: 'image' | 'video', status: number, failCode: string): ProxyFailure {
  const code = type === 'image' ? CODE.IMAGE_FAILED : CODE.VIDEO_FAILED;
  const what = type === 'image' ? '图像' : '视频';
  return failure(code, `${what}生成失败，状态码: ${status}${failCode ? `，错误码: ${failCode}` : ''}`);
}

/** The CN content check's refusal (src/api/controllers/core.ts:469-475), an APIException -2001 … */
export const CONTENT_CHECK_REFUSED = '图片内容检测未通过，该图片可能包含违规内容';
/** … wrapped by compositions as -2007 (src/api/controllers/images.ts:142-145) … */
export const compositionUploadFailed = (message: string): ProxyFailure =>
  failure(CODE.IMAGE_FAILED, `图片上传失败: ${message}`);
/** … by first_last_frames videos as -2001 for the first frame only (src/api/controllers/videos.ts:694-699) … */
export const firstFrameUploadFailed = (message: string): ProxyFailure =>
  failure(CODE.REQUEST_FAILED, `首帧图片上传失败: ${message}`);
/** … and by omni_reference per field (src/api/controllers/videos.ts:379-381, 411-413). */
export const omniFieldFailed = (field: string, message: string): ProxyFailure =>
  failure(CODE.REQUEST_FAILED, `${field} 处理失败: ${message}`);
export const omniFilePathFailed = (field: string, message: string): ProxyFailure =>
  failure(CODE.REQUEST_FAILED, `${field} URL图片处理失败: ${message}`);

/** An upload token answer without keys, e.g. an HTML 5xx page (src/lib/image-uploader.ts:46-51). */
export const UPLOAD_TOKEN_FAILED = '获取上传令牌失败';

/**
 * What the proxy answers when the upstream kept answering HTTP 5xx (core.ts request(), lines 368-377): after
 * the 3rd retry it hands the body to checkResult, which returns a body without a numeric `ret` as it is
 * (core.ts:633). The caller then reads fields of an HTML string.
 */
export const UPSTREAM_5XX = {
  /** getCredit destructures `credit` (core.ts:188-190). */
  creditRead: DEAD_SESSION_CREDIT_READ,
  /** images: `aigc_data?.history_record_id` is undefined (images.ts:431-433, 225-227). */
  imageSubmit: RECORD_ID_MISSING,
  /** videos: `aigc_data.history_record_id` without `?.` (videos.ts:860) throws a TypeError. */
  videoSubmit: failure(
    CODE.SYSTEM_ERROR,
    "Cannot read properties of undefined (reading 'history_record_id')",
  ),
} as const;

/** The upstream API host of each site, as transport errors name it (core.ts:250-284, common.ts:6, dreamina.ts:3-6). */
const SITE_HOST: Readonly<Record<Family, string>> = {
  cn: 'jimeng.jianying.com',
  us: 'dreamina-api.us.capcut.com',
  asia: 'mweb-api-sg.capcut.com',
};

/** The proxy's axios timeout (core.ts:350): fixed in its text whatever the simulator's own latency. */
const PROXY_TIMEOUT_MS = 45_000;

/** What an axios error says (node's socket and DNS errors, axios's own timeout text with core.ts:350's 45 s). */
export function transportMessage(error: TransportError, family: Family): string {
  const host = SITE_HOST[family];
  switch (error) {
    case 'socket_hang_up':
      return 'socket hang up';
    case 'econnreset':
      return 'read ECONNRESET';
    case 'etimedout':
      // The address is a documentation one (RFC 5737): the real one is whatever the site resolved to.
      return 'connect ETIMEDOUT 203.0.113.10:443';
    case 'enotfound':
      return `getaddrinfo ENOTFOUND ${host}`;
    case 'eai_again':
      return `getaddrinfo EAI_AGAIN ${host}`;
    case 'timeout':
      return `timeout of ${PROXY_TIMEOUT_MS}ms exceeded`;
  }
}

/** A busy account: the upstream's ret 5001 at submit. */
export const TOO_MANY_JOBS = upstreamRet('5001', UPSTREAM_ERRMSG['5001']);

/** Texts of fork-only behaviour (forkExtensions). */
export const FORK_TEXT = {
  /** Not from the proxy: a ban signal the reference does not document. */
  banned: '[请求失败]: 账号已封禁 (account banned)',
  tooMany: '[请求过于频繁]: too many requests',
  recordMissing: '[视频生成失败]: 记录不存在',
} as const;
