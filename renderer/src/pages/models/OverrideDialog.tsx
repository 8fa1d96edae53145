// The price override editor: five rates per million tokens, optional bands for long prompts, a note.
// Checked field by field before anything is sent; the changes against the price in use are listed
// so the admin sees exactly what they are about to charge.
import { useId, useState, type FormEvent } from 'react';
import { Button, Dialog, ErrorBanner, formatUsd, TextArea } from '../../components';
import {
  formFromVersion,
  RATE_FIELDS,
  RATE_LABELS,
  usePricing,
  validateOverride,
  type OverrideErrors,
  type OverrideForm,
  type PricedModel,
  type RateField,
} from '../../stores/pricing';

export interface OverrideDialogProps {
  model: PricedModel;
  onClose: () => void;
  onSaved: (message: string) => void;
}

const emptyRates = (): Record<RateField, string> => ({
  input: '',
  output: '',
  cache_write_5m: '',
  cache_write_1h: '',
  cache_read: '',
});

export function OverrideDialog({ model, onClose, onSaved }: OverrideDialogProps) {
  const saveOverride = usePricing((state) => state.saveOverride);
  const [form, setForm] = useState<OverrideForm>(() => formFromVersion(model.current));
  const [errors, setErrors] = useState<OverrideErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const builtin =
    [...model.history].reverse().find((version) => version.source === 'builtin' && version.retired_at === null) ??
    model.current;

  const setRate = (field: RateField, value: string): void =>
    setForm((current) => ({ ...current, rates: { ...current.rates, [field]: value } }));
  const setBand = (index: number, patch: Partial<OverrideForm['bands'][number]>): void =>
    setForm((current) => ({
      ...current,
      bands: current.bands.map((band, i) => (i === index ? { ...band, ...patch } : band)),
    }));

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const checked = validateOverride(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setFailure(null);
    setBusy(true);
    saveOverride(model.model, checked.value)
      .then((message) => {
        onSaved(message);
        onClose();
      })
      .catch((error: unknown) => setFailure(error))
      .finally(() => setBusy(false));
  };

  const changes = RATE_FIELDS.flatMap((field) => {
    const next = Number(form.rates[field]);
    const now = model.current[field];
    return form.rates[field].trim() !== '' && Number.isFinite(next) && next !== now ? [{ field, now, next }] : [];
  });
  const errorCount = Object.keys(errors).length;

  return (
    <Dialog
      open
      size="lg"
      title={`Override the price of ${model.display_name}`}
      description="USD per million tokens. The override applies to requests from the moment it is saved; requests already logged keep the price they were charged."
      onClose={onClose}
      dismissible={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="override-form" busy={busy}>
            Save override
          </Button>
        </>
      }
    >
      <form
        id="override-form"
        className="override-form"
        onSubmit={submit}
        noValidate
        aria-describedby={errorCount ? 'override-errors' : undefined}
      >
        {errorCount > 0 && (
          <p id="override-errors" className="field-error" role="alert">
            {errorCount === 1 ? 'One field needs attention.' : `${errorCount} fields need attention.`}
          </p>
        )}
        {failure !== null && <ErrorBanner title="The gateway did not save the override" error={failure} />}
        <fieldset className="override-rates">
          <legend>Rates</legend>
          {RATE_FIELDS.map((field) => (
            <RateInput
              key={field}
              label={RATE_LABELS[field]}
              value={form.rates[field]}
              error={errors[field]}
              hint={`Built-in ${formatUsd(builtin[field], 'precise')}`}
              onChange={(value) => setRate(field, value)}
            />
          ))}
        </fieldset>

        <fieldset className="override-bands">
          <legend>Long-prompt bands</legend>
          <p className="field-hint">
            A band charges every token of a request at its own rates once the prompt (input, cache reads and cache
            writes) is longer than its threshold.
          </p>
          {form.bands.map((band, index) => (
            <div key={index} className="override-band" role="group" aria-label={`Band ${index + 1}`}>
              <RateInput
                label="Prompt longer than (tokens)"
                value={band.above_prompt_tokens}
                error={errors[`bands.${index}.above_prompt_tokens`]}
                prefix=""
                step="1"
                onChange={(value) => setBand(index, { above_prompt_tokens: value })}
              />
              {RATE_FIELDS.map((field) => (
                <RateInput
                  key={field}
                  label={RATE_LABELS[field]}
                  value={band.rates[field]}
                  error={errors[`bands.${index}.${field}`]}
                  onChange={(value) => setBand(index, { rates: { ...band.rates, [field]: value } })}
                />
              ))}
              <Button
                size="sm"
                variant="ghost"
                aria-label={`Remove band ${index + 1}`}
                onClick={() =>
                  setForm((current) => ({ ...current, bands: current.bands.filter((_, i) => i !== index) }))
                }
              >
                Remove
              </Button>
            </div>
          ))}
          <Button
            size="sm"
            onClick={() =>
              setForm((current) => ({
                ...current,
                bands: [...current.bands, { above_prompt_tokens: '200000', rates: emptyRates() }],
              }))
            }
          >
            Add a band
          </Button>
        </fieldset>

        <TextArea
          label="Note"
          hint="Why this price: a negotiated rate, a price change not yet in the built-in table…"
          value={form.note}
          maxLength={500}
          error={errors.note}
          onChange={(event) => setForm((current) => ({ ...current, note: event.target.value }))}
        />

        <div className="override-changes" aria-live="polite">
          <h3>What changes</h3>
          {changes.length === 0 ? (
            <p className="muted">
              The base rates match the price in use
              {form.bands.length !== model.current.bands.length ? '; the bands differ' : ''}.
            </p>
          ) : (
            <ul>
              {changes.map(({ field, now, next }) => (
                <li key={field}>
                  {RATE_LABELS[field]}: <span className="num">{formatUsd(now, 'precise')}</span> →{' '}
                  <strong className="num">{formatUsd(next, 'precise')}</strong>
                  <span className="muted"> per MTok</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </form>
    </Dialog>
  );
}

function RateInput({
  label,
  value,
  error,
  hint,
  prefix = '$',
  step = 'any',
  onChange,
}: {
  label: string;
  value: string;
  error?: string | undefined;
  hint?: string;
  prefix?: string;
  step?: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const noteId = `${id}-note`;
  return (
    <div className="override-rate">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <span className={prefix ? 'override-input has-prefix' : 'override-input'}>
        {prefix && <span aria-hidden="true">{prefix}</span>}
        <input
          id={id}
          className="input num"
          type="number"
          inputMode="decimal"
          min="0"
          step={step}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error || hint ? noteId : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
      </span>
      {error ? (
        <span id={noteId} className="field-error">
          {error}
        </span>
      ) : hint ? (
        <span id={noteId} className="field-hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
