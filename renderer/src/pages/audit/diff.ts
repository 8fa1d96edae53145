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
