import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import {
  BOOKKEEPING,
  CALLBACKS,
  IMAGE_CALLS,
  LEASED_IMAGE_CALL_OPTIONS,
  LEASED_VIDEO_CALL_OPTIONS,
  LOCAL_IMAGE_UPLOADS,
  MUST_FINISH,
  UPLOADS,
  VIDEO_POLLS,
  VIDEO_SUBMITS,
} from './activity-options';

/** The generation workflows' activities, one proxy per set of options (workflows/activity-options.ts). */
export const bookkeeping = proxyActivities<Activities>(BOOKKEEPING);
export const mustFinish = proxyActivities<Activities>(MUST_FINISH);

/**
 * The same database steps where they open and close a job (begin; store an image job's outputs, settle and close):
 * local activities, run by the worker inside the workflow task that needs them. Each remote activity costs a
 * round trip through Temporal and a workflow task more (about 50 ms on the dev server, seconds on a busy one,
 * paid by every job and by the admission answer); these are quick and idempotent, and a worker lost during one
 * re-runs it with the workflow task. Video uploads stay remote activities: large files, with heartbeats.
 */
export const localBookkeeping = proxyLocalActivities<Activities>(BOOKKEEPING);
export const localMustFinish = proxyLocalActivities<Activities>(MUST_FINISH);
export const localImageUploads = proxyLocalActivities<Activities>(LOCAL_IMAGE_UPLOADS);
export const imageCalls = proxyActivities<Activities>(IMAGE_CALLS);
export const leasedImageCalls = proxyActivities<Activities>(LEASED_IMAGE_CALL_OPTIONS);
export const leasedVideoCalls = proxyActivities<Activities>(LEASED_VIDEO_CALL_OPTIONS);
export const videoSubmits = proxyActivities<Activities>(VIDEO_SUBMITS);
export const videoPolls = proxyActivities<Activities>(VIDEO_POLLS);
export const uploads = proxyActivities<Activities>(UPLOADS);
export const callbacks = proxyActivities<Activities>(CALLBACKS);
