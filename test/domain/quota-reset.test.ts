import { initialQuotaResetTime, nextQuotaResetAfter, timeZoneOffsetMinutes } from '../../domain/quota-reset';

describe('quota reset times (00:30 local)', () => {
  it('knows Shanghai is UTC+8 all year and New York changes with daylight saving', () => {
    expect(timeZoneOffsetMinutes(new Date('2026-01-15T12:00:00Z'), 'Asia/Shanghai')).toBe(480);
    expect(timeZoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'Asia/Shanghai')).toBe(480);
    expect(timeZoneOffsetMinutes(new Date('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-300);
    expect(timeZoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-240);
  });

  it('sets a new account to the next local day at 00:30 (seed 002: creation date + 1 day, 0:30)', () => {
    // 2026-11-23 10:00 in Shanghai -> 2026-11-24 00:30 Shanghai = 2026-11-23 16:30 UTC
    expect(initialQuotaResetTime(new Date('2026-11-23T02:00:00Z'), 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-23T16:30:00.000Z',
    );
    // 23:50 UTC on the 22nd is already the 23rd in Shanghai: the reset is the 24th's 00:30.
    expect(initialQuotaResetTime(new Date('2026-11-22T23:50:00Z'), 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-23T16:30:00.000Z',
    );
  });

  it('moves to the first 00:30 strictly after a refresh, even one that ran days late', () => {
    expect(nextQuotaResetAfter(new Date('2026-11-23T16:30:00Z'), 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-24T16:30:00.000Z',
    );
    expect(nextQuotaResetAfter(new Date('2026-11-23T16:29:59Z'), 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-23T16:30:00.000Z',
    );
    expect(nextQuotaResetAfter(new Date('2026-11-27T03:00:00Z'), 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-27T16:30:00.000Z',
    );
  });

  it('keeps 00:30 local across a daylight-saving change', () => {
    // New York leaves DST on 2026-11-01: 00:30 EDT on the 1st is 04:30 UTC, 00:30 EST on the 2nd is 05:30 UTC.
    expect(nextQuotaResetAfter(new Date('2026-10-31T12:00:00Z'), 'America/New_York').toISOString()).toBe(
      '2026-11-01T04:30:00.000Z',
    );
    expect(nextQuotaResetAfter(new Date('2026-11-01T12:00:00Z'), 'America/New_York').toISOString()).toBe(
      '2026-11-02T05:30:00.000Z',
    );
  });
});
