// A policy layer as its editor holds it: the common keys as fields (the three permission lists,
// availableModels, model, env as rows) and everything else as JSON text; and back, checked the way the
// gateway checks it (a JSON object, at most MANAGED_SETTINGS_MAX_BYTES, the typed keys well formed)
// so a mistake is shown next to its field before anything is sent.
import { MANAGED_SETTINGS_MAX_BYTES, managedSettingsSchema, type ManagedSettings } from '../../../../shared/schemas';
import type { FieldErrors } from '../../components/budget-drafts';

export const PERMISSION_LISTS = ['allow', 'ask', 'deny'] as const;
export type PermissionList = (typeof PERMISSION_LISTS)[number];
export type ListField = PermissionList | 'availableModels';

export interface EnvRow {
  name: string;
  value: string;
}

export interface PolicyDraft {
  allow: string[];
  ask: string[];
  deny: string[];
  availableModels: string[];
  /** What is typed in each list's add box and not added yet: saving adds it. */
  typed: Record<ListField, string>;
  model: string;
  env: EnvRow[];
  /** The other settings, as JSON text of an object ('' for none). */
  other: string;
}

type Settings = Record<string, unknown>;

const isObject = (value: unknown): value is Settings =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringRecord = (value: unknown): value is Record<string, string> =>
  isObject(value) && Object.values(value).every((item) => typeof item === 'string');

export const NO_TYPING: Record<ListField, string> = { allow: '', ask: '', deny: '', availableModels: '' };

export function emptyDraft(): PolicyDraft {
  return { allow: [], ask: [], deny: [], availableModels: [], typed: NO_TYPING, model: '', env: [], other: '' };
}

/** The settings split into the fields the editor shows and the JSON of the rest. */
export function draftFromSettings(settings: Settings): PolicyDraft {
  const draft = emptyDraft();
  const rest: Settings = { ...settings };
  if (isObject(settings.permissions)) {
    const permissions: Settings = { ...settings.permissions };
    for (const list of PERMISSION_LISTS) {
      const rules = permissions[list];
      if (isStringList(rules)) {
        draft[list] = [...rules];
        delete permissions[list];
      }
    }
    if (Object.keys(permissions).length > 0) rest.permissions = permissions;
    else delete rest.permissions;
  }
  if (isStringList(settings.availableModels)) {
    draft.availableModels = [...settings.availableModels];
    delete rest.availableModels;
  }
  if (typeof settings.model === 'string') {
    draft.model = settings.model;
    delete rest.model;
  }
  if (isStringRecord(settings.env)) {
    draft.env = Object.entries(settings.env).map(([name, value]) => ({ name, value }));
    delete rest.env;
  }
  draft.other = Object.keys(rest).length > 0 ? JSON.stringify(rest, null, 2) : '';
  return draft;
}

/** The env rows that say something (a name or a value): what the approval warning is about. */
export function envEntries(draft: Pick<PolicyDraft, 'env'>): EnvRow[] {
  return draft.env.filter((row) => row.name.trim() !== '' || row.value !== '');
}

/** A list with what is typed in its add box, each item once. */
export function listWithTyped(draft: PolicyDraft, field: ListField): string[] {
  const typed = draft.typed[field].trim();
  const items = typed ? [...draft[field], typed] : draft[field];
  return [...new Set(items)];
}

/** UTF-8 bytes of a value's JSON, as the gateway counts a layer against MANAGED_SETTINGS_MAX_BYTES. */
export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

export function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KB`;
}

export const MAX_SIZE_LABEL = formatBytes(MANAGED_SETTINGS_MAX_BYTES);

export interface DraftResult {
  /** The layer to send; null when a field needs attention. */
  settings: ManagedSettings | null;
  errors: FieldErrors;
  /** The layer's size as JSON (0 when the other settings do not parse). */
  bytes: number;
}

/** Keys that have a field of their own and so may not be written in the JSON too. */
function fieldKeysIn(other: Settings): string[] {
  const found = ['availableModels', 'model', 'env'].filter((key) => key in other);
  if (isObject(other.permissions)) {
    for (const list of PERMISSION_LISTS) if (list in other.permissions) found.push(`permissions.${list}`);
  }
  return found;
}

/** The draft as one layer of managed settings, or what is wrong with it, field by field. */
export function settingsFromDraft(draft: PolicyDraft): DraftResult {
  const errors: FieldErrors = {};

  let other: Settings = {};
  const text = draft.other.trim();
  if (text) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      errors.other = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!errors.other) {
      if (!isObject(parsed)) errors.other = 'The other settings must be one JSON object: { "key": value, … }.';
      else {
        other = parsed;
        const doubled = fieldKeysIn(other);
        if (doubled.length > 0) {
          errors.other = `${doubled.join(', ')} ${doubled.length === 1 ? 'has its own field' : 'have their own fields'} above: set ${doubled.length === 1 ? 'it' : 'them'} there, not in the JSON.`;
        } else if ('permissions' in other && !isObject(other.permissions)) {
          errors.other = '"permissions" must be a JSON object.';
        }
      }
    }
  }

  const env: Record<string, string> = {};
  draft.env.forEach((row, index) => {
    const name = row.name.trim();
    if (!name && row.value === '') return;
    if (!name) errors[`env.${index}.name`] = 'Name the variable.';
    else if (Object.hasOwn(env, name)) errors[`env.${index}.name`] = `${name} is set above already.`;
    else env[name] = row.value;
  });

  const model = draft.model.trim();
  const { permissions: otherPermissions, ...rest } = other;
  const permissions: Settings = isObject(otherPermissions) ? { ...otherPermissions } : {};
  for (const list of PERMISSION_LISTS) {
    const rules = listWithTyped(draft, list);
    if (rules.length > 0) permissions[list] = rules;
  }
  const availableModels = listWithTyped(draft, 'availableModels');
  const settings: Settings = {
    ...((Object.keys(permissions).length > 0 || otherPermissions !== undefined) && { permissions }),
    ...(availableModels.length > 0 && { availableModels }),
    ...(model && { model }),
    ...(Object.keys(env).length > 0 && { env }),
    ...rest,
  };

  const bytes = errors.other ? 0 : jsonBytes(settings);
  if (bytes > MANAGED_SETTINGS_MAX_BYTES) {
    errors.size = `This layer is ${formatBytes(bytes)} of JSON; one layer may hold at most ${MAX_SIZE_LABEL}.`;
  }
  if (Object.keys(errors).length > 0) return { settings: null, errors, bytes };

  // The gateway's own rules (lengths, nesting, reserved keys), so its refusal is rarely the first word.
  const checked = managedSettingsSchema.safeParse(settings);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    errors.size = `${where}${issue?.message ?? 'These settings are not valid.'}`;
    return { settings: null, errors, bytes };
  }
  return { settings: checked.data, errors, bytes };
}

/** A line saying what a layer sets: "deny 2 · allow 1 · model claude-sonnet-4-5 · env 1 · 2 other keys". */
export function summarise(settings: Settings): string {
  const draft = draftFromSettings(settings);
  const parts: string[] = [];
  for (const list of ['deny', 'ask', 'allow'] as const) {
    if (draft[list].length > 0) parts.push(`${list} ${draft[list].length}`);
  }
  if (draft.availableModels.length > 0) parts.push(`${draft.availableModels.length} available models`);
  if (draft.model) parts.push(`model ${draft.model}`);
  if (draft.env.length > 0) parts.push(`env ${draft.env.length}`);
  const rest = draft.other ? (JSON.parse(draft.other) as Settings) : {};
  const others = Object.keys(rest).length;
  if (others > 0) parts.push(`${others} other ${others === 1 ? 'key' : 'keys'}`);
  return parts.length > 0 ? parts.join(' · ') : 'Nothing (an empty policy)';
}
