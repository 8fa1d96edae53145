// A moment shown relative to now ("3 min. ago", "in 2 hr."), with the exact time on hover and for machines.
import { formatDateTime, formatRelative } from './format';

export interface TimeAgoProps {
  /** ISO 8601 string, epoch milliseconds or a Date; null shows `fallback`. */
  value: string | number | Date | null | undefined;
  fallback?: string;
}

export function TimeAgo({ value, fallback = 'Never' }: TimeAgoProps) {
  if (value === null || value === undefined || value === '') return <span className="muted">{fallback}</span>;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return <span className="muted">{fallback}</span>;
  return (
    <time dateTime={date.toISOString()} title={formatDateTime(date)}>
      {formatRelative(date)}
    </time>
  );
}
