import { condition, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { GenerationProgress } from './generation-definitions';
import { SEARCH_ATTRIBUTES } from './search-attributes';

/** An attempt has an account: the progress query and the search attributes show which. */
export function noteAccount(progress: GenerationProgress, accountId: string): void {
  progress.status = 'processing';
  progress.attempt += 1;
  progress.accountHint = `…${accountId.slice(-4)}`;
  progress.percent = Math.max(progress.percent, 20);
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.accountId, value: accountId },
    { key: SEARCH_ATTRIBUTES.status, value: 'processing' },
  ]);
}

/** A durable timer, visible to the progress query while it runs. */
export async function wait(
  progress: GenerationProgress,
  ms: number,
  status: GenerationProgress['status'],
): Promise<void> {
  progress.status = status;
  progress.nextWakeUpAt = new Date(Date.now() + ms).toISOString();
  try {
    await sleep(ms);
  } finally {
    progress.nextWakeUpAt = null;
  }
}

/** Queued for an account: until a release wakes the job, or the fallback timer ends. */
export async function waitForAccount(
  progress: GenerationProgress,
  freed: { signalled: boolean },
  fallbackMs: number,
): Promise<void> {
  progress.status = 'pending';
  progress.nextWakeUpAt = new Date(Date.now() + fallbackMs).toISOString();
  try {
    await condition(() => freed.signalled, fallbackMs);
  } finally {
    freed.signalled = false;
    progress.nextWakeUpAt = null;
  }
}
