import { leaseOutcomeForAction, type LeaseOutcome } from '../../services/accounts/lease-outcome';
import { type Lease } from '../../services/accounts/account-pool';
import { type JimengErrorAction } from '../../services/jimeng/error-actions';
import type { GenerationDependencies } from './generation-dependencies';
import { freesAccount, requestKey, type LeaseSession } from './lease-session';
import type { GenerationType } from '../../domain/generation/generation-types';

/** The activities a workflow leases an account with and gives it back with, around its own attempt activities. */
export function createLeaseActivities(deps: Pick<GenerationDependencies, 'pool'>, session: LeaseSession) {
  return {
    async leaseAccount(input: {
      type: GenerationType;
      sites: number[];
      excludeAccountIds: string[];
      holder: string;
    }): Promise<Lease | null> {
      return session.leaseOrQueue({
        capability: input.type,
        sites: input.sites as Lease['siteType'][],
        excludeAccountIds: input.excludeAccountIds,
        holder: input.holder,
        ...requestKey(),
      });
    },

    /** `abandoned`: the job stopped (cancelled, failed elsewhere); the account did nothing wrong. */
    async releaseAccount(input: {
      token: string;
      result: 'success' | 'abandoned' | JimengErrorAction;
    }): Promise<void> {
      const outcome: LeaseOutcome =
        input.result === 'success'
          ? 'success'
          : input.result === 'abandoned'
            ? 'failed'
            : leaseOutcomeForAction(input.result);
      const { released } = await deps.pool.release(input.token, outcome);
      if (released && released.siteType !== null && freesAccount(outcome))
        await session.wakeWaiter(released.capability, released.siteType);
    },
  };
}
