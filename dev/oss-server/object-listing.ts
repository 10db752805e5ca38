import { invalidArgument } from './errors';
import { compareKeys, type ObjectRecord } from './object-store';

export interface ListingQuery {
  readonly prefix: string;
  readonly delimiter: string;
  /** Exclusive lower bound (marker, start-after, continuation token). */
  readonly after: string;
  readonly maxKeys: number;
}

export interface Listing {
  readonly contents: ObjectRecord[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
  /** Last key or common prefix returned; where the next page starts. */
  readonly last: string | null;
}

const DEFAULT_MAX_KEYS = 100;
const MAX_MAX_KEYS = 1000;

export function parseMaxKeys(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_MAX_KEYS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_MAX_KEYS)
    throw invalidArgument(`max-keys must be between 1 and ${MAX_MAX_KEYS}.`);
  return n;
}

/**
 * One page of a listing in key order. With a delimiter, keys sharing the part up to the next delimiter are
 * rolled up into one common prefix, which counts once towards max-keys — the OSS/S3 semantics.
 */
export function listPage(records: readonly ObjectRecord[], query: ListingQuery): Listing {
  const contents: ObjectRecord[] = [];
  const commonPrefixes: string[] = [];
  let last: string | null = null;
  let isTruncated = false;

  for (const record of records) {
    if (!record.key.startsWith(query.prefix)) continue;
    if (query.after !== '' && compareKeys(record.key, query.after) <= 0) continue;

    let entry: { prefix: string } | { record: ObjectRecord } = { record };
    if (query.delimiter !== '') {
      const at = record.key.indexOf(query.delimiter, query.prefix.length);
      if (at !== -1) {
        const prefix = record.key.slice(0, at + query.delimiter.length);
        // A page may end on a common prefix; the keys under it sort after it and must not bring it back.
        if (prefix === last || (query.after !== '' && compareKeys(prefix, query.after) <= 0)) continue;
        entry = { prefix };
      }
    }

    if (contents.length + commonPrefixes.length === query.maxKeys) {
      isTruncated = true;
      break;
    }
    if ('prefix' in entry) {
      commonPrefixes.push(entry.prefix);
      last = entry.prefix;
    } else {
      contents.push(entry.record);
      last = entry.record.key;
    }
  }
  return { contents, commonPrefixes, isTruncated, last };
}
