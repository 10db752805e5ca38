import { maskProxyUrl } from '../../domain/jimeng/proxy-url';
import type { AccountResource } from './account-schemas';

/** A jimeng_accounts row as the store reads it (TIMESTAMPs come back as Dates: the session is UTC). */
export interface AccountRow {
  id: string;
  jimeng_account: string;
  jimeng_account_type: number | null;
  session_id: string;
  /** attr3, the account's outbound proxy URL (the store selects it under this name). */
  proxy_url: string | null;
  site_type: number | null;
  account_status: number | null;
  image_generation_status: number | null;
  video_generation_status: number | null;
  image_count: number | null;
  video_count: number | null;
  image_unavailable_time: Date | null;
  video_unavailable_time: Date | null;
  quota_reset_time: Date | null;
  priority: number | null;
  max_retry_count: number | null;
  version: number | null;
  create_time: Date;
  update_time: Date;
}

const ELLIPSIS = '…';

/**
 * Enough of a session id to tell accounts apart, never enough to use it: the first and last 4 characters,
 * the last 2 of a short one, nothing of a very short one (its last 2 would be most or all of it).
 */
export function maskSessionId(sessionId: string): string {
  if (sessionId.length > 8) return `${sessionId.slice(0, 4)}${ELLIPSIS}${sessionId.slice(-4)}`;
  if (sessionId.length > 4) return `${ELLIPSIS}${sessionId.slice(-2)}`;
  return ELLIPSIS;
}

/**
 * Columns the seed left nullable with a default are shown with that default: rows written by other tools
 * (SQL by hand, the dev seed) may hold NULL where the API always writes a value.
 */
export function accountResourceOf(row: AccountRow): AccountResource {
  return {
    id: row.id,
    jimeng_account: row.jimeng_account,
    jimeng_account_type: row.jimeng_account_type ?? 0,
    session_id: maskSessionId(row.session_id),
    // An empty attr3 (SQL by hand) is no proxy, as the client reads it.
    proxy_url: row.proxy_url === null || row.proxy_url === '' ? null : maskProxyUrl(row.proxy_url),
    site_type: row.site_type ?? 0,
    account_status: row.account_status ?? 0,
    image_generation_status: row.image_generation_status ?? 1,
    video_generation_status: row.video_generation_status ?? 1,
    image_count: row.image_count ?? 0,
    video_count: row.video_count ?? 0,
    image_unavailable_time: iso(row.image_unavailable_time),
    video_unavailable_time: iso(row.video_unavailable_time),
    quota_reset_time: iso(row.quota_reset_time),
    priority: row.priority ?? 0,
    max_retry_count: row.max_retry_count ?? 4,
    version: row.version ?? 1,
    create_time: iso(row.create_time)!,
    update_time: iso(row.update_time)!,
  };
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
