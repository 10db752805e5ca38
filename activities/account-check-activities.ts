import type { GenerationFailureType } from '../domain/generation/generation-failures';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { SiteType } from '../db/codes';
import { PROXY_URL_COLUMN } from '../services/accounts/account-columns';
import { JimengError } from '../services/jimeng/jimeng-error';
import { type JimengClient } from '../services/jimeng/client';

export interface AccountCheckDependencies {
  sequelize: Sequelize;
  jimeng: JimengClient;
  now?: () => Date;
  /**
   * Bound of each upstream call, so a hanging proxy gives an answer (a TIMEOUT error) within one attempt of
   * the activity's 30 s rather than the client's minutes-long default sized for image generations.
   */
  checkCallTimeoutMs?: number;
}

export interface AccountCheckInput {
  accountId: string;
}

/** What an operator learns from "test this account"; plain data, as it is kept in the workflow history. */
export interface AccountCheckResult {
  accountId: string;
  /** The proxy accepted the session. A false is a hint: the proxy answers false for any upstream error. */
  live: boolean;
  /** Total credits of a live session; null when not live or they could not be read. */
  credits: number | null;
  checkedAt: string;
  /** Why the upstream could not answer; the client's messages are already free of the session id. */
  error?: { code: string; message: string };
}

/** Thrown as non-retryable: the account does not exist or was deleted; a second attempt changes nothing. */
export const UNKNOWN_ACCOUNT = 'UnknownAccount' satisfies GenerationFailureType;

const DEFAULT_CALL_TIMEOUT_MS = 12_000;

/**
 * "Test this account": asks the Jimeng proxy whether the session is alive, then its credits. Nothing is
 * written: the check is a look, the pool's own calls are what mark accounts. Upstream failures are part of
 * the answer, not failures of the activity, so retries only cover the worker and the database.
 */
export function createAccountCheckActivities(deps: AccountCheckDependencies) {
  const now = deps.now ?? (() => new Date());
  const callTimeoutMs = deps.checkCallTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;

  return {
    async checkAccount(input: AccountCheckInput): Promise<AccountCheckResult> {
      const rows = await deps.sequelize.query<{
        session_id: string;
        site_type: number | null;
        proxy_url: string | null;
      }>(
        `SELECT session_id, site_type, ${PROXY_URL_COLUMN} AS proxy_url FROM jimeng_accounts WHERE id = ? AND is_deleted = 0`,
        { replacements: [input.accountId], type: QueryTypes.SELECT },
      );
      const row = rows[0];
      if (!row)
        throw ApplicationFailure.create({
          type: UNKNOWN_ACCOUNT,
          message: `account ${input.accountId} does not exist or was deleted`,
          nonRetryable: true,
        });
      const account = {
        id: input.accountId,
        sessionId: row.session_id,
        siteType: Number(row.site_type ?? 0) as SiteType,
        proxyUrl: row.proxy_url,
      };
      const cancelled = Context.current().cancellationSignal;
      const signal = () => AbortSignal.any([cancelled, AbortSignal.timeout(callTimeoutMs)]);
      // A cancelled or timed-out activity is Temporal's to report; only the upstream's answers are ours.
      const upstreamError = (err: unknown): JimengError | null =>
        JimengError.is(err) && !cancelled.aborted ? err : null;
      const answer = (live: boolean, credits: number | null, error?: JimengError): AccountCheckResult => ({
        accountId: input.accountId,
        live,
        credits,
        checkedAt: now().toISOString(),
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
      });

      let live: boolean;
      try {
        live = await deps.jimeng.checkSession(account, { signal: signal() });
      } catch (err) {
        const error = upstreamError(err);
        if (error) return answer(false, null, error);
        throw err;
      }
      if (!live) return answer(false, null);
      try {
        const credits = await deps.jimeng.getCredits(account, { signal: signal() });
        return answer(true, credits.totalCredit);
      } catch (err) {
        const error = upstreamError(err);
        if (error) return answer(true, null, error);
        throw err;
      }
    },
  };
}

export type AccountCheckActivities = ReturnType<typeof createAccountCheckActivities>;
