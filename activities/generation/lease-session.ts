import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import { leaseOutcomeForAction, type LeaseOutcome } from '../../services/accounts/lease-outcome';
import { type Lease, type LeaseRequest } from '../../services/accounts/account-pool';
import { ACCOUNT_FREED_SIGNAL } from '../../domain/generation/account-freed-signal';
import { type JimengAccountRef } from '../../domain/jimeng/requests';
import { JimengError } from '../../services/jimeng/jimeng-error';
import { asFailure, failure } from './activity-failures';
import type { GenerationDependencies } from './generation-dependencies';
import type { GenerationType } from '../../domain/generation/generation-types';

/** The lease request of this activity: the same on every retry, so a retry gets back the lease it took. */
export function requestKey(): { requestKey?: string } {
  const { workflowExecution, activityId } = Context.current().info;
  return workflowExecution !== undefined ? { requestKey: `${workflowExecution.runId}:${activityId}` } : {};
}

/** Whether an account is free for others right after a lease that ended this way. */
export const freesAccount = (outcome: LeaseOutcome): boolean => outcome === 'success' || outcome === 'failed';

/**
 * A job's hold on an account, over the pool and the waiters: taking a lease (or queueing for one), reading the
 * leased account, keeping the lease alive, marking the account after a failed call, giving the lease back and
 * waking the job that waits next.
 */
export function createLeaseSession(deps: Pick<GenerationDependencies, 'logger' | 'pool' | 'waiters'>) {
  /**
   * The leased account's session. Before a paid call (`mustBeUsable`) also whether it is still usable: between
   * the lease and the call another job may have learned it is banned or logged out, or an operator switched it
   * off; calling it anyway is a call the upstream refuses (or, for a switched-off account, one the operator did
   * not want made). Polling an upstream job already running on it needs no such check.
   */
  const accountOf = async (lease: Lease, mustBeUsable = false): Promise<JimengAccountRef> => {
    const account = await deps.pool.leasedAccount(lease);
    if (!account) throw failure('UnknownAccount', `account ${lease.accountId} is gone`);
    if (mustBeUsable && !account.usable)
      throw failure('AccountWithdrawn', `account ${lease.accountId} became unusable after it was leased`);
    return {
      id: lease.accountId,
      siteType: lease.siteType,
      sessionId: account.sessionId,
      proxyUrl: account.proxyUrl,
    };
  };

  /**
   * What a failed call says about the account is written at once, not only when the workflow releases the
   * lease a workflow task later: until then other jobs could lease the account's other capability (or this
   * one, once released) and call an account the upstream just refused. The release applies it again, harmlessly.
   * Returns what the activity throws.
   */
  const failed = async (lease: Lease, err: unknown): Promise<unknown> => {
    if (JimengError.is(err)) {
      const outcome = leaseOutcomeForAction(err.action);
      await deps.pool.markAccount(lease.accountId, lease.capability, outcome).catch((markError: unknown) => {
        deps.logger.warn(
          { err: markError, accountId: lease.accountId },
          'could not mark the account at once',
        );
      });
    }
    return asFailure(err);
  };

  /**
   * A paid call this worker gave up at shutdown that may have started a job upstream, told to the pool
   * (AccountPool.countUnansweredCall). Best effort: the attempt is handed back to Temporal whatever happens here.
   */
  const unansweredCall = async (lease: Lease): Promise<void> => {
    await deps.pool.countUnansweredCall(lease.accountId, lease.capability).catch((err: unknown) => {
      deps.logger.warn({ err, accountId: lease.accountId }, 'could not count a call given up at shutdown');
    });
  };

  const extendLease = (lease: Lease) => () => deps.pool.extend(lease.token);

  /**
   * A lease, or null after queueing the job among the waiters (a release then wakes it). Looked at once more
   * after queueing: an account released between the first look and the queueing woke nobody.
   */
  const leaseOrQueue = async (
    request: LeaseRequest & { holder: string; sites: readonly number[] },
    avoidAccountIds: readonly string[] = [],
  ): Promise<Lease | null> => {
    const preferred =
      avoidAccountIds.length > 0
        ? await deps.pool.lease({
            ...request,
            excludeAccountIds: [...(request.excludeAccountIds ?? []), ...avoidAccountIds],
          })
        : null;
    // The same request key: a retried activity gets back whichever of the two leases it took.
    const lease = preferred ?? (await deps.pool.lease(request));
    if (lease !== null) {
      await deps.waiters.remove(request.holder);
      return lease;
    }
    await deps.waiters.enqueue({
      holder: request.holder,
      capability: request.capability,
      sites: request.sites,
    });
    const second = await deps.pool.lease(request);
    if (second !== null) await deps.waiters.remove(request.holder);
    return second;
  };

  /**
   * An account's capability is free again: wake the job that has waited longest for one like it. Best effort:
   * a job not woken still looks again on its fallback timer, so a failure here must not fail the activity.
   */
  const wakeWaiter = async (capability: GenerationType, siteType: number): Promise<void> => {
    try {
      for (let tries = 0; tries < 3; tries++) {
        const holder = await deps.waiters.claimNext(capability, siteType);
        if (holder === null) return;
        try {
          await Context.current().client.workflow.getHandle(holder).signal(ACCOUNT_FREED_SIGNAL);
          return;
        } catch (err) {
          // The job ended while queued (cancelled, say): drop it and wake the next one.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          await deps.waiters.remove(holder);
        }
      }
    } catch (err) {
      deps.logger.warn({ err, capability, siteType }, 'could not wake a job waiting for an account');
    }
  };

  /**
   * A release after the call must not fail the activity: a retry would call the upstream again. So it is tried
   * for a while (a database restart takes seconds); if the database stays away, the lease expires by itself.
   */
  const releaseSurely = async (lease: Lease, outcome: LeaseOutcome): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.pool.release(lease.token, outcome);
        return;
      } catch (err) {
        if (attempt >= 6) {
          deps.logger.error({ err, accountId: lease.accountId }, 'lease not released; it will expire');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      }
    }
  };

  return { accountOf, failed, unansweredCall, extendLease, leaseOrQueue, wakeWaiter, releaseSurely };
}

export type LeaseSession = ReturnType<typeof createLeaseSession>;
