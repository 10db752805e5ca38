import { AccountStatus, CapabilityStatus } from '../../db/codes';
import type { JimengErrorAction } from '../jimeng/error-actions';
import type { GenerationType } from '../../domain/generation/generation-types';

/** How a leased account's use ended, as the account pool needs to know it. */
export const LEASE_OUTCOMES = [
  'success',
  'rate_limited',
  'quota_exhausted',
  'session_invalid',
  'banned',
  'failed',
] as const;
export type LeaseOutcome = (typeof LEASE_OUTCOMES)[number];

/** Column changes on jimeng_accounts (attribute names of the JimengAccount model). */
export interface AccountChanges {
  accountStatus?: AccountStatus;
  imageGenerationStatus?: CapabilityStatus;
  videoGenerationStatus?: CapabilityStatus;
  imageUnavailableTime?: Date;
  videoUnavailableTime?: Date;
  incrementImageCount?: true;
  incrementVideoCount?: true;
  /**
   * Apply the capability status change only where that capability is available (status 1): a cooldown never
   * overrides "unavailable until the refresh", nor restarts a running cooldown.
   */
  onlyIfAvailable?: true;
}

/**
 * The state transition the pool applies when a lease is released. Pure, so every row change is unit-tested.
 * - success: the capability's daily count goes up.
 * - rate_limited: that capability cools down (status 2) from now; lease() brings it back after the cooldown.
 * - quota_exhausted: that capability is unavailable (status 0) until the daily refresh.
 * - session_invalid: the session serves nothing, so both capabilities are unavailable until the refresh
 *   (an operator usually pastes a new session id first).
 * - banned: account_status banned; no automatic refresh ever undoes it.
 * - failed (content policy, bad request, upstream 5xx after retries): not the account's fault, no change.
 */
export function accountChangesFor(
  outcome: LeaseOutcome,
  capability: GenerationType,
  now: Date,
): AccountChanges {
  const image = capability === 'image';
  switch (outcome) {
    case 'success':
      return callCountChange(capability);
    case 'rate_limited':
      return image
        ? {
            imageGenerationStatus: CapabilityStatus.RATE_LIMITED,
            imageUnavailableTime: now,
            onlyIfAvailable: true,
          }
        : {
            videoGenerationStatus: CapabilityStatus.RATE_LIMITED,
            videoUnavailableTime: now,
            onlyIfAvailable: true,
          };
    case 'quota_exhausted':
      return image
        ? { imageGenerationStatus: CapabilityStatus.UNAVAILABLE, imageUnavailableTime: now }
        : { videoGenerationStatus: CapabilityStatus.UNAVAILABLE, videoUnavailableTime: now };
    case 'session_invalid':
      return {
        imageGenerationStatus: CapabilityStatus.UNAVAILABLE,
        imageUnavailableTime: now,
        videoGenerationStatus: CapabilityStatus.UNAVAILABLE,
        videoUnavailableTime: now,
      };
    case 'banned':
      return { accountStatus: AccountStatus.BANNED };
    case 'failed':
      return {};
  }
}

/**
 * One more paid call on the capability today: a success, and a call given up without its answer that may have
 * started a job upstream all the same (AccountPool.countUnansweredCall).
 */
export function callCountChange(capability: GenerationType): AccountChanges {
  return capability === 'image' ? { incrementImageCount: true } : { incrementVideoCount: true };
}

/** What a classified Jimeng failure means for the account that made the call. */
export function leaseOutcomeForAction(action: JimengErrorAction): LeaseOutcome {
  switch (action) {
    case 'cool_down_account':
      return 'rate_limited';
    case 'account_exhausted':
      return 'quota_exhausted';
    case 'account_invalid':
      return 'session_invalid';
    case 'account_banned':
      return 'banned';
    case 'retry_same_account':
    case 'retry_other_account':
    case 'retry_once_other_account':
    case 'switch_site':
    case 'fail_permanently':
      return 'failed';
  }
}
