// The common key settings of a Claude Code sign-in (allowed models, a monthly budget, a request rate
// limit, denied tools): the same few fields in the approval panel, the invite form and the settings'
// sign-in key template. Presentational: it edits a KeyTemplateDraft (key-template.ts).
import { withCurrent } from './BudgetsEditor';
import type { FieldErrors } from './budget-drafts';
import { Select, TextArea, TextInput } from './Field';
import { REQUEST_WINDOWS, type KeyTemplateDraft } from './key-template';

export interface KeyTemplateFieldsProps {
  draft: KeyTemplateDraft;
  errors?: FieldErrors;
  onChange: (draft: KeyTemplateDraft) => void;
  /** Other settings the base sets that these fields do not show, listed under them. */
  others?: readonly string[];
}

export function KeyTemplateFields({ draft, errors = {}, onChange, others = [] }: KeyTemplateFieldsProps) {
  const set = <K extends keyof KeyTemplateDraft>(field: K, value: KeyTemplateDraft[K]) =>
    onChange({ ...draft, [field]: value });
  return (
    <div className="key-template">
      <div className="form-grid">
        <TextInput
          label="Monthly budget (USD)"
          hint="Resets on the 1st of each month. Empty: no monthly budget of its own."
          inputMode="decimal"
          className="num"
          placeholder="No budget"
          value={draft.monthlyBudget}
          error={errors.monthlyBudget}
          onChange={(event) => set('monthlyBudget', event.target.value)}
        />
        <div className="key-template-rate">
          <TextInput
            label="Requests"
            hint="A rate limit: requests allowed per window."
            inputMode="numeric"
            className="num"
            placeholder="No limit"
            value={draft.requestLimit}
            error={errors.requestLimit}
            onChange={(event) => set('requestLimit', event.target.value)}
          />
          <Select
            label="Request window"
            value={draft.requestWindow}
            options={withCurrent(REQUEST_WINDOWS, draft.requestWindow)}
            onChange={(event) => set('requestWindow', event.target.value)}
          />
        </div>
        <TextArea
          label="Allowed models"
          hint="One per line. Empty allows every model. A family name such as claude-sonnet-4 covers its dated versions."
          rows={3}
          value={draft.allowedModels}
          error={errors.allowedModels}
          onChange={(event) => set('allowedModels', event.target.value)}
        />
        <TextArea
          label="Denied tools"
          hint="One per line, e.g. WebFetch or Bash. They are removed from requests before they reach Anthropic."
          rows={3}
          value={draft.deniedTools}
          error={errors.deniedTools}
          onChange={(event) => set('deniedTools', event.target.value)}
        />
      </div>
      {others.length > 0 && <p className="form-help">Also in the template, kept as they are: {others.join(', ')}.</p>}
      {errors.form && (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      )}
    </div>
  );
}
