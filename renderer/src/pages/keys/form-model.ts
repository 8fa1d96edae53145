// The key form as a person fills it (strings, rows) and how it becomes a request body: for a new key,
// the whole body; for an edit, only what changed, so an untouched budget keeps its period's spend.
import type { VirtualKey, VirtualKeyCreate, VirtualKeyUpdate } from '../../../../shared/schemas';
import { virtualKeyCreateSchema } from '../../../../shared/schemas';
import { budgetDraftsFrom, budgetInputsFrom, budgetIssueField, type BudgetDraft, type FieldErrors } from '../../components/budget-drafts';

export type { BudgetDraft, FieldErrors };

export interface RemapDraft {
  from: string;
  to: string;
}

export interface KeyDraft {
  name: string;
  description: string;
  userId: string;
  teamId: string;
  budgets: BudgetDraft[];
  requestLimit: string;
  requestWindow: string;
  tokenLimit: string;
  tokenWindow: string;
  /** One model per line (or comma separated). */
  allowedModels: string;
  deniedModels: string;
  remaps: RemapDraft[];
  toolAllow: string;
  toolDeny: string;
  maxConcurrent: string;
  captureContent: boolean;
  /** `YYYY-MM-DDTHH:mm` from a datetime-local input, '' for never. */
  expiresAt: string;
}

export const emptyDraft = (): KeyDraft => ({
  name: '',
  description: '',
  userId: '',
  teamId: '',
  budgets: [],
  requestLimit: '',
  requestWindow: '1m',
  tokenLimit: '',
  tokenWindow: '1h',
  allowedModels: '',
  deniedModels: '',
  remaps: [],
  toolAllow: '',
  toolDeny: '',
  maxConcurrent: '',
  captureContent: true,
  expiresAt: '',
});

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** An ISO instant as the value of a datetime-local input, in the browser's zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function draftFromKey(key: VirtualKey): KeyDraft {
  return {
    name: key.name,
    description: key.description,
    userId: key.user_id ?? '',
    teamId: key.team_id ?? '',
    budgets: budgetDraftsFrom(key.budgets),
    requestLimit: key.rate_limit?.request_max_limit?.toString() ?? '',
    requestWindow: key.rate_limit?.request_reset_duration ?? '1m',
    tokenLimit: key.rate_limit?.token_max_limit?.toString() ?? '',
    tokenWindow: key.rate_limit?.token_reset_duration ?? '1h',
    allowedModels: key.allowed_models.join('\n'),
    deniedModels: key.denied_models.join('\n'),
    remaps: Object.entries(key.model_remap).map(([from, to]) => ({ from, to })),
    toolAllow: key.tool_policy?.allow?.join('\n') ?? '',
    toolDeny: key.tool_policy?.deny?.join('\n') ?? '',
    maxConcurrent: key.max_concurrent_requests?.toString() ?? '',
    captureContent: key.capture_content,
    expiresAt: toLocalInput(key.expires_at),
  };
}

export function splitList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
}

function parseNumber(text: string, field: string, errors: FieldErrors, options: { integer?: boolean } = {}): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const value = Number(trimmed.replace(/^\$/, ''));
  if (!Number.isFinite(value) || value < 0) {
    errors[field] = 'Enter a positive number.';
    return undefined;
  }
  if (options.integer && !Number.isInteger(value)) {
    errors[field] = 'Enter a whole number.';
    return undefined;
  }
  return value;
}

/** The full body the gateway would store for this draft, or the errors to show next to each field. */
export function draftToBody(draft: KeyDraft): { body: VirtualKeyCreate; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const budgets = budgetInputsFrom(draft.budgets, errors);
  const requestLimit = parseNumber(draft.requestLimit, 'requestLimit', errors, { integer: true });
  const tokenLimit = parseNumber(draft.tokenLimit, 'tokenLimit', errors, { integer: true });
  const maxConcurrent = parseNumber(draft.maxConcurrent, 'maxConcurrent', errors, { integer: true });
  const remap: Record<string, string> = {};
  draft.remaps.forEach((row, index) => {
    const from = row.from.trim();
    const to = row.to.trim();
    if (!from && !to) return;
    if (!from || !to) errors[`remaps.${index}`] = 'Name both the requested model and the one to send instead.';
    else remap[from] = to;
  });
  const allow = splitList(draft.toolAllow);
  const deny = splitList(draft.toolDeny);
  let expires: string | null = null;
  if (draft.expiresAt) {
    const date = new Date(draft.expiresAt);
    if (Number.isNaN(date.getTime())) errors.expiresAt = 'Enter a date and time.';
    else expires = date.toISOString();
  }

  const body: VirtualKeyCreate = {
    name: draft.name.trim(),
    description: draft.description.trim(),
    user_id: draft.userId || null,
    team_id: draft.teamId || null,
    budgets,
    rate_limit:
      requestLimit || tokenLimit
        ? {
            request_max_limit: requestLimit || null,
            request_reset_duration: requestLimit ? draft.requestWindow : null,
            token_max_limit: tokenLimit || null,
            token_reset_duration: tokenLimit ? draft.tokenWindow : null,
          }
        : null,
    allowed_models: splitList(draft.allowedModels),
    denied_models: splitList(draft.deniedModels),
    model_remap: remap,
    tool_policy: allow.length || deny.length ? { ...(allow.length ? { allow } : {}), ...(deny.length ? { deny } : {}) } : null,
    max_concurrent_requests: maxConcurrent || null,
    capture_content: draft.captureContent,
    expires_at: expires,
  };

  // The contract's own schema has the last word (reset duration format, time zones, lengths).
  const checked = virtualKeyCreateSchema.safeParse(body);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const [first, second] = issue.path;
      const field =
        budgetIssueField(issue.path) ??
        (first === 'name'
            ? 'name'
            : first === 'rate_limit'
              ? String(second ?? '').startsWith('token')
                ? 'tokenLimit'
                : 'requestLimit'
              : String(first ?? 'form'));
      errors[field] ??= issue.message.charAt(0).toUpperCase() + issue.message.slice(1) + '.';
    }
  }
  if (!body.name) errors.name = 'Give the key a name people will recognise, such as “alice-laptop” or “ci-nightly”.';
  return { body, errors };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Only the fields that differ from the key as it is, so an edit never resets what it did not touch. */
export function changedFields(original: VirtualKey, draft: KeyDraft): { patch: VirtualKeyUpdate; errors: FieldErrors } {
  const { body, errors } = draftToBody(draft);
  const { body: before } = draftToBody(draftFromKey(original));
  const patch: VirtualKeyUpdate = {};
  for (const field of Object.keys(body) as (keyof VirtualKeyCreate)[]) {
    if (!same(body[field], before[field])) (patch as Record<string, unknown>)[field] = body[field];
  }
  return { patch, errors };
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
