// What an audited change did, field by field: the before and after JSON flattened to paths
// (`budgets[0].max_limit`) and compared, so a reader sees "max_limit 20 → 50" rather than two blobs.

export interface FieldChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

function flatten(value: unknown, prefix: string, into: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(prefix, []);
    value.forEach((item, index) => flatten(item, `${prefix}[${index}]`, into));
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) into.set(prefix, {});
    for (const [key, item] of entries) flatten(item, prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined) {
    into.set(prefix, value);
  }
  return into;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function diffValues(before: unknown, after: unknown): FieldChange[] {
  const was = before === null || before === undefined ? new Map<string, unknown>() : flatten(before, '', new Map());
  const now = after === null || after === undefined ? new Map<string, unknown>() : flatten(after, '', new Map());
  const changes: FieldChange[] = [];
  for (const [path, value] of was) {
    if (!now.has(path)) changes.push({ path: path || '(value)', kind: 'removed', before: value });
    else if (!same(value, now.get(path)))
      changes.push({ path: path || '(value)', kind: 'changed', before: value, after: now.get(path) });
  }
  for (const [path, value] of now) {
    if (!was.has(path)) changes.push({ path: path || '(value)', kind: 'added', after: value });
  }
  return changes;
}

const VERBS: Record<string, string> = {
  create: 'Created',
  update: 'Updated',
  delete: 'Deleted',
  upsert: 'Saved',
  set: 'Set',
  grant: 'Granted',
  rotate: 'Rotated',
  test: 'Tested',
  verify: 'Verified',
};

/** `updateVirtualKey` → "Updated virtual key"; `admin.sign_in_failed` → "Admin sign in failed". */
export function describeAction(action: string): string {
  const camel = /^([a-z]+)([A-Z].*)$/.exec(action);
  if (camel) {
    const [, verb = '', rest = ''] = camel;
    const words = rest
      .replace(/([A-Z])/g, ' $1')
      .trim()
      .toLowerCase();
    return `${VERBS[verb] ?? verb.charAt(0).toUpperCase() + verb.slice(1)} ${words}`;
  }
  const words = action.replace(/[._]/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function showValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

const ENTITY_FIELDS = ['virtual_key', 'team', 'customer', 'user', 'provider'] as const;

function nameIn(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  for (const field of ENTITY_FIELDS) {
    const inner = record[field];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
      const name = (inner as Record<string, unknown>).name;
      if (typeof name === 'string' && name.trim() !== '') return name;
    }
  }
  return typeof record.name === 'string' && record.name.trim() !== '' ? record.name : null;
}

/** The name of what an entry changed, as its after (or, for a deletion, before) value records it. */
export function targetName(before: unknown, after: unknown): string | null {
  return nameIn(after) ?? nameIn(before);
}

/** Actions whose name reads badly word by word. */
const ACTION_NAMES: Record<string, string> = {
  'audit.archived': 'Archived audit entries',
};

/** What a summary of failed admin sign-ins records: the failures after the first within one window. */
export interface SignInSummary {
  count: number;
  reasons: Partial<Record<string, number>>;
  first_at: string;
  last_at: string;
  paths: string[];
  window_minutes: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The summed entry failed-sign-in windows end with (`summary: true`), or null for any other value. */
export function signInSummary(action: string, after: unknown): SignInSummary | null {
  if (action !== 'admin.sign_in_failed' || !isRecord(after) || after.summary !== true) return null;
  const { count, reasons, first_at, last_at, paths, window_minutes } = after;
  if (typeof count !== 'number' || typeof first_at !== 'string' || typeof last_at !== 'string') return null;
  return {
    count,
    reasons: isRecord(reasons)
      ? Object.fromEntries(
          Object.entries(reasons).filter((pair): pair is [string, number] => typeof pair[1] === 'number'),
        )
      : {},
    first_at,
    last_at,
    paths: Array.isArray(paths) ? paths.filter((path): path is string => typeof path === 'string') : [],
    window_minutes: typeof window_minutes === 'number' ? window_minutes : 0,
  };
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndClock = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** `10:02–10:09`, or with the dates when the span crosses midnight; one time when both are the same minute. */
export function timeSpan(from: string, to: string): string {
  const start = new Date(from);
  const end = new Date(to);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return '';
  const sameDay = start.toDateString() === end.toDateString();
  const format = sameDay ? clock : dayAndClock;
  const [first, last] = [format.format(start), format.format(end)];
  return first === last ? first : `${first}–${last}`;
}

const REASONS: Record<string, string> = {
  admin_token_missing: 'no admin token',
  admin_token_wrong: 'a wrong admin token',
};

/** "297 with a wrong admin token, 2 with no admin token", for a summary's tooltip. */
export function describeReasons(reasons: SignInSummary['reasons']): string {
  return Object.entries(reasons)
    .filter((pair): pair is [string, number] => typeof pair[1] === 'number' && pair[1] > 0)
    .map(([reason, count]) => `${count.toLocaleString()} with ${REASONS[reason] ?? reason.replace(/_/g, ' ')}`)
    .join(', ');
}

/**
 * An entry's action for the trail: `describeAction`, except where the entry says more than its name.
 * A failed-sign-in summary reads "Admin sign in failed ×299 · 10:02–10:09 · 2 paths".
 */
export function describeEntry(entry: { action: string; after: unknown }): string {
  const named = ACTION_NAMES[entry.action];
  if (named) return named;
  const summary = signInSummary(entry.action, entry.after);
  if (!summary) return describeAction(entry.action);
  const span = timeSpan(summary.first_at, summary.last_at);
  const paths = summary.paths.length;
  return [
    `${describeAction(entry.action)} ×${summary.count.toLocaleString()}`,
    span,
    paths > 0 ? `${paths} path${paths === 1 ? '' : 's'}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}
