// Budgets as a form edits them (strings), and back to the contract's budget input.
import type { Budget, BudgetInput } from '../../../shared/schemas';

export interface BudgetDraft {
  /** USD, as typed. */
  amount: string;
  /** A reset duration such as 1d or 1M. */
  reset: string;
  calendar: boolean;
  /** IANA zone; '' means the gateway's default. */
  timeZone: string;
}

export type FieldErrors = Partial<Record<string, string>>;

export const emptyBudget = (): BudgetDraft => ({ amount: '', reset: '1d', calendar: true, timeZone: '' });

export function budgetDraftsFrom(budgets: readonly Budget[]): BudgetDraft[] {
  return budgets.map((budget) => ({
    amount: String(budget.max_limit),
    reset: budget.reset_duration,
    calendar: budget.calendar_aligned,
    timeZone: budget.calendar_aligned ? budget.time_zone : '',
  }));
}

/** Errors are keyed `${prefix}.${index}.amount` etc., matching what BudgetsEditor shows. */
export function budgetInputsFrom(drafts: readonly BudgetDraft[], errors: FieldErrors, prefix = 'budgets'): BudgetInput[] {
  return drafts.map((budget, index) => {
    const text = budget.amount.trim().replace(/^\$/, '');
    const amount = Number(text);
    if (!text) errors[`${prefix}.${index}.amount`] = 'Enter a limit in USD.';
    else if (!Number.isFinite(amount) || amount < 0) errors[`${prefix}.${index}.amount`] = 'Enter a positive number.';
    return {
      max_limit: Number.isFinite(amount) && amount >= 0 ? amount : 0,
      reset_duration: budget.reset.trim(),
      calendar_aligned: budget.calendar,
      ...(budget.calendar && budget.timeZone.trim() ? { time_zone: budget.timeZone.trim() } : {}),
    };
  });
}

/** Maps a zod issue path under `budgets` to the editor's field key. */
export function budgetIssueField(path: readonly PropertyKey[], prefix = 'budgets'): string | null {
  const [first, second, third] = path;
  if (first !== 'budgets' || typeof second !== 'number') return null;
  return `${prefix}.${second}.${third === 'reset_duration' ? 'reset' : third === 'time_zone' ? 'timeZone' : 'amount'}`;
}
