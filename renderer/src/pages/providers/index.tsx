// Providers: the Anthropic account the gateway forwards with. Its keys are shown masked and can only
// be replaced, never read back; the base URL can point at a proxy or a regional endpoint; "Test
// connection" asks Anthropic whether the configuration works before anyone's requests depend on it.
import { useEffect, useState, type FormEvent } from 'react';
import {
  Badge,
  Button,
  Card,
  Dialog,
  EmptyState,
  ErrorBanner,
  Loading,
  PageHeader,
  TextInput,
  TimeAgo,
  useToast,
} from '../../components';
import { providersSelectors, useProviders, type Provider } from '../../stores/providers';
import './providers.css';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

export default function ProvidersPage() {
  const status = useProviders((state) => state.status);
  const error = useProviders((state) => state.error);
  const anthropic = useProviders(providersSelectors.anthropic);
  const load = useProviders((state) => state.load);
  const [replacing, setReplacing] = useState(false);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="providers-page">
      <PageHeader
        title="Providers"
        description="Where the gateway sends requests, and the API key it sends them with. Clients never see this key: they use their Tollgate virtual keys."
      />
      {status === 'loading' && <Loading label="Loading providers…" />}
      {status === 'error' && <ErrorBanner title="Could not load providers" error={error} onRetry={() => void load()} />}
      {status === 'ready' && !anthropic && (
        <EmptyState
          title="No Anthropic key yet"
          body="Until it has a key, only clients signed in with their own Claude account get through; every other request is refused with a message saying why. Paste an API key from the Anthropic Console, or name an environment variable of the gateway (env.ANTHROPIC_API_KEY) to keep the secret out of the database."
          action={
            <Button variant="primary" onClick={() => setReplacing(true)}>
              Add an Anthropic key
            </Button>
          }
        />
      )}
      {anthropic && (
        <div className="providers-grid">
          <KeysCard provider={anthropic} onReplace={() => setReplacing(true)} />
          <BaseUrlCard provider={anthropic} />
          <TestCard provider={anthropic.provider} />
        </div>
      )}
      {replacing && <ReplaceKeysDialog provider={anthropic} onClose={() => setReplacing(false)} />}
    </div>
  );
}

function KeysCard({ provider, onReplace }: { provider: Provider; onReplace: () => void }) {
  const totalWeight = provider.keys.reduce((sum, key) => sum + key.weight, 0);
  return (
    <Card
      title="Anthropic API key"
      subtitle={
        provider.keys.length > 1
          ? 'Requests are spread across these keys by weight.'
          : 'Every request is forwarded with this key.'
      }
      actions={
        <Button
          onClick={onReplace}
          aria-label={provider.keys.length === 1 ? 'Replace the Anthropic API key' : 'Replace the Anthropic API keys'}
        >
          {provider.keys.length === 1 ? 'Replace key' : 'Replace keys'}
        </Button>
      }
    >
      {provider.keys.length === 0 ? (
        <p className="muted">No key is stored. Requests are refused until one is added.</p>
      ) : (
        <ul className="providers-keys">
          {provider.keys.map((key) => (
            <li key={key.id}>
              <div>
                <div className="providers-key-name">{key.name}</div>
                <div className="mono">{key.value}</div>
              </div>
              <div className="providers-key-meta">
                {key.source === 'env' ? (
                  <Badge tone="info">from the environment</Badge>
                ) : (
                  <Badge>stored encrypted</Badge>
                )}
                {provider.keys.length > 1 && (
                  <span className="muted num">{Math.round((key.weight / totalWeight) * 100)}% of traffic</span>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <p className="muted providers-updated">
        Changed <TimeAgo value={provider.updated_at} />
      </p>
    </Card>
  );
}

function BaseUrlCard({ provider }: { provider: Provider }) {
  const update = useProviders((state) => state.update);
  const saving = useProviders((state) => state.saving === provider.provider);
  const toast = useToast();
  const [value, setValue] = useState(provider.base_url ?? '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setValue(provider.base_url ?? ''), [provider.base_url]);

  const save = (next: string | null): void => {
    setError(null);
    update(provider.provider, { base_url: next })
      .then(() =>
        toast.success(
          next === null ? 'Requests go to Anthropic’s default address again.' : `Requests now go to ${next}.`,
        ),
      )
      .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = value.trim().replace(/\/+$/, '');
    if (trimmed === '') return save(null);
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      setError('Enter a full address, such as https://api.anthropic.com');
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      setError('The address must start with https:// (or http:// for a local proxy).');
      return;
    }
    save(trimmed);
  };

  const changed = value.trim().replace(/\/+$/, '') !== (provider.base_url ?? '');
  return (
    <Card title="Base URL" subtitle="Change it only to go through a corporate proxy or a compatible endpoint.">
      <form className="providers-url" onSubmit={submit} noValidate>
        <TextInput
          label="Address requests are forwarded to"
          className="providers-url-field"
          type="url"
          placeholder={DEFAULT_BASE_URL}
          value={value}
          spellCheck={false}
          error={error}
          hint={
            <>
              In use: <span className="mono">{provider.effective_base_url}</span>
              {provider.base_url === null && ' (the default)'}
            </>
          }
          onChange={(event) => setValue(event.target.value)}
        />
        <div className="providers-url-actions">
          <Button type="submit" variant="primary" busy={saving} disabled={!changed}>
            Save address
          </Button>
          {provider.base_url !== null && (
            <Button onClick={() => save(null)} disabled={saving}>
              Use the default
            </Button>
          )}
        </div>
      </form>
    </Card>
  );
}

function TestCard({ provider }: { provider: string }) {
  const test = useProviders((state) => state.test);
  const testing = useProviders((state) => state.testing === provider);
  const result = useProviders((state) => state.tests[provider]);
  const failure = useProviders((state) => state.testErrors[provider]);
  return (
    <Card
      title="Connection"
      subtitle="Asks Anthropic for its model list with the stored key and address. It costs nothing and proves the key, the address and the network."
      actions={
        <Button variant="primary" busy={testing} onClick={() => void test(provider)}>
          Test connection
        </Button>
      }
    >
      <div aria-live="polite">
        {testing && <p className="muted">Asking Anthropic…</p>}
        {!testing && failure && <ErrorBanner title="The test could not run" error={failure} />}
        {!testing && result && (
          <div className={`providers-test ${result.ok ? 'is-ok' : 'is-failed'}`} role="status">
            <Badge tone={result.ok ? 'success' : 'danger'}>{result.ok ? 'Connected' : 'Failed'}</Badge>
            <div>
              <p>{result.message}</p>
              <p className="muted num">
                {result.status !== null ? `HTTP ${result.status} · ` : ''}
                {result.latency_ms} ms · <TimeAgo value={result.at} />
              </p>
            </div>
          </div>
        )}
        {!testing && !result && !failure && <p className="muted">Not tested since this page opened.</p>}
      </div>
    </Card>
  );
}

interface KeyDraft {
  name: string;
  value: string;
}

function ReplaceKeysDialog({ provider, onClose }: { provider: Provider | null; onClose: () => void }) {
  const update = useProviders((state) => state.update);
  const create = useProviders((state) => state.create);
  const toast = useToast();
  const [drafts, setDrafts] = useState<KeyDraft[]>(() =>
    provider && provider.keys.length > 0
      ? provider.keys.map((key) => ({ name: key.name, value: key.source === 'env' ? key.value : '' }))
      : [{ name: 'primary', value: '' }],
  );
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const found: Record<number, string> = {};
    drafts.forEach((draft, index) => {
      const value = draft.value.trim();
      if (!value) found[index] = 'Paste the key, or env.VARIABLE_NAME';
      else if (/\s/.test(value)) found[index] = 'A key has no spaces: check what was pasted';
      else if (value.startsWith('sk-tg-'))
        found[index] = 'That is a Tollgate virtual key; this needs an Anthropic API key (sk-ant-…)';
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const keys = drafts.map((draft) => ({
      ...(draft.name.trim() && { name: draft.name.trim() }),
      value: draft.value.trim(),
    }));
    setBusy(true);
    setFailure(null);
    const saving = provider ? update(provider.provider, { keys }) : create({ provider: 'anthropic', keys });
    saving
      .then(() => {
        toast.success(
          keys.length === 1
            ? 'The Anthropic key was replaced. Test the connection to check it.'
            : 'The Anthropic keys were replaced.',
        );
        onClose();
      })
      .catch((error: unknown) => setFailure(error))
      .finally(() => setBusy(false));
  };

  return (
    <Dialog
      open
      title={provider ? 'Replace the Anthropic key' : 'Add an Anthropic key'}
      description="Saving replaces every key the gateway holds for Anthropic. Stored keys cannot be read back, so re-enter any you want to keep."
      onClose={onClose}
      dismissible={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form="provider-keys-form" busy={busy}>
            Save
          </Button>
        </>
      }
    >
      <form id="provider-keys-form" className="providers-form" onSubmit={submit} noValidate>
        {failure !== null && <ErrorBanner title="The gateway did not save the key" error={failure} />}
        {drafts.map((draft, index) => (
          <div key={index} className="providers-draft" role="group" aria-label={`Key ${index + 1}`}>
            <TextInput
              label="Name"
              value={draft.name}
              onChange={(event) =>
                setDrafts(drafts.map((item, i) => (i === index ? { ...item, name: event.target.value } : item)))
              }
            />
            <TextInput
              label="API key"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder="sk-ant-… or env.ANTHROPIC_API_KEY"
              value={draft.value}
              error={errors[index] ?? null}
              data-autofocus={index === 0 ? true : undefined}
              onChange={(event) =>
                setDrafts(drafts.map((item, i) => (i === index ? { ...item, value: event.target.value } : item)))
              }
            />
            {drafts.length > 1 && (
              <Button
                size="sm"
                variant="ghost"
                aria-label={`Remove key ${index + 1}`}
                onClick={() => setDrafts(drafts.filter((_, i) => i !== index))}
              >
                Remove
              </Button>
            )}
          </div>
        ))}
        <Button size="sm" onClick={() => setDrafts([...drafts, { name: `key-${drafts.length + 1}`, value: '' }])}>
          Add another key
        </Button>
        <p className="field-hint">
          With several keys, requests are spread evenly across them. A value of <span className="mono">env.NAME</span>{' '}
          reads the key from the gateway&rsquo;s environment at request time and is never stored.
        </p>
      </form>
    </Dialog>
  );
}
