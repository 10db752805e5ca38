import { compareKeys, type ObjectRecord, type ObjectStore, type StoredObject } from './object-store';

export class MemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();

  constructor(bucketNames: readonly string[]) {
    for (const name of bucketNames) this.buckets.set(name, new Map());
  }

  async put(bucket: string, record: ObjectRecord, body: Buffer): Promise<void> {
    this.objects(bucket).set(record.key, { record, body });
  }

  async get(bucket: string, key: string): Promise<StoredObject | undefined> {
    return this.objects(bucket).get(key);
  }

  head(bucket: string, key: string): ObjectRecord | undefined {
    return this.objects(bucket).get(key)?.record;
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    return this.objects(bucket).delete(key);
  }

  list(bucket: string): ObjectRecord[] {
    return [...this.objects(bucket).values()].map((o) => o.record).sort((a, b) => compareKeys(a.key, b.key));
  }

  count(bucket: string): number {
    return this.objects(bucket).size;
  }

  private objects(bucket: string): Map<string, StoredObject> {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`bucket ${bucket} is not configured`);
    return objects;
  }
}
