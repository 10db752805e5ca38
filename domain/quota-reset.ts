/**
 * Accounts' daily quota resets at 00:30 in the quota time zone (Asia/Shanghai by default: Jimeng's
 * credits are claimed with time_zone "Asia/Shanghai"). Seed 002: quota_reset_time is written at account
 * creation as "creation date + 1 day at 0:30", and moved on whenever the refresh restores the account.
 */
export const QUOTA_RESET_HOUR = 0;
export const QUOTA_RESET_MINUTE = 30;

/** The offset of `timeZone` from UTC at `at`, in minutes (e.g. +480 for Asia/Shanghai). */
export function timeZoneOffsetMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant of HH:MM local time on the local calendar day that `day` falls on, in `timeZone`. */
function localTimeOnDayOf(day: Date, timeZone: string, hour: number, minute: number, plusDays: number): Date {
  const offset = timeZoneOffsetMinutes(day, timeZone);
  const local = new Date(day.getTime() + offset * 60_000);
  const guess = Date.UTC(
    local.getUTCFullYear(),
    local.getUTCMonth(),
    local.getUTCDate() + plusDays,
    hour,
    minute,
  );
  // Re-read the offset at the target instant: it differs across a daylight-saving change.
  const targetOffset = timeZoneOffsetMinutes(new Date(guess - offset * 60_000), timeZone);
  return new Date(guess - targetOffset * 60_000);
}

/** quota_reset_time for an account created at `createdAt`: the next day's 00:30, local time. */
export function initialQuotaResetTime(createdAt: Date, timeZone: string): Date {
  return localTimeOnDayOf(createdAt, timeZone, QUOTA_RESET_HOUR, QUOTA_RESET_MINUTE, 1);
}

/** The first 00:30 local time strictly after `after`: a refresh that ran late does not leave it in the past. */
export function nextQuotaResetAfter(after: Date, timeZone: string): Date {
  const today = localTimeOnDayOf(after, timeZone, QUOTA_RESET_HOUR, QUOTA_RESET_MINUTE, 0);
  return today.getTime() > after.getTime()
    ? today
    : localTimeOnDayOf(after, timeZone, QUOTA_RESET_HOUR, QUOTA_RESET_MINUTE, 1);
}
