import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareKeys, type ObjectRecord, type ObjectStore, type StoredObject } from './object-store';

interface RecordFile extends Omit<ObjectRecord, 'lastModified'> {
  readonly lastModified: string;
}

/**
 * Objects on disk: `<dataDir>/<bucket>/<sha256(key)>.data` and `.json` (metadata). File names are hashes
 * because keys may contain anything, including '..'. Metadata is also held in memory, so listing and HEAD
 * never touch the disk; bodies are read per GET.
 */
export class DirectoryObjectStore implements ObjectStore {
  private constructor(
    private readonly dataDir: string,
    private readonly records: Map<string, Map<string, ObjectRecord>>,
  ) {}

  static async open(dataDir: string, bucketNames: readonly string[]): Promise<DirectoryObjectStore> {
    const records = new Map<string, Map<string, ObjectRecord>>();
    for (const bucket of bucketNames) {
      const dir = join(dataDir, bucket);
      await mkdir(dir, { recursive: true });
      const byKey = new Map<string, ObjectRecord>();
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.json')) continue;
        const file = JSON.parse(await readFile(join(dir, name), 'utf8')) as RecordFile;
        byKey.set(file.key, { ...file, lastModified: new Date(file.lastModified) });
      }
      records.set(bucket, byKey);
    }
    return new DirectoryObjectStore(dataDir, records);
  }

  async put(bucket: string, record: ObjectRecord, body: Buffer): Promise<void> {
    const base = this.basePath(bucket, record.key);
    // Write-then-rename so a crash never leaves a half-written body behind a complete metadata file.
    await writeFile(`${base}.data.tmp`, body);
    await rename(`${base}.data.tmp`, `${base}.data`);
    const file: RecordFile = { ...record, lastModified: record.lastModified.toISOString() };
    await writeFile(`${base}.json.tmp`, JSON.stringify(file));
    await rename(`${base}.json.tmp`, `${base}.json`);
    this.bucketRecords(bucket).set(record.key, record);
  }

  async get(bucket: string, key: string): Promise<StoredObject | undefined> {
    const record = this.bucketRecords(bucket).get(key);
    if (!record) return undefined;
    return { record, body: await readFile(`${this.basePath(bucket, key)}.data`) };
  }

  head(bucket: string, key: string): ObjectRecord | undefined {
    return this.bucketRecords(bucket).get(key);
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    const existed = this.bucketRecords(bucket).delete(key);
    const base = this.basePath(bucket, key);
    await rm(`${base}.json`, { force: true });
    await rm(`${base}.data`, { force: true });
    return existed;
  }

  list(bucket: string): ObjectRecord[] {
    return [...this.bucketRecords(bucket).values()].sort((a, b) => compareKeys(a.key, b.key));
  }

  count(bucket: string): number {
    return this.bucketRecords(bucket).size;
  }

  private bucketRecords(bucket: string): Map<string, ObjectRecord> {
    const records = this.records.get(bucket);
    if (!records) throw new Error(`bucket ${bucket} is not configured`);
    return records;
  }

  private basePath(bucket: string, key: string): string {
    return join(this.dataDir, bucket, createHash('sha256').update(key).digest('hex'));
  }
}
