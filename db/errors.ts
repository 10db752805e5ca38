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
