// The key settings a Claude Code sign-in gets, as a form edits them: the common few (allowed models,
// a monthly budget, a request rate limit, denied tools) over a base of virtual-key create fields (the
// settings' sign_in_key_template). Whatever else the base sets (other budgets, token limits, remaps…)
// is carried through untouched.
import { signInKeyInputSchema, type ClientConfig } from '../../../shared/schemas';
import type { FieldErrors } from './budget-drafts';

/** Any of the virtual-key create fields, every one optional: a template, or an approval's `key`. */
export type KeyFields = ClientConfig['sign_in_key_template'];

export interface KeyTemplateDraft {
  /** One model per line (or comma separated); empty allows every model. */
  allowedModels: string;
  /** USD per calendar month, as typed; empty for no monthly budget. */
  monthlyBudget: string;
  /** Requests per window, as typed; empty for no request limit. */
  requestLimit: string;
  requestWindow: string;
  /** One tool per line (or comma separated). */
  deniedTools: string;
}

/** The reset duration of the budget the form calls monthly. */
export const MONTHLY = '1M';

export const REQUEST_WINDOWS = [
  { value: '1m', label: 'per minute' },
  { value: '1h', label: 'per hour' },
  { value: '1d', label: 'per day' },
] as const;

type BudgetFields = NonNullable<KeyFields['budgets']>;

/** The base's budgets as one list, whichever of Bifrost's two shapes it used. */
function budgetsOf(base: KeyFields): BudgetFields {
  return base.budgets ?? (base.budget ? [base.budget] : []);
}

function listFrom(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
}

export function draftFromKeyFields(base: KeyFields): KeyTemplateDraft {
  const monthly = budgetsOf(base).find((budget) => budget.reset_duration === MONTHLY);
  return {
    allowedModels: (base.allowed_models ?? []).join('\n'),
    monthlyBudget: monthly ? String(monthly.max_limit) : '',
    requestLimit: base.rate_limit?.request_max_limit?.toString() ?? '',
    requestWindow: base.rate_limit?.request_reset_duration ?? '1m',
    deniedTools: base.tool_policy?.deny?.join('\n') ?? '',
  };
}

export interface KeyFieldsOptions {
  /**
   * How a field the form leaves empty is written when the base sets it. `override` (an approval's or
   * an invite's key, laid over the gateway's template) writes it empty ([] or null) so the template's
   * value does not come back; `template` (the template itself) leaves the field out.
   */
  emptied: 'override' | 'template';
}

/**
 * The base with the form's fields applied, or the errors to show next to each field. Fields the form
 * does not edit are kept as the base has them.
 */
export function keyFieldsFromDraft(
  base: KeyFields,
  draft: KeyTemplateDraft,
  { emptied }: KeyFieldsOptions,
): { fields: KeyFields; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const fields: KeyFields = { ...base };
  const put = <K extends keyof KeyFields>(field: K, value: KeyFields[K] | undefined, empty: KeyFields[K]) => {
    if (value !== undefined) fields[field] = value;
    else if (emptied === 'override' && field in base) fields[field] = empty;
    else delete fields[field];
  };

  const models = listFrom(draft.allowedModels);
  put('allowed_models', models.length ? models : undefined, []);

  // The monthly budget replaces the base's monthly one in place; the base's other budgets stay.
  const budgets = budgetsOf(base);
  const at = budgets.findIndex((budget) => budget.reset_duration === MONTHLY);
  const monthly = at === -1 ? undefined : budgets[at];
  const amountText = draft.monthlyBudget.trim().replace(/^\$/, '');
  let nextBudgets = budgets.filter((_, index) => index !== at);
  if (amountText) {
    const amount = Number(amountText);
    if (!Number.isFinite(amount) || amount <= 0) errors.monthlyBudget = 'Enter an amount in USD above zero.';
    else {
      const budget =
        monthly?.max_limit === amount
          ? monthly
          : {
              ...monthly,
              max_limit: amount,
              reset_duration: MONTHLY,
              calendar_aligned: monthly?.calendar_aligned ?? true,
            };
      nextBudgets = at === -1 ? [...budgets, budget] : budgets.map((item, index) => (index === at ? budget : item));
    }
  }
  delete fields.budget;
  const hadBudgets = 'budgets' in base || 'budget' in base;
  if (nextBudgets.length) fields.budgets = nextBudgets;
  else if (emptied === 'override' && hadBudgets) fields.budgets = [];
  else delete fields.budgets;

  // The request limit; a token limit the base sets stays.
  const limitText = draft.requestLimit.trim();
  const { request_max_limit: _limit, request_reset_duration: _window, ...otherLimits } = base.rate_limit ?? {};
  let rateLimit: NonNullable<KeyFields['rate_limit']> | undefined = { ...otherLimits };
  if (limitText) {
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit <= 0) errors.requestLimit = 'Enter a whole number of requests above zero.';
    else rateLimit = { ...rateLimit, request_max_limit: limit, request_reset_duration: draft.requestWindow };
  }
  if (rateLimit.request_max_limit == null && rateLimit.token_max_limit == null) rateLimit = undefined;
  put('rate_limit', rateLimit, null);

  // Denied tools; an allow list the base sets stays.
  const deny = listFrom(draft.deniedTools);
  const { deny: _deny, ...otherPolicy } = base.tool_policy ?? {};
  const policy = deny.length ? { ...otherPolicy, deny } : otherPolicy.allow?.length ? otherPolicy : undefined;
  put('tool_policy', policy, null);

  // The contract's own schema has the last word.
  const checked = signInKeyInputSchema.safeParse(fields);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const [first] = issue.path;
      const field =
        first === 'budgets'
          ? 'monthlyBudget'
          : first === 'rate_limit'
            ? 'requestLimit'
            : first === 'allowed_models'
              ? 'allowedModels'
              : first === 'tool_policy'
                ? 'deniedTools'
                : 'form';
      errors[field] ??= issue.message.charAt(0).toUpperCase() + issue.message.slice(1) + '.';
    }
  }
  return { fields, errors };
}

/** What else a base sets that the form does not show, in words: "a token limit, 2 denied models". */
export function otherKeySettings(base: KeyFields): string[] {
  const notes: string[] = [];
  const others = budgetsOf(base).filter((budget) => budget.reset_duration !== MONTHLY).length;
  if (others) notes.push(others === 1 ? 'another budget' : `${others} other budgets`);
  if (base.rate_limit?.token_max_limit) notes.push('a token limit');
  if (base.max_concurrent_requests) notes.push(`at most ${base.max_concurrent_requests} requests at once`);
  if (base.denied_models?.length)
    notes.push(base.denied_models.length === 1 ? '1 denied model' : `${base.denied_models.length} denied models`);
  if (base.model_remap && Object.keys(base.model_remap).length) notes.push('model remaps');
  if (base.tool_policy?.allow?.length) notes.push('an allowed tools list');
  if (base.provider_configs?.length) notes.push('provider settings');
  if (base.capture_content !== undefined)
    notes.push(base.capture_content ? 'content capture on' : 'content capture off');
  if (base.expires_at) notes.push('an expiry');
  return notes;
}
