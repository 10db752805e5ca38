import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Files (not directories) anywhere under `dir`, none if it does not exist: staging folders may stay, files may not. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
