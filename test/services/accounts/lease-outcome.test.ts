import {
  accountChangesFor,
  callCountChange,
  leaseOutcomeForAction,
  LEASE_OUTCOMES,
} from '../../../services/accounts/lease-outcome';
import { JIMENG_ERROR_ACTIONS } from '../../../services/jimeng/error-actions';

describe('what a lease outcome does to the account', () => {
  const now = new Date('2026-11-23T08:00:00Z');

  it.each([
    ['success', 'image', { incrementImageCount: true }],
    ['success', 'video', { incrementVideoCount: true }],
    ['rate_limited', 'image', { imageGenerationStatus: 2, imageUnavailableTime: now, onlyIfAvailable: true }],
    ['rate_limited', 'video', { videoGenerationStatus: 2, videoUnavailableTime: now, onlyIfAvailable: true }],
    ['quota_exhausted', 'image', { imageGenerationStatus: 0, imageUnavailableTime: now }],
    ['quota_exhausted', 'video', { videoGenerationStatus: 0, videoUnavailableTime: now }],
    [
      'session_invalid',
      'image',
      {
        imageGenerationStatus: 0,
        imageUnavailableTime: now,
        videoGenerationStatus: 0,
        videoUnavailableTime: now,
      },
    ],
    ['banned', 'video', { accountStatus: 2 }],
    ['failed', 'image', {}],
  ] as const)('%s on %s', (outcome, capability, changes) => {
    expect(accountChangesFor(outcome, capability, now)).toEqual(changes);
  });

  it('counts a call given up without its answer as one call of its capability, as a success', () => {
    expect(callCountChange('image')).toEqual({ incrementImageCount: true });
    expect(callCountChange('video')).toEqual({ incrementVideoCount: true });
  });

  it('maps every action of the Jimeng error classification to an outcome', () => {
    const mapped = Object.fromEntries(JIMENG_ERROR_ACTIONS.map((a) => [a, leaseOutcomeForAction(a)]));
    expect(mapped).toEqual({
      retry_same_account: 'failed',
      retry_other_account: 'failed',
      retry_once_other_account: 'failed',
      cool_down_account: 'rate_limited',
      account_exhausted: 'quota_exhausted',
      account_invalid: 'session_invalid',
      account_banned: 'banned',
      switch_site: 'failed',
      fail_permanently: 'failed',
    });
    for (const outcome of Object.values(mapped)) expect(LEASE_OUTCOMES).toContain(outcome);
  });
});
