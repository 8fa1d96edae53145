// Small formatters for log rows: times at a glance, token counts, durations, status wording, and the
// words for a request that ran steps its top-level usage does not show.
import type { ModelUsage } from '../../../../shared/schemas';
import { refusalLabel, type Tone } from '../../components';
import type { LogRow } from '../../stores/logs';

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

const usd4 = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 4,
  maximumFractionDigits: 4,
});
const usd6 = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 6,
  maximumFractionDigits: 6,
});
const usd2 = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** A request's cost for a column: four decimals so the figures line up; crumbs read `<$0.0001`, not `$0.0000`. */
export function cost(usd: number): string {
  if (usd > 0 && usd < 0.00005) return '<$0.0001';
  return usd >= 100 ? usd2.format(usd) : usd4.format(usd);
}

/** To the micro-dollar, as the ledger keeps it. */
export const costExact = (usd: number): string => usd6.format(usd);

/** Today's rows read as a time of day; older ones carry the date. */
export function shortTime(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  return new Date(now).toDateString() === date.toDateString() ? timeOfDay.format(date) : dayAndTime.format(date);
}

export const fullTime = (ms: number | string): string => full.format(new Date(ms));
export const tokens = (count: number): string => integer.format(count);
export const tokensShort = (count: number): string => (count < 10_000 ? integer.format(count) : compact.format(count));

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** Offset into a session: `+4:05`, `+1:02:33`. */
export function offset(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `+${h}:${pad(m)}:${pad(s)}` : `+${m}:${pad(s)}`;
}

export function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KB`;
  return `${(count / 1024 / 1024).toFixed(1)} MB`;
}

/** Every prompt token: fresh input, cache writes and cache reads. */
export const promptTokens = (row: LogRow): number =>
  row.input_tokens + row.cache_creation_input_tokens + row.cache_read_input_tokens;

export const STATUS_LABELS: Record<LogRow['status'], string> = {
  success: 'OK',
  error: 'Error',
  blocked: 'Refused',
  aborted: 'Aborted',
  interrupted: 'Interrupted',
};

export const STATUS_TONES: Record<LogRow['status'], Tone> = {
  success: 'success',
  error: 'danger',
  blocked: 'warning',
  aborted: 'neutral',
  interrupted: 'warning',
};

/** Why a row's cost is marked estimated: an interrupted request never got its final usage. */
export function estimateReason(row: Pick<LogRow, 'status'>): string {
  return row.status === 'interrupted'
    ? 'The gateway stopped before this request finished: its cost is from the usage seen until then, or the estimate reserved when it was admitted.'
    : 'This model is not in the price table: it was priced like the closest model of its family, or the dearest model when the family is unknown.';
}

/** Every reason governance gives for a refusal (the log's `refusal_reason`). */
export const REFUSAL_REASONS = [
  'key_missing',
  'key_unknown',
  'key_revoked',
  'key_expired',
  'model_denied',
  'tool_denied',
  'concurrency_limit',
  'rate_limit',
  'budget_exhausted',
  'budget_reserved',
  'governance_unavailable',
  'invalid_request',
  'too_large',
] as const;

export const reasonLabel = refusalLabel;

export const shortId = (id: string): string => (id.length > 10 ? `${id.slice(0, 8)}…` : id);

/** `claude-sonnet-4-5-20250929` → `sonnet-4-5`: what tells models apart in a narrow column. */
export function shortModel(model: string): string {
  return model.replace(/^claude-/, '').replace(/-\d{8}$/, '');
}

const STEP_NAMES: Record<string, string> = {
  message: 'message',
  compaction: 'compaction',
  advisor_message: 'advisor',
};

/** A model's steps as a reader names them, in order, repeats counted: `compaction, message × 2`. */
export function stepsLabel(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts]
    .map(([type, count]) => `${STEP_NAMES[type] ?? type.replaceAll('_', ' ')}${count > 1 ? ` × ${count}` : ''}`)
    .join(', ');
}

/** The one line above a per-model breakdown, saying what the top-level usage leaves out. */
export function modelUsageNote(usage: readonly Pick<ModelUsage, 'model' | 'iteration_types'>[]): string {
  const severalModels = new Set(usage.map((part) => part.model)).size > 1;
  const compaction = usage.some((part) => part.iteration_types.includes('compaction'));
  const what =
    severalModels && compaction
      ? 'ran steps on several models and a compaction step'
      : severalModels
        ? 'ran steps on several models'
        : compaction
          ? 'ran a compaction step'
          : 'ran several steps';
  return `This request ${what}, which its top-level usage does not show; its cost is the sum of these.`;
}
