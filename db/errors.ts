/** Recognising the database errors callers recover from, in one place for every module that runs transactions. */

/** InnoDB chose this transaction as a deadlock victim (1213) or a lock wait timed out (1205): it was rolled back. */
export function isDeadlock(err: unknown): boolean {
  const errno = (err as { parent?: { errno?: number } }).parent?.errno;
  return errno === 1213 || errno === 1205;
}

/** A UNIQUE or PRIMARY KEY refused the row. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { name?: string }).name === 'SequelizeUniqueConstraintError';
}

/**
 * Runs a transaction again when InnoDB rolled it back as a deadlock victim: the whole transaction is re-run, so
 * it must be safe to repeat (every caller's is). Under REPEATABLE READ, locking reads of keys that do not exist
 * yet take gap locks, and two such transactions inserting next to each other deadlock under load; under READ
 * COMMITTED there are no such gap locks, but transactions locking the same rows in different orders still
 * deadlock. Re-running one at once costs milliseconds, where failing the caller costs its retry policy's
 * interval (a second, measured in bench/platform-overhead). No caller relies on a gap lock for correctness:
 * what must not happen twice is a PRIMARY or UNIQUE key.
 */
export async function retryingDeadlocks<T>(transaction: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (!isDeadlock(err) || attempt >= attempts) throw err;
    }
  }
}
