import type { Middleware, ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { ApiKeyScope } from '../../db/codes';
import type { ResponseSpec } from '../http/route';
import { Problem } from '../problem';
import { hashApiKey, isWellFormedApiKey, maskApiKey } from './api-key-secret';

/** Who a request acts for, as authenticate() leaves it in `ctx.state.apiKey`. */
export interface ApiKeyPrincipal {
  id: string;
  /** The tenant: what the request creates belongs to it. */
  owner: string;
  scope: ApiKeyScope;
  name: string | null;
  prefix: string;
}

export interface AuthenticationDependencies {
  sequelize: Sequelize;
  now?: () => Date;
  logger?: Logger;
  /** How long a looked-up key is believed without asking MySQL again: also how late a revocation bites. */
  cacheTtlMs?: number;
  /** Bounds the cache when callers send many different keys (most of them unknown, presumably). */
  cacheMaxEntries?: number;
}

const WWW_AUTHENTICATE = 'Bearer realm="jimeng-flow"';
const DEFAULT_CACHE_TTL_MS = 30_000;
const DEFAULT_CACHE_MAX_ENTRIES = 10_000;
/** last_used_at is for operators deciding which keys are dead: minute resolution is plenty. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface ApiKeyRow {
  id: string;
  key_prefix: string;
  name: string | null;
  owner: string;
  scope: ApiKeyScope;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

interface KnownKey {
  principal: ApiKeyPrincipal;
  revoked: boolean;
  /** Milliseconds; moved forward when this process records a use, so it writes at most once a minute. */
  lastUsedAt: number;
}

interface CacheEntry {
  /** A promise, so concurrent requests with the same uncached key share one query. */
  lookup: Promise<KnownKey | null>;
  expiresAt: number;
}

/**
 * Resolves `Authorization: Bearer <key>` to the key's principal, or answers 401. The key is hashed at once
 * and only its hash is kept (in the cache) or its mask logged.
 */
export function authenticate(deps: AuthenticationDependencies): Middleware {
  const now = deps.now ?? (() => new Date());
  const ttlMs = deps.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const maxEntries = deps.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
  const cache = new Map<string, CacheEntry>();

  function lookup(hash: string, at: number): Promise<KnownKey | null> {
    const cached = cache.get(hash);
    if (cached && cached.expiresAt > at) return cached.lookup;
    cache.delete(hash);
    // Map keeps insertion order: the first entry is the oldest, the one to give up.
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    const entry: CacheEntry = { lookup: findKey(deps.sequelize, hash), expiresAt: at + ttlMs };
    cache.set(hash, entry);
    // A failed query must not be remembered: the next request asks again.
    entry.lookup.catch(() => {
      if (cache.get(hash) === entry) cache.delete(hash);
    });
    return entry.lookup;
  }

  function recordUse(known: KnownKey, at: Date): void {
    if (at.getTime() - known.lastUsedAt < LAST_USED_RESOLUTION_MS) return;
    known.lastUsedAt = at.getTime();
    // Off the request's path: a slow or failing write must not delay or fail the call it describes.
    deps.sequelize
      .query(
        'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
        { replacements: [at, known.principal.id, at] },
      )
      .catch((err: unknown) =>
        deps.logger?.warn({ err, apiKeyId: known.principal.id }, 'could not record the use of an API key'),
      );
  }

  return async (ctx, next) => {
    const reject = (detail: string, logged: Record<string, unknown>, invalidToken: boolean): never => {
      ctx.set(
        'WWW-Authenticate',
        invalidToken ? `${WWW_AUTHENTICATE}, error="invalid_token"` : WWW_AUTHENTICATE,
      );
      deps.logger?.info({ ...logged, path: ctx.path }, 'request not authenticated');
      throw new Problem(401, 'Unauthorized', detail);
    };

    const header = ctx.get('Authorization').trim();
    if (header === '') {
      return reject('send the API key as "Authorization: Bearer <key>"', { reason: 'missing' }, false);
    }
    const match = /^(\S+)\s+(\S+)$/.exec(header);
    // The scheme is not echoed: a caller who forgot "Bearer " would see (and we would log) the key itself.
    if (!match || match[1]!.toLowerCase() !== 'bearer') {
      return reject('the Authorization header must be "Bearer <key>"', { reason: 'not bearer' }, false);
    }
    const key = match[2]!;
    const masked = maskApiKey(key);
    if (!isWellFormedApiKey(key)) {
      return reject(
        'the bearer token is not a jimeng-flow API key',
        { reason: 'malformed', key: masked },
        true,
      );
    }

    const at = now();
    const known = await lookup(hashApiKey(key), at.getTime());
    if (!known) return reject('the API key is not known', { reason: 'unknown', key: masked }, true);
    if (known.revoked) {
      return reject(
        'the API key has been revoked',
        { reason: 'revoked', apiKeyId: known.principal.id },
        true,
      );
    }

    recordUse(known, at);
    ctx.state.apiKey = known.principal;
    await next();
  };
}

/** The authenticated principal of a request; a route mounted without authenticate() answers 401, not 500. */
export function principalOf(ctx: Pick<ParameterizedContext, 'state' | 'set'>): ApiKeyPrincipal {
  const principal: unknown = ctx.state.apiKey;
  if (!isPrincipal(principal)) {
    ctx.set('WWW-Authenticate', WWW_AUTHENTICATE);
    throw new Problem(401, 'Unauthorized', 'this route needs an API key: send "Authorization: Bearer <key>"');
  }
  return principal;
}

/** Scopes are ranked: an admin key may do everything a caller key may. */
const SCOPE_RANK: Record<ApiKeyScope, number> = { caller: 0, admin: 1 };

/** Answers 403 unless the request's key has `scope` (or a higher one); mount it after authenticate(). */
export function requireScope(scope: ApiKeyScope): Middleware {
  return async (ctx, next) => {
    const principal = principalOf(ctx);
    if (SCOPE_RANK[principal.scope] < SCOPE_RANK[scope]) {
      throw new Problem(
        403,
        'Forbidden',
        `this route needs an API key with scope "${scope}"; this key has scope "${principal.scope}"`,
      );
    }
    await next();
  };
}

async function findKey(sequelize: Sequelize, hash: string): Promise<KnownKey | null> {
  const rows = await sequelize.query<ApiKeyRow>(
    `SELECT id, key_prefix, name, owner, scope, last_used_at, revoked_at FROM api_keys WHERE key_hash = ?`,
    { replacements: [hash], type: QueryTypes.SELECT },
  );
  const row = rows[0];
  if (!row) return null;
  return {
    // Shared by every request with this key while cached: frozen so no handler can change it for the others.
    principal: Object.freeze({
      id: row.id,
      owner: row.owner,
      scope: row.scope,
      name: row.name,
      prefix: row.key_prefix,
    }),
    revoked: row.revoked_at !== null,
    lastUsedAt: row.last_used_at?.getTime() ?? Number.NEGATIVE_INFINITY,
  };
}

function isPrincipal(value: unknown): value is ApiKeyPrincipal {
  const candidate = value as Partial<ApiKeyPrincipal> | null | undefined;
  return (
    typeof candidate?.id === 'string' &&
    typeof candidate.owner === 'string' &&
    (candidate.scope === 'caller' || candidate.scope === 'admin')
  );
}

/** What authenticate() answers instead of the route, for the document. */
export const AUTHENTICATION_RESPONSES: Record<number, ResponseSpec> = {
  401: { description: 'Missing, malformed, unknown or revoked API key (see WWW-Authenticate)' },
};

/** What requireScope(scope) answers instead of the route, for the document. */
export function scopeResponses(scope: ApiKeyScope): Record<number, ResponseSpec> {
  return { 403: { description: `The API key does not have the ${scope} scope` } };
}
