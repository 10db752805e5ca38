import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import { principalOf } from '../auth/authentication';
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
import { decodeTransactionCursor, encodeTransactionCursor } from './transaction-cursor';

export interface PointsRouteDependencies {
  sequelize: Sequelize;
  client: Client;
  taskQueue: string;
}

/** Points belong to end users, not to API keys (unlike tasks, which belong to the key's owner). */
const READ_RULE =
  'Any API key may read any user: the calling backend is trusted for its own users, so pass their `user_id`.';

/** Points: balance and transactions for callers, recharge for admins. */
export function pointsRoutes(deps: PointsRouteDependencies): AnyRoute[] {
  const reads = new PointsReads(deps.sequelize);
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
        422: { description: 'Invalid user_id' },
      },
      async handler(ctx, { query }) {
        const userId = query.user_id.toLowerCase();
        const { balance, expiring } = await reads.balanceWithExpiring(
          userId,
          new Date(),
          EXPIRING_BATCHES_SHOWN,
        );
        ctx.body = {
          user_id: userId,
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
        422: { description: 'Invalid user_id, filter or cursor' },
      },
      async handler(ctx, { query }) {
        const beforeId = cursorFromQuery(query.cursor, decodeTransactionCursor);
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
        'different fields is refused (422).',
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
        409: { description: 'A request with this Idempotency-Key is still in progress' },
        413: { description: 'Body too large' },
        415: { description: 'The body is not JSON' },
        422: {
          description:
            'Invalid fields (each named in `errors`), a reference reused for another recharge, ' +
            'or Idempotency-Key reused with another body',
        },
        503: { description: 'The ledger could not be written; retry with the same reference' },
      },
      async handler(ctx, { body }) {
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
