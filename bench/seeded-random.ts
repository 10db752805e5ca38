/**
 * The naive clients' account picks: a linear congruential generator (the C library's constants), so a run's
 * sequence of picks is the same every time and the same as in the figures recorded in bench/RESULTS.md.
 */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}
