import { JIMENG_ERROR_ACTIONS } from '../../services/jimeng/error-actions';
import { FAILURE_BEHAVIOUR } from '../../workflows/failure-behaviour';
import { planRetry, type FailureAction } from '../../workflows/retry-plan';

describe('the description of what the platform does about each Jimeng failure', () => {
  it('describes exactly the actions the classifier can return', () => {
    expect(Object.keys(FAILURE_BEHAVIOUR).sort()).toEqual([...JIMENG_ERROR_ACTIONS].sort());
  });

  it.each(JIMENG_ERROR_ACTIONS)('says something for %s, in a summary and in detail', (action) => {
    const behaviour = FAILURE_BEHAVIOUR[action];
    expect(behaviour.summary.trim()).not.toBe('');
    expect(behaviour.detail.trim().length).toBeGreaterThan(behaviour.summary.length);
  });

  // Operators look for status 4 when a run waits (README, Operating it): the sentences must say it exactly
  // where the workflow records a retry, which it does before a backoff timer, that is when planRetry waits.
  it.each(JIMENG_ERROR_ACTIONS as readonly FailureAction[])(
    'mentions the record status 4 for %s only if planRetry waits before the next attempt',
    (action) => {
      const decision = planRetry({ action, retriesSoFar: 0, maxRetryCount: 4, site: 0, sites: [0, 1] });
      const waits = decision.kind === 'retry' && decision.delayMs > 0;
      const mentioned = /status 4/.test(FAILURE_BEHAVIOUR[action].detail);
      const claimsNoStatus4 = /no status 4/.test(FAILURE_BEHAVIOUR[action].detail);
      expect({ action, mentionsStatus4: mentioned && !claimsNoStatus4 }).toEqual({
        action,
        mentionsStatus4: waits,
      });
    },
  );
});
