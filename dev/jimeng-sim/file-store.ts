/**
 * Generated outputs, kept in memory and served from the simulator's own URLs, so a download step fetches real
 * bytes over HTTP the way it would from the CDN.
 */
export interface StoredFile {
  readonly contentType: string;
  readonly bytes: Buffer;
}

export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  put(name: string, file: StoredFile): void {
    this.files.set(name, file);
  }

  get(name: string): StoredFile | undefined {
    return this.files.get(name);
  }

  clear(): void {
    this.files.clear();
  }
}
