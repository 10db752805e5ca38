/**
 * Whether a worker writes a schedule that exists: only when the definition it carries (`ours`) is newer than
 * the one the schedule was written with (`theirs`, 0 when it carries none). Equal is kept too: rewriting the same
 * definition would only race the other workers of the same release for nothing.
 */
export function scheduleWrite(theirs: number, ours: number): 'update' | 'keep' {
  return ours > theirs ? 'update' : 'keep';
}
