/** Counts by name (answers, codes, outcomes) as the benches' tables print them. */
export type Counts = Readonly<Record<string, number>>;

/** How often each key occurs. */
export function tally(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** `busy 3, rate_limited 2` in insertion order, or `0` when there are none. */
export function listed(counts: Counts): string {
  return Object.keys(counts).length === 0
    ? '0'
    : Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
}

/** All the counts together. */
export function countTotal(counts: Counts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
