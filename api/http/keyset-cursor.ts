import { z } from 'zod';
import { Problem } from '../problem';

/**
 * Keyset pages over (creation time, id), newest first: the cursor is the last row's key, so a page never
 * repeats or skips a row whatever is inserted meanwhile. It is written in the open, `<creation time in ms>.<id>`,
 * so its schema says exactly which values are cursors: any of them is a place in the list (a made-up one
 * starts the page there), and a caller cannot send a cursor the document allows and the API refuses.
 */
export interface TimeCursor {
  createdAt: Date;
  id: string;
}

/** Thirteen digits reach the year 2286; ids are snowflakes or task ids. */
const TIME_CURSOR = /^([0-9]{1,13})\.([A-Za-z0-9_-]{1,36})$/;

/** The `cursor` query parameter of a list paged by time. */
export const timeCursorParam = z
  .string()
  .regex(TIME_CURSOR, 'must be the next_cursor of a page of this list')
  .optional()
  .meta({ description: '`next_cursor` of the previous page' });

export function encodeTimeCursor(createdAt: string, id: string): string {
  return `${Date.parse(createdAt)}.${id}`;
}

/** Null when the text is not a cursor. */
export function decodeTimeCursor(cursor: string): TimeCursor | null {
  const match = TIME_CURSOR.exec(cursor);
  return match ? { createdAt: new Date(Number(match[1])), id: match[2]! } : null;
}

/** One page from `limit + 1` rows read: the extra row only says whether there is a next page. */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string) {
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? cursorOf(data[data.length - 1]!) : null };
}

/**
 * The `cursor` query parameter decoded, undefined when absent; one that is not a cursor (its schema already
 * refuses it) is answered as a 422 naming the parameter.
 */
export function cursorFromQuery<T>(
  cursor: string | undefined,
  decode: (cursor: string) => T | null,
): T | undefined {
  if (cursor === undefined) return undefined;
  const decoded = decode(cursor);
  if (decoded === null)
    throw new Problem(422, 'Unprocessable Content', 'the cursor is not one this API issued', [
      { field: 'query.cursor', reason: 'unknown cursor' },
    ]);
  return decoded;
}
