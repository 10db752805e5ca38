import { Problem } from '../problem';

/**
 * Keyset pages over (creation time, id), newest first: the cursor is the last row's key, opaque to callers
 * (base64url JSON), so a page never repeats or skips a row whatever is inserted meanwhile.
 */
export interface TimeCursor {
  createdAt: Date;
  id: string;
}

export function encodeTimeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** Null when the cursor is not one this API issued. */
export function decodeTimeCursor(cursor: string): TimeCursor | null {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) return null;
    return { createdAt: date, id };
  } catch {
    return null;
  }
}

/** One page from `limit + 1` rows read: the extra row only says whether there is a next page. */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string) {
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? cursorOf(data[data.length - 1]!) : null };
}

/**
 * The `cursor` query parameter decoded, undefined when absent; a cursor this API did not issue is the caller's
 * mistake, answered as a 422 naming the parameter.
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
