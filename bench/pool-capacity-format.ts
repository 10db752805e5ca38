/** How the pool-capacity report writes its figures: durations in seconds, shares in percent, spreads. */
import { quantile } from './quantile';

/** Milliseconds as seconds with one decimal, `-` for none. */
export const inSeconds = (ms: number): string => (Number.isNaN(ms) ? '-' : (ms / 1000).toFixed(1));

/** A share (0..1) as a percentage with one decimal, `-` for none. */
export const asPercent = (x: number): string => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);

const mean = (values: readonly number[]): number =>
  values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;

/** mean, p50, p90, max of durations in ms (printed in s), or of plain counts. */
export function spread(values: readonly number[], unit: 's' | '' = 's'): string {
  const f = (x: number) =>
    unit === 's' ? `${inSeconds(x)} s` : Number.isNaN(x) ? '-' : String(Math.round(x * 10) / 10);
  return `mean ${f(mean(values))}, p50 ${f(quantile(values, 0.5))}, p90 ${f(quantile(values, 0.9))}, max ${f(values.length === 0 ? NaN : Math.max(...values))} (n=${values.length})`;
}
