// The three first-run steps as presentational pieces: each gets what it shows and callbacks for what
// the person does; the flow itself (what is saved, when a step may follow) is stores/onboarding.ts.
import { useId, type FormEvent, type ReactNode } from 'react';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { ConnectSnippets } from '../../components/ConnectSnippets';
import { CopyButton } from '../../components/CopyButton';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field, TextInput } from '../../components/Field';
import { SegmentedControl } from '../../components/SegmentedControl';
import type { Endpoints } from '../../stores/gateway';
import type { CreatedKey } from '../../stores/keys';
import { BUDGET_PERIODS, type BudgetPeriod } from '../../stores/onboarding';
import type { Provider, ProviderTest } from '../../stores/providers';

/** A step's frame: its heading (focused when the step opens, so screen readers hear it), body and buttons. */
export function StepFrame({
  headingId,
  title,
  intro,
  children,
  footer,
}: {
  headingId: string;
  title: string;
  intro: ReactNode;
  children: ReactNode;
  footer: ReactNode;
}) {
  return (
    <section className="onboarding-step" aria-labelledby={headingId}>
      <header className="onboarding-step-header">
        <h2 id={headingId} tabIndex={-1}>
          {title}
        </h2>
        <p className="muted">{intro}</p>
      </header>
      <div className="onboarding-step-body">{children}</div>
      <footer className="onboarding-step-footer">{footer}</footer>
    </section>
  );
}

export interface ProviderStepProps {
  headingId: string;
  apiKey: string;
  apiKeyError: string | null;
  saving: boolean;
  /** The key saved in this run, masked. */
  savedKey: string | null;
  /** A key the gateway already had before this run (e.g. from ANTHROPIC_API_KEY), when known. */
  existing: Provider | null;
  hasProviderKey: boolean;
  testing: boolean;
  test: ProviderTest | null;
  testError: string | null;
  onApiKeyChange: (value: string) => void;
  onSaveAndTest: () => void;
  onTest: () => void;
  onContinue: () => void;
}

export function ProviderStep(props: ProviderStepProps) {
  const { hasProviderKey, savedKey, existing, test } = props;
  const configuredBefore = hasProviderKey && savedKey === null;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    props.onSaveAndTest();
  };
  // Continue is the obvious next move once the key is proven, or when one was there already.
  const ready = hasProviderKey && (test?.ok === true || configuredBefore);
  return (
    <StepFrame
      headingId={props.headingId}
      title="Connect your Anthropic account"
      intro="Tollgate forwards Claude Code’s requests to Anthropic with this key. Nobody else sees it: each person gets a Tollgate key instead."
      footer={
        <>
          <span />
          <Button variant={ready ? 'primary' : 'secondary'} onClick={props.onContinue} disabled={!hasProviderKey || props.saving || props.testing}>
            {hasProviderKey && test !== null && !test.ok ? 'Continue anyway' : 'Continue'}
          </Button>
        </>
      }
    >
      {configuredBefore && (
        <div className="onboarding-existing" role="note">
          <div>
            <strong>Tollgate already has an Anthropic key</strong>
            {existing?.keys[0] ? (
              <p className="muted">
                <span className="mono">{existing.keys[0].value}</span>
                <span>{existing.keys[0].name}</span>
                {existing.keys[0].source === 'env' ? <Badge tone="info">read from the environment</Badge> : <Badge>stored encrypted</Badge>}
              </p>
            ) : (
              <p className="muted">Continue with it, or paste another below to replace it.</p>
            )}
          </div>
          <Button onClick={props.onTest} busy={props.testing}>
            Test connection
          </Button>
        </div>
      )}
      <form className="onboarding-form" onSubmit={submit} noValidate>
        <TextInput
          label={configuredBefore ? 'Replace it with another key (optional)' : 'Anthropic API key'}
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="sk-ant-…"
          value={props.apiKey}
          error={props.apiKeyError}
          autoFocus={!configuredBefore}
          hint={
            <>
              From the Anthropic Console, under API keys. It is stored encrypted on this computer and never shown again.
            </>
          }
          onChange={(event) => props.onApiKeyChange(event.target.value)}
        />
        <div className="row">
          <Button type="submit" variant={ready ? 'secondary' : 'primary'} busy={props.saving}>
            {savedKey ? 'Save and test again' : 'Save and test'}
          </Button>
          {savedKey && test !== null && !test.ok && (
            // The saved key may be fine and the network not: test again without pasting it again.
            <Button variant="ghost" onClick={props.onTest} busy={props.testing}>
              Test connection
            </Button>
          )}
        </div>
      </form>
      <div aria-live="polite" className="onboarding-test">
        {savedKey && !props.testing && test === null && !props.testError && (
          <p className="muted">
            Saved <span className="mono">{savedKey}</span>.
          </p>
        )}
        {props.testing && <p className="muted">Asking Anthropic…</p>}
        {!props.testing && test && (
          <div className={`onboarding-result ${test.ok ? 'is-ok' : 'is-failed'}`} role={test.ok ? 'status' : 'alert'}>
            <Badge tone={test.ok ? 'success' : 'danger'}>{test.ok ? 'Connected' : 'Not connected'}</Badge>
            <div>
              <p>{test.message}</p>
              {!test.ok && (
                <p className="muted">
                  {test.status === 401 || test.status === 403
                    ? 'Check the key was copied whole, and that it is an API key rather than a Claude sign-in. Paste it again to retry.'
                    : 'The key is saved. You can continue and test again later from Providers.'}
                </p>
              )}
            </div>
          </div>
        )}
        {!props.testing && props.testError && <ErrorBanner title="The test could not run" error={props.testError} />}
      </div>
    </StepFrame>
  );
}

export interface KeyStepProps {
  headingId: string;
  name: string;
  amount: string;
  period: BudgetPeriod;
  timeZone: string;
  errors: { name?: string; amount?: string };
  creating: boolean;
  createError: string | null;
  onNameChange: (value: string) => void;
  onAmountChange: (value: string) => void;
  onPeriodChange: (value: BudgetPeriod) => void;
  onCreate: () => void;
  onBack: () => void;
}

const RESETS: Record<BudgetPeriod, string> = {
  '1d': 'at midnight',
  '1w': 'on Monday',
  '1M': 'on the 1st of each month',
};

export function KeyStep(props: KeyStepProps) {
  const formId = useId();
  const period = BUDGET_PERIODS.find((option) => option.value === props.period)?.label.toLowerCase() ?? 'period';
  return (
    <StepFrame
      headingId={props.headingId}
      title="Create your own key"
      intro="Claude Code sends this key instead of your Anthropic key. Its budget caps what it can spend: once spent, requests are refused with a message until the budget resets."
      footer={
        <>
          <Button variant="ghost" onClick={props.onBack} disabled={props.creating}>
            Back
          </Button>
          <Button type="submit" form={formId} variant="primary" busy={props.creating}>
            Create key
          </Button>
        </>
      }
    >
      {props.createError && <ErrorBanner title="The gateway did not create the key" error={props.createError} />}
      <form
        id={formId}
        className="onboarding-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          props.onCreate();
        }}
      >
        <TextInput
          label="Key name"
          value={props.name}
          error={props.errors.name ?? null}
          hint="Shown in the logs and on the Keys page next to everything it spends."
          onChange={(event) => props.onNameChange(event.target.value)}
        />
        <div className="onboarding-budget">
          <Field
            label="Budget (USD)"
            error={props.errors.amount ?? null}
            hint={`Resets ${RESETS[props.period]} (${props.timeZone}). Change it any time on the Keys page.`}
          >
            {(ids) => (
              <div className="input-affix">
                <span aria-hidden="true">$</span>
                <input {...ids} className="input num" inputMode="decimal" value={props.amount} onChange={(event) => props.onAmountChange(event.target.value)} />
                <span className="muted">per {period}</span>
              </div>
            )}
          </Field>
          <div className="field">
            <span className="field-label" aria-hidden="true">
              Resets every
            </span>
            <SegmentedControl label="Budget resets every" value={props.period} options={BUDGET_PERIODS} onChange={props.onPeriodChange} />
          </div>
        </div>
      </form>
    </StepFrame>
  );
}

export interface ConnectStepProps {
  headingId: string;
  created: CreatedKey;
  endpoints: Endpoints;
  finishing: boolean;
  finishError: string | null;
  onFinish: () => void;
}

export function ConnectStep(props: ConnectStepProps) {
  const { created } = props;
  const keyId = useId();
  return (
    <StepFrame
      headingId={props.headingId}
      title="Connect Claude Code"
      intro="Paste one of these where Claude Code will read it, then run claude as usual. Every request shows up in the logs with its cost."
      footer={
        <>
          <span />
          <Button variant="primary" onClick={props.onFinish} busy={props.finishing}>
            Finish and open the overview
          </Button>
        </>
      }
    >
      {props.finishError && <ErrorBanner title="Could not finish the setup" error={props.finishError} />}
      <div className="banner banner-warning" role="note">
        <div className="banner-text">
          <strong>Copy the key now. It will not be shown again.</strong>
          <span>If it is lost, rotate it on the Keys page to get a new secret.</span>
        </div>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={keyId}>
          Virtual key “{created.name}”
        </label>
        <div className="row">
          <input id={keyId} className="input mono" readOnly value={created.value} onFocus={(event) => event.currentTarget.select()} />
          <CopyButton text={created.value} label="Copy the key" size="md" />
        </div>
      </div>
      <ConnectSnippets secret={created.value} endpoints={props.endpoints} />
    </StepFrame>
  );
}
