import { createHash } from 'node:crypto';
import type { Middleware, ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import { sqlTime } from '../../db/sql-time';
import { QueryTypes, type Sequelize } from 'sequelize';
import { isUniqueViolation } from '../../db/errors';
import { principalOf } from '../auth/authentication';
import type { HeaderSpec, ResponseSpec } from '../http/route';
import { Problem, PROBLEM_CONTENT_TYPE } from '../problem';
import { z } from 'zod';
import type { InFlightClaims } from './in-flight-claims';

export interface IdempotencyDependencies {
  sequelize: Sequelize;
  /** How long a finished request's response is replayed for its key; 24 h unless given. */
  ttlMs?: number;
  /**
   * How long a claimed key waits for its request to finish before the claim counts as abandoned (its
   * process died, or the database went away before the claim could be let go) and the key may run again;
   * 2 min unless given: twice the longest handler (a `Prefer: wait=60` POST), and short enough that a caller
   * retrying after a database restart is not kept out for long.
   */
  claimTimeoutMs?: number;
  now?: () => Date;
  logger?: Logger;
  /** Where the claims of running requests are listed, so the shutdown deadline can let them go. */
  inFlight?: InFlightClaims;
}

const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_CLAIM_TIMEOUT_MS = 2 * 60 * 1000;
/** 1-255 printable ASCII characters; HTTP strips spaces around a header value, so none can start or end it. */
const KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;
const KEY_FIELD = 'header.Idempotency-Key';
/** Only what a caller needs to use the replayed answer; the rest (dates, rate limits) belongs to the retry. */
const REPLAYED_HEADERS = ['Content-Type', 'Location'] as const;
/** 4xx answers that say "try again": storing them would make a retry with the same key fail for a day. */
const TRANSIENT_CLIENT_STATUSES = new Set([408, 409, 425, 429]);
const MAX_CLAIM_ATTEMPTS = 3;

interface StoredRow {
  request_hash: string;
  state: 'in_progress' | 'done';
  response_status: number | null;
  /** MySQL 8 returns JSON columns parsed; MariaDB's JSON is LONGTEXT and comes back as text. */
  response_headers: string | Record<string, string> | null;
  response_body: string | null;
  expires_at: Date;
}

type Claim = { claimed: true; at: Date } | { claimed: false; row: StoredRow };

/** What is kept of a response: null text = no body. */
interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  text: string | null;
}

/** The header as the document shows it: the schema is the pattern the middleware checks. */
export const IDEMPOTENCY_KEY_HEADER: HeaderSpec = {
  name: 'Idempotency-Key',
  description: 'Replays the first response for the same key and request (24 h)',
  schema: z.string().regex(KEY_PATTERN),
};

/** What idempotency() answers instead of the route, for the document. */
export const IDEMPOTENCY_RESPONSES: Record<number, ResponseSpec> = {
  400: { description: 'Malformed Idempotency-Key' },
  409: { description: 'A request with this Idempotency-Key is still in progress; see Retry-After' },
  422: { description: 'Idempotency-Key reused with another request' },
};

/**
 * `Idempotency-Key` on POST: the first request with a key runs, a retry with the same key and the same
 * request gets the first response again without running anything, the key reused for a different request
 * is refused (422). Keys belong to the API key's owner, so two tenants never see each other's.
 *
 * Mount after authenticate() and after the middleware that leaves the raw body in `ctx.state.rawBody`.
 */
export function idempotency(deps: IdempotencyDependencies): Middleware {
  const { sequelize } = deps;
  const now = deps.now ?? (() => new Date());
  const ttlMs = deps.ttlMs ?? DEFAULT_TTL_MS;
  const claimTimeoutMs = deps.claimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS;

  return async (ctx, next) => {
    const header = ctx.request.headers['idempotency-key'];
    if (ctx.method !== 'POST' || header === undefined) return next();
    const key = Array.isArray(header) ? header.join(', ') : header;
    if (!KEY_PATTERN.test(key)) {
      throw new Problem(400, 'Bad Request', 'the Idempotency-Key header is not valid', [
        { field: KEY_FIELD, reason: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    const { owner } = principalOf(ctx);
    const requestHash = hashRequest(ctx);
    // Handlers whose effect outlives a lost answer (a generation started, then a 5xx) key that effect by it.
    ctx.state.idempotencyKey = key;

    const claim = await claimKey();
    if (!claim.claimed) return answerFromRow(ctx, claim.row, requestHash);

    // The claim is identified by its time (DATETIME(3)): after an abandoned claim was taken over, the late
    // first request must neither overwrite nor delete its successor's row.
    const claimed = claim.at;
    // Listed until settled: a shutdown that cuts the request before then lets the claim go.
    const untrack = deps.inFlight?.track(() => release(claimed));
    try {
      try {
        await next();
      } catch (err) {
        if (err instanceof Problem && isFinal(err.status)) {
          await settle(() => store(claimed, problemResponse(err)));
        } else {
          await settle(() => release(claimed));
        }
        throw err;
      }
      const response = isFinal(ctx.status) ? capture(ctx) : null;
      await settle(() => (response ? store(claimed, response) : release(claimed)));
    } finally {
      untrack?.();
    }

    async function claimKey(): Promise<Claim> {
      for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        const at = now();
        try {
          await sequelize.query(
            `INSERT INTO api_idempotency_keys
               (owner, idempotency_key, method, path, request_hash, state, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?)`,
            {
              replacements: [
                owner,
                key,
                ctx.method,
                ctx.path.slice(0, 500),
                requestHash,
                sqlTime(at),
                sqlTime(new Date(at.getTime() + claimTimeoutMs)),
              ],
              type: QueryTypes.INSERT,
            },
          );
          return { claimed: true, at };
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
        }
        const [row] = await sequelize.query<StoredRow>(
          `SELECT request_hash, state, response_status, response_headers, response_body, expires_at
             FROM api_idempotency_keys WHERE owner = ? AND idempotency_key = ?`,
          { replacements: [owner, key], type: QueryTypes.SELECT },
        );
        // Gone already: its request failed and released the key. Claim it again.
        if (!row) continue;
        if (row.expires_at.getTime() > at.getTime()) return { claimed: false, row };
        // Expired: the key is new again. Only the expired row goes, in case another request claimed it since.
        await sequelize.query(
          'DELETE FROM api_idempotency_keys WHERE owner = ? AND idempotency_key = ? AND expires_at <= ?',
          { replacements: [owner, key, sqlTime(at)] },
        );
      }
      ctx.set('Retry-After', '1');
      throw new Problem(409, 'Conflict', 'other requests with this Idempotency-Key are racing; retry later');
    }

    async function store(claimedAt: Date, response: StoredResponse): Promise<void> {
      const at = now();
      await sequelize.query(
        `UPDATE api_idempotency_keys
            SET state = 'done', response_status = ?, response_headers = ?, response_body = ?, expires_at = ?
          WHERE owner = ? AND idempotency_key = ? AND state = 'in_progress' AND created_at = ?`,
        {
          replacements: [
            response.status,
            JSON.stringify(response.headers),
            response.text,
            sqlTime(new Date(at.getTime() + ttlMs)),
            owner,
            key,
            sqlTime(claimedAt),
          ],
        },
      );
    }

    /** The request did not finish with an answer worth repeating: the caller may retry with the same key. */
    async function release(claimedAt: Date): Promise<void> {
      await sequelize.query(
        `DELETE FROM api_idempotency_keys
          WHERE owner = ? AND idempotency_key = ? AND state = 'in_progress' AND created_at = ?`,
        { replacements: [owner, key, sqlTime(claimedAt)] },
      );
    }

    /**
     * The response is already decided; failing it now would make the caller retry into our own claim.
     * A claim left behind expires after claimTimeoutMs.
     */
    async function settle(write: () => Promise<void>): Promise<void> {
      try {
        await write();
      } catch (err) {
        deps.logger?.error({ err, owner, path: ctx.path }, 'could not record an idempotent request');
      }
    }
  };
}

/**
 * Method, the URL as sent (path and query) and the exact body bytes: any difference is a different
 * request. Query strings count because they can change what a POST does.
 */
function hashRequest(ctx: ParameterizedContext): string {
  const raw: unknown = ctx.state.rawBody;
  return createHash('sha256')
    .update(`${ctx.method}\n${ctx.originalUrl}\n`)
    .update(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0))
    .digest('hex');
}

/**
 * UTC (the session time zone) with milliseconds: Sequelize writes a Date replacement to the second, which
 * would blur the DATETIME(3) that identifies a claim.
 */

/** 2xx-4xx answers are kept, except 5xx and the 4xx that ask to try again. */
function isFinal(status: number): boolean {
  return status < 500 && !TRANSIENT_CLIENT_STATUSES.has(status);
}

function answerFromRow(ctx: ParameterizedContext, row: StoredRow, requestHash: string): void {
  if (row.request_hash !== requestHash) {
    throw new Problem(
      422,
      'Idempotency key reused with a different request',
      'this Idempotency-Key was first used with a different method, URL or body; use a new key for a new request',
      [{ field: KEY_FIELD, reason: 'already used for a different request' }],
    );
  }
  if (row.state === 'in_progress') {
    ctx.set('Retry-After', '1');
    throw new Problem(
      409,
      'Conflict',
      'a request with this Idempotency-Key is still in progress; retry later to get its response',
    );
  }
  const headers: Record<string, string> =
    typeof row.response_headers === 'string'
      ? JSON.parse(row.response_headers)
      : (row.response_headers ?? {});
  ctx.set('Idempotent-Replayed', 'true');
  const contentType = headers['Content-Type'];
  // Problems go back through problemDetails, so a replayed one looks exactly like the first.
  if (contentType?.startsWith(PROBLEM_CONTENT_TYPE) && row.response_body !== null) {
    throw problemFromBody(row.response_status!, row.response_body);
  }
  ctx.status = row.response_status!;
  if (row.response_body !== null) ctx.body = row.response_body;
  for (const name of REPLAYED_HEADERS) if (headers[name] !== undefined) ctx.set(name, headers[name]);
}

function capture(ctx: ParameterizedContext): StoredResponse | null {
  const text = bodyText(ctx.body);
  if (text === undefined) return null;
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = ctx.response.get(name);
    if (typeof value === 'string' && value !== '') headers[name] = value;
  }
  return { status: ctx.status, headers, text };
}

/** The body as text to store, null for none, undefined when it cannot be replayed (a stream, binary). */
function bodyText(body: unknown): string | null | undefined {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) {
    const text = body.toString('utf8');
    return Buffer.from(text, 'utf8').equals(body) ? text : undefined;
  }
  if (typeof (body as { pipe?: unknown }).pipe === 'function') return undefined;
  return JSON.stringify(body);
}

function problemResponse(problem: Problem): StoredResponse {
  return {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE },
    text: JSON.stringify({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      errors: problem.errors,
    }),
  };
}

function problemFromBody(status: number, text: string): Problem {
  const body = JSON.parse(text) as {
    type?: string;
    title?: string;
    detail?: string;
    errors?: Problem['errors'];
  };
  return new Problem(status, body.title ?? 'Error', body.detail, body.errors ?? [], body.type);
}
