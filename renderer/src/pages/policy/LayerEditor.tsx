// One layer's editor: who it applies to (when adding one), the common keys as fields (permission
// rules as tags, the models, env as rows) and the rest as JSON, checked here before it is sent (parsed,
// sized against the gateway's limit) and refused by the gateway with its reason shown in place.
// Saving replaces the layer whole.
import { useId, useMemo, useState, type FormEvent } from 'react';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner, errorMessage } from '../../components/ErrorBanner';
import { Select, TextArea, TextInput } from '../../components/Field';
import { SegmentedControl } from '../../components/SegmentedControl';
import type { FieldErrors } from '../../components/budget-drafts';
import type { ManagedSettings } from '../../../../shared/schemas';
import type { PolicyLayer, PolicyScope } from '../../stores/managed-settings';
import {
  draftFromSettings,
  emptyDraft,
  envEntries,
  formatBytes,
  MAX_SIZE_LABEL,
  settingsFromDraft,
  type ListField,
  type PolicyDraft,
} from './draft';
import { RuleList } from './RuleList';
import { ENV_WARNING, SCOPE_LABEL } from './labels';

export type OwnerChoices = Record<PolicyScope, readonly { value: string; label: string }[]>;

export interface LayerEditorProps {
  /** The layer to edit; null to add one (then `choices` says who can still get one). */
  layer: PolicyLayer | null;
  choices: OwnerChoices;
  /** Who a layer applies to, in words: "everyone", "team Web". */
  describeOwner: (scope: PolicyScope, id: string | null) => string;
  onClose: () => void;
  /** Rejects with the gateway's reason. */
  onSave: (scope: PolicyScope, id: string | null, settings: ManagedSettings) => Promise<void>;
}

const NONE_LEFT: Record<PolicyScope, string> = {
  global: 'The global layer is set already: edit it from the list.',
  team: 'Every team has a layer already, or there are no teams yet.',
  user: 'Every user has a layer already, or there are no users yet.',
  virtual_key: 'Every key has a layer already, or there are no keys yet.',
};

const SCOPE_CHOICE: Record<PolicyScope, string> = {
  global: 'Everyone (global)',
  team: 'A team',
  user: 'A user',
  virtual_key: 'A key',
};

const LISTS: readonly { field: ListField; label: string; hint: string; placeholder: string }[] = [
  {
    field: 'allow',
    label: 'Allow',
    hint: 'Used without asking, e.g. Bash(npm run test:*) or Read.',
    placeholder: 'Bash(npm run test:*)',
  },
  { field: 'ask', label: 'Ask', hint: 'Always asks first, e.g. Bash(git push:*).', placeholder: 'Bash(git push:*)' },
  {
    field: 'deny',
    label: 'Deny',
    hint: 'Never used, e.g. Bash, WebFetch or mcp__github__*.',
    placeholder: 'mcp__github__*',
  },
];

export function LayerEditor({ layer, choices, describeOwner, onClose, onSave }: LayerEditorProps) {
  const formId = useId();
  const creating = layer === null;
  const scopeOptions = useMemo(
    () =>
      (['global', 'team', 'user', 'virtual_key'] as const).map((scope) => ({
        value: scope,
        label: SCOPE_CHOICE[scope],
      })),
    [],
  );
  const [scope, setScope] = useState<PolicyScope>(() =>
    layer ? layer.scope : choices.global.length > 0 ? 'global' : 'team',
  );
  const [ownerId, setOwnerId] = useState<string>(() => (layer ? (layer.id ?? '') : ''));
  const [draft, setDraft] = useState<PolicyDraft>(() => (layer ? draftFromSettings(layer.settings) : emptyDraft()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const owners = choices[scope];
  const ownerOptions = useMemo(
    () =>
      scope === 'global' ? [] : [{ value: '', label: `Choose a ${SCOPE_LABEL[scope].toLowerCase()}…` }, ...owners],
    [scope, owners],
  );
  const { bytes } = useMemo(() => settingsFromDraft(draft), [draft]);
  const env = envEntries(draft);

  const set = <K extends keyof PolicyDraft>(field: K, value: PolicyDraft[K]) =>
    setDraft((current) => ({ ...current, [field]: value }));
  const setTyped = (field: ListField, typed: string) =>
    setDraft((current) => ({ ...current, typed: { ...current.typed, [field]: typed } }));
  const setEnv = (index: number, patch: Partial<PolicyDraft['env'][number]>) =>
    set(
      'env',
      draft.env.map((row, at) => (at === index ? { ...row, ...patch } : row)),
    );

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setSubmitError(null);
    const result = settingsFromDraft(draft);
    const found: FieldErrors = { ...result.errors };
    const target = layer ? layer.id : scope === 'global' ? null : ownerId;
    if (creating && scope !== 'global' && !ownerId) found.owner = `Choose the ${SCOPE_LABEL[scope].toLowerCase()}.`;
    if (creating && scope === 'global' && owners.length === 0) found.owner = NONE_LEFT.global;
    setErrors(found);
    if (Object.keys(found).length > 0 || !result.settings) return;
    setBusy(true);
    try {
      await onSave(layer ? layer.scope : scope, target, result.settings);
    } catch (error) {
      setSubmitError(errorMessage(error));
      setBusy(false);
    }
  };

  const fieldCount = Object.keys(errors).filter((key) => key !== 'size').length;

  return (
    <Dialog
      open
      title={layer ? `Policy for ${describeOwner(layer.scope, layer.id)}` : 'Add a policy layer'}
      description="Claude Code applies these as managed settings, over each teammate's own. Saving replaces the layer whole."
      onClose={onClose}
      size="lg"
      dismissible={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form={formId} busy={busy}>
            Save policy
          </Button>
        </>
      }
    >
      {submitError && <ErrorBanner title="The gateway did not save the policy" error={submitError} />}
      {errors.size && <ErrorBanner title="This layer cannot be saved" error={errors.size} />}
      {fieldCount > 0 && (
        <p className="field-error" role="alert">
          Check the highlighted fields.
        </p>
      )}
      <form id={formId} className="key-form policy-form" onSubmit={(event) => void submit(event)} noValidate>
        {creating && (
          <fieldset className="form-section">
            <legend>Applies to</legend>
            <SegmentedControl
              label="Layer"
              value={scope}
              options={scopeOptions}
              onChange={(next) => {
                setScope(next);
                setOwnerId('');
                setErrors(({ owner: _owner, ...rest }) => rest);
              }}
            />
            {scope === 'global' ? (
              <p className={owners.length > 0 ? 'form-help' : 'field-error'}>
                {owners.length > 0
                  ? 'Everyone signed in with /login; team, user and key layers win over it.'
                  : NONE_LEFT.global}
              </p>
            ) : (
              <div className="form-grid">
                <Select
                  label={SCOPE_LABEL[scope]}
                  hint={owners.length === 0 ? NONE_LEFT[scope] : undefined}
                  value={ownerId}
                  options={ownerOptions}
                  error={errors.owner}
                  data-autofocus
                  onChange={(event) => setOwnerId(event.target.value)}
                />
              </div>
            )}
          </fieldset>
        )}

        <fieldset className="form-section">
          <legend>Permissions</legend>
          <p className="form-help">
            Rules as in Claude Code&rsquo;s settings: a tool (<span className="mono">Bash</span>), a tool with a pattern
            (<span className="mono">Bash(npm run test:*)</span>) or an MCP server&rsquo;s tools (
            <span className="mono">mcp__github__*</span>). They win over each teammate&rsquo;s own rules, and add up
            across layers.
          </p>
          <div className="policy-lists">
            {LISTS.map((list) => (
              <RuleList
                key={list.field}
                label={list.label}
                hint={list.hint}
                placeholder={list.placeholder}
                items={draft[list.field]}
                typed={draft.typed[list.field]}
                onChange={(items) => set(list.field, items)}
                onType={(typed) => setTyped(list.field, typed)}
              />
            ))}
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>Models</legend>
          <div className="form-grid">
            <RuleList
              label="Available models"
              hint="What /model offers. A later layer's list replaces this one; a key's allowed models replace both."
              placeholder="claude-sonnet-4-5"
              items={draft.availableModels}
              typed={draft.typed.availableModels}
              onChange={(items) => set('availableModels', items)}
              onType={(typed) => setTyped('availableModels', typed)}
            />
            <TextInput
              label="Model"
              hint="The model Claude Code starts on. Empty leaves it to Claude Code."
              className="mono"
              placeholder="claude-sonnet-4-5"
              spellCheck={false}
              autoComplete="off"
              value={draft.model}
              error={errors.model}
              onChange={(event) => set('model', event.target.value)}
            />
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>Environment variables</legend>
          {env.length > 0 ? (
            <EnvWarning />
          ) : (
            <p className="form-help">
              Set for every Claude Code session this layer applies to. Adding any asks each teammate for approval.
            </p>
          )}
          {draft.env.map((row, index) => (
            <div key={index} className="policy-env-row" role="group" aria-label={`Variable ${index + 1}`}>
              <TextInput
                label="Name"
                className="mono"
                placeholder="DISABLE_TELEMETRY"
                spellCheck={false}
                autoComplete="off"
                value={row.name}
                error={errors[`env.${index}.name`]}
                onChange={(event) => setEnv(index, { name: event.target.value })}
              />
              <TextInput
                label="Value"
                className="mono"
                spellCheck={false}
                autoComplete="off"
                value={row.value}
                onChange={(event) => setEnv(index, { value: event.target.value })}
              />
              <Button
                variant="ghost"
                size="sm"
                className="row-remove"
                aria-label={`Remove variable ${row.name.trim() || index + 1}`}
                onClick={() =>
                  set(
                    'env',
                    draft.env.filter((_, at) => at !== index),
                  )
                }
              >
                Remove
              </Button>
            </div>
          ))}
          <div>
            <Button size="sm" onClick={() => set('env', [...draft.env, { name: '', value: '' }])}>
              Add variable
            </Button>
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>Everything else</legend>
          <TextArea
            label="Other settings (JSON)"
            hint={
              <>
                Any other key of Claude Code&rsquo;s settings, as one JSON object, e.g.{' '}
                <span className="mono">{'{ "cleanupPeriodDays": 30 }'}</span>; passed on as written. This layer:{' '}
                {bytes > 0 ? formatBytes(bytes) : '—'} of {MAX_SIZE_LABEL}.
              </>
            }
            rows={8}
            spellCheck={false}
            placeholder={'{\n  "includeCoAuthoredBy": false\n}'}
            value={draft.other}
            error={errors.other}
            onChange={(event) => set('other', event.target.value)}
          />
        </fieldset>
      </form>
    </Dialog>
  );
}

/** Shown wherever a layer sets environment variables. */
export function EnvWarning() {
  return (
    <div className="banner banner-warning policy-env-warning" role="note">
      <div className="banner-text">
        <strong>{ENV_WARNING}</strong>
        <span>Tell the teammates it applies to before you save it. claude -p applies it without asking.</span>
      </div>
    </div>
  );
}
