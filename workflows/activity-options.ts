import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../domain/generation/generation-failures';

/*
 * Activity options of the generation workflows, chosen per activity. JimengErrors come back as values or as
 * non-retryable failures (the workflow itself decides waits and account switches); the retry policies below
 * only cover infrastructure: a killed worker, a database restart, an OSS hiccup. README's timeout table is
 * rendered from ACTIVITY_OPTION_ROWS (scripts/timeout-docs.ts), so it cannot drift from these.
 */

/** Database bookkeeping: quick, idempotent; retried for minutes so a MariaDB restart is ridden out. */
export const BOOKKEEPING = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '20 seconds',
    maximumAttempts: 30,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
} as const;

/**
 * Settling and releasing must happen whatever else failed: retried without limit (each is idempotent, and an
 * unsettled reservation or a held account is worse than a slow finish).
 */
export const MUST_FINISH = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
} as const;

/** An image job's uploads as a local activity: quick for images, fixed keys, so a re-run lands on the same objects. */
export const LOCAL_IMAGE_UPLOADS = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 8 },
} as const;

/**
 * Runs started before lease-in-call: the image call alone. A retry may start a second upstream job, charged to
 * the platform's account, never twice to the user.
 */
export const IMAGE_CALLS = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
} as const;

/**
 * Lease + call + release: Jimeng failures come back as values, so what Temporal retries is infrastructure (a
 * killed worker, mostly the database going away): retried for about two minutes, on the same lease (the
 * request key), so a database restart does not fail the job. The call stays open as long as the proxy polls
 * upstream (services/jimeng/proxy-limits.ts: about 4 h for images, 5.3 h for videos with nothing produced),
 * so start-to-close is above that and a killed worker is noticed by the heartbeat instead.
 */
const LEASED_CALL_RETRY = {
  initialInterval: '2 seconds',
  maximumInterval: '20 seconds',
  maximumAttempts: 10,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
} as const;
export const LEASED_IMAGE_CALL_OPTIONS = {
  startToCloseTimeout: '270 minutes',
  heartbeatTimeout: '30 seconds',
  retry: LEASED_CALL_RETRY,
} as const;
export const LEASED_VIDEO_CALL_OPTIONS = {
  startToCloseTimeout: '360 minutes',
  heartbeatTimeout: '30 seconds',
  retry: LEASED_CALL_RETRY,
} as const;

/** Runs started before video-in-one-call: a submit is a paid job, not idempotent: one retry, for a lost worker. */
export const VIDEO_SUBMITS = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 2, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
} as const;

/** Runs started before video-in-one-call: polling is safe to repeat, a retry watches the same upstream job. */
export const VIDEO_POLLS = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
} as const;

/**
 * Uploads are idempotent (fixed object keys, MD5-checked); large videos need the long timeout. They heartbeat
 * every 10 s, so a killed worker's uploads are retried after 30 s rather than minutes.
 */
export const UPLOADS = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 8 },
} as const;

/** Callbacks: 5 s, doubling to 10 min, ten tries (about an hour) before the receiver is given up on. */
export const CALLBACKS = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
} as const;

/** One row of README's timeout table: the activities that run with these options, and why they are so. */
export interface ActivityOptionRow {
  readonly activities: string;
  readonly options: ActivityOptions | LocalActivityOptions;
  readonly why: string;
}

export const ACTIVITY_OPTION_ROWS: readonly ActivityOptionRow[] = [
  {
    activities: 'beginGeneration (local), leaseAccount, recordRetry',
    options: BOOKKEEPING,
    why: 'rides out a database restart',
  },
  {
    activities: 'releaseAccount, finishGeneration (local)',
    options: MUST_FINISH,
    why: 'the lease and the points must be settled',
  },
  {
    activities: 'leaseAndGenerateImages',
    options: LEASED_IMAGE_CALL_OPTIONS,
    why: "above the proxy's polling limit; a killed worker's call is retried after the heartbeat timeout, on the same lease",
  },
  {
    activities: 'leaseAndGenerateVideo',
    options: LEASED_VIDEO_CALL_OPTIONS,
    why: 'as for images; async-fork: the retry polls the recorded job',
  },
  {
    activities: 'storeOutputs (videos)',
    options: UPLOADS,
    why: 'object keys fixed by the workflow, MD5-checked; beats every 10 s',
  },
  {
    activities: 'storeOutputs (images, local)',
    options: LOCAL_IMAGE_UPLOADS,
    why: 'a lost worker re-runs it with the workflow task',
  },
  {
    activities: 'notifyCallback',
    options: CALLBACKS,
    why: 'about an hour before the receiver is given up on',
  },
  {
    activities: 'generateImages (runs started before lease-in-call)',
    options: IMAGE_CALLS,
    why: 'replayed runs only',
  },
  {
    activities: 'submitVideo (runs started before video-in-one-call)',
    options: VIDEO_SUBMITS,
    why: 'a submit is a paid job, not idempotent',
  },
  {
    activities: 'awaitVideo (runs started before video-in-one-call)',
    options: VIDEO_POLLS,
    why: 'resumes polling the same upstream job',
  },
];
