/**
 * The worker's workflow bundle entry: every workflow type the task queue serves is exported from here.
 * The generation workflows arrive with issue 4/6; the bundle must exist before that for the worker to poll.
 */
export {};
