import {
  LOCAL_RULES,
  MESSAGE_RULES,
  PROXY_CODE_RULES,
  TASK_FAIL_CODE_RULES,
  TRANSPORT_RULES,
  UPSTREAM_RET_RULES,
  classifyFailure,
  transportFailureOf,
  type TransportFailure,
} from '../../../services/jimeng/error-classification';
import {
  JIMENG_ERROR_ACTIONS,
  JimengErrorAction as A,
  type JimengErrorAction,
} from '../../../services/jimeng/error-actions';
import { JimengError } from '../../../services/jimeng/jimeng-error';

/*
 * The specification, transcribed from the protocol reference (jimeng-protocol.md, sections 2 and 6) and the
 * pool rules (pool-and-ledger.md). Each row is what the reference says a caller should do; the classifier must
 * agree with every row, and must not know codes the reference does not document.
 */

/** Proxy codes (section 6, first paragraph), with -1 for "unknown" (section 2). */
const PROXY_CODES: ReadonlyArray<[code: number, action: JimengErrorAction, why: string]> = [
  [
    -1000,
    A.RETRY_ONCE_OTHER_ACCOUNT,
    'every plain Error (FailureBody.ts:17-18): with a text nothing knows, one more try on another account',
  ],
  [-2000, A.FAIL_PERMANENTLY, 'bad parameters'],
  [-2001, A.RETRY_SAME_ACCOUNT, 'request failed, no known ret in the message'],
  [-2002, A.ACCOUNT_INVALID, 'token expired: mark invalid, switch account'],
  [-2003, A.FAIL_PERMANENTLY, 'bad file URL'],
  [-2004, A.FAIL_PERMANENTLY, 'file over 100 MB'],
  [-2006, A.FAIL_PERMANENTLY, 'content blocked'],
  [-2007, A.RETRY_SAME_ACCOUNT, 'image generation failed'],
  [-2008, A.RETRY_SAME_ACCOUNT, 'video generation failed: retry once, then fail'],
  [-2009, A.ACCOUNT_EXHAUSTED, 'insufficient credits: depleted until the daily refresh'],
  [-1, A.RETRY_SAME_ACCOUNT, 'unknown error'],
];

/** Upstream ret values (section 6 table), as the proxy folds them into a -2001 message. */
const UPSTREAM_RETS: ReadonlyArray<[ret: string, errmsg: string, action: JimengErrorAction]> = [
  ['1015', 'login error', A.ACCOUNT_INVALID],
  ['5000', 'credit prededuct not enough', A.ACCOUNT_EXHAUSTED],
  ['5001', 'credit prededuct failed', A.COOL_DOWN_ACCOUNT],
  ['5002', 'video failure', A.RETRY_SAME_ACCOUNT],
  ['4001', 'content violation', A.FAIL_PERMANENTLY],
  ['4002', 'bad parameters', A.FAIL_PERMANENTLY],
  ['3018', 'permission denied', A.FAIL_PERMANENTLY],
  ['3000', 'region not allow', A.SWITCH_SITE],
  ['1019', 'shark not pass', A.COOL_DOWN_ACCOUNT],
  ['-4', 'shark check reject', A.COOL_DOWN_ACCOUNT],
  ['4013', 'generation failed, suspected abnormal behaviour', A.COOL_DOWN_ACCOUNT],
  ['34010100', 'param error', A.ACCOUNT_EXHAUSTED],
];

/** fail_code of a task that ended with status 30 (section 6). */
const FAIL_CODES: ReadonlyArray<[failCode: string, action: JimengErrorAction]> = [
  ['2038', A.FAIL_PERMANENTLY],
  ['1017', A.SWITCH_SITE],
];

/** Literal messages quoted by the reference, with the code they came with. */
const LITERAL_MESSAGES: ReadonlyArray<[code: number, message: string, action: JimengErrorAction]> = [
  [-2009, '[积分不足]: credit prededuct not enough。建议：…', A.ACCOUNT_EXHAUSTED], // iptag #36
  [-2009, '积分不足且无法自动收取', A.ACCOUNT_EXHAUSTED],
  [-2008, '[视频生成失败]: 积分不足且无法自动收取', A.ACCOUNT_EXHAUSTED], // videos report depleted credits as -2008
  [-2002, '[登录失效]', A.ACCOUNT_INVALID],
  [-2006, '[内容违规]', A.FAIL_PERMANENTLY],
  [-2000, 'Params body.prompt invalid', A.FAIL_PERMANENTLY],
  [-1000, 'timeout of 45000ms exceeded', A.RETRY_OTHER_ACCOUNT], // the proxy's upstream call timed out (#12)
  [-2007, '记录ID不存在', A.RETRY_SAME_ACCOUNT], // no history id at submit
  [-2007, '[生成失败]: 状态码: 30，错误码: 2038', A.FAIL_PERMANENTLY],
  [-2008, '[视频生成失败]: 状态码: 30，错误码: 1017', A.SWITCH_SITE],
  [-2008, '[视频生成失败]: 状态码: 30，错误码: 9999', A.RETRY_SAME_ACCOUNT],
  [-2001, '[请求失败]: ret=3018 permission denied', A.FAIL_PERMANENTLY], // iptag #110 as logged
];

const TRANSPORT: ReadonlyArray<[TransportFailure, JimengErrorAction]> = [
  ['deadline', A.RETRY_SAME_ACCOUNT],
  ['paid_call_deadline', A.FAIL_PERMANENTLY],
  ['timeout', A.RETRY_SAME_ACCOUNT],
  ['connection_reset', A.RETRY_SAME_ACCOUNT],
  ['socket_hang_up', A.RETRY_SAME_ACCOUNT],
  ['connection_refused', A.RETRY_SAME_ACCOUNT],
  ['dns_failure', A.RETRY_SAME_ACCOUNT],
  ['network_error', A.RETRY_SAME_ACCOUNT],
  ['aborted', A.FAIL_PERMANENTLY],
];

/*
 * The texts the proxy at addf0f0 produces, exactly as its source builds them (paths under
 * shared/reference/jimeng-api-v1.9.6/), with what the platform must do about each.
 */
const PROXY_TEXTS: ReadonlyArray<
  [code: number, message: string, action: JimengErrorAction, reason: string, source: string]
> = [
  // A dead session: the credit read before generating destructures a missing `credit` (iptag #58).
  [
    -1000,
    "Cannot read properties of undefined (reading 'gift_credit')",
    A.RETRY_ONCE_OTHER_ACCOUNT,
    'session_suspect',
    'core.ts:188-189, images.ts:350, videos.ts:238',
  ],
  // axios errors of the proxy's own upstream calls, rethrown after its retries (core.ts:386-414).
  [-1000, 'socket hang up', A.RETRY_OTHER_ACCOUNT, 'upstream_unreachable', 'core.ts:394'],
  [-1000, 'read ECONNRESET', A.RETRY_OTHER_ACCOUNT, 'upstream_unreachable', 'core.ts:387'],
  [-1000, 'connect ETIMEDOUT 10.0.0.1:443', A.RETRY_OTHER_ACCOUNT, 'upstream_unreachable', 'core.ts:387'],
  [
    -1000,
    'getaddrinfo ENOTFOUND jimeng.jianying.com',
    A.RETRY_OTHER_ACCOUNT,
    'upstream_unreachable',
    'core.ts:387',
  ],
  [
    -1000,
    'getaddrinfo EAI_AGAIN jimeng.jianying.com',
    A.RETRY_OTHER_ACCOUNT,
    'upstream_unreachable',
    'core.ts:387',
  ],
  [-1000, 'timeout of 45000ms exceeded', A.RETRY_OTHER_ACCOUNT, 'upstream_timeout', 'core.ts:350'],
  // An input image refused by the CN content check (core.ts:469-474), as compositions and videos wrap it.
  [
    -2007,
    '图片上传失败: 图片内容检测未通过，该图片可能包含违规内容',
    A.FAIL_PERMANENTLY,
    'content_policy',
    'images.ts:144',
  ],
  [
    -2001,
    '首帧图片上传失败: 图片内容检测未通过，该图片可能包含违规内容',
    A.FAIL_PERMANENTLY,
    'content_policy',
    'videos.ts:697',
  ],
  [-2001, '首帧图片上传失败: 下载图片失败: 404', A.FAIL_PERMANENTLY, 'file_rejected', 'videos.ts:82, 697'],
  // Risk control, as checkResult -> handleApiResponse folds the ret (error-handler.ts:65).
  [
    -2001,
    '[请求失败]: shark not pass (错误码: 1019)',
    A.COOL_DOWN_ACCOUNT,
    'risk_control',
    'error-handler.ts:65',
  ],
  [
    -2001,
    '[请求失败]: shark check reject (错误码: -4)',
    A.COOL_DOWN_ACCOUNT,
    'risk_control',
    'error-handler.ts:65',
  ],
  [
    -2001,
    '[请求失败]: 生成失败，疑似存在异常行为 (错误码: 4013)',
    A.COOL_DOWN_ACCOUNT,
    'risk_control',
    'error-handler.ts:65',
  ],
  // Credits exhausted: ret 5000, or no credits and the daily claim failed.
  [
    -2009,
    '[积分不足]: credit prededuct not enough。建议：1)尝试使用1024x1024分辨率，2)检查是否需要购买积分，3)确认账户状态正常',
    A.ACCOUNT_EXHAUSTED,
    'credits_exhausted',
    'error-handler.ts:49-50',
  ],
  [
    -2009,
    '积分不足且无法自动收取。请访问即梦官网手动收取首次积分，或检查账户状态。',
    A.ACCOUNT_EXHAUSTED,
    'credits_exhausted',
    'images.ts:358-359',
  ],
  [
    -2008,
    '积分不足且无法自动收取。请访问即梦官网手动收取首次积分，或检查账户状态。',
    A.ACCOUNT_EXHAUSTED,
    'credits_exhausted',
    'videos.ts:245-246',
  ],
  [
    -2002,
    '[登录失效]: login error。请重新获取refresh_token并更新配置',
    A.ACCOUNT_INVALID,
    'session_expired',
    'error-handler.ts:46',
  ],
  // Unknown routes, and caller errors the routes raise as plain Errors.
  [
    -1000,
    '[请求有误]: 请检查API文档确认正确的请求路径，当前请求为 POST -> /v1/async/videos/generations 请纠正',
    A.FAIL_PERMANENTLY,
    'client_outdated',
    'server.ts:168',
  ],
  [
    -1000,
    '不支持的参数: size。请使用 ratio 和 resolution 参数控制图像尺寸。',
    A.FAIL_PERMANENTLY,
    'bad_request',
    'routes/images.ts:20',
  ],
  [-1000, '该模型仅支持 5、10 秒时长，当前值: 7', A.FAIL_PERMANENTLY, 'bad_request', 'routes/videos.ts:76'],
  [
    -1000,
    '不支持的分辨率 "8k"。支持的分辨率: 1k, 2k, 4k',
    A.FAIL_PERMANENTLY,
    'bad_request',
    'payload-builder.ts:42',
  ],
  [
    -1000,
    '国际版不支持模型 "jimeng-3.1"。支持的模型: jimeng-4.5, jimeng-4.1',
    A.SWITCH_SITE,
    'model_not_on_site',
    'images.ts:56',
  ],
  // A -1000 nobody knows: never a permanent failure on first sight, never an account mark.
  [
    -1000,
    "Cannot read properties of undefined (reading 'item_list')",
    A.RETRY_ONCE_OTHER_ACCOUNT,
    'unexplained',
    'FailureBody.ts:17-18',
  ],
];

describe("classification of the proxy's real texts", () => {
  it.each(PROXY_TEXTS)('%d "%s" -> %s (%s; %s)', (code, message, action, reason) => {
    const c = classifyFailure({ kind: 'envelope', code, message, httpStatus: 200 });
    expect(c.action).toBe(action);
    expect(c.reason).toBe(reason);
    expect(c.code).toBe(String(code));
  });

  it('a transport text under another code is not taken for the proxy failing to reach Jimeng', () => {
    // -2007 "图片上传失败: …" wraps upload errors: a plain generation failure, retried by the backoff.
    expect(
      classifyFailure({ kind: 'envelope', code: -2007, message: '图片上传失败: socket hang up' }).action,
    ).toBe(A.RETRY_SAME_ACCOUNT);
  });
});

describe('classification of every documented proxy code', () => {
  it.each(PROXY_CODES)('code %d -> %s (%s)', (code, action) => {
    const c = classifyFailure({ kind: 'envelope', code, message: '', httpStatus: 200 });
    expect(c.action).toBe(action);
    expect(c.code).toBe(String(code));
    expect(c.proxyCode).toBe(code);
  });

  it('knows exactly the documented proxy codes, no more', () => {
    expect(Object.keys(PROXY_CODE_RULES).sort()).toEqual(PROXY_CODES.map(([c]) => String(c)).sort());
  });
});

describe('classification of every documented upstream ret', () => {
  it.each(UPSTREAM_RETS)('ret %s (%s) inside a -2001 message -> %s', (ret, errmsg, action) => {
    const c = classifyFailure({
      kind: 'envelope',
      code: -2001,
      message: `[请求失败]: ${errmsg} (错误码: ${ret})`,
    });
    expect(c.action).toBe(action);
    expect(c.upstreamCode).toBe(ret);
  });

  it.each(UPSTREAM_RETS)('ret %s is recognised with a full-width colon too', (ret, _errmsg, action) => {
    expect(
      classifyFailure({ kind: 'envelope', code: -2001, message: `请求失败 (错误码：${ret})` }).action,
    ).toBe(action);
  });

  it('knows exactly the documented rets, no more', () => {
    expect(Object.keys(UPSTREAM_RET_RULES).sort()).toEqual(UPSTREAM_RETS.map(([r]) => r).sort());
  });

  it('reads the upstream errmsg when the ret number is missing', () => {
    expect(classifyFailure({ kind: 'envelope', code: -2001, message: 'shark not pass' }).action).toBe(
      A.COOL_DOWN_ACCOUNT,
    );
    expect(classifyFailure({ kind: 'envelope', code: -2001, message: 'region not allow' }).action).toBe(
      A.SWITCH_SITE,
    );
    expect(
      classifyFailure({ kind: 'envelope', code: -2001, message: 'shark check reject' }).upstreamCode,
    ).toBe('-4');
  });

  it('lets a known ret override the proxy code (credits message under -2007 is exhaustion, not a retry)', () => {
    expect(
      classifyFailure({ kind: 'envelope', code: -2007, message: '[生成失败] (错误码: 5000)' }).action,
    ).toBe(A.ACCOUNT_EXHAUSTED);
  });

  it('falls back to the proxy code for an unknown ret and keeps the ret for the record', () => {
    const c = classifyFailure({ kind: 'envelope', code: -2001, message: '[请求失败] (错误码: 777)' });
    expect(c.action).toBe(A.RETRY_SAME_ACCOUNT);
    expect(c.upstreamCode).toBe('777');
  });
});

describe('classification of task fail codes', () => {
  it.each(FAIL_CODES)('fail_code %s -> %s', (failCode, action) => {
    const c = classifyFailure({ kind: 'task_failed', failCode });
    expect(c.action).toBe(action);
    expect(c.upstreamCode).toBe(failCode);
    expect(c.code).toBe('TASK_FAILED');
  });

  it('treats an unlisted fail_code as a failed generation worth a retry', () => {
    expect(classifyFailure({ kind: 'task_failed', failCode: '1234' }).action).toBe(A.RETRY_SAME_ACCOUNT);
    expect(classifyFailure({ kind: 'task_failed', failCode: '' }).reason).toBe('generation_failed');
  });

  it('knows exactly the documented fail codes', () => {
    expect(Object.keys(TASK_FAIL_CODE_RULES).sort()).toEqual(FAIL_CODES.map(([f]) => f).sort());
  });
});

describe('classification of literal messages from the reference', () => {
  it.each(LITERAL_MESSAGES)('code %d "%s" -> %s', (code, message, action) => {
    expect(classifyFailure({ kind: 'envelope', code, message }).action).toBe(action);
  });

  it('recognises a ban only on login/request-failure codes, not in a content-policy text', () => {
    expect(classifyFailure({ kind: 'envelope', code: -2001, message: '[请求失败]: 账号已封禁' }).action).toBe(
      A.ACCOUNT_BANNED,
    );
    expect(classifyFailure({ kind: 'envelope', code: -2002, message: 'account banned' }).action).toBe(
      A.ACCOUNT_BANNED,
    );
    expect(
      classifyFailure({ kind: 'envelope', code: -2006, message: '[内容违规]: prompt contains banned words' })
        .action,
    ).toBe(A.FAIL_PERMANENTLY);
  });

  it('keeps every message rule reachable (each pattern matches some text the rules above use)', () => {
    const texts = [
      ...LITERAL_MESSAGES.map(([, m]) => m),
      ...UPSTREAM_RETS.map(([, m]) => m),
      ...PROXY_TEXTS.map(([, m]) => m),
      '账号已封禁',
      'record not found',
      '记录不存在',
    ];
    for (const rule of MESSAGE_RULES) expect(texts.some((t) => rule.pattern.test(t))).toBe(true);
  });
});

describe('classification of HTTP statuses, transport failures and bodies', () => {
  it('429 cools the account down and carries Retry-After', () => {
    const c = classifyFailure({ kind: 'http_status', status: 429, retryAfterMs: 3000 });
    expect(c).toMatchObject({
      action: A.COOL_DOWN_ACCOUNT,
      reason: 'rate_limited',
      code: 'HTTP_429',
      retryAfterMs: 3000,
      httpStatus: 429,
    });
  });

  it.each([500, 502, 503, 504, 599])('%d is retried on the same account', (status) => {
    expect(classifyFailure({ kind: 'http_status', status })).toMatchObject({
      action: A.RETRY_SAME_ACCOUNT,
      reason: 'server_error',
    });
  });

  it.each([400, 401, 403, 404, 413])(
    '%d fails permanently (a wrong URL or request, not the account)',
    (status) => {
      expect(classifyFailure({ kind: 'http_status', status }).action).toBe(A.FAIL_PERMANENTLY);
    },
  );

  it('408 is a timeout', () => {
    expect(classifyFailure({ kind: 'http_status', status: 408 }).reason).toBe('timeout');
  });

  it.each(TRANSPORT)('transport %s -> %s', (failure, action) => {
    expect(classifyFailure({ kind: 'transport', failure }).action).toBe(action);
  });

  it('covers every transport failure kind', () => {
    expect(Object.keys(TRANSPORT_RULES).sort()).toEqual(TRANSPORT.map(([f]) => f).sort());
  });

  it('retries a malformed body', () => {
    expect(classifyFailure({ kind: 'malformed_body', httpStatus: 200 })).toMatchObject({
      action: A.RETRY_SAME_ACCOUNT,
      code: 'MALFORMED_RESPONSE',
    });
  });

  it('maps local failures: bad request fails, bad account config invalidates, unconfigured site switches', () => {
    expect(LOCAL_RULES.invalid_request.action).toBe(A.FAIL_PERMANENTLY);
    expect(LOCAL_RULES.invalid_account.action).toBe(A.ACCOUNT_INVALID);
    expect(LOCAL_RULES.site_not_configured.action).toBe(A.SWITCH_SITE);
  });

  it('every action has at least one rule leading to it', () => {
    const reached = new Set<string>([
      ...Object.values(PROXY_CODE_RULES).map((r) => r.action),
      ...Object.values(UPSTREAM_RET_RULES).map((r) => r.action),
      ...MESSAGE_RULES.map((r) => r.action),
    ]);
    for (const action of JIMENG_ERROR_ACTIONS) expect(reached).toContain(action);
  });
});

describe('transportFailureOf', () => {
  const coded = (message: string, code?: string, name?: string): Error =>
    Object.assign(new Error(message), code ? { code } : {}, name ? { name } : {});

  it.each<[string, unknown, TransportFailure | undefined]>([
    ['node ECONNRESET', coded('read ECONNRESET', 'ECONNRESET'), 'connection_reset'],
    ['node socket hang up', coded('socket hang up', 'ECONNRESET'), 'connection_reset'],
    ['socket hang up without code', coded('socket hang up'), 'socket_hang_up'],
    ['refused', coded('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'connection_refused'],
    ['dns', coded('getaddrinfo ENOTFOUND x', 'ENOTFOUND'), 'dns_failure'],
    ['our deadline', coded('no complete response', 'ETIMEDOUT', 'TimeoutError'), 'timeout'],
    [
      'AbortSignal.timeout',
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      'timeout',
    ],
    ['caller abort', new DOMException('This operation was aborted', 'AbortError'), 'aborted'],
    [
      'fetch wrapping undici',
      Object.assign(new TypeError('fetch failed'), { cause: coded('other side closed', 'UND_ERR_SOCKET') }),
      'connection_reset',
    ],
    [
      'fetch wrapping headers timeout',
      Object.assign(new TypeError('fetch failed'), {
        cause: coded('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT'),
      }),
      'timeout',
    ],
    ['bare fetch failed', new TypeError('fetch failed'), 'network_error'],
    ['a programming error', new RangeError('bad index'), undefined],
    ['not an error', 'ECONNRESET', undefined],
  ])('%s', (_label, error, expected) => {
    expect(transportFailureOf(error)).toBe(expected);
  });
});

describe('JimengError', () => {
  const make = (action: JimengErrorAction): JimengError =>
    new JimengError({
      code: '-2001',
      action,
      reason: 'risk_control',
      message: 'm',
      proxyCode: -2001,
      upstreamCode: '1019',
      operation: 'image_generation',
      site: 'cn',
      sessionHint: '****abcd',
    });

  it.each(JIMENG_ERROR_ACTIONS)(
    'action %s: type names it, only a same-account retry is retryable',
    (action) => {
      const e = make(action);
      expect(e.type).toBe(`JimengError.${action}`);
      expect(e.nonRetryable).toBe(action !== A.RETRY_SAME_ACCOUNT);
    },
  );

  it('survives JSON and comes back equal', () => {
    const e = new JimengError({
      code: 'HTTP_429',
      action: A.COOL_DOWN_ACCOUNT,
      reason: 'rate_limited',
      message: 'slow down',
      retryAfterMs: 2000,
      httpStatus: 429,
      mayHaveStartedJob: false,
    });
    const json: unknown = JSON.parse(JSON.stringify(e));
    expect(json).toEqual({
      name: 'JimengError',
      type: 'JimengError.cool_down_account',
      code: 'HTTP_429',
      action: 'cool_down_account',
      reason: 'rate_limited',
      message: 'slow down',
      nonRetryable: true,
      mayHaveStartedJob: false,
      retryAfterMs: 2000,
      httpStatus: 429,
    });
    const back = JimengError.fromJSON(json);
    expect(back).toBeInstanceOf(JimengError);
    expect(back?.toJSON()).toEqual(e.toJSON());
  });

  it('refuses to rebuild from something that is not its JSON', () => {
    expect(
      JimengError.fromJSON({
        name: 'JimengError',
        code: 'x',
        message: 'm',
        action: 'explode',
        reason: 'unknown',
      }),
    ).toBeUndefined();
    expect(JimengError.fromJSON(null)).toBeUndefined();
    expect(JimengError.fromJSON(new Error('x'))).toBeUndefined();
  });
});
