import type { Client } from '@temporalio/client';
import type { Context } from 'koa';
import type { Sequelize } from 'sequelize';
import { principalOf } from '../auth/authentication';
import { tenantScopeOf } from '../auth/tenant-scope';
import { Problem, type FieldProblem } from '../problem';
import { defineRoute, type AnyRoute } from '../http/route';
import { cursorFromQuery, pageOf } from '../http/keyset-cursor';
import { rechargeThroughWorkflow } from './points-recharge';
import {
  balanceQuery,
  pointsBalance,
  pointTransactionPage,
  rechargeRequest,
  rechargeResult,
  transactionsQuery,
  EXPIRING_BATCHES_SHOWN,
  type PointTransactionView,
} from './points-schemas';
import { PointsReads, type PointTransaction } from '../../services/points/points-reads';
import { canSee, TenantOwnership } from '../../services/tenants/tenant-ownership';
import { decodeTransactionCursor, encodeTransactionCursor } from './transaction-cursor';

export interface PointsRouteDependencies {
  sequelize: Sequelize;
  client: Client;
  taskQueue: string;
}

/** Points belong to end users, and end users to the tenant that used them first (a recharge or a generation). */
const READ_RULE =
  "A caller key reads its own tenant's users; another tenant's user, or one no tenant has used yet, is a 404, " +
  "the same answer as for a user who does not exist. An admin key reads every tenant's users (with `tenant`: " +
  "only that tenant's).";

/** The same answer for another tenant's user as for one that does not exist: its existence is not told. */
const noSuchUser = (userId: string) =>
  new Problem(404, 'Not Found', `no user ${userId}`, [
    { field: 'query.user_id', reason: 'no such user for this tenant' },
  ]);

/** Points: balance and transactions for callers, recharge for admins. */
export function pointsRoutes(deps: PointsRouteDependencies): AnyRoute[] {
  const reads = new PointsReads(deps.sequelize);
  const tenants = new TenantOwnership(deps.sequelize);

  /** The user's tenant, when the request may see the user; else the 404. */
  const visibleUser = async (ctx: Context, userId: string, tenant: string | undefined) => {
    const owner = await tenants.userOwner(userId);
    if (!canSee(tenantScopeOf(ctx, tenant), owner)) throw noSuchUser(userId);
    return owner;
  };

  /**
   * The tenant a recharge is for: the user's, or, for a user no tenant has used yet, the one the request names,
   * which the user then belongs to (claimed atomically: of two recharges racing for a new user with different
   * tenants, one is refused).
   */
  const rechargeTenant = async (userId: string, named: string | undefined): Promise<string> => {
    const owner = await tenants.userOwner(userId);
    if (owner !== null && (named === undefined || named === owner)) return owner;
    if (named === undefined)
      throw refused(409, 'name the tenant the user belongs to', {
        field: 'body.tenant',
        reason: 'required: no tenant has used this user yet',
      });
    if (owner !== null) throw tenantMismatch(owner);
    if (!(await tenants.isTenant(named)))
      throw refused(404, 'the tenant is not known', {
        field: 'body.tenant',
        reason: 'no API key has this owner',
      });
    const claimed = await tenants.claim(named, { userId });
    if (claimed.user === 'taken') throw tenantMismatch((await tenants.userOwner(userId)) ?? 'another tenant');
    return named;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/points/balance',
      operationId: 'getPointsBalance',
      summary: "A user's spendable points and the batches that will expire first",
      description: `${READ_RULE} A user who never had points has a balance of 0.`,
      tag: 'Points',
      scope: 'caller',
      query: balanceQuery,
      responses: {
        200: { description: 'The balance', schema: pointsBalance },
        403: { description: 'A caller key naming another tenant in `tenant`' },
        404: { description: "Another tenant's user, or one no tenant has used yet" },
        422: { description: 'Invalid user_id' },
      },
      async handler(ctx, { query }) {
        const userId = query.user_id.toLowerCase();
        const tenant = await visibleUser(ctx, userId, query.tenant);
        const { balance, expiring } = await reads.balanceWithExpiring(
          userId,
          new Date(),
          EXPIRING_BATCHES_SHOWN,
        );
        ctx.body = {
          user_id: userId,
          tenant,
          balance,
          expiring: expiring.map((b) => ({
            batch_id: b.batchId,
            remaining: b.remaining,
            expires_at: b.expiresAt.toISOString(),
          })),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/points/transactions',
      operationId: 'listPointTransactions',
      summary: "A user's point transactions, newest first, filtered, by keyset pages",
      description: `${READ_RULE} Each row moves one batch; a generation that used two batches has two rows.`,
      tag: 'Points',
      scope: 'caller',
      query: transactionsQuery,
      responses: {
        200: {
          description: 'A page of transactions; follow `next_cursor` until it is null',
          schema: pointTransactionPage,
        },
        403: { description: 'A caller key naming another tenant in `tenant`' },
        404: { description: "Another tenant's user, or one no tenant has used yet" },
        422: { description: 'Invalid user_id, filter or cursor' },
      },
      async handler(ctx, { query }) {
        const beforeId = cursorFromQuery(query.cursor, decodeTransactionCursor);
        await visibleUser(ctx, query.user_id.toLowerCase(), query.tenant);
        // One row more than the page tells whether another page follows, without counting.
        const rows = await reads.transactions(
          query.user_id.toLowerCase(),
          {
            ...(query.type ? { type: query.type } : {}),
            ...(query.source_type ? { sourceType: query.source_type } : {}),
            ...(query.source_id ? { sourceId: query.source_id } : {}),
          },
          query.limit + 1,
          beforeId,
        );
        ctx.body = pageOf(rows.map(transactionView), query.limit, (last) => encodeTransactionCursor(last.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/points/recharge',
      operationId: 'rechargePoints',
      summary: 'Credit points to a user as one batch, optionally expiring',
      description:
        'The recharge is written by a workflow in the worker. `reference` identifies it: the same reference ' +
        'from the same owner is paid once and answered with the first result; the same reference with ' +
        'different fields is refused (422). The user belongs to a tenant from their first recharge or generation ' +
        'on: a recharge of a user no tenant has used yet names the tenant in `tenant`.',
      tag: 'Points',
      scope: 'admin',
      body: rechargeRequest,
      headers: [
        {
          name: 'Idempotency-Key',
          description: 'Replays the first response for the same key and body (24 h)',
        },
      ],
      responses: {
        201: { description: 'Recharged (or recharged before under this reference)', schema: rechargeResult },
        400: { description: 'Malformed JSON or Idempotency-Key' },
        404: { description: '`tenant` names an owner of no API key (`errors` names body.tenant)' },
        409: {
          description:
            'A request with this Idempotency-Key is still in progress; no `tenant` for a user no tenant has used ' +
            'yet; or `tenant` is not the tenant the user belongs to (`errors` names body.tenant)',
        },
        413: { description: 'Body too large' },
        415: { description: 'The body is not JSON' },
        422: {
          description:
            'Invalid fields (each named in `errors`), a reference reused for another recharge, or ' +
            'Idempotency-Key reused with another body',
        },
        503: { description: 'The ledger could not be written; retry with the same reference' },
      },
      async handler(ctx, { body }) {
        await rechargeTenant(body.user_id.toLowerCase(), body.tenant);
        const outcome = await rechargeThroughWorkflow(
          deps.client,
          deps.taskQueue,
          principalOf(ctx).owner,
          body,
        );
        ctx.status = 201;
        ctx.body = { batch_id: outcome.batchId, balance: outcome.balance };
      },
    }),
  ];
}

function transactionView(t: PointTransaction): PointTransactionView {
  return {
    id: t.id,
    type: t.type,
    amount: t.amount,
    balance_before: t.balanceBefore,
    balance_after: t.balanceAfter,
    source_type: t.sourceType,
    source_id: t.sourceId,
    batch_id: t.batchId,
    description: t.description,
    created_at: t.createdAt.toISOString(),
  };
}

/**
 * A recharge refused for the state of things, not its shape: the user's tenant, or the named one, is not what the
 * request needs. A 404 or a 409 naming body.tenant (a 422 would say the request itself is malformed).
 */
function refused(status: 404 | 409, detail: string, problem: FieldProblem): Problem {
  return new Problem(status, status === 404 ? 'Not Found' : 'Conflict', detail, [problem]);
}

/** Admin keys see every tenant: the refusal may say whose the user is. */
function tenantMismatch(owner: string): Problem {
  return refused(409, `the user belongs to tenant ${owner}`, {
    field: 'body.tenant',
    reason: 'not the tenant the user belongs to',
  });
}
