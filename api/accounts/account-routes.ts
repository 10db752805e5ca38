import type { GenerationFailureType } from '../../domain/generation/generation-failures';
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Context } from 'koa';
import type { Sequelize } from 'sequelize';
import type { IdSource } from '../../db/ids/snowflake';
import { initialQuotaResetTime } from '../../domain/quota-reset';
import type { accountCheckWorkflow, AccountCheckResult } from '../../workflows/account-check';
import { principalOf } from '../auth/authentication';
import { z } from 'zod';
import { defineRoute, type AnyRoute, type ResponseSpec } from '../http/route';
import { Problem, type FieldProblem } from '../problem';
import {
  accountCheck,
  accountIdParams,
  accountImport,
  accountImportResult,
  accountInput,
  accountListQuery,
  accountPage,
  accountPatch,
  accountResource,
  type AccountCheckView,
} from './account-schemas';
import { cursorFromQuery, decodeTimeCursor, encodeTimeCursor, pageOf } from '../http/keyset-cursor';
import { AccountStore } from './account-store';
import { accountResourceOf, type AccountRow } from './account-view';

export interface AccountRouteDependencies {
  sequelize: Sequelize;
  client: Client;
  taskQueue: string;
  /** QUOTA_TIME_ZONE: the daily quota reset of a new account is the next 00:30 there. */
  quotaTimeZone?: string;
  /** Mints account ids: the process's leased snowflake node id, so they never collide across processes. */
  ids: IdSource;
  now?: () => Date;
}

const DEFAULT_QUOTA_TIME_ZONE = 'Asia/Shanghai';
/** Two activity attempts of 30 s and the retry pause between them: beyond this the check is reported late. */
const CHECK_TIMEOUT = '90 seconds';
const TAG = 'Accounts';

const notFoundResponse = { 404: { description: 'No such account, or it was deleted' } };
const writeResponses: Record<number, ResponseSpec> = {
  400: { description: 'Malformed JSON, Idempotency-Key or If-Match' },
  413: { description: 'Body too large' },
  422: { description: 'Invalid fields, each named in `errors` (unknown fields are refused)' },
};
const idempotencyHeader = {
  name: 'Idempotency-Key',
  description: 'Replays the first response for the same key and body (24 h)',
};
/** `"7"`, `W/"7"` or `*`: what expectedVersionOf() reads (digits spelled out: `\d` is wider in some dialects). */
const IF_MATCH = new RegExp('^(?:\\*|(?:W/)?"([0-9]{1,10})")$');
const ifMatchHeader = {
  name: 'If-Match',
  description: 'The ETag (`"<version>"`) the change is based on: another version answers 412',
  schema: z.string().regex(IF_MATCH),
};

const notFound = (id: string) => new Problem(404, 'Not Found', `no account ${id}`);
const conflict = (detail: string, errors: FieldProblem[] = []) =>
  new Problem(409, 'Conflict', detail, errors, 'https://jimeng-flow.dev/problems/duplicate-account');
const HELD_REASON = 'an account (perhaps a deleted one) already has this session_id on this site';

/** `"7"` → version 7; the tag of every answer that shows one account. */
const etagOf = (row: AccountRow) => `"${row.version ?? 1}"`;

/**
 * Admin routes over the Jimeng account pool (jimeng_accounts). Session ids and proxy URLs go in and never come
 * out: every answer shows them masked, and database errors are stripped before anything can log them.
 */
export function accountRoutes(deps: AccountRouteDependencies): AnyRoute[] {
  const timeZone = deps.quotaTimeZone ?? DEFAULT_QUOTA_TIME_ZONE;
  const store = new AccountStore({
    sequelize: deps.sequelize,
    ids: deps.ids,
    now: deps.now ?? (() => new Date()),
    quotaResetTimeFor: (createdAt) => initialQuotaResetTime(createdAt, timeZone),
  });

  const show = (ctx: Context, row: AccountRow) => {
    ctx.set('ETag', etagOf(row));
    ctx.body = accountResourceOf(row);
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/accounts',
      operationId: 'listAccounts',
      summary: 'Accounts, newest first, filtered, by keyset pages',
      tag: TAG,
      scope: 'admin',
      query: accountListQuery,
      responses: {
        200: {
          description: 'A page of accounts; follow `next_cursor` until it is null',
          schema: accountPage,
        },
        422: { description: 'Invalid filter or cursor' },
      },
      async handler(ctx, { query }) {
        const after = cursorFromQuery(query.cursor, decodeTimeCursor);
        const rows = await store.list(
          {
            ...(query.site_type !== undefined ? { siteType: query.site_type } : {}),
            ...(query.account_status !== undefined ? { accountStatus: query.account_status } : {}),
            ...(query.image_status !== undefined ? { imageStatus: query.image_status } : {}),
            ...(query.video_status !== undefined ? { videoStatus: query.video_status } : {}),
            ...(query.q !== undefined ? { namePrefix: query.q } : {}),
          },
          query.limit + 1,
          after,
        );
        ctx.body = pageOf(rows.map(accountResourceOf), query.limit, (last) =>
          encodeTimeCursor(last.create_time, last.id),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/accounts/:id',
      operationId: 'getAccount',
      summary: 'An account, its session id masked',
      tag: TAG,
      scope: 'admin',
      params: accountIdParams,
      responses: {
        200: { description: 'The account (ETag: its version)', schema: accountResource },
        ...notFoundResponse,
      },
      async handler(ctx, { params }) {
        const row = await store.find(params.id);
        if (!row) throw notFound(params.id);
        show(ctx, row);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/accounts',
      operationId: 'createAccount',
      summary: 'Add an account to the pool',
      description:
        'The account is available at once for images and videos; its daily quota refresh is set to the next ' +
        '00:30 in the quota time zone. `session_id` and `proxy_url` (the outbound proxy the Jimeng proxy uses ' +
        'for this account) are write-only: answers show them masked.',
      tag: TAG,
      scope: 'admin',
      body: accountInput,
      headers: [idempotencyHeader],
      responses: {
        201: { description: 'Created (Location: /v1/accounts/{id})', schema: accountResource },
        ...writeResponses,
        409: { description: 'An account (perhaps a deleted one) already has this session_id on this site' },
      },
      async handler(ctx, { body }) {
        const result = await store.create([body], principalOf(ctx).owner);
        if (!result.ok)
          throw conflict('this session_id is already in the pool on this site', [
            { field: 'body.session_id', reason: HELD_REASON },
          ]);
        const row = result.rows[0]!;
        ctx.status = 201;
        ctx.set('Location', `/v1/accounts/${row.id}`);
        show(ctx, row);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/accounts/import',
      operationId: 'importAccounts',
      summary: 'Add many accounts at once: all of them or none',
      description:
        'A repeated (session_id, site_type) inside the batch is a 422, one already in the pool a 409; both ' +
        'name every offending entry (`body.accounts.<index>.session_id`) and nothing is written.',
      tag: TAG,
      scope: 'admin',
      body: accountImport,
      headers: [idempotencyHeader],
      responses: {
        201: { description: 'Every account created, in the order sent', schema: accountImportResult },
        ...writeResponses,
        409: { description: 'Some entries are already in the pool (each named); nothing was created' },
      },
      async handler(ctx, { body }) {
        const result = await store.create(body.accounts, principalOf(ctx).owner);
        if (!result.ok)
          throw conflict(
            result.conflicts.length > 0
              ? `${result.conflicts.length} of the accounts are already in the pool; none was created`
              : 'another request added some of these accounts meanwhile; none was created',
            result.conflicts.map((index) => ({
              field: `body.accounts.${index}.session_id`,
              reason: HELD_REASON,
            })),
          );
        ctx.status = 201;
        ctx.body = { data: result.rows.map(accountResourceOf) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/accounts/:id',
      operationId: 'updateAccount',
      summary: 'Change priority, retries, statuses, the session id or the proxy of an account',
      description:
        "Every change moves `version` on by one. A capability status set here is the operator's: the daily " +
        'refresh leaves it alone (2, rate limited, is lifted after the usual cooldown). Replacing `session_id` ' +
        'fixes an expired login; set the capability statuses to 1 in the same request to use it at once. ' +
        '`proxy_url: null` removes the proxy.',
      tag: TAG,
      scope: 'admin',
      params: accountIdParams,
      body: accountPatch,
      headers: [ifMatchHeader],
      responses: {
        200: { description: 'The changed account (ETag: its new version)', schema: accountResource },
        ...writeResponses,
        ...notFoundResponse,
        409: { description: 'The new session_id is already used by another account on this site' },
        412: { description: 'If-Match names another version: the account changed meanwhile' },
      },
      async handler(ctx, { params, body }) {
        const expected = expectedVersionOf(ctx.get('If-Match'));
        const result = await store.update(params.id, body, principalOf(ctx).owner, expected);
        if (result.ok) return show(ctx, result.row);
        switch (result.reason) {
          case 'not_found':
            throw notFound(params.id);
          case 'duplicate_session':
            throw conflict('this session_id is already in the pool on this site', [
              { field: 'body.session_id', reason: HELD_REASON },
            ]);
          case 'version_mismatch':
            ctx.set('ETag', etagOf(result.row));
            throw new Problem(
              412,
              'Precondition Failed',
              `the account is at version ${result.row.version ?? 1}, not ${expected}: read it again`,
            );
        }
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/accounts/:id',
      operationId: 'deleteAccount',
      summary: 'Remove an account from the pool (soft delete)',
      description:
        'The row stays (is_deleted = 1) for the generation records that name it; the pool stops leasing it. ' +
        'Deleting it again answers 404, as for any account that is not there. Its session_id stays taken on ' +
        'its site.',
      tag: TAG,
      scope: 'admin',
      params: accountIdParams,
      responses: {
        204: { description: 'Deleted' },
        ...notFoundResponse,
      },
      async handler(ctx, { params }) {
        if (!(await store.softDelete(params.id, principalOf(ctx).owner))) throw notFound(params.id);
        ctx.status = 204;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/accounts/:id/test',
      operationId: 'testAccount',
      summary: 'Test an account: is its session alive, how many credits does it have',
      description:
        'Runs the `accountCheckWorkflow` on the worker, which asks the Jimeng proxy. Nothing is changed. An ' +
        'upstream failure is part of the answer (`error`), not an error of this request.',
      tag: TAG,
      scope: 'admin',
      params: accountIdParams,
      headers: [idempotencyHeader],
      responses: {
        200: { description: 'The result of the check', schema: accountCheck },
        400: { description: 'Malformed Idempotency-Key' },
        ...notFoundResponse,
        504: { description: `No answer within ${CHECK_TIMEOUT} (is a worker running?)` },
      },
      async handler(ctx, { params }) {
        if (!(await store.find(params.id))) throw notFound(params.id);
        let result: AccountCheckResult;
        try {
          result = await deps.client.workflow.execute<typeof accountCheckWorkflow>('accountCheckWorkflow', {
            taskQueue: deps.taskQueue,
            workflowId: `account-check/${params.id}/${Date.now()}`,
            workflowExecutionTimeout: CHECK_TIMEOUT,
            args: [{ accountId: params.id }],
          });
        } catch (err) {
          throw problemOfCheck(err, params.id);
        }
        ctx.body = checkViewOf(result);
      },
    }),
  ];
}

/** If-Match: `"7"` (or W/"7") → 7; `*` or absent → no precondition. */
function expectedVersionOf(header: string): number | undefined {
  const value = header.trim();
  if (value === '') return undefined;
  const match = IF_MATCH.exec(value);
  if (!match)
    throw new Problem(400, 'Bad Request', 'If-Match must be the ETag of the account, e.g. "3"', [
      { field: 'header.If-Match', reason: 'not an ETag this API issued' },
    ]);
  return match[1] === undefined ? undefined : Number(match[1]);
}

function checkViewOf(result: AccountCheckResult): AccountCheckView {
  return {
    account_id: result.accountId,
    live: result.live,
    credits: result.credits,
    checked_at: result.checkedAt,
    error: result.error ?? null,
  };
}

/** The check workflow's failure, as the operator's problem: gone meanwhile → 404, too slow → 504. */
function problemOfCheck(err: unknown, id: string): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  if (
    cause instanceof ApplicationFailure &&
    cause.type === ('UnknownAccount' satisfies GenerationFailureType)
  )
    return notFound(id);
  if (cause instanceof TimeoutFailure)
    return new Problem(504, 'Gateway Timeout', `the account check did not finish within ${CHECK_TIMEOUT}`);
  return err;
}
