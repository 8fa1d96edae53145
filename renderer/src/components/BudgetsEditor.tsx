// Edits a list of budgets: limit, reset period, calendar alignment and time zone. Used wherever an
// owner (key, customer, team, user) has budgets.
import { useId } from 'react';
import { useSession } from '../stores/session';
import { emptyBudget, type BudgetDraft, type FieldErrors } from './budget-drafts';
import { Button } from './Button';
import { Checkbox, Field, Select } from './Field';

export const RESET_OPTIONS = [
  { value: '1h', label: 'Hour' },
  { value: '1d', label: 'Day' },
  { value: '1w', label: 'Week' },
  { value: '1M', label: 'Month' },
  { value: '1Y', label: 'Year' },
] as const;

export function withCurrent(options: readonly { value: string; label: string }[], current: string) {
  return options.some((option) => option.value === current) ? options : [...options, { value: current, label: current }];
}

const timeZones = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

export interface BudgetsEditorProps {
  budgets: readonly BudgetDraft[];
  onChange: (budgets: BudgetDraft[]) => void;
  errors?: FieldErrors;
  /** Prefix of the error keys: `${prefix}.${index}.amount`. */
  prefix?: string;
  /** Shown when there is no budget. */
  emptyText?: string;
}

export function BudgetsEditor({ budgets, onChange, errors = {}, prefix = 'budgets', emptyText = 'No budget.' }: BudgetsEditorProps) {
  const defaultZone = useSession((state) => state.config?.budget_time_zone ?? 'UTC');
  const zoneListId = useId();
  const setBudget = (index: number, patch: Partial<BudgetDraft>) => onChange(budgets.map((budget, at) => (at === index ? { ...budget, ...patch } : budget)));
  return (
    <div className="budgets-editor">
      {budgets.length === 0 && <p className="muted">{emptyText}</p>}
      {budgets.map((budget, index) => (
        <div key={index} className="budget-row" role="group" aria-label={`Budget ${index + 1}`}>
          <Field label="Limit (USD)" error={errors[`${prefix}.${index}.amount`]}>
            {(ids) => <input {...ids} className="input num" inputMode="decimal" value={budget.amount} placeholder="20" onChange={(event) => setBudget(index, { amount: event.target.value })} />}
          </Field>
          <Select label="Resets every" value={budget.reset} options={withCurrent(RESET_OPTIONS, budget.reset)} error={errors[`${prefix}.${index}.reset`]} onChange={(event) => setBudget(index, { reset: event.target.value })} />
          <Checkbox label="On calendar boundaries" hint="Midnight, Monday, the 1st." checked={budget.calendar} onChange={(event) => setBudget(index, { calendar: event.target.checked })} />
          {budget.calendar ? (
            <Field label="Time zone" error={errors[`${prefix}.${index}.timeZone`]}>
              {(ids) => <input {...ids} className="input" list={zoneListId} value={budget.timeZone} placeholder={`Default (${defaultZone})`} onChange={(event) => setBudget(index, { timeZone: event.target.value })} />}
            </Field>
          ) : (
            <span className="field-hint budget-row-note">Counts from when the budget is saved.</span>
          )}
          <Button variant="ghost" size="sm" className="row-remove" aria-label={`Remove budget ${index + 1}`} onClick={() => onChange(budgets.filter((_, at) => at !== index))}>
            Remove
          </Button>
        </div>
      ))}
      <datalist id={zoneListId}>
        {timeZones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <div>
        <Button size="sm" onClick={() => onChange([...budgets, emptyBudget()])}>
          Add budget
        </Button>
      </div>
    </div>
  );
}
