// The create and edit form for a key: who it belongs to, what it may spend, how fast, which models
// and tools. Presentational: it edits a draft and hands it back on submit.
import { useMemo, type FormEvent } from 'react';
import { Button } from '../../components/Button';
import { BudgetsEditor, withCurrent } from '../../components/BudgetsEditor';
import { Checkbox, Field, Select, TextArea, TextInput } from '../../components/Field';
import type { Team, User } from '../../stores/organisation';
import type { FieldErrors, KeyDraft } from './form-model';

const WINDOW_OPTIONS = [
  { value: '1m', label: 'per minute' },
  { value: '1h', label: 'per hour' },
  { value: '1d', label: 'per day' },
];

export interface KeyFormProps {
  id: string;
  draft: KeyDraft;
  errors: FieldErrors;
  teams: readonly Team[];
  users: readonly User[];
  onChange: (draft: KeyDraft) => void;
  onSubmit: () => void;
}

export function KeyForm({ id, draft, errors, teams, users, onChange, onSubmit }: KeyFormProps) {
  const set = <K extends keyof KeyDraft>(field: K, value: KeyDraft[K]) => onChange({ ...draft, [field]: value });

  const userOptions = useMemo(() => [{ value: '', label: 'Nobody in particular' }, ...users.map((user) => ({ value: user.id, label: user.email ? `${user.name} (${user.email})` : user.name }))], [users]);
  const teamOptions = useMemo(() => [{ value: '', label: 'No team' }, ...teams.map((team) => ({ value: team.id, label: team.name }))], [teams]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };

  return (
    <form id={id} className="key-form" onSubmit={submit} noValidate>
      <fieldset className="form-section">
        <legend>Key</legend>
        <div className="form-grid">
          <TextInput
            label="Name"
            value={draft.name}
            onChange={(event) => set('name', event.target.value)}
            error={errors.name}
            placeholder="alice-laptop"
            autoComplete="off"
            data-autofocus
          />
          <TextInput label="Description" value={draft.description} onChange={(event) => set('description', event.target.value)} placeholder="Optional" />
          <Select
            label="Owner"
            hint="The person who uses this key. Their own budget applies too."
            value={draft.userId}
            options={userOptions}
            onChange={(event) => {
              const user = users.find((item) => item.id === event.target.value);
              // A user's team is the natural default for their key.
              onChange({ ...draft, userId: event.target.value, teamId: draft.teamId || user?.team_id || '' });
            }}
          />
          <Select label="Team" hint="Spend counts toward the team's budgets." value={draft.teamId} options={teamOptions} onChange={(event) => set('teamId', event.target.value)} />
        </div>
      </fieldset>

      <fieldset className="form-section">
        <legend>Budgets</legend>
        <p className="form-help">A request is refused when it would take any budget over its limit. Add several to cap both a day and a month.</p>
        <BudgetsEditor budgets={draft.budgets} errors={errors} onChange={(budgets) => set('budgets', budgets)} emptyText="No budget: this key can spend without a limit of its own." />
      </fieldset>

      <fieldset className="form-section">
        <legend>Rate limits</legend>
        <div className="form-grid form-grid-4">
          <TextInput label="Requests" inputMode="numeric" className="num" placeholder="No limit" value={draft.requestLimit} error={errors.requestLimit} onChange={(event) => set('requestLimit', event.target.value)} />
          <Select label="Request window" value={draft.requestWindow} options={withCurrent(WINDOW_OPTIONS, draft.requestWindow)} onChange={(event) => set('requestWindow', event.target.value)} />
          <TextInput label="Tokens" inputMode="numeric" className="num" placeholder="No limit" value={draft.tokenLimit} error={errors.tokenLimit} onChange={(event) => set('tokenLimit', event.target.value)} />
          <Select label="Token window" value={draft.tokenWindow} options={withCurrent(WINDOW_OPTIONS, draft.tokenWindow)} onChange={(event) => set('tokenWindow', event.target.value)} />
          <TextInput
            label="Requests at once"
            hint="Parallel requests in flight; Claude Code's subagents each count."
            inputMode="numeric"
            placeholder="No limit"
            value={draft.maxConcurrent}
            error={errors.maxConcurrent}
            onChange={(event) => set('maxConcurrent', event.target.value)}
          />
        </div>
      </fieldset>

      <fieldset className="form-section">
        <legend>Models</legend>
        <div className="form-grid">
          <TextArea
            label="Allowed models"
            hint="One per line. Empty allows every model. A family name such as claude-sonnet-4 covers its dated versions."
            rows={3}
            value={draft.allowedModels}
            onChange={(event) => set('allowedModels', event.target.value)}
          />
          <TextArea label="Denied models" hint="One per line. Checked after the allowed list." rows={3} value={draft.deniedModels} onChange={(event) => set('deniedModels', event.target.value)} />
        </div>
        <div className="remaps">
          <h3 className="subheading">Remapped models</h3>
          <p className="form-help">Send another model than the one asked for, e.g. Opus requests to Sonnet for a cheaper key.</p>
          {draft.remaps.map((row, index) => (
            <div key={index} className="remap-row" role="group" aria-label={`Remap ${index + 1}`}>
              <TextInput label="When asked for" value={row.from} placeholder="claude-opus-4-1" onChange={(event) => set('remaps', draft.remaps.map((item, at) => (at === index ? { ...item, from: event.target.value } : item)))} />
              <span className="remap-arrow" aria-hidden="true">
                →
              </span>
              <TextInput
                label="Send"
                value={row.to}
                placeholder="claude-sonnet-4-5"
                error={errors[`remaps.${index}`]}
                onChange={(event) => set('remaps', draft.remaps.map((item, at) => (at === index ? { ...item, to: event.target.value } : item)))}
              />
              <Button variant="ghost" size="sm" className="row-remove" aria-label={`Remove remap ${index + 1}`} onClick={() => set('remaps', draft.remaps.filter((_, at) => at !== index))}>
                Remove
              </Button>
            </div>
          ))}
          <div>
            <Button size="sm" onClick={() => set('remaps', [...draft.remaps, { from: '', to: '' }])}>
              Add remap
            </Button>
          </div>
        </div>
      </fieldset>

      <fieldset className="form-section">
        <legend>Tools</legend>
        <p className="form-help">Tools outside the policy are removed from requests before they reach Anthropic. Empty lists leave every tool available.</p>
        <div className="form-grid">
          <TextArea label="Allowed tools" hint="One per line, e.g. Read, Edit, Bash." rows={3} value={draft.toolAllow} onChange={(event) => set('toolAllow', event.target.value)} />
          <TextArea label="Denied tools" hint="One per line, e.g. WebFetch." rows={3} value={draft.toolDeny} onChange={(event) => set('toolDeny', event.target.value)} />
        </div>
      </fieldset>

      <fieldset className="form-section">
        <legend>More</legend>
        <div className="form-grid">
          <Field label="Expires" hint="Leave empty for a key that does not expire." error={errors.expiresAt}>
            {(ids) => <input {...ids} type="datetime-local" className="input" value={draft.expiresAt} onChange={(event) => set('expiresAt', event.target.value)} />}
          </Field>
          <Checkbox
            label="Capture prompts and responses"
            hint="Stores the conversation with each request so the logs can show it and search it."
            checked={draft.captureContent}
            onChange={(event) => set('captureContent', event.target.checked)}
          />
        </div>
      </fieldset>
    </form>
  );
}
