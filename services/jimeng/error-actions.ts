/**
 * What the caller (the account pool and the workflow) should do about a failed Jimeng call. This is the only
 * thing a caller needs to branch on; `reason` says why, for logs and records.
 */
export const JimengErrorAction = {
  /** Transient: the same call on the same account may succeed after a backoff. */
  RETRY_SAME_ACCOUNT: 'retry_same_account',
  /**
   * Transient, and not the account's fault: the proxy could not reach Jimeng (a dropped connection, a DNS or
   * proxy failure between the proxy and the upstream). Wait the backoff and try another account, whose path
   * (its own outbound proxy, another moment) may work; the failed account is not marked.
   */
  RETRY_OTHER_ACCOUNT: 'retry_other_account',
  /**
   * Unexplained (a -1000 the classifier does not know): one more try on another account, and a second such
   * failure in the same job fails it. Never a permanent failure on first sight, never a mark on the account
   * without evidence.
   */
  RETRY_ONCE_OTHER_ACCOUNT: 'retry_once_other_account',
  /** The account is rate-limited or under risk control: make it unavailable for a while, use another. */
  COOL_DOWN_ACCOUNT: 'cool_down_account',
  /** No credits left today: unavailable until its quota_reset_time, use another. */
  ACCOUNT_EXHAUSTED: 'account_exhausted',
  /** The session no longer works (expired, logged out, malformed): mark unusable until an operator fixes it. */
  ACCOUNT_INVALID: 'account_invalid',
  /** Banned: like invalid, but the daily refresh must never re-enable it. */
  ACCOUNT_BANNED: 'account_banned',
  /** This site (or the network path to it) cannot serve the call now: try an account on another site. */
  SWITCH_SITE: 'switch_site',
  /** No account or site will help (content policy, bad request, outdated proxy): fail the job, no penalty. */
  FAIL_PERMANENTLY: 'fail_permanently',
} as const;
export type JimengErrorAction = (typeof JimengErrorAction)[keyof typeof JimengErrorAction];

export const JIMENG_ERROR_ACTIONS: readonly JimengErrorAction[] = Object.values(JimengErrorAction);

export const JimengErrorReason = {
  SESSION_EXPIRED: 'session_expired',
  /**
   * The proxy could not read the account's credits (a TypeError on `gift_credit`, iptag #58): what a dead
   * session gets. The session is checked (/token/check) before the account is marked.
   */
  SESSION_SUSPECT: 'session_suspect',
  ACCOUNT_BANNED: 'account_banned',
  ACCOUNT_MISCONFIGURED: 'account_misconfigured',
  CREDITS_EXHAUSTED: 'credits_exhausted',
  CREDIT_CLAIM_REFUSED: 'credit_claim_refused',
  RATE_LIMITED: 'rate_limited',
  RISK_CONTROL: 'risk_control',
  CONTENT_POLICY: 'content_policy',
  BAD_REQUEST: 'bad_request',
  FILE_REJECTED: 'file_rejected',
  CLIENT_OUTDATED: 'client_outdated',
  REGION_MISMATCH: 'region_mismatch',
  MODEL_NOT_ON_SITE: 'model_not_on_site',
  SITE_OVERLOADED: 'site_overloaded',
  SITE_NOT_CONFIGURED: 'site_not_configured',
  GENERATION_FAILED: 'generation_failed',
  RECORD_MISSING: 'record_missing',
  UPSTREAM_TIMEOUT: 'upstream_timeout',
  /** The proxy's own connection to Jimeng failed (socket hang up, ECONNRESET, ENOTFOUND, …). */
  UPSTREAM_UNREACHABLE: 'upstream_unreachable',
  /** Our deadline for a paid call passed: the proxy may still be working on a job it started. */
  CALL_DEADLINE: 'call_deadline',
  /** A -1000 whose text the classifier does not know. */
  UNEXPLAINED: 'unexplained',
  TIMEOUT: 'timeout',
  CONNECTION_FAILED: 'connection_failed',
  SERVER_ERROR: 'server_error',
  MALFORMED_RESPONSE: 'malformed_response',
  CANCELLED: 'cancelled',
  UNKNOWN: 'unknown',
} as const;
export type JimengErrorReason = (typeof JimengErrorReason)[keyof typeof JimengErrorReason];

/**
 * Only a plain retry of the same call can help with RETRY_SAME_ACCOUNT; every other action needs a decision
 * above the activity (another account, another site, or giving up), so Temporal must not retry it blindly.
 */
export function isRetryableAction(action: JimengErrorAction): boolean {
  return action === JimengErrorAction.RETRY_SAME_ACCOUNT;
}
