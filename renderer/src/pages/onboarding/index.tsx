// First-run onboarding, shown instead of the dashboard until it is finished or skipped: the Anthropic
// key, the person's own key with a monthly budget, the Claude Code snippet. Wires the onboarding store
// to the presentational steps and keeps focus on the step that just opened.
import { useEffect, useId, useRef } from 'react';
import { Button } from '../../components/Button';
import { useEndpoints } from '../../components/hooks';
import { navigate } from '../../components/router';
import { Logo } from '../../components/shell/icons';
import { useGateway } from '../../stores/gateway';
import { ONBOARDING_STEPS, onboardingSelectors, useOnboarding } from '../../stores/onboarding';
import { providersSelectors, useProviders } from '../../stores/providers';
import { useSession } from '../../stores/session';
import { ConnectStep, KeyStep, ProviderStep } from './steps';
import './onboarding.css';

export default function OnboardingPage() {
  const state = useOnboarding();
  const stepIndex = useOnboarding(onboardingSelectors.stepIndex);
  const hasProviderKey = useOnboarding(onboardingSelectors.hasProviderKey);
  const existing = useProviders(providersSelectors.anthropic);
  const loadProviders = useProviders((store) => store.load);
  const refreshGateway = useGateway((store) => store.refresh);
  const timeZone = useSession((store) => store.config?.budget_time_zone ?? 'UTC');
  const endpoints = useEndpoints();
  const headingId = useId();
  const opened = useRef(false);

  useEffect(() => {
    document.title = 'Set up · Tollgate';
    // The LAN URLs for step 3's snippets, and the configured key step 1 can offer to keep.
    void refreshGateway();
  }, [refreshGateway]);

  useEffect(() => {
    if (hasProviderKey) void loadProviders();
  }, [hasProviderKey, loadProviders]);

  useEffect(() => {
    // Not on first paint (the key field has focus then); on every later step, announce the new step.
    if (opened.current) document.getElementById(headingId)?.focus();
    opened.current = true;
  }, [state.step, headingId]);

  const done = (ok: boolean): void => {
    if (ok) navigate('/overview', {}, { replace: true });
  };

  return (
    <main className="onboarding">
      <div className="onboarding-card">
        <div className="onboarding-top">
          <div className="signin-brand">
            <Logo />
            <span>Tollgate</span>
          </div>
          <Button variant="ghost" size="sm" onClick={() => void state.skip().then(done)} disabled={state.finishing}>
            Skip setup
          </Button>
        </div>
        <div className="onboarding-intro">
          <h1>Set up Tollgate</h1>
          <p className="muted">Three steps, about a minute: then Claude Code runs through this gateway with a budget you chose.</p>
        </div>
        <ol className="onboarding-progress" aria-label="Setup steps">
          {ONBOARDING_STEPS.map((step, index) => (
            <li
              key={step.id}
              className={index < stepIndex ? 'is-done' : index === stepIndex ? 'is-current' : undefined}
              aria-current={index === stepIndex ? 'step' : undefined}
            >
              <span className="onboarding-progress-mark" aria-hidden="true">
                {index < stepIndex ? '✓' : index + 1}
              </span>
              <span>
                <span className="visually-hidden">Step {index + 1}: </span>
                {step.label}
                {index < stepIndex && <span className="visually-hidden"> (done)</span>}
              </span>
            </li>
          ))}
        </ol>
        {state.step === 'provider' && (
          <ProviderStep
            headingId={headingId}
            apiKey={state.apiKey}
            apiKeyError={state.apiKeyError}
            saving={state.savingKey}
            savedKey={state.savedKey}
            existing={existing}
            hasProviderKey={hasProviderKey}
            testing={state.testing}
            test={state.test}
            testError={state.testError}
            onApiKeyChange={state.setApiKey}
            onSaveAndTest={() => void state.saveAndTest()}
            onTest={() => void state.testConnection()}
            onContinue={() => void state.continueToKey()}
          />
        )}
        {state.step === 'key' && (
          <KeyStep
            headingId={headingId}
            name={state.keyName}
            amount={state.budgetAmount}
            period={state.budgetPeriod}
            timeZone={timeZone}
            errors={state.keyErrors}
            creating={state.creatingKey}
            createError={state.createError}
            onNameChange={state.setKeyName}
            onAmountChange={state.setBudgetAmount}
            onPeriodChange={state.setBudgetPeriod}
            onCreate={() => void state.createKey()}
            onBack={state.back}
          />
        )}
        {state.step === 'connect' && state.created && (
          <ConnectStep
            headingId={headingId}
            created={state.created}
            endpoints={endpoints}
            finishing={state.finishing}
            finishError={state.finishError}
            onFinish={() => void state.finish().then(done)}
          />
        )}
        {state.step !== 'connect' && state.finishError && (
          <p className="field-error" role="alert">
            Could not skip the setup: {state.finishError}
          </p>
        )}
      </div>
    </main>
  );
}
