/** One stored object's metadata; bodies are fetched separately so listing never reads data. */
export interface ObjectRecord {
  readonly key: string;
  readonly size: number;
  /** Quoted, upper-case hex as real OSS returns it: MD5 for simple uploads, `MD5-of-MD5s-N` for multipart. */
  readonly etag: string;
  readonly contentType: string;
  readonly lastModified: Date;
  readonly userMeta: Readonly<Record<string, string>>;
  readonly objectType: 'Normal' | 'Multipart';
}

export interface StoredObject {
  readonly record: ObjectRecord;
  readonly body: Buffer;
}

/** Where the server keeps objects: in memory (tests) or in a data directory (dev server that survives restarts). */
export interface ObjectStore {
  put(bucket: string, record: ObjectRecord, body: Buffer): Promise<void>;
  get(bucket: string, key: string): Promise<StoredObject | undefined>;
  head(bucket: string, key: string): ObjectRecord | undefined;
  delete(bucket: string, key: string): Promise<boolean>;
  /** All records of a bucket, sorted by key in byte order (OSS lists in UTF-8 binary order). */
  list(bucket: string): ObjectRecord[];
  count(bucket: string): number;
}

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
