import { ApplicationFailure, Context } from '@temporalio/activity';
import { leaseOutcomeForAction, type LeaseOutcome } from '../../services/accounts/lease-outcome';
import { type Lease } from '../../services/accounts/account-pool';
import { JimengError } from '../../services/jimeng/jimeng-error';
import type { AttemptResult, LeasedCallInput, ProducedOutput } from './generation-activity-shapes';
import { freesAccount, requestKey, type LeaseSession } from './lease-session';
import type { GenerationType } from '../../domain/generation/generation-types';

/**
 * Lease, call and release in one activity: the account is held for the call and a few statements, not for
 * the workflow tasks around three activities (seconds each on a busy Temporal), which left it idle a third of
 * the time in the pool-capacity bench. Failures come back as values for the workflow's retry plan; only
 * infrastructure failures throw (Temporal retries them, and a retry gets the same lease back).
 */
export async function leaseAndCall(
  session: LeaseSession,
  capability: GenerationType,
  request: Pick<LeasedCallInput, 'sites' | 'excludeAccountIds' | 'avoidAccountIds' | 'holder'>,
  call: (lease: Lease) => Promise<ProducedOutput[]>,
): Promise<AttemptResult> {
  const lease = await session.leaseOrQueue(
    {
      capability,
      sites: request.sites as Lease['siteType'][],
      excludeAccountIds: request.excludeAccountIds,
      holder: request.holder,
      ...requestKey(),
    },
    request.avoidAccountIds,
  );
  if (lease === null) return { kind: 'no_account' };
  const account = {
    accountId: lease.accountId,
    siteType: lease.siteType,
    maxRetryCount: lease.maxRetryCount,
  };
  let outcome: LeaseOutcome | null = 'failed';
  let withdrawn = false;
  try {
    const outputs = await call(lease);
    outcome = 'success';
    return { kind: 'produced', account, outputs };
  } catch (err) {
    // This worker is shutting down (a deploy's SIGTERM) and cancelled the call after its grace: not the job's
    // failure nor the account's. Thrown, so Temporal runs the attempt again on another worker at once, on the
    // same lease, which stays live meanwhile; a call that reached the proxy may have started a paid job there,
    // and the pool is told so.
    if (Context.current().cancellationDetails?.workerShutdown === true) {
      outcome = null;
      if (JimengError.is(err) && err.mayHaveStartedJob) await session.unansweredCall(lease);
      throw err;
    }
    if (JimengError.is(err)) {
      outcome = leaseOutcomeForAction(err.action);
      return { kind: 'failed', account, failure: err.toJSON() };
    }
    if (err instanceof ApplicationFailure && err.type === 'AccountWithdrawn') {
      withdrawn = true;
      return { kind: 'withdrawn', accountId: lease.accountId };
    }
    // Infrastructure (the database, say): the lease stays live so Temporal's retry gets it back.
    outcome = null;
    throw err;
  } finally {
    if (outcome !== null) {
      await session.releaseSurely(lease, outcome);
      if (!withdrawn && freesAccount(outcome)) await session.wakeWaiter(capability, lease.siteType);
    }
  }
}
