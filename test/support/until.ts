/**
 * Resolves once `check` holds, asking every `everyMs`, or fails naming `what` after `timeoutMs`: a test waits
 * for a condition it can observe instead of sleeping a guessed time.
 */
export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  { timeoutMs = 30_000, everyMs = 25 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
