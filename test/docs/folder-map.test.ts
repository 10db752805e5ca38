import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const NOT_CODE = new Set(['node_modules', 'dist', 'docs', 'coverage']);

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README has no ${begin} … ${end} region`);
  return text.slice(from + begin.length, to);
}

function hasTypeScript(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some((e) =>
    e.isDirectory() ? hasTypeScript(join(dir, e.name)) : e.name.endsWith('.ts'),
  );
}

const map = between(README, '<!-- folder-map:begin -->', '<!-- folder-map:end -->');
const mapRows = map.split('\n').filter((line) => /^\| `/.test(line));
/** The folders a row's first cell names: `services/` or `scripts/`, `bench/`, `test/`. */
const foldersOf = (row: string): string[] =>
  [...(row.split('|')[1] ?? '').matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]!);

describe("README's folder map", () => {
  it('names every top-level folder that holds code, and no other', () => {
    const onDisk = readdirSync(ROOT)
      .filter((name) => !name.startsWith('.') && !NOT_CODE.has(name))
      .filter((name) => statSync(join(ROOT, name)).isDirectory() && hasTypeScript(join(ROOT, name)))
      .sort();
    expect(mapRows.flatMap(foldersOf).sort()).toEqual(onDisk);
  });

  it('lists every folder of services/ in the services row, and no other', () => {
    const row = mapRows.find((r) => foldersOf(r).includes('services'));
    const named = [...(row ?? '').matchAll(/`services\/([a-z-]+)`/g)].map((m) => m[1]!).sort();
    const onDisk = readdirSync(join(ROOT, 'services'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(named).toEqual(onDisk);
  });

  it('names only files that exist, in the map and in "Reading the code"', () => {
    const reading = between(README, '## Reading the code', '## Configuration');
    const paths = [...`${map}${reading}`.matchAll(/`((?:[a-z-]+\/)+[a-z.-]+\.(?:ts|mjs))`/g)].map(
      (m) => m[1]!,
    );
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });
});
