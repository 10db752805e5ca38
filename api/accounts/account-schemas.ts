import { z } from 'zod';
import { timeCursorParam } from '../http/keyset-cursor';
import { textField } from '../schemas/text-field';
import { PROXY_URL_MAX_LENGTH, PROXY_URL_PATTERN, proxyUrlProblem } from '../../domain/jimeng/proxy-url';

/*
 * The wire shapes of the account routes. Codes are the seed's TINYINT values (db/codes.ts), kept as
 * numbers so the API, the table and the operators' SQL all speak the same vocabulary.
 */

/** The seed's column is INT: anything outside would be refused (or clipped) by the database, not by us. */
const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
/** README, Account pool and backoff: the table of waits goes to 11+ (capped), so 12 covers every step. */
export const MAX_RETRY_COUNT_LIMIT = 12;
export const MAX_IMPORT = 500;

const siteType = z.literal([0, 1, 2, 3, 4]).meta({ description: '站点类型: 0 cn, 1 us, 2 hk, 3 jp, 4 sg' });
const accountType = z.literal([0, 1]).meta({ description: '即梦账号类型: 0 domestic, 1 overseas' });
const accountStatus = z
  .literal([0, 1, 2])
  .meta({ description: '账号状态: 0 active, 1 inactive (switched off), 2 banned' });
const capabilityStatus = (what: string) =>
  z.literal([0, 1, 2]).meta({ description: `${what}: 0 unavailable, 1 available, 2 rate limited` });
const priority = z
  .number()
  .int()
  .min(INT32.min)
  .max(INT32.max)
  .meta({ description: '账号优先级: higher is leased first' });
const maxRetryCount = z
  .number()
  .int()
  .min(0)
  .max(MAX_RETRY_COUNT_LIMIT)
  .meta({ description: 'Retries a request may spend on this account (README, backoff table)' });

/**
 * A session id is a cookie value sent as a bearer token: printable ASCII, and none of what the Jimeng proxy
 * reads as syntax (a comma separates several tokens, a region prefix selects the site, which comes from
 * site_type here). ASCII also keeps the unique key (session_id, site_type), compared by a case-insensitive
 * collation, predictable: two ids differ for it exactly when they differ other than in letter case.
 */
/** The proxy's site prefixes, in either case (spelled out: the document's patterns take no flags). */
const REGION_PREFIX = /^(?:[Uu][Ss]|[Hh][Kk]|[Jj][Pp]|[Ss][Gg])-/;
const sessionId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .regex(/^[^,@]+$/, 'must not contain a comma or an @')
  .refine((s) => !REGION_PREFIX.test(s), 'must not carry a region prefix: the site is site_type')
  .meta({
    description: '登录状态ID (write-only: answers show it masked)',
    writeOnly: true,
    not: { pattern: REGION_PREFIX.source },
  });

/**
 * The account's outbound proxy, sent to the Jimeng proxy in front of the token (domain/jimeng/proxy-url.ts
 * says which URLs it reads as meant). A credential like the session id: write-only, shown masked. Null: none.
 */
const proxyUrl = z
  .string()
  .superRefine((value, ctx) => {
    const problem = proxyUrlProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  // What the check accepts, for the document: the refinement's reasons stay the caller's answer.
  .meta({ pattern: PROXY_URL_PATTERN, maxLength: PROXY_URL_MAX_LENGTH })
  .nullable()
  .meta({
    description:
      '出口代理 (write-only: answers show it masked): scheme://[user:password@]host:port, the scheme http, ' +
      `https, socks, socks4 or socks5, at most ${PROXY_URL_MAX_LENGTH} characters, one @ at most (write an @ ` +
      'in the credentials as %40), no comma; null for none',
    writeOnly: true,
    examples: ['socks5://user:password@proxy.example.com:1080', null],
  });

export const accountInput = z
  .strictObject({
    jimeng_account: textField({ max: 100, required: true, description: '即梦账号' }),
    session_id: sessionId,
    jimeng_account_type: accountType.default(0),
    site_type: siteType.default(0),
    priority: priority.default(0),
    max_retry_count: maxRetryCount.default(4),
    proxy_url: proxyUrl.optional(),
  })
  .meta({ id: 'AccountInput', description: 'A Jimeng account for the pool' });
export type AccountInput = z.output<typeof accountInput>;

/** The unique key (session_id, site_type) as the table's case-insensitive collation compares it. */
export const sessionSiteKey = (account: { session_id: string; site_type: number }): string =>
  `${account.site_type}:${account.session_id.toLowerCase()}`;

export const accountImport = z
  .strictObject({ accounts: z.array(accountInput).min(1).max(MAX_IMPORT) })
  .superRefine(
    (body, ctx) => {
      // A batch that contradicts itself is refused whole, each repeat named, before the database is asked.
      const first = new Map<string, number>();
      body.accounts.forEach((account, index) => {
        const key = sessionSiteKey(account);
        const seen = first.get(key);
        if (seen === undefined) first.set(key, index);
        else
          ctx.addIssue({
            code: 'custom',
            path: ['accounts', index, 'session_id'],
            message: `the same session_id and site_type as accounts.${seen}`,
          });
      });
    },
    // Entries are compared once each is valid (a missing session_id has nothing to compare).
    { when: (payload) => payload.issues.length === 0 },
  )
  .meta({ id: 'AccountImport', description: `1-${MAX_IMPORT} accounts, created all or none` });

export const accountPatch = z
  .strictObject({
    priority: priority.optional(),
    max_retry_count: maxRetryCount.optional(),
    account_status: accountStatus.optional(),
    image_generation_status: capabilityStatus('生图状态').optional(),
    video_generation_status: capabilityStatus('生视频状态').optional(),
    session_id: sessionId
      .optional()
      .meta({ description: 'A new session id for the account (write-only): how an expired login is fixed' }),
    proxy_url: proxyUrl.optional().meta({
      description: 'A new outbound proxy URL (write-only, as on creation), or null to call directly',
    }),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'name at least one field to change',
    // Only for a patch that is otherwise valid: `{ "typo": 1 }` is about the typo, not about emptiness.
    when: (payload) => payload.issues.length === 0,
  })
  .meta({
    id: 'AccountPatch',
    description: 'The fields to change (at least one); the others stay as they are',
    minProperties: 1,
  });
export type AccountPatch = z.output<typeof accountPatch>;

export const accountIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,36}$/, 'must be an account id')
    .meta({ description: 'Account id' }),
});

export const accountListQuery = z.strictObject({
  site_type: z.coerce.number().int().min(0).max(4).optional().meta({ description: '0-4, see site_type' }),
  account_status: z.coerce.number().int().min(0).max(2).optional(),
  image_status: z.coerce
    .number()
    .int()
    .min(0)
    .max(2)
    .optional()
    .meta({ description: 'image_generation_status' }),
  video_status: z.coerce
    .number()
    .int()
    .min(0)
    .max(2)
    .optional()
    .meta({ description: 'video_generation_status' }),
  q: textField({ max: 100, min: 1, required: false, description: 'Prefix of jimeng_account' }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: timeCursorParam,
});
export type AccountListQuery = z.output<typeof accountListQuery>;

const time = (description: string) => z.string().meta({ description: `${description} (ISO 8601)` });

export const accountResource = z
  .object({
    id: z.string().meta({ description: 'Account id (snowflake)' }),
    jimeng_account: z.string(),
    jimeng_account_type: z.number().int(),
    session_id: z.string().meta({ description: 'Masked: the first and last 4 characters at most' }),
    proxy_url: z
      .string()
      .nullable()
      .meta({
        description:
          'Masked: scheme, host and port, the credentials shown as `…` (`socks5://…@proxy.example.com:1080`; ' +
          'sent back, the `…` is refused); `…` alone for a stored value this API would not accept; null: none',
      }),
    site_type: z.number().int(),
    account_status: z.number().int(),
    image_generation_status: z.number().int(),
    video_generation_status: z.number().int(),
    image_count: z.number().int().meta({ description: 'Image calls since the last daily refresh' }),
    video_count: z.number().int().meta({ description: 'Video calls since the last daily refresh' }),
    image_unavailable_time: time('When images became unavailable automatically').nullable(),
    video_unavailable_time: time('When videos became unavailable automatically').nullable(),
    quota_reset_time: time('Next daily refresh').nullable(),
    priority: z.number().int(),
    max_retry_count: z.number().int(),
    version: z.number().int().meta({ description: 'Grows by one with every change (ETag, If-Match)' }),
    create_time: time('Created'),
    update_time: time('Last changed'),
  })
  .meta({ id: 'Account' });
export type AccountResource = z.output<typeof accountResource>;

export const accountPage = z
  .object({ data: z.array(accountResource), next_cursor: z.string().nullable() })
  .meta({ id: 'AccountPage' });

export const accountImportResult = z
  .object({ data: z.array(accountResource) })
  .meta({ id: 'AccountImportResult', description: 'The created accounts, in the order sent' });

export const accountCheck = z
  .object({
    account_id: z.string(),
    live: z
      .boolean()
      .meta({ description: 'The upstream accepted the session (a false is a hint, not proof)' }),
    credits: z
      .number()
      .nullable()
      .meta({ description: 'Total credits of a live session, if they could be read' }),
    checked_at: time('When the check ran'),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .meta({ description: 'Why the upstream could not answer (never the session id)' }),
  })
  .meta({ id: 'AccountCheck' });
export type AccountCheckView = z.output<typeof accountCheck>;
