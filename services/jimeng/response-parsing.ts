import type { FailureSignal } from './error-classification';

/*
 * Reads proxy bodies without trusting them. Success and failure both arrive with HTTP 200, so the shape decides:
 * an error envelope has a non-zero numeric `code` and no array in `data`. Anything else that does not match
 * the expected success shape is a malformed body, never a success with missing parts.
 */

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly signal: FailureSignal };

export interface RawHttpResult {
  readonly status: number;
  readonly retryAfterMs?: number;
  readonly body: string;
}

export interface GeneratedItem {
  readonly url?: string;
  readonly b64Json?: string;
  readonly revisedPrompt?: string;
}

export interface GenerationBody {
  readonly created: number;
  readonly items: readonly GeneratedItem[];
  readonly inputImages?: number;
}

export interface SubmitBody {
  readonly created: number;
  readonly historyId: string;
}

export interface TaskBody {
  readonly historyId: string;
  /** The upstream status number; null when the record carries none yet. */
  readonly status: number | null;
  readonly failCode: string;
  readonly items: readonly GeneratedItem[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The error envelope, if the body is one. */
export function envelopeErrorOf(body: unknown): { code: number; message: string } | undefined {
  if (!isObject(body)) return undefined;
  if (typeof body.code !== 'number' || body.code === 0 || Array.isArray(body.data)) return undefined;
  return { code: body.code, message: typeof body.message === 'string' ? body.message : '' };
}

/**
 * Shared first step: 429 wins over any body (it is about the caller's pace, not the request), then an error
 * envelope whatever the status, then bare HTTP errors, then the success shape.
 */
function readBody<T>(raw: RawHttpResult, shape: (body: Json) => T | undefined): Parsed<T> {
  if (raw.status === 429) {
    return {
      ok: false,
      signal: {
        kind: 'http_status',
        status: 429,
        ...(raw.retryAfterMs === undefined ? {} : { retryAfterMs: raw.retryAfterMs }),
      },
    };
  }
  const body = parseJson(raw.body);
  const envelope = envelopeErrorOf(body);
  if (envelope !== undefined)
    return { ok: false, signal: { kind: 'envelope', ...envelope, httpStatus: raw.status } };
  if (raw.status >= 300) return { ok: false, signal: { kind: 'http_status', status: raw.status } };
  const value = isObject(body) ? shape(body) : undefined;
  return value === undefined
    ? { ok: false, signal: { kind: 'malformed_body', httpStatus: raw.status } }
    : { ok: true, value };
}

function itemOf(value: unknown): GeneratedItem | undefined {
  if (!isObject(value)) return undefined;
  const url = typeof value.url === 'string' && value.url !== '' ? value.url : undefined;
  const b64Json = typeof value.b64_json === 'string' && value.b64_json !== '' ? value.b64_json : undefined;
  if (url === undefined && b64Json === undefined) return undefined;
  return {
    ...(url === undefined ? {} : { url }),
    ...(b64Json === undefined ? {} : { b64Json }),
    ...(typeof value.revised_prompt === 'string' ? { revisedPrompt: value.revised_prompt } : {}),
  };
}

function itemsOf(value: unknown): GeneratedItem[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items = value.map(itemOf);
  return items.every((i): i is GeneratedItem => i !== undefined) ? items : undefined;
}

/** `{ created, data: [ {url} | {b64_json} ] }`; an empty list is not a result. */
export function parseGenerationBody(raw: RawHttpResult): Parsed<GenerationBody> {
  return readBody(raw, (body) => {
    const items = itemsOf(body.data);
    if (items === undefined || items.length === 0 || typeof body.created !== 'number') return undefined;
    return {
      created: body.created,
      items,
      ...(typeof body.input_images === 'number' ? { inputImages: body.input_images } : {}),
    };
  });
}

/** `{ created, history_id }` from the async submit route. */
export function parseSubmitBody(raw: RawHttpResult): Parsed<SubmitBody> {
  return readBody(raw, (body) => {
    const historyId =
      typeof body.history_id === 'string'
        ? body.history_id
        : typeof body.history_id === 'number'
          ? String(body.history_id)
          : '';
    if (historyId === '' || typeof body.created !== 'number') return undefined;
    return { created: body.created, historyId };
  });
}

/** `{ history_id, status, fail_code, item_count, results }` from the async task route. */
export function parseTaskBody(raw: RawHttpResult): Parsed<TaskBody> {
  return readBody(raw, (body) => {
    if (typeof body.history_id !== 'string' && typeof body.history_id !== 'number') return undefined;
    const status =
      typeof body.status === 'number'
        ? body.status
        : body.status === null || body.status === undefined
          ? null
          : undefined;
    if (status === undefined) return undefined;
    const items = body.results === null || body.results === undefined ? [] : itemsOf(body.results);
    if (items === undefined) return undefined;
    const failCode =
      typeof body.fail_code === 'string' || typeof body.fail_code === 'number' ? String(body.fail_code) : '';
    return { historyId: String(body.history_id), status, failCode, items };
  });
}

/** `{ live: boolean }` from /token/check. */
export function parseLiveBody(raw: RawHttpResult): Parsed<boolean> {
  return readBody(raw, (body) => (typeof body.live === 'boolean' ? body.live : undefined));
}

export interface Credits {
  readonly giftCredit: number;
  readonly purchaseCredit: number;
  readonly vipCredit: number;
  readonly totalCredit: number;
}

/** `[ { token, points: {…} } ]` from /token/points, for the one token we sent. Arrays are not envelopes. */
export function parsePointsBody(raw: RawHttpResult): Parsed<Credits> {
  if (raw.status === 429 || raw.status >= 300) return readBody<Credits>(raw, () => undefined);
  const body = parseJson(raw.body);
  if (!Array.isArray(body)) return readBody<Credits>(raw, () => undefined);
  const first: unknown = body[0];
  const points = isObject(first) && isObject(first.points) ? first.points : undefined;
  const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const gift = n(points?.giftCredit);
  const purchase = n(points?.purchaseCredit);
  const vip = n(points?.vipCredit);
  const total = n(points?.totalCredit);
  if (gift === undefined || purchase === undefined || vip === undefined || total === undefined) {
    return { ok: false, signal: { kind: 'malformed_body', httpStatus: raw.status } };
  }
  return {
    ok: true,
    value: { giftCredit: gift, purchaseCredit: purchase, vipCredit: vip, totalCredit: total },
  };
}
