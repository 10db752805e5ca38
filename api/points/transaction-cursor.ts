import { z } from 'zod';

/**
 * The last transaction's id, in the open: transactions are paged by id, newest first, and any such id is a
 * place in the list, so the schema says exactly which values are cursors. BIGINT ids travel as decimal
 * strings (a Number would lose digits past 2^53).
 */
const TRANSACTION_CURSOR = /^[1-9][0-9]{0,18}$/;

/** The `cursor` query parameter of the transactions list. */
export const transactionCursorParam = z
  .string()
  .regex(TRANSACTION_CURSOR, 'must be the next_cursor of a page of transactions')
  .optional()
  .meta({ description: '`next_cursor` of the previous page' });

export function encodeTransactionCursor(lastId: string): string {
  return lastId;
}

/** The id the next page starts below, or null when the text is not a cursor. */
export function decodeTransactionCursor(cursor: string): string | null {
  return TRANSACTION_CURSOR.test(cursor) ? cursor : null;
}
