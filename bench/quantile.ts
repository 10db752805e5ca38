/**
 * The q-quantile of `values`, in any order, by nearest rank without interpolation: the value at index
 * floor(q × n) of the values sorted ascending, clamped to the last; NaN when there are none. Every figure the
 * benches print as p50, p90 or p99 is this one definition, so their tables compare with each other and with the
 * figures recorded in bench/RESULTS.md.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
