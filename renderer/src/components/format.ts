// Formatting shared by every page: money, counts, percentages, durations and dates, in the user's locale.
// The standard money rule is shared/format.ts's, the one the tray and the notifications use too.
import { formatUsd as formatUsdStandard, usdCents } from '../../../shared/format';

const usdCompact = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export type MoneyStyle = 'standard' | 'precise' | 'compact';

/**
 * USD for people: `$1,234.56`; amounts under a cent read `<$0.01` rather than `$0.00` so a small
 * non-zero spend never looks like nothing. `precise` keeps up to six decimals (the ledger's micro-dollars),
 * `compact` is for chart axes (`$1.2K`).
 */
export function formatUsd(value: number, style: MoneyStyle = 'standard'): string {
  if (!Number.isFinite(value)) return '—';
  if (style === 'compact')
    return Math.abs(value) < 1000 ? usdCents.format(value).replace(/\.00$/, '') : usdCompact.format(value);
  if (style === 'precise') {
    const digits = Math.abs(value) >= 1 ? 2 : Math.abs(value) >= 0.01 ? 4 : 6;
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: 2,
      maximumFractionDigits: digits,
    }).format(value);
  }
  return formatUsdStandard(value);
}

export function formatCount(value: number, style: 'standard' | 'compact' = 'standard'): string {
  return style === 'compact' ? compact.format(value) : integer.format(value);
}

/** 0..1 → `42%`; values under one percent keep a decimal. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  const percent = fraction * 100;
  const digits = percent > 0 && percent < 1 ? 1 : 0;
  return `${percent.toFixed(digits)}%`;
}

const DURATION_UNITS: Record<string, [string, string]> = {
  m: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  w: ['week', 'weeks'],
  M: ['month', 'months'],
  Y: ['year', 'years'],
};

/** A reset duration such as `1d` or `30m` in words: `day`, `30 minutes`. */
export function formatResetDuration(duration: string | null | undefined): string {
  if (!duration) return '';
  const match = /^(\d+)([mhdwMY])$/.exec(duration);
  if (!match) return duration;
  const count = Number(match[1]);
  const unit = DURATION_UNITS[match[2] ?? ''];
  if (!unit) return duration;
  return count === 1 ? unit[0] : `${count} ${unit[1]}`;
}

/** "per day", "per 30 minutes". */
export function formatPer(duration: string | null | undefined): string {
  const words = formatResetDuration(duration);
  return words ? `per ${words}` : '';
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** `3 min. ago`, `in 2 hr.`: the unit that keeps the number small. */
export function formatRelative(at: Date | string | number, now: number = Date.now()): string {
  const time = at instanceof Date ? at.getTime() : typeof at === 'string' ? Date.parse(at) : at;
  if (!Number.isFinite(time)) return '—';
  let amount = (time - now) / 1000;
  if (Math.abs(amount) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return relative.format(Math.round(amount), 'year');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(at: Date | string | number): string {
  const time = at instanceof Date ? at : new Date(at);
  return Number.isNaN(time.getTime()) ? '—' : dateTime.format(time);
}
