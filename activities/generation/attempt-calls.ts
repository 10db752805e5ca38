import { Context } from '@temporalio/activity';
import { leaseOutcomeForAction, type LeaseOutcome } from '../../services/accounts/lease-outcome';
import { type Lease } from '../../services/accounts/account-pool';
import { type JimengAccountRef } from '../../domain/jimeng/requests';
import { JimengError } from '../../services/jimeng/jimeng-error';
import { JimengErrorAction, JimengErrorReason } from '../../services/jimeng/error-actions';
import { markProcessing } from '../../services/generation/generation-records';
import { withHeartbeat } from './heartbeat';
import { failure } from './activity-failures';
import type { AttemptInput } from './generation-activity-shapes';
import type { GenerationDependencies } from './generation-dependencies';
import type { LeaseSession } from './lease-session';
import type { GenerationType } from '../../domain/generation/generation-types';

/**
 * An attempt's paid call on its leased account: the account checked before it (still usable, and after a lost
 * attempt not already refusing), the record marked processing, the call held with heartbeats and lease
 * extensions, and a failure that only hints at a dead session confirmed with the session itself.
 */
export function createAttemptCalls(
  deps: Pick<Required<GenerationDependencies>, 'sequelize' | 'now' | 'pool' | 'jimeng' | 'heartbeatMs'>,
  session: LeaseSession,
) {
  const { sequelize, heartbeatMs } = deps;

  /**
   * The proxy answers a dead session's generation call with a TypeError on the credits it could not read
   * (-1000 "Cannot read properties of undefined (reading 'gift_credit')", iptag #58): a hint, not proof. The
   * session is asked (/token/check); not live, and the failure becomes ACCOUNT_INVALID (the account is marked,
   * the job switches at once); live, or the check itself failing, and it stays the unexplained failure it was.
   */
  const confirmedFailure = async (account: JimengAccountRef, err: unknown): Promise<unknown> => {
    if (!JimengError.is(err) || err.reason !== JimengErrorReason.SESSION_SUSPECT) return err;
    let live: boolean;
    try {
      const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(30_000)]);
      live = await deps.jimeng.checkSession(account, { signal });
    } catch {
      return err;
    }
    if (live) return err;
    return new JimengError({
      ...err.toJSON(),
      action: JimengErrorAction.ACCOUNT_INVALID,
      reason: JimengErrorReason.SESSION_EXPIRED,
      message: `${err.message} (/token/check: the session is not live)`,
    });
  };

  /**
   * A retried paid call: the attempt before it may have died (a killed worker) after the upstream answered that
   * the account cannot serve, before that answer was written down, so calling again would be a call after a
   * refusal (the chaos suite caught one). The account's credits, a look and not a generation, tell an exhausted,
   * banned or logged-out account first; it is marked and the job moves on without calling it.
   */
  const recheckAfterLostAttempt = async (lease: Lease, account: JimengAccountRef): Promise<void> => {
    let outcome: LeaseOutcome = 'success';
    try {
      // Bounded well inside the heartbeat timeout: nothing beats while it waits.
      const signal = AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(10_000)]);
      const credits = await deps.jimeng.getCredits(account, { signal });
      if (credits.totalCredit <= 0) outcome = 'quota_exhausted';
    } catch (err) {
      if (!JimengError.is(err)) throw err;
      // A dead session's credit read fails with the TypeError the generation call would get: ask the session.
      const confirmed = await confirmedFailure(account, err);
      outcome = leaseOutcomeForAction(JimengError.is(confirmed) ? confirmed.action : err.action);
    }
    if (outcome === 'success' || outcome === 'failed') return;
    await deps.pool.markAccount(lease.accountId, lease.capability, outcome);
    throw failure(
      'AccountWithdrawn',
      `account ${lease.accountId} cannot serve (${outcome}), found before calling it again after a lost attempt`,
    );
  };

  /** `resuming`: an upstream job is already running on the account (a fork's recorded task): no recheck. */
  const startAttempt = async (
    type: GenerationType,
    input: AttemptInput,
    resuming = false,
  ): Promise<JimengAccountRef> => {
    const account = await session.accountOf(input.lease, !resuming);
    if (Context.current().info.attempt > 1 && !resuming) await recheckAfterLostAttempt(input.lease, account);
    await markProcessing(sequelize, {
      type,
      taskId: input.taskId,
      accountId: input.lease.accountId,
      siteType: input.lease.siteType,
      sessionId: account.sessionId,
      siteSwitchCount: input.siteSwitchCount,
      progress: 20,
      now: deps.now(),
    });
    return account;
  };

  /** A call on a leased account, heartbeating and extending the lease while it runs; throws what it threw. */
  const heldCall = async <T>(
    lease: Lease,
    account: JimengAccountRef,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const signal = Context.current().cancellationSignal;
    try {
      return await withHeartbeat(heartbeatMs, session.extendLease(lease), () => call(signal));
    } catch (err) {
      throw await confirmedFailure(account, err);
    }
  };

  return { startAttempt, heldCall };
}

export type AttemptCalls = ReturnType<typeof createAttemptCalls>;
