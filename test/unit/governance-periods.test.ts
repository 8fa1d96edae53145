// Budget periods: parsing reset durations, periods counted from an anchor, and periods aligned on the
// calendar of a time zone, including DST changes. Expected instants are worked out by hand from each
// zone's rules (offsets noted beside them) and written as UTC instants.
import { describe, expect, it } from 'vitest';
import {
  computePeriod,
  durationMsUpperBound,
  isValidTimeZone,
  parseResetDuration,
  periodAt,
  type PeriodRule,
} from '../../electron/governance/periods.js';

const at = (isoInstant: string): number => Date.parse(isoInstant);
const HOUR = 3_600_000;

/** The period as ISO instants, so a failure reads as dates. Computed afresh, not from periodAt's memory. */
function period(rule: PeriodRule, instant: string): { start: string; end: string } {
  const found = computePeriod(rule, at(instant));
  return { start: new Date(found.start).toISOString(), end: new Date(found.end).toISOString() };
}

const aligned = (resetDuration: string, timeZone = 'UTC', anchor = '2026-01-01T00:00:00Z'): PeriodRule => ({
  resetDuration,
  calendarAligned: true,
  timeZone,
  anchorMs: at(anchor),
});

const anchored = (resetDuration: string, anchor: string): PeriodRule => ({
  resetDuration,
  calendarAligned: false,
  timeZone: 'UTC',
  anchorMs: at(anchor),
});

const iso = (instant: string): string => new Date(at(instant)).toISOString();

describe('parseResetDuration', () => {
  it('reads a count and a unit, telling minutes (m) from months (M)', () => {
    expect(parseResetDuration('1m')).toEqual({ count: 1, unit: 'm' });
    expect(parseResetDuration('5m')).toEqual({ count: 5, unit: 'm' });
    expect(parseResetDuration('30m')).toEqual({ count: 30, unit: 'm' });
    expect(parseResetDuration('1h')).toEqual({ count: 1, unit: 'h' });
    expect(parseResetDuration('1d')).toEqual({ count: 1, unit: 'd' });
    expect(parseResetDuration('2d')).toEqual({ count: 2, unit: 'd' });
    expect(parseResetDuration('1w')).toEqual({ count: 1, unit: 'w' });
    expect(parseResetDuration('1M')).toEqual({ count: 1, unit: 'M' });
    expect(parseResetDuration('3M')).toEqual({ count: 3, unit: 'M' });
    expect(parseResetDuration('1Y')).toEqual({ count: 1, unit: 'Y' });
  });

  it('refuses zero, negative, fractional, padded, unknown-unit and empty durations', () => {
    for (const text of [
      '0d',
      '0m',
      '-1d',
      '1.5h',
      '1x',
      '',
      'd',
      '1',
      ' 1d',
      '1d ',
      '01d',
      '1D',
      '1y',
      '1H',
      '1 d',
      '+1d',
    ]) {
      expect(parseResetDuration(text), text).toBeNull();
    }
  });

  it('refuses durations longer than a century', () => {
    expect(parseResetDuration('100Y')).toEqual({ count: 100, unit: 'Y' });
    expect(parseResetDuration('101Y')).toBeNull();
    expect(parseResetDuration('1200M')).toEqual({ count: 1200, unit: 'M' });
    expect(parseResetDuration('1201M')).toBeNull();
    expect(parseResetDuration('99999999999m')).toBeNull();
  });

  it('gives months and years their longest length when a window length is needed', () => {
    expect(durationMsUpperBound({ count: 5, unit: 'm' })).toBe(5 * 60_000);
    expect(durationMsUpperBound({ count: 2, unit: 'w' })).toBe(14 * 24 * HOUR);
    expect(durationMsUpperBound({ count: 1, unit: 'M' })).toBe(31 * 24 * HOUR);
    expect(durationMsUpperBound({ count: 1, unit: 'Y' })).toBe(366 * 24 * HOUR);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and UTC, and refuses unknown names, offsets and the empty string', () => {
    for (const zone of ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
      expect(isValidTimeZone(zone), zone).toBe(true);
    }
    for (const zone of ['', 'Mars/Olympus', '+05:30', 'GMT+1', 'Europe/Pariss']) {
      expect(isValidTimeZone(zone), zone).toBe(false);
    }
  });
});

describe('periodAt, counted from the anchor', () => {
  it('cuts fixed durations into exact multiples from the anchor, whatever its time of day', () => {
    const rule = anchored('5m', '2026-01-01T13:37:00Z');
    expect(period(rule, '2026-01-01T13:41:59.999Z')).toEqual({
      start: iso('2026-01-01T13:37:00Z'),
      end: iso('2026-01-01T13:42:00Z'),
    });
    expect(period(rule, '2026-01-01T13:42:00Z')).toEqual({
      start: iso('2026-01-01T13:42:00Z'),
      end: iso('2026-01-01T13:47:00Z'),
    });
    expect(period(anchored('1d', '2026-01-01T13:37:00Z'), '2026-03-10T08:00:00Z')).toEqual({
      start: iso('2026-03-09T13:37:00Z'),
      end: iso('2026-03-10T13:37:00Z'),
    });
    expect(period(anchored('2w', '2026-01-01T00:00:00Z'), '2026-01-20T00:00:00Z')).toEqual({
      start: iso('2026-01-15T00:00:00Z'),
      end: iso('2026-01-29T00:00:00Z'),
    });
  });

  it('finds periods before the anchor as well', () => {
    expect(period(anchored('1h', '2026-01-01T00:30:00Z'), '2025-12-31T22:45:00Z')).toEqual({
      start: iso('2025-12-31T22:30:00Z'),
      end: iso('2025-12-31T23:30:00Z'),
    });
  });

  it('moves a month anchored on the 31st to the last day of shorter months, counting each month from the anchor', () => {
    const rule = anchored('1M', '2026-01-31T10:00:00Z');
    expect(period(rule, '2026-02-15T00:00:00Z')).toEqual({
      start: iso('2026-01-31T10:00:00Z'),
      end: iso('2026-02-28T10:00:00Z'),
    });
    expect(period(rule, '2026-03-01T00:00:00Z')).toEqual({
      start: iso('2026-02-28T10:00:00Z'),
      end: iso('2026-03-31T10:00:00Z'),
    });
    expect(period(rule, '2026-04-30T10:00:00Z')).toEqual({
      start: iso('2026-04-30T10:00:00Z'),
      end: iso('2026-05-31T10:00:00Z'),
    });
    // 2028 is a leap year.
    expect(period(rule, '2028-02-29T11:00:00Z')).toEqual({
      start: iso('2028-02-29T10:00:00Z'),
      end: iso('2028-03-31T10:00:00Z'),
    });
  });

  it('counts multi-month and yearly periods from the anchor, keeping a leap day where the year has one', () => {
    expect(period(anchored('3M', '2026-01-15T00:00:00Z'), '2026-05-01T00:00:00Z')).toEqual({
      start: iso('2026-04-15T00:00:00Z'),
      end: iso('2026-07-15T00:00:00Z'),
    });
    const leapDay = anchored('1Y', '2024-02-29T12:00:00Z');
    expect(period(leapDay, '2025-06-01T00:00:00Z')).toEqual({
      start: iso('2025-02-28T12:00:00Z'),
      end: iso('2026-02-28T12:00:00Z'),
    });
    expect(period(leapDay, '2028-03-01T00:00:00Z')).toEqual({
      start: iso('2028-02-29T12:00:00Z'),
      end: iso('2029-02-28T12:00:00Z'),
    });
  });

  it('ignores the time zone when the budget is not calendar-aligned', () => {
    const inParis: PeriodRule = { ...anchored('1d', '2026-03-01T00:00:00Z'), timeZone: 'Europe/Paris' };
    expect(period(inParis, '2026-03-29T12:00:00Z')).toEqual({
      start: iso('2026-03-29T00:00:00Z'),
      end: iso('2026-03-30T00:00:00Z'),
    });
  });
});

describe('periodAt, calendar-aligned in UTC', () => {
  it('starts a day at midnight, a month on the 1st and a year on January 1st', () => {
    expect(period(aligned('1d'), '2026-05-10T17:00:00Z')).toEqual({
      start: iso('2026-05-10T00:00:00Z'),
      end: iso('2026-05-11T00:00:00Z'),
    });
    expect(period(aligned('1M'), '2026-01-31T23:59:59.999Z')).toEqual({
      start: iso('2026-01-01T00:00:00Z'),
      end: iso('2026-02-01T00:00:00Z'),
    });
    expect(period(aligned('1M'), '2026-02-01T00:00:00Z')).toEqual({
      start: iso('2026-02-01T00:00:00Z'),
      end: iso('2026-03-01T00:00:00Z'),
    });
    expect(period(aligned('1Y'), '2026-07-04T12:00:00Z')).toEqual({
      start: iso('2026-01-01T00:00:00Z'),
      end: iso('2027-01-01T00:00:00Z'),
    });
  });

  it('gives February 29 days in a leap year and 28 otherwise', () => {
    const leap = periodAt(aligned('1M'), at('2028-02-29T12:00:00Z'));
    expect((leap.end - leap.start) / (24 * HOUR)).toBe(29);
    const common = periodAt(aligned('1M'), at('2026-02-15T12:00:00Z'));
    expect((common.end - common.start) / (24 * HOUR)).toBe(28);
  });

  it('starts a week on Monday', () => {
    // 2026-01-01 is a Thursday; 2026-01-04 a Sunday; 2026-01-05 a Monday.
    expect(period(aligned('1w'), '2026-01-01T09:00:00Z')).toEqual({
      start: iso('2025-12-29T00:00:00Z'),
      end: iso('2026-01-05T00:00:00Z'),
    });
    expect(period(aligned('1w'), '2026-01-04T23:59:59Z').end).toBe(iso('2026-01-05T00:00:00Z'));
    expect(period(aligned('1w'), '2026-01-05T00:00:00Z').start).toBe(iso('2026-01-05T00:00:00Z'));
  });

  it('cuts minutes from the top of the hour and hours from midnight', () => {
    expect(period(aligned('5m'), '2026-05-10T17:08:30Z')).toEqual({
      start: iso('2026-05-10T17:05:00Z'),
      end: iso('2026-05-10T17:10:00Z'),
    });
    expect(period(aligned('1h'), '2026-05-10T17:08:30Z')).toEqual({
      start: iso('2026-05-10T17:00:00Z'),
      end: iso('2026-05-10T18:00:00Z'),
    });
    expect(period(aligned('6h'), '2026-05-10T17:08:30Z')).toEqual({
      start: iso('2026-05-10T12:00:00Z'),
      end: iso('2026-05-10T18:00:00Z'),
    });
  });

  it('ends a slot that does not divide the hour or day early, at the top of the hour or at midnight', () => {
    expect(period(aligned('45m'), '2026-05-10T17:50:00Z')).toEqual({
      start: iso('2026-05-10T17:45:00Z'),
      end: iso('2026-05-10T18:00:00Z'),
    });
    expect(period(aligned('5h'), '2026-05-10T21:00:00Z')).toEqual({
      start: iso('2026-05-10T20:00:00Z'),
      end: iso('2026-05-11T00:00:00Z'),
    });
  });

  it('counts multiples of days, weeks and months from the anchor’s date, Monday and month', () => {
    const anchor = '2026-01-07T15:00:00Z'; // a Wednesday
    expect(period(aligned('2d', 'UTC', anchor), '2026-01-10T03:00:00Z')).toEqual({
      start: iso('2026-01-09T00:00:00Z'),
      end: iso('2026-01-11T00:00:00Z'),
    });
    expect(period(aligned('2w', 'UTC', anchor), '2026-01-20T00:00:00Z')).toEqual({
      start: iso('2026-01-19T00:00:00Z'),
      end: iso('2026-02-02T00:00:00Z'),
    });
    expect(period(aligned('2w', 'UTC', anchor), '2026-01-18T23:00:00Z').start).toBe(iso('2026-01-05T00:00:00Z'));
    expect(period(aligned('3M', 'UTC', '2026-02-20T00:00:00Z'), '2026-04-30T00:00:00Z')).toEqual({
      start: iso('2026-02-01T00:00:00Z'),
      end: iso('2026-05-01T00:00:00Z'),
    });
    expect(period(aligned('3M', 'UTC', '2026-02-20T00:00:00Z'), '2026-01-31T00:00:00Z')).toEqual({
      start: iso('2025-11-01T00:00:00Z'),
      end: iso('2026-02-01T00:00:00Z'),
    });
  });
});

describe('periodAt, calendar-aligned in other time zones', () => {
  it('starts the day at Paris midnight, in winter (UTC+1) and summer (UTC+2)', () => {
    expect(period(aligned('1d', 'Europe/Paris'), '2026-01-15T23:30:00Z')).toEqual({
      start: iso('2026-01-15T23:00:00Z'),
      end: iso('2026-01-16T23:00:00Z'),
    });
    expect(period(aligned('1d', 'Europe/Paris'), '2026-07-15T12:00:00Z')).toEqual({
      start: iso('2026-07-14T22:00:00Z'),
      end: iso('2026-07-15T22:00:00Z'),
    });
  });

  it('makes the Paris day the clocks go forward 23 hours long and the day they go back 25', () => {
    // 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
    expect(period(aligned('1d', 'Europe/Paris'), '2026-03-29T12:00:00Z')).toEqual({
      start: iso('2026-03-28T23:00:00Z'),
      end: iso('2026-03-29T22:00:00Z'),
    });
    expect(period(aligned('1d', 'Europe/Paris'), '2026-10-25T12:00:00Z')).toEqual({
      start: iso('2026-10-24T22:00:00Z'),
      end: iso('2026-10-25T23:00:00Z'),
    });
  });

  it('starts the Paris month on the 1st at local midnight across the change to summer time', () => {
    expect(period(aligned('1M', 'Europe/Paris'), '2026-03-31T21:59:59Z')).toEqual({
      start: iso('2026-02-28T23:00:00Z'),
      end: iso('2026-03-31T22:00:00Z'),
    });
    expect(period(aligned('1M', 'Europe/Paris'), '2026-03-31T22:00:00Z').start).toBe(iso('2026-03-31T22:00:00Z'));
  });

  it('makes the New York day the clocks go back 25 hours long, and its repeated hour two one-hour periods', () => {
    // 2026-11-01 02:00 EDT (UTC-4) → 01:00 EST (UTC-5), at 06:00Z.
    expect(period(aligned('1d', 'America/New_York'), '2026-11-01T12:00:00Z')).toEqual({
      start: iso('2026-11-01T04:00:00Z'),
      end: iso('2026-11-02T05:00:00Z'),
    });
    // 01:30 EDT, then 01:30 EST an hour later: the clock shows 01:00 twice, and each time a period starts.
    expect(period(aligned('1h', 'America/New_York'), '2026-11-01T05:30:00Z')).toEqual({
      start: iso('2026-11-01T05:00:00Z'),
      end: iso('2026-11-01T06:00:00Z'),
    });
    expect(period(aligned('1h', 'America/New_York'), '2026-11-01T06:30:00Z')).toEqual({
      start: iso('2026-11-01T06:00:00Z'),
      end: iso('2026-11-01T07:00:00Z'),
    });
    // 01:40 EDT is in the 01:30 slot, which ends when the clock falls back to 01:00.
    expect(period(aligned('30m', 'America/New_York'), '2026-11-01T05:40:00Z')).toEqual({
      start: iso('2026-11-01T05:30:00Z'),
      end: iso('2026-11-01T06:00:00Z'),
    });
  });

  it('starts the New York slot whose start time is skipped in spring when the clocks jump', () => {
    // 2026-03-08 02:00 EST → 03:00 EDT, at 07:00Z: the 02:00–04:00 slot lasts one hour.
    expect(period(aligned('1d', 'America/New_York'), '2026-03-08T12:00:00Z')).toEqual({
      start: iso('2026-03-08T05:00:00Z'),
      end: iso('2026-03-09T04:00:00Z'),
    });
    expect(period(aligned('2h', 'America/New_York'), '2026-03-08T06:10:00Z')).toEqual({
      start: iso('2026-03-08T05:00:00Z'),
      end: iso('2026-03-08T07:00:00Z'),
    });
    expect(period(aligned('2h', 'America/New_York'), '2026-03-08T07:10:00Z')).toEqual({
      start: iso('2026-03-08T07:00:00Z'),
      end: iso('2026-03-08T08:00:00Z'),
    });
  });

  it('starts a Santiago day whose midnight never shows when the clocks jump from 24:00 to 01:00', () => {
    // 2026-09-06 00:00 (UTC-4) → 01:00 (UTC-3), at 04:00Z; 2026-04-05 00:00 (UTC-3) → 2026-04-04 23:00 (UTC-4).
    expect(period(aligned('1d', 'America/Santiago'), '2026-09-06T12:00:00Z')).toEqual({
      start: iso('2026-09-06T04:00:00Z'),
      end: iso('2026-09-07T03:00:00Z'),
    });
    expect(period(aligned('1d', 'America/Santiago'), '2026-09-05T12:00:00Z').end).toBe(iso('2026-09-06T04:00:00Z'));
    expect(period(aligned('1d', 'America/Santiago'), '2026-04-04T12:00:00Z')).toEqual({
      start: iso('2026-04-04T03:00:00Z'),
      end: iso('2026-04-05T04:00:00Z'),
    });
  });

  it('aligns on the half hour in Kolkata (UTC+5:30)', () => {
    // 15:30 IST; hour slot 15:00 IST = 09:30Z.
    expect(period(aligned('1h', 'Asia/Kolkata'), '2026-05-10T10:00:00Z')).toEqual({
      start: iso('2026-05-10T09:30:00Z'),
      end: iso('2026-05-10T10:30:00Z'),
    });
    // 16:07 IST → the 16:05 slot.
    expect(period(aligned('5m', 'Asia/Kolkata'), '2026-05-10T10:37:00Z')).toEqual({
      start: iso('2026-05-10T10:35:00Z'),
      end: iso('2026-05-10T10:40:00Z'),
    });
    // 01:30 IST on May 11 belongs to May 11.
    expect(period(aligned('1d', 'Asia/Kolkata'), '2026-05-10T20:00:00Z')).toEqual({
      start: iso('2026-05-10T18:30:00Z'),
      end: iso('2026-05-11T18:30:00Z'),
    });
  });

  it('aligns on a quarter past in Chatham (UTC+12:45) and shortens its DST day to 23 hours', () => {
    // 12:45 local on July 1.
    expect(period(aligned('1d', 'Pacific/Chatham'), '2026-07-01T00:00:00Z')).toEqual({
      start: iso('2026-06-30T11:15:00Z'),
      end: iso('2026-07-01T11:15:00Z'),
    });
    expect(period(aligned('1h', 'Pacific/Chatham'), '2026-07-01T00:00:00Z')).toEqual({
      start: iso('2026-06-30T23:15:00Z'),
      end: iso('2026-07-01T00:15:00Z'),
    });
    // 2026-09-27 02:45 (UTC+12:45) → 03:45 (UTC+13:45).
    expect(period(aligned('1d', 'Pacific/Chatham'), '2026-09-27T00:00:00Z')).toEqual({
      start: iso('2026-09-26T11:15:00Z'),
      end: iso('2026-09-27T10:15:00Z'),
    });
  });

  it('keeps one hour period across Lord Howe’s half-hour fall back, since the clock never shows the hour again', () => {
    // 2026-04-05 02:00 (UTC+11) → 01:30 (UTC+10:30), at 15:00Z: the 01:00 hour lasts 90 minutes.
    expect(period(aligned('1h', 'Australia/Lord_Howe'), '2026-04-04T14:10:00Z')).toEqual({
      start: iso('2026-04-04T14:00:00Z'),
      end: iso('2026-04-04T15:30:00Z'),
    });
    expect(period(aligned('1h', 'Australia/Lord_Howe'), '2026-04-04T15:10:00Z')).toEqual({
      start: iso('2026-04-04T14:00:00Z'),
      end: iso('2026-04-04T15:30:00Z'),
    });
  });

  it('starts a Paris week on Monday at local midnight', () => {
    // 2026-03-30 is a Monday, the day after the change to summer time.
    expect(period(aligned('1w', 'Europe/Paris'), '2026-03-29T21:00:00Z')).toEqual({
      start: iso('2026-03-22T23:00:00Z'),
      end: iso('2026-03-29T22:00:00Z'),
    });
  });

  it('counts multi-day periods from the anchor’s local date', () => {
    // The anchor is 2026-01-01 00:30 in Paris although 2025-12-31 in UTC.
    const rule = aligned('2d', 'Europe/Paris', '2025-12-31T23:30:00Z');
    expect(period(rule, '2026-01-02T12:00:00Z')).toEqual({
      start: iso('2025-12-31T23:00:00Z'),
      end: iso('2026-01-02T23:00:00Z'),
    });
  });

  it('starts the New York year at local midnight on January 1st', () => {
    expect(period(aligned('1Y', 'America/New_York'), '2027-01-01T04:59:59Z')).toEqual({
      start: iso('2026-01-01T05:00:00Z'),
      end: iso('2027-01-01T05:00:00Z'),
    });
  });
});

describe('periodAt tiles time', () => {
  // Each period must begin where the previous one ended and contain the instants it was asked about,
  // through DST changes in both hemispheres.
  const cases: { duration: string; zone: string; from: string; to: string }[] = [
    { duration: '1d', zone: 'Europe/Paris', from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' },
    { duration: '1d', zone: 'America/Santiago', from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' },
    { duration: '1w', zone: 'Pacific/Chatham', from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' },
    { duration: '1M', zone: 'America/New_York', from: '2026-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z' },
    { duration: '1h', zone: 'America/New_York', from: '2026-10-31T00:00:00Z', to: '2026-11-03T00:00:00Z' },
    { duration: '15m', zone: 'Australia/Lord_Howe', from: '2026-04-04T10:00:00Z', to: '2026-04-04T20:00:00Z' },
    { duration: '7m', zone: 'Europe/Paris', from: '2026-03-29T00:00:00Z', to: '2026-03-29T03:00:00Z' },
    { duration: '3h', zone: 'Pacific/Chatham', from: '2026-09-26T00:00:00Z', to: '2026-09-28T00:00:00Z' },
    { duration: '36h', zone: 'America/Santiago', from: '2026-09-01T00:00:00Z', to: '2026-09-12T00:00:00Z' },
  ];

  for (const { duration, zone, from, to } of cases) {
    it(`leaves neither gaps nor overlaps between ${duration} periods in ${zone}`, () => {
      const rule = aligned(duration, zone);
      let current = computePeriod(rule, at(from));
      let count = 0;
      while (current.end < at(to)) {
        expect(current.start).toBeLessThan(current.end);
        expect(computePeriod(rule, current.end - 1)).toEqual(current);
        const middle = current.start + Math.floor((current.end - current.start) / 2);
        expect(computePeriod(rule, middle)).toEqual(current);
        const next = computePeriod(rule, current.end);
        expect(next.start).toBe(current.end);
        current = next;
        count += 1;
      }
      expect(count).toBeGreaterThan(2);
    });
  }
});

describe('periodAt remembering recent answers', () => {
  it('answers as a fresh computation does, before, inside and after the remembered period', () => {
    const rule = aligned('1d', 'Europe/Paris', '2026-03-01T00:00:00Z');
    const instants = [
      '2026-03-29T12:00:00Z',
      '2026-03-29T21:59:59.999Z',
      '2026-03-29T22:00:00Z',
      '2026-03-28T22:59:59.999Z',
      '2026-03-29T00:00:00Z',
    ];
    for (const instant of instants) {
      expect(periodAt(rule, at(instant)), instant).toEqual(computePeriod(rule, at(instant)));
    }
  });

  it('keeps rules that differ only in zone or anchor apart', () => {
    const instant = at('2026-05-10T12:00:00Z');
    expect(periodAt(aligned('1d', 'UTC'), instant).start).toBe(at('2026-05-10T00:00:00Z'));
    expect(periodAt(aligned('1d', 'Asia/Kolkata'), instant).start).toBe(at('2026-05-09T18:30:00Z'));
    expect(periodAt(anchored('1d', '2026-01-01T06:00:00Z'), instant).start).toBe(at('2026-05-10T06:00:00Z'));
    expect(periodAt(anchored('1d', '2026-01-01T18:00:00Z'), instant).start).toBe(at('2026-05-09T18:00:00Z'));
  });
});

describe('periodAt with a broken rule', () => {
  it('throws on a reset duration or time zone that does not parse', () => {
    expect(() => periodAt(aligned('1x'), 0)).toThrow(/reset duration/);
    expect(() => periodAt(aligned('1d', 'Mars/Olympus'), 0)).toThrow(RangeError);
  });
});
