/**
 * `clients` concurrent clients sharing jobs 0 … total-1: each takes the next job as soon as its previous one is
 * done, so at most `clients` run at once and none waits while jobs are left.
 */
export async function runConcurrently(
  total: number,
  clients: number,
  job: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) await job(i);
    }),
  );
}
