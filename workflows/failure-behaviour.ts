import type { FailureAction } from './retry-plan';

/**
 * What the platform does about each classified Jimeng failure, in an operator's words. It is the prose of
 * README's failure table (scripts/failure-docs.ts renders the table, test/docs checks README against it), kept
 * next to planRetry so that changing a decision and changing its description happen in the same review. The
 * mechanics (wait, account, site, retry budget, account row) are rendered from planRetry and the account pool
 * themselves; these sentences add what the code cannot say: when the action applies, what the operator sees
 * in the record, and what becomes of the points. Not part of the workflow bundle: nothing imports it there.
 */
export interface FailureBehaviour {
  /** A few words, for the table of upstream errors. */
  readonly summary: string;
  /** When it applies and what becomes of the job, its record, the account and the points. */
  readonly detail: string;
}

export const FAILURE_BEHAVIOUR: Readonly<Record<FailureAction, FailureBehaviour>> = {
  retry_same_account: {
    summary: 'wait the backoff, retry on any account',
    detail:
      'A transient failure (5xx, timeout, lost connection, a job that failed upstream for no stated reason): ' +
      'the record shows status 4 with the error while a durable timer waits, then the next lease may take the ' +
      'same account again. Once the retries are spent the job fails and its points are refunded.',
  },
  retry_other_account: {
    summary: 'wait the backoff, retry on another account if one is free',
    detail:
      'The proxy could not reach Jimeng (socket hang up, ECONNRESET, ETIMEDOUT, ENOTFOUND, EAI_AGAIN, its own ' +
      "45 s timeout, the account's outbound proxy failing): not the account's fault, so it is not marked, but " +
      'the next attempt, after the backoff, goes to another account if one is free (its path may work), to ' +
      'this one otherwise. The record shows ' +
      'status 4 meanwhile. Once the retries are spent the job fails and its points are refunded.',
  },
  retry_once_other_account: {
    summary: 'retry once (another account if one is free), then fail',
    detail:
      'A -1000 whose text the platform does not know, or a credit read that failed on a live session: one more ' +
      'attempt, at once, on another account if one is free (this one otherwise); a second such failure fails the ' +
      'job (refunded). Never a failure on ' +
      'first sight, and no mark on the account without evidence. A credit read that failed (the TypeError on ' +
      '`gift_credit` a dead session gets) is checked with /token/check first: a session that is not live is ' +
      'marked invalid and the job switches account at once.',
  },
  cool_down_account: {
    summary: 'cool the account down, wait, switch account',
    detail:
      "Rate limit or risk control: the account's capability cools down (leased again after 5 minutes), the " +
      "record shows status 4 while the workflow waits (the upstream's Retry-After when that is longer), then " +
      'another account takes the call. Once the retries are spent the job fails and its points are refunded.',
  },
  account_exhausted: {
    summary: 'mark the account exhausted, switch at once',
    detail:
      "No credits left today: the capability is unavailable until the account's daily refresh, and another " +
      'account takes the call at once (no timer, no status 4).',
  },
  account_invalid: {
    summary: 'mark the session invalid, switch at once',
    detail:
      'The session no longer works: both capabilities are unavailable until the daily refresh, and another ' +
      'account takes the call at once. An operator fixes it with a new session_id (PATCH, statuses back to 1).',
  },
  account_banned: {
    summary: 'mark the account banned, switch at once',
    detail:
      'Banned: the account is marked banned, which no refresh undoes, and another account takes the call at ' +
      'once. Only an operator puts it back (PATCH account_status).',
  },
  switch_site: {
    summary: 'switch to another site at once',
    detail:
      'This site cannot serve the call now (region mismatch, overload, site not configured): the next lease is ' +
      "on the job's remaining sites, at once, and the record's site_switch_count goes up. With no site left " +
      'the job fails and its points are refunded.',
  },
  fail_permanently: {
    summary: 'fail at once, refund',
    detail:
      'No account or site would help (content policy, bad request, rejected file, outdated proxy): the job ' +
      "fails at once with the upstream's error in error_code and error_message, all its points are refunded, " +
      'and the account is left as it is.',
  },
};
