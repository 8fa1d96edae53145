// The in-place form for a customer, team or user: name, description, where it sits, and its budgets.
import { useId, useState, type FormEvent } from 'react';
import { budgetDraftsFrom, budgetInputsFrom, budgetIssueField, type BudgetDraft, type FieldErrors } from '../../components/budget-drafts';
import { BudgetsEditor } from '../../components/BudgetsEditor';
import { Button } from '../../components/Button';
import { ErrorBanner, errorMessage } from '../../components/ErrorBanner';
import { Select, TextInput } from '../../components/Field';
import { customerInputSchema, teamInputSchema, userInputSchema } from '../../../../shared/schemas';
import { LEVEL_LABEL, type Customer, type CustomerInput, type Level, type Team, type TeamInput, type User, type UserInput } from '../../stores/organisation';

export interface EntityDraft {
  name: string;
  description: string;
  email: string;
  customerId: string;
  teamId: string;
  budgets: BudgetDraft[];
}

type AnyInput = CustomerInput & TeamInput & UserInput;

export function draftOf(entity: Customer | Team | User | null, defaults: Partial<EntityDraft> = {}): EntityDraft {
  return {
    name: entity?.name ?? '',
    description: entity?.description ?? '',
    email: entity && 'email' in entity ? (entity.email ?? '') : '',
    customerId: entity && 'customer_id' in entity ? (entity.customer_id ?? '') : (defaults.customerId ?? ''),
    teamId: entity && 'team_id' in entity ? (entity.team_id ?? '') : (defaults.teamId ?? ''),
    budgets: entity ? budgetDraftsFrom(entity.budgets) : [],
  };
}

/** The body for this level, checked by the contract's schema; errors keyed by field. */
export function bodyOf(level: Level, draft: EntityDraft): { body: Partial<AnyInput>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const body: Partial<AnyInput> = {
    name: draft.name.trim(),
    description: draft.description.trim(),
    budgets: budgetInputsFrom(draft.budgets, errors),
  };
  if (level === 'team') body.customer_id = draft.customerId || null;
  if (level === 'user') {
    body.team_id = draft.teamId || null;
    body.email = draft.email.trim() || null;
  }
  const schema = level === 'customer' ? customerInputSchema : level === 'team' ? teamInputSchema : userInputSchema;
  const checked = schema.safeParse(body);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = budgetIssueField(issue.path) ?? String(issue.path[0] ?? 'form');
      errors[field] ??= issue.message.charAt(0).toUpperCase() + issue.message.slice(1) + '.';
    }
  }
  return { body, errors };
}

/** For an edit, only what changed, so budgets left alone keep their period's spend. */
export function changesOf(level: Level, entity: Customer | Team | User, draft: EntityDraft): { patch: Partial<AnyInput>; errors: FieldErrors } {
  const { body, errors } = bodyOf(level, draft);
  const { body: before } = bodyOf(level, draftOf(entity));
  const patch: Partial<AnyInput> = {};
  for (const field of Object.keys(body) as (keyof AnyInput)[]) {
    if (JSON.stringify(body[field]) !== JSON.stringify(before[field])) (patch as Record<string, unknown>)[field] = body[field];
  }
  return { patch, errors };
}

export interface EntityFormProps {
  level: Level;
  entity: Customer | Team | User | null;
  defaults?: Partial<EntityDraft>;
  customers: readonly Customer[];
  teams: readonly Team[];
  onCancel: () => void;
  /** Create: awaits the gateway, errors shown here. Edit: returns at once (optimistic). */
  onSave: (input: Partial<AnyInput>) => Promise<void> | void;
}

export function EntityForm({ level, entity, defaults, customers, teams, onCancel, onSave }: EntityFormProps) {
  const [draft, setDraft] = useState<EntityDraft>(() => draftOf(entity, defaults));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const headingId = useId();
  const set = <K extends keyof EntityDraft>(field: K, value: EntityDraft[K]) => setDraft({ ...draft, [field]: value });
  const noun = LEVEL_LABEL[level];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const { patch, errors: found } = entity ? changesOf(level, entity, draft) : (({ body, errors }) => ({ patch: body, errors }))(bodyOf(level, draft));
    const next = { ...found };
    if (!draft.name.trim()) next.name = `Give the ${noun} a name.`;
    setErrors(next);
    if (Object.keys(next).length) return;
    if (entity && Object.keys(patch).length === 0) return onCancel();
    setBusy(true);
    try {
      await onSave(patch);
    } catch (error) {
      setFailure(errorMessage(error));
      setBusy(false);
    }
  };

  return (
    <form
      className="entity-form"
      aria-labelledby={headingId}
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !busy) {
          event.stopPropagation();
          onCancel();
        }
      }}
      noValidate
    >
      <h3 id={headingId}>{entity ? `Edit ${noun} “${entity.name}”` : `New ${noun}`}</h3>
      {failure && <ErrorBanner title={`The gateway refused the ${noun}`} error={failure} />}
      <div className="form-grid">
        <TextInput label="Name" value={draft.name} error={errors.name} autoFocus autoComplete="off" onChange={(event) => set('name', event.target.value)} />
        <TextInput label="Description" value={draft.description} placeholder="Optional" onChange={(event) => set('description', event.target.value)} />
        {level === 'team' && (
          <Select
            label="Customer"
            value={draft.customerId}
            options={[{ value: '', label: 'No customer' }, ...customers.map((customer) => ({ value: customer.id, label: customer.name }))]}
            onChange={(event) => set('customerId', event.target.value)}
          />
        )}
        {level === 'user' && (
          <>
            <TextInput label="Email" type="email" value={draft.email} error={errors.email} placeholder="Optional" onChange={(event) => set('email', event.target.value)} />
            <Select label="Team" value={draft.teamId} options={[{ value: '', label: 'No team' }, ...teams.map((team) => ({ value: team.id, label: team.name }))]} onChange={(event) => set('teamId', event.target.value)} />
          </>
        )}
      </div>
      <div className="form-section-inline">
        <h4 className="subheading">Budgets</h4>
        <BudgetsEditor budgets={draft.budgets} errors={errors} onChange={(budgets) => set('budgets', budgets)} emptyText={`No budget for this ${noun}.`} />
      </div>
      <div className="entity-form-actions">
        <Button onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={busy}>
          {entity ? 'Save' : `Create ${noun}`}
        </Button>
      </div>
    </form>
  );
}
