/**
 * The signal a release sends to the job that has waited longest for an account (jimeng_account_waiters): the
 * name is shared here because the sender is an activity and the receiver a workflow, which import nothing of
 * each other's code.
 */
export const ACCOUNT_FREED_SIGNAL = 'accountFreed';

/** Workflows may import types only: they spell the name out, and this type keeps both spellings the same. */
export type AccountFreedSignalName = typeof ACCOUNT_FREED_SIGNAL;
