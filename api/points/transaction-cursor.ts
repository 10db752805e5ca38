/** Opaque to callers, so the page key can change without breaking them. */
export function encodeTransactionCursor(lastId: string): string {
  return Buffer.from(JSON.stringify(['tx', lastId])).toString('base64url');
}

/** The id the next page starts below, or null when the cursor is not one this API issued. */
export function decodeTransactionCursor(cursor: string): string | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[0] !== 'tx') return null;
    const id: unknown = decoded[1];
    // BIGINT ids travel as decimal strings: a Number would lose digits past 2^53.
    return typeof id === 'string' && /^[1-9]\d{0,18}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}
