import {
  startJimengSimulator,
  type JimengSimulator,
  type JimengSimulatorOptions,
} from '../../../dev/jimeng-sim/simulator';

/*
 * Shared helpers of the simulator's specification tests. They talk to it with plain fetch, never through the
 * client, so the two readings of the proxy are checked against each other rather than against themselves.
 */

export interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

/** Short latencies for tests: the defaults are the realistic ones (tens of seconds, minutes). */
export const FAST = {
  imageMs: 1,
  compositionMs: 1,
  videoMs: 20,
  retryDelayMs: 1,
  upstreamTimeoutMs: 1,
} as const;

let sims: JimengSimulator[] = [];

export async function start(options: JimengSimulatorOptions = {}): Promise<JimengSimulator> {
  const sim = await startJimengSimulator({
    port: 0,
    ...options,
    latency: { ...FAST, ...options.latency },
  });
  sims.push(sim);
  return sim;
}

export async function stopAll(): Promise<void> {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
}

export async function call(
  sim: JimengSimulator,
  method: string,
  path: string,
  opts: {
    token?: string;
    authorization?: string;
    body?: unknown;
    rawBody?: string;
    contentType?: string;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD'
      ? {}
      : { body: opts.rawBody ?? JSON.stringify(opts.body ?? {}) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export const image = (
  sim: JimengSimulator,
  token: string,
  body: Record<string, unknown> = {},
): Promise<Answer> =>
  call(sim, 'POST', '/v1/images/generations', { token, body: { prompt: 'a cat', ...body } });

/** An image call whose caller hangs up after `afterMs` (a cancelled job, a killed worker); resolves once it has. */
export async function abandonedImage(sim: JimengSimulator, token: string, afterMs = 50): Promise<void> {
  const caller = new AbortController();
  const lost = fetch(`${sim.url}/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ prompt: 'a cat' }),
    signal: caller.signal,
  }).catch(() => 'gone');
  await new Promise((r) => setTimeout(r, afterMs));
  caller.abort();
  expect(await lost).toBe('gone');
}

export const composition = (
  sim: JimengSimulator,
  token: string,
  body: Record<string, unknown> = {},
): Promise<Answer> =>
  call(sim, 'POST', '/v1/images/compositions', {
    token,
    body: { prompt: 'mix', images: ['http://x/a.png'], ...body },
  });

export const video = (
  sim: JimengSimulator,
  token: string,
  body: Record<string, unknown> = {},
): Promise<Answer> =>
  call(sim, 'POST', '/v1/videos/generations', { token, body: { prompt: 'waves', ...body } });

export const codeOf = (a: Answer): number | undefined => (a.json as { code?: number } | undefined)?.code;
export const messageOf = (a: Answer): string | undefined =>
  (a.json as { message?: string } | undefined)?.message;
export const itemsOf = (a: Answer): { url?: string; b64_json?: string; revised_prompt?: string }[] =>
  (a.json as { data: { url?: string; b64_json?: string }[] }).data;

/** The proxy's error envelope, HTTP 200, exactly. */
export function expectEnvelope(a: Answer, code: number, message: string): void {
  expect(a.status).toBe(200);
  expect(a.json).toEqual({ code, message, data: null });
}

/** A success body: HTTP 200 with a `data` array and no `code`. */
export function expectSuccess(a: Answer): void {
  expect(a.status).toBe(200);
  expect(codeOf(a)).toBeUndefined();
  expect(Array.isArray((a.json as { data?: unknown }).data)).toBe(true);
}

export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Exact texts the tests hold the simulator to, written out from the proxy's source (not imported from it). */
export const TEXT = {
  deadSession: "Cannot read properties of undefined (reading 'gift_credit')",
  loginError: '[登录失效]: login error。请重新获取refresh_token并更新配置',
  prededuct:
    '[积分不足]: credit prededuct not enough。建议：1)尝试使用1024x1024分辨率，2)检查是否需要购买积分，3)确认账户状态正常',
  claimFailed: '积分不足且无法自动收取。请访问即梦官网手动收取首次积分，或检查账户状态。',
  shark1019: '[请求失败]: shark not pass (错误码: 1019)',
  contentCheck: '图片内容检测未通过，该图片可能包含违规内容',
} as const;
