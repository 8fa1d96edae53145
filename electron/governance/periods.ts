// Budget periods: parses reset durations (`1m 5m 1h 1d 1w 1M 1Y` and multiples) and finds the period
// that contains an instant, either counted from the budget's anchor or aligned on the calendar of the
// time zone the admin chose. Pure: time comes in as epoch milliseconds, zones are read through Intl.
//
// Calendar-aligned periods are worked out in "wall time": a local date and time written as if it were
// UTC (so 2026-03-29 00:00 in Paris is Date.UTC(2026, 2, 29)). On the wall the calendar is plain
// arithmetic; the only hard part is mapping a wall boundary back to an instant across DST changes.
import type { BudgetRule } from './types.js';

export type DurationUnit = 'm' | 'h' | 'd' | 'w' | 'M' | 'Y';

export interface ParsedDuration {
  count: number;
  unit: DurationUnit;
}

export interface Period {
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms. */
  end: number;
}

export type PeriodRule = Pick<BudgetRule, 'resetDuration' | 'calendarAligned' | 'timeZone' | 'anchorMs'>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const FIXED_UNIT_MS: Readonly<Record<'m' | 'h' | 'd' | 'w', number>> = { m: MINUTE, h: HOUR, d: DAY, w: WEEK };
/** Longest a month or a year can be, for callers that need a window length (rate limits). */
const LONGEST_MONTH_MS = 31 * DAY;
const LONGEST_YEAR_MS = 366 * DAY;
/** Anything longer than a century is a typo, and would push dates towards what Date can hold. */
const LONGEST_DURATION_MONTHS = 100 * 12;
const LONGEST_DURATION_MS = 100 * 365.25 * DAY;

const DURATION_PATTERN = /^([1-9][0-9]{0,9})([mhdwMY])$/;

/** `null` when the text is not a positive whole number followed by one of `m h d w M Y` (case matters: `m` is minutes, `M` months). */
export function parseResetDuration(text: string): ParsedDuration | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const count = Number(match[1]);
  const unit = match[2] as DurationUnit;
  const tooLong =
    unit === 'M' || unit === 'Y'
      ? count * (unit === 'Y' ? 12 : 1) > LONGEST_DURATION_MONTHS
      : count * FIXED_UNIT_MS[unit] > LONGEST_DURATION_MS;
  return tooLong ? null : { count, unit };
}

/**
 * Length of a duration in ms for the units that have one; months and years count at their longest
 * (31 and 366 days) so a sliding window built from them never admits more than the rule intends.
 */
export function durationMsUpperBound(duration: ParsedDuration): number {
  switch (duration.unit) {
    case 'M':
      return duration.count * LONGEST_MONTH_MS;
    case 'Y':
      return duration.count * LONGEST_YEAR_MS;
    default:
      return duration.count * FIXED_UNIT_MS[duration.unit];
  }
}

export function isValidTimeZone(zone: string): boolean {
  try {
    zoneClock(zone);
    return true;
  } catch {
    return false;
  }
}

const RECENT_PERIODS_LIMIT = 1024;
const recentPeriods = new Map<string, Period>();

/**
 * The period of a budget that contains `at`: [start, end) in epoch ms. Consecutive periods tile time
 * exactly: the period containing `end` starts at `end`.
 * Throws on a reset duration or time zone that does not parse; rules are validated when they are saved.
 */
export function periodAt(rule: PeriodRule, at: number): Period {
  const key = `${rule.resetDuration}|${rule.calendarAligned ? rule.timeZone : ''}|${rule.anchorMs}`;
  const cached = recentPeriods.get(key);
  if (cached && cached.start <= at && at < cached.end) return { start: cached.start, end: cached.end };
  const period = computePeriod(rule, at);
  // Every request asks for the period of each budget it touches, and finding an aligned one costs tens
  // of microseconds (hundreds across a DST change); the answer for a rule holds until its period ends.
  if (recentPeriods.size >= RECENT_PERIODS_LIMIT) recentPeriods.clear();
  recentPeriods.set(key, period);
  return { start: period.start, end: period.end };
}

/** periodAt without its memory of recent answers. */
export function computePeriod(rule: PeriodRule, at: number): Period {
  const duration = parseResetDuration(rule.resetDuration);
  if (!duration) throw new Error(`Invalid reset duration "${rule.resetDuration}"`);
  return rule.calendarAligned
    ? alignedPeriod(zoneClock(rule.timeZone), duration, rule.anchorMs, at)
    : anchoredPeriod(duration, rule.anchorMs, at);
}

// ---- Periods counted from the anchor (no time zone) ----

function anchoredPeriod(duration: ParsedDuration, anchorMs: number, at: number): Period {
  if (duration.unit === 'M' || duration.unit === 'Y') {
    const months = duration.unit === 'M' ? duration.count : duration.count * 12;
    // Largest k with anchor + k months ≤ at; the estimate from the calendar fields is off by at most one.
    const anchor = new Date(anchorMs);
    const moment = new Date(at);
    let k = (moment.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (moment.getUTCMonth() - anchor.getUTCMonth());
    while (addMonthsClamped(anchorMs, k) > at) k -= 1;
    while (addMonthsClamped(anchorMs, k + 1) <= at) k += 1;
    const first = floorDiv(k, months) * months;
    return { start: addMonthsClamped(anchorMs, first), end: addMonthsClamped(anchorMs, first + months) };
  }
  const length = duration.count * FIXED_UNIT_MS[duration.unit];
  const start = anchorMs + floorDiv(at - anchorMs, length) * length;
  return { start, end: start + length };
}

/** The anchor moved by whole calendar months in UTC, keeping the time of day; the 31st becomes the month's last day. */
function addMonthsClamped(anchorMs: number, months: number): number {
  const anchor = new Date(anchorMs);
  const monthIndex = anchor.getUTCFullYear() * 12 + anchor.getUTCMonth() + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const day = Math.min(anchor.getUTCDate(), daysInMonth(year, month));
  const timeOfDay = anchorMs - utcMs(anchor.getUTCFullYear(), anchor.getUTCMonth(), anchor.getUTCDate());
  return utcMs(year, month, day) + timeOfDay;
}

// ---- Calendar-aligned periods ----

/** A calendar slot on the wall: [start, end) in wall ms. */
type WallSlot = Period;
type WallGrid = (wall: number) => WallSlot;

function alignedPeriod(clock: ZoneClock, duration: ParsedDuration, anchorMs: number, at: number): Period {
  const grid = wallGrid(duration, clock.wallAt(anchorMs));
  return { start: boundaryAtOrBefore(clock, grid, at), end: boundaryAfter(clock, grid, at) };
}

/**
 * How the local calendar is cut into slots. Minutes count from the top of the local hour and hours from
 * local midnight (a size that does not divide the hour or day leaves a shorter last slot); longer slots
 * count from the anchor's local date (days), the Monday on or before it (weeks), its month or its year.
 */
function wallGrid(duration: ParsedDuration, anchorWall: number): WallGrid {
  const { count, unit } = duration;
  if (unit === 'M' || unit === 'Y') {
    const step = unit === 'M' ? count : count * 12;
    const anchor = new Date(anchorWall);
    const firstMonth = anchor.getUTCFullYear() * 12 + (unit === 'M' ? anchor.getUTCMonth() : 0);
    return (wall) => {
      const date = new Date(wall);
      const month = date.getUTCFullYear() * 12 + date.getUTCMonth();
      const startMonth = firstMonth + floorDiv(month - firstMonth, step) * step;
      return { start: monthStartMs(startMonth), end: monthStartMs(startMonth + step) };
    };
  }
  const size = count * FIXED_UNIT_MS[unit];
  const container = unit === 'm' && size <= HOUR ? HOUR : (unit === 'm' || unit === 'h') && size <= DAY ? DAY : null;
  if (container !== null) {
    return (wall) => {
      const containerStart = floorDiv(wall, container) * container;
      const start = containerStart + floorDiv(wall - containerStart, size) * size;
      return { start, end: Math.min(start + size, containerStart + container) };
    };
  }
  const anchorMidnight = floorDiv(anchorWall, DAY) * DAY;
  // 1970-01-01 was a Thursday: days since the epoch + 3, mod 7, counts days since Monday.
  const reference = unit === 'w' ? anchorMidnight - mod(anchorMidnight / DAY + 3, 7) * DAY : anchorMidnight;
  return (wall) => {
    const start = reference + floorDiv(wall - reference, size) * size;
    return { start, end: start + size };
  };
}

/**
 * A period boundary is an instant at which the local clock shows the start of a slot, or jumps to or over
 * one (spring forward), or falls back into a different slot or onto a slot start. So a day whose midnight
 * is skipped starts when the clock jumps, and an hour shown twice in autumn is two periods.
 */
function isBoundary(clock: ZoneClock, grid: WallGrid, instant: number): boolean {
  const wall = clock.wallAt(instant);
  const slot = grid(wall).start;
  return slot === wall || slot !== grid(clock.wallAt(instant - 1)).start;
}

/** Hops over DST changes before giving up; a slot holds at most two changes a year, so this is never reached in practice. */
const MAX_TRANSITION_HOPS = 64;

/** The latest boundary ≤ `at`. */
function boundaryAtOrBefore(clock: ZoneClock, grid: WallGrid, at: number): number {
  let instant = at;
  let candidate = at;
  for (let hop = 0; hop < MAX_TRANSITION_HOPS; hop += 1) {
    const offset = clock.offsetAt(instant);
    // Where the slot's start would be if the offset had not changed since.
    candidate = grid(instant + offset).start - offset;
    if (clock.offsetAt(candidate) === offset) return candidate;
    // The offset changed in (candidate, instant]; after the change the clock showed no slot start.
    const change = offsetChange(clock, candidate, instant);
    if (isBoundary(clock, grid, change)) return change;
    instant = change - 1;
  }
  return candidate;
}

/** The earliest boundary > `at`. */
function boundaryAfter(clock: ZoneClock, grid: WallGrid, at: number): number {
  let instant = at;
  let candidate = at;
  for (let hop = 0; hop < MAX_TRANSITION_HOPS; hop += 1) {
    const offset = clock.offsetAt(instant);
    candidate = grid(instant + offset).end - offset;
    if (clock.offsetAt(candidate) === offset) return candidate;
    const change = offsetChange(clock, instant, candidate);
    if (isBoundary(clock, grid, change)) return change;
    instant = change;
  }
  return candidate;
}

/** The first instant in (from, to] with the offset `to` has, given `from` has another; a bisection over ms. */
function offsetChange(clock: ZoneClock, from: number, to: number): number {
  const target = clock.offsetAt(to);
  let before = from;
  let after = to;
  while (after - before > 1) {
    const middle = before + Math.floor((after - before) / 2);
    if (clock.offsetAt(middle) === target) after = middle;
    else before = middle;
  }
  return after;
}

// ---- Local time through Intl ----

interface ZoneClock {
  /** Local wall time at an instant, as ms of a UTC date with the same fields. */
  wallAt(instant: number): number;
  /** wallAt(instant) - instant. */
  offsetAt(instant: number): number;
}

const clocks = new Map<string, ZoneClock>();

/** Throws RangeError for a zone Intl does not know. Formatters are costly to build, so one per zone is kept. */
function zoneClock(zone: string): ZoneClock {
  const known = clocks.get(zone);
  if (known) return known;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const clock: ZoneClock =
    format.resolvedOptions().timeZone === 'UTC'
      ? { wallAt: (instant) => instant, offsetAt: () => 0 }
      : {
          wallAt: (instant) => wallFromParts(format.formatToParts(instant), instant),
          offsetAt: (instant) => wallFromParts(format.formatToParts(instant), instant) - instant,
        };
  clocks.set(zone, clock);
  return clock;
}

function wallFromParts(parts: Intl.DateTimeFormatPart[], instant: number): number {
  const field = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of parts) {
    if (part.type in field) field[part.type as keyof typeof field] = Number(part.value);
  }
  // Intl stops at seconds; zone offsets are whole seconds, so the milliseconds carry over unchanged.
  const milliseconds = mod(instant, 1000);
  return (
    utcMs(field.year, field.month - 1, field.day) +
    field.hour * HOUR +
    field.minute * MINUTE +
    field.second * 1000 +
    milliseconds
  );
}

// ---- Calendar arithmetic ----

/** Date.UTC, without its habit of reading years 0–99 as 1900–1999. */
function utcMs(year: number, month: number, day: number): number {
  const ms = Date.UTC(year, month, day);
  if (year < 0 || year > 99) return ms;
  const date = new Date(ms);
  date.setUTCFullYear(date.getUTCFullYear() - 1900);
  return date.getTime();
}

function monthStartMs(monthIndex: number): number {
  const year = Math.floor(monthIndex / 12);
  return utcMs(year, monthIndex - year * 12, 1);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

function floorDiv(numerator: number, denominator: number): number {
  return Math.floor(numerator / denominator);
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
