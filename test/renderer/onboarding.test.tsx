// @vitest-environment jsdom
// First-run onboarding: the store's steps against a stand-in admin API (what is sent, when a step may
// follow, what a refusal leaves on screen), then the whole flow in the app, in a browser tab and in the
// desktop window, down to the snippet and the overview.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/src/App';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { initialOnboardingState, onboardingSelectors, useOnboarding } from '../../renderer/src/stores/onboarding';
import { initialOverviewState, useOverview } from '../../renderer/src/stores/overview';
import { initialProvidersState, useProviders } from '../../renderer/src/stores/providers';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import type { Onboarding } from '../../shared/schemas';
import {
  CONNECTION,
  gatewayStatus,
  makeKey,
  quietOverview,
  refusal,
  sharingLan,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

const ANTHROPIC_KEY = 'sk-ant-api03-pasted-by-a-person';
const SECRET = 'sk-tg-0123456789abcdef0123456789abcdef';

const fresh = (overrides: Partial<Onboarding> = {}): Onboarding => ({
  needed: true,
  has_provider_key: false,
  virtual_keys: 0,
  completed_at: null,
  ...overrides,
});

const provider = (source: 'literal' | 'env' = 'literal') => ({
  provider: 'anthropic',
  keys: [
    {
      id: 'k1',
      name: source === 'env' ? 'env.ANTHROPIC_API_KEY' : 'from ANTHROPIC_API_KEY',
      value: source === 'env' ? 'env.ANTHROPIC_API_KEY' : 'sk-ant-…rson',
      weight: 1,
      source,
    },
  ],
  base_url: null,
  effective_base_url: 'https://api.anthropic.com',
  created_at: '2026-11-23T10:00:00.000Z',
  updated_at: '2026-11-23T10:00:00.000Z',
});

const connected = {
  ok: true,
  status: 200,
  latency_ms: 41,
  message: 'Connected: the Anthropic API answered 200 in 41 ms.',
};
const refusedKey = {
  ok: false,
  status: 401,
  latency_ms: 38,
  message: 'The Anthropic API refused the key (401): invalid x-api-key',
};

const createdKey = (body: unknown) => {
  const input = body as {
    name: string;
    budgets: { max_limit: number; reset_duration: string; calendar_aligned: boolean }[];
  };
  const budget = input.budgets[0];
  return {
    status: 201,
    body: {
      message: 'Virtual key created.',
      virtual_key: {
        ...makeKey({
          id: 'vk-me',
          name: input.name,
          budgets: budget
            ? [
                {
                  id: 'b1',
                  owner_type: 'virtual_key',
                  owner_id: 'vk-me',
                  max_limit: budget.max_limit,
                  reset_duration: budget.reset_duration,
                  calendar_aligned: true,
                  time_zone: 'UTC',
                  current_usage: 0,
                  reserved: 0,
                  granted: 0,
                  remaining: budget.max_limit,
                  period_start: '2026-11-01T00:00:00.000Z',
                  reset_at: '2026-12-01T00:00:00.000Z',
                  grants: [],
                },
              ]
            : [],
        }),
        value: SECRET,
      },
    },
  };
};

/** The routes a first run touches, each overridable. */
function firstRunRoutes(overrides: Record<string, (call: RecordedCall) => { status?: number; body: unknown }> = {}) {
  let onboarding = fresh();
  return {
    'GET /api/config': () => ({
      body: {
        client_config: {
          enforce_auth_on_inference: true,
          capture_content: true,
          retention_days: 30,
          audit_retention_days: 365,
          budget_time_zone: 'UTC',
          sign_in_key_template: {},
          managed_settings_hint_headers: false,
          telemetry_forward_url: null,
        },
      },
    }),
    'GET /api/onboarding': () => ({ body: onboarding }),
    'POST /api/onboarding/complete': () => {
      onboarding = { ...onboarding, needed: false, completed_at: '2026-11-23T10:01:00.000Z' };
      return { body: onboarding };
    },
    'GET /api/providers': () => ({ body: { providers: [], total: 0 } }),
    'POST /api/providers': () => ({ status: 201, body: provider() }),
    'POST /api/providers/anthropic/test': () => ({ body: connected }),
    'POST /api/governance/virtual-keys': ({ body }: RecordedCall) => createdKey(body),
    'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [], count: 0 } }),
    'GET /api/gateway/status': () => ({ body: gatewayStatus() }),
    'GET /api/stats/overview': () => ({
      body: quietOverview(),
    }),
    'GET /api/stats/spend': () => ({ body: { bucket: 'day', group: 'team', groups: [], points: [] } }),
    ...overrides,
  };
}

let restoreFetch: () => void = () => undefined;
const writeText = vi.fn((_text: string) => Promise.resolve());

beforeEach(() => {
  sessionStorage.clear();
  window.history.replaceState(null, '', '/dashboard/');
  delete window.tollgate;
  useSession.setState(initialSessionState);
  useOnboarding.setState(initialOnboardingState);
  useProviders.setState(initialProvidersState);
  useKeys.setState(initialKeysState);
  useGateway.setState(initialGatewayState);
  useOverview.setState(initialOverviewState);
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});

afterEach(() => {
  cleanup();
  restoreFetch();
  delete window.tollgate;
});

function api(routes: Parameters<typeof standInApi>[0]) {
  const stand = standInApi(routes);
  restoreFetch = stand.restore;
  return stand;
}

const posted = (calls: RecordedCall[], path: string) =>
  calls.filter((call) => call.method === 'POST' && call.path === path);

describe('the onboarding store', () => {
  beforeEach(() => useSession.getState().connect(CONNECTION));

  it('leaves the dashboard in place when the gateway cannot say whether onboarding is needed', async () => {
    api({ 'GET /api/onboarding': () => refusal(404, 'No route GET /api/onboarding') });
    await useOnboarding.getState().load();
    expect(onboardingSelectors.needed(useOnboarding.getState())).toBe(false);
    expect(onboardingSelectors.deciding(useOnboarding.getState())).toBe(false);
  });

  it('keeps its last answer while it asks again, so the dashboard is not torn down to re-decide', async () => {
    api(firstRunRoutes({ 'GET /api/onboarding': () => ({ body: fresh({ needed: false }) }) }));
    await useOnboarding.getState().load();
    const again = useOnboarding.getState().load();
    expect(onboardingSelectors.deciding(useOnboarding.getState())).toBe(false);
    await again;

    restoreFetch();
    api({ 'GET /api/onboarding': () => refusal(503, 'busy') });
    await useOnboarding.getState().load();
    expect(onboardingSelectors.needed(useOnboarding.getState())).toBe(false);
    expect(useOnboarding.getState().onboarding?.needed).toBe(false);
  });

  it('starts on the Anthropic key and will not go on without one', async () => {
    api(firstRunRoutes());
    await useOnboarding.getState().load();
    expect(onboardingSelectors.needed(useOnboarding.getState())).toBe(true);
    expect(useOnboarding.getState().step).toBe('provider');

    expect(useOnboarding.getState().continueToKey()).toBe(false);
    expect(useOnboarding.getState().step).toBe('provider');
    expect(useOnboarding.getState().apiKeyError).toMatch(/Paste your Anthropic API key first/);
  });

  it('refuses a pasted Tollgate key or an empty field before asking the gateway', async () => {
    const { calls } = api(firstRunRoutes());
    await useOnboarding.getState().load();

    expect(await useOnboarding.getState().saveAndTest()).toBe(false);
    expect(useOnboarding.getState().apiKeyError).toMatch(/Paste your Anthropic API key/);
    useOnboarding.getState().setApiKey(SECRET);
    expect(await useOnboarding.getState().saveAndTest()).toBe(false);
    expect(useOnboarding.getState().apiKeyError).toMatch(/That is a Tollgate virtual key/);
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
  });

  it('saves the pasted key as the Anthropic provider key, tests it and goes on once connected', async () => {
    const { calls } = api(firstRunRoutes());
    await useOnboarding.getState().load();

    useOnboarding.getState().setApiKey(`  ${ANTHROPIC_KEY} `);
    expect(await useOnboarding.getState().saveAndTest()).toBe(true);

    expect(posted(calls, '/api/providers').map((call) => call.body)).toEqual([
      { provider: 'anthropic', keys: [{ name: 'primary', value: ANTHROPIC_KEY }] },
    ]);
    expect(posted(calls, '/api/providers/anthropic/test')).toHaveLength(1);
    const state = useOnboarding.getState();
    expect(state.test).toEqual(connected);
    expect(state.apiKey).toBe('');
    expect(state.savedKey).toBe('sk-ant-…rson');
    expect(state.continueToKey()).toBe(true);
    expect(useOnboarding.getState().step).toBe('key');
  });

  it('says why when Anthropic refuses the pasted key, and still lets the person go on', async () => {
    api(firstRunRoutes({ 'POST /api/providers/anthropic/test': () => ({ body: refusedKey }) }));
    await useOnboarding.getState().load();

    useOnboarding.getState().setApiKey('sk-ant-api03-typo');
    expect(await useOnboarding.getState().saveAndTest()).toBe(false);
    expect(useOnboarding.getState().test?.message).toBe('The Anthropic API refused the key (401): invalid x-api-key');
    expect(useOnboarding.getState().step).toBe('provider');
    // The key is saved even so: an offline laptop should not be stuck on step 1.
    expect(useOnboarding.getState().continueToKey()).toBe(true);
  });

  it('keeps the pasted key and shows the refusal when the gateway will not save it', async () => {
    api(firstRunRoutes({ 'POST /api/providers': () => refusal(400, 'keys.0.value: value is required') }));
    await useOnboarding.getState().load();

    useOnboarding.getState().setApiKey(ANTHROPIC_KEY);
    expect(await useOnboarding.getState().saveAndTest()).toBe(false);
    expect(useOnboarding.getState().apiKeyError).toBe(
      'The gateway did not save the key: keys.0.value: value is required',
    );
    expect(useOnboarding.getState().apiKey).toBe(ANTHROPIC_KEY);
    expect(useOnboarding.getState().continueToKey()).toBe(false);
  });

  it('lets a gateway that already has an Anthropic key go straight to the second step', async () => {
    const { calls } = api(
      firstRunRoutes({ 'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }) }),
    );
    await useOnboarding.getState().load();
    expect(useOnboarding.getState().continueToKey()).toBe(true);
    expect(useOnboarding.getState().step).toBe('key');
    expect(posted(calls, '/api/providers')).toEqual([]);
  });

  it('creates the person’s key with a $50 monthly budget unless they change it, then shows its snippet', async () => {
    const { calls } = api(
      firstRunRoutes({ 'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }) }),
    );
    await useOnboarding.getState().load();
    useOnboarding.getState().continueToKey();

    expect(await useOnboarding.getState().createKey()).toBe(true);
    expect(posted(calls, '/api/governance/virtual-keys').map((call) => call.body)).toEqual([
      {
        name: 'My Claude Code',
        description: 'Created during first-run setup.',
        budgets: [{ max_limit: 50, reset_duration: '1M', calendar_aligned: true }],
      },
    ]);
    const state = useOnboarding.getState();
    expect(state.step).toBe('connect');
    expect(state.created?.value).toBe(SECRET);
    expect(state.onboarding?.virtual_keys).toBe(1);
    // The key list has one home, and it never holds the secret.
    expect(useKeys.getState().keys.map((key) => key.id)).toEqual(['vk-me']);
    expect(JSON.stringify(useKeys.getState().keys)).not.toContain(SECRET);
  });

  it('sends the budget and period the person chose', async () => {
    const { calls } = api(
      firstRunRoutes({ 'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }) }),
    );
    await useOnboarding.getState().load();
    useOnboarding.getState().continueToKey();
    useOnboarding.getState().setKeyName('Ada’s Claude Code');
    useOnboarding.getState().setBudgetAmount('$12.50');
    useOnboarding.getState().setBudgetPeriod('1w');

    expect(await useOnboarding.getState().createKey()).toBe(true);
    expect(posted(calls, '/api/governance/virtual-keys')[0]?.body).toMatchObject({
      name: 'Ada’s Claude Code',
      budgets: [{ max_limit: 12.5, reset_duration: '1w', calendar_aligned: true }],
    });
  });

  it('stays on the second step with the gateway’s reason when it refuses to create the key', async () => {
    api(
      firstRunRoutes({
        'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }),
        'POST /api/governance/virtual-keys': () => refusal(409, 'A key named “My Claude Code” already exists.'),
      }),
    );
    await useOnboarding.getState().load();
    useOnboarding.getState().continueToKey();

    expect(await useOnboarding.getState().createKey()).toBe(false);
    const state = useOnboarding.getState();
    expect(state.step).toBe('key');
    expect(state.createError).toBe('A key named “My Claude Code” already exists.');
    expect(state.created).toBeNull();
  });

  it('checks the name and budget before sending anything', async () => {
    const { calls } = api(
      firstRunRoutes({ 'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }) }),
    );
    await useOnboarding.getState().load();
    useOnboarding.getState().continueToKey();
    useOnboarding.getState().setKeyName('  ');
    useOnboarding.getState().setBudgetAmount('0');

    expect(await useOnboarding.getState().createKey()).toBe(false);
    expect(useOnboarding.getState().keyErrors).toEqual({
      name: 'Give the key a name, such as your own.',
      amount: 'Enter an amount above $0, such as 50.',
    });
    expect(posted(calls, '/api/governance/virtual-keys')).toEqual([]);
    useOnboarding.getState().setBudgetAmount('fifty');
    await useOnboarding.getState().createKey();
    expect(useOnboarding.getState().keyErrors.amount).toBe('Enter an amount above $0, such as 50.');
  });

  it('goes back from the second step to the first, but not from the snippet once the key exists', async () => {
    api(firstRunRoutes({ 'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }) }));
    await useOnboarding.getState().load();
    useOnboarding.getState().continueToKey();
    useOnboarding.getState().back();
    expect(useOnboarding.getState().step).toBe('provider');

    useOnboarding.getState().continueToKey();
    await useOnboarding.getState().createKey();
    useOnboarding.getState().back();
    expect(useOnboarding.getState().step).toBe('connect');
  });

  it('finishes by marking onboarding complete and forgetting the key’s secret', async () => {
    const { calls } = api(
      firstRunRoutes({ 'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }) }),
    );
    await useOnboarding.getState().load();
    useOnboarding.getState().continueToKey();
    await useOnboarding.getState().createKey();

    expect(await useOnboarding.getState().finish()).toBe(true);
    expect(posted(calls, '/api/onboarding/complete')).toHaveLength(1);
    const state = useOnboarding.getState();
    expect(onboardingSelectors.needed(state)).toBe(false);
    expect(state.created).toBeNull();
    expect(JSON.stringify(state)).not.toContain(SECRET);
  });

  it('skips from the first step by marking onboarding complete, and stays put when that fails', async () => {
    let fail = true;
    const { calls } = api(
      firstRunRoutes({
        'POST /api/onboarding/complete': () =>
          fail
            ? refusal(503, 'The database is busy.')
            : { body: fresh({ needed: false, completed_at: '2026-11-23T10:00:00.000Z' }) },
      }),
    );
    await useOnboarding.getState().load();

    expect(await useOnboarding.getState().skip()).toBe(false);
    expect(onboardingSelectors.needed(useOnboarding.getState())).toBe(true);
    expect(useOnboarding.getState().finishError).toBe('The database is busy.');

    fail = false;
    expect(await useOnboarding.getState().skip()).toBe(true);
    expect(onboardingSelectors.needed(useOnboarding.getState())).toBe(false);
    expect(posted(calls, '/api/providers')).toEqual([]);
  });
});

describe('the onboarding screens', () => {
  it('takes a fresh browser dashboard from the Anthropic key to the overview with a snippet for this gateway', async () => {
    sessionStorage.setItem('tollgate.adminToken', CONNECTION.adminToken);
    const { calls } = api(firstRunRoutes());
    render(<App />);

    expect(await screen.findByRole('heading', { level: 1, name: 'Set up Tollgate' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    const progress = screen.getByRole('list', { name: 'Setup steps' });
    expect(within(progress).getByText('Anthropic key').closest('li')?.getAttribute('aria-current')).toBe('step');
    expect(unnamedControls()).toEqual([]);

    const continueButton = screen.getByRole<HTMLButtonElement>('button', { name: 'Continue' });
    expect(continueButton.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Anthropic API key'), { target: { value: ANTHROPIC_KEY } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and test' }));
    await screen.findByText(connected.message);
    expect(screen.getByText('Connected')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    const keyStep = await screen.findByRole('region', { name: 'Create your own key' });
    expect(document.activeElement).toBe(within(keyStep).getByRole('heading', { name: 'Create your own key' }));
    expect(within(keyStep).getByLabelText<HTMLInputElement>('Key name').value).toBe('My Claude Code');
    expect(within(keyStep).getByLabelText<HTMLInputElement>('Budget (USD)').value).toBe('50');
    expect(within(keyStep).getByRole<HTMLInputElement>('radio', { name: 'Month' }).checked).toBe(true);
    expect(unnamedControls()).toEqual([]);
    fireEvent.change(within(keyStep).getByLabelText('Budget (USD)'), { target: { value: '80' } });
    fireEvent.click(within(keyStep).getByRole('button', { name: 'Create key' }));

    const connect = await screen.findByRole('region', { name: 'Connect Claude Code' });
    expect(within(connect).getByLabelText<HTMLInputElement>('Virtual key “My Claude Code”').value).toBe(SECRET);
    expect(JSON.parse(within(connect).getByLabelText('Claude Code settings.json').textContent ?? '')).toEqual({
      env: { ANTHROPIC_BASE_URL: CONNECTION.apiBase, ANTHROPIC_AUTH_TOKEN: SECRET },
    });
    expect(within(connect).getByLabelText('Shell exports').textContent).toBe(
      `export ANTHROPIC_BASE_URL=${CONNECTION.apiBase} ANTHROPIC_AUTH_TOKEN=${SECRET}`,
    );
    // No LAN sharing: nothing to choose between.
    expect(within(connect).queryByRole('radiogroup', { name: 'Who runs Claude Code' })).toBeNull();
    fireEvent.click(within(connect).getByRole('button', { name: 'Copy Claude Code settings.json' }));
    await waitFor(() =>
      expect(writeText).toHaveBeenCalledWith(within(connect).getByLabelText('Claude Code settings.json').textContent),
    );
    expect(unnamedControls()).toEqual([]);

    fireEvent.click(within(connect).getByRole('button', { name: 'Finish and open the overview' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Overview' })).toBeTruthy();
    expect(window.location.hash).toBe('#/overview');
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
    expect(posted(calls, '/api/governance/virtual-keys')[0]?.body).toMatchObject({
      budgets: [{ max_limit: 80, reset_duration: '1M' }],
    });
    expect(posted(calls, '/api/onboarding/complete')).toHaveLength(1);
  });

  it('shows the refusal on the first step when Anthropic does not accept the pasted key', async () => {
    sessionStorage.setItem('tollgate.adminToken', CONNECTION.adminToken);
    api(firstRunRoutes({ 'POST /api/providers/anthropic/test': () => ({ body: refusedKey }) }));
    render(<App />);

    fireEvent.change(await screen.findByLabelText('Anthropic API key'), { target: { value: 'sk-ant-api03-typo' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and test' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The Anthropic API refused the key (401): invalid x-api-key');
    expect(alert.textContent).toContain('Check the key was copied whole');
    expect(screen.getByRole('button', { name: 'Continue anyway' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Connect your Anthropic account' })).toBeTruthy();
  });

  it('tests the saved key again without pasting it again', async () => {
    sessionStorage.setItem('tollgate.adminToken', CONNECTION.adminToken);
    let answer = refusedKey;
    const { calls } = api(firstRunRoutes({ 'POST /api/providers/anthropic/test': () => ({ body: answer }) }));
    render(<App />);

    fireEvent.change(await screen.findByLabelText('Anthropic API key'), { target: { value: ANTHROPIC_KEY } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and test' }));
    await screen.findByRole('alert');

    answer = connected;
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await screen.findByText(connected.message);
    expect(posted(calls, '/api/providers')).toHaveLength(1);
    expect(posted(calls, '/api/providers/anthropic/test')).toHaveLength(2);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Continue' }).disabled).toBe(false);
  });

  it('offers to keep the Anthropic key the gateway took from ANTHROPIC_API_KEY', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    api(
      firstRunRoutes({
        'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }),
        'GET /api/providers': () => ({ body: { providers: [provider()], total: 1 } }),
      }),
    );
    render(<App />);

    const note = await screen.findByRole('note');
    expect(note.textContent).toContain('Tollgate already has an Anthropic key');
    await within(note).findByText('from ANTHROPIC_API_KEY');
    expect(within(note).getByText('sk-ant-…rson')).toBeTruthy();
    expect(screen.getByLabelText('Replace it with another key (optional)')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByRole('region', { name: 'Create your own key' })).toBeTruthy();
  });

  it('says when the configured key is read from the gateway’s environment at request time', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    api(
      firstRunRoutes({
        'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }),
        'GET /api/providers': () => ({ body: { providers: [provider('env')], total: 1 } }),
      }),
    );
    render(<App />);
    expect(await within(await screen.findByRole('note')).findByText('read from the environment')).toBeTruthy();
  });

  it('stays on the second step and shows why when the gateway refuses the key', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    api(
      firstRunRoutes({
        'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }),
        'POST /api/governance/virtual-keys': () => refusal(400, 'budgets.0.max_limit: too big'),
      }),
    );
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: 'Continue' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Create key' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The gateway did not create the key');
    expect(alert.textContent).toContain('budgets.0.max_limit: too big');
    expect(screen.getByRole('region', { name: 'Create your own key' })).toBeTruthy();
  });

  it('offers the snippet for a teammate on the LAN when sharing is on', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    api(
      firstRunRoutes({
        'GET /api/onboarding': () => ({ body: fresh({ has_provider_key: true }) }),
        'GET /api/gateway/status': () => ({ body: gatewayStatus({ lan: sharingLan() }) }),
      }),
    );
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: 'Continue' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Create key' }));

    const connect = await screen.findByRole('region', { name: 'Connect Claude Code' });
    const choice = within(connect).getByRole('radiogroup', { name: 'Who runs Claude Code' });
    expect(within(choice).getByRole<HTMLInputElement>('radio', { name: 'This computer' }).checked).toBe(true);
    fireEvent.click(within(choice).getByRole('radio', { name: 'Teammate on the LAN' }));
    expect(JSON.parse(within(connect).getByLabelText('Claude Code settings.json').textContent ?? '')).toEqual({
      env: {
        ANTHROPIC_BASE_URL: 'https://192.168.1.20:4141',
        ANTHROPIC_AUTH_TOKEN: SECRET,
        NODE_EXTRA_CA_CERTS: '~/.tollgate/tollgate-ca.pem',
      },
    });
    expect(within(connect).getByRole('link', { name: 'Download the CA certificate' }).getAttribute('href')).toBe(
      `${CONNECTION.apiBase}/tollgate-ca.pem`,
    );
  });

  it('skips the setup from the first step and opens the dashboard', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    const { calls } = api(firstRunRoutes());
    render(<App />);

    fireEvent.click(await screen.findByRole('button', { name: 'Skip setup' }));
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeTruthy();
    expect(posted(calls, '/api/onboarding/complete')).toHaveLength(1);
    expect(posted(calls, '/api/providers')).toEqual([]);
  });

  it('opens the dashboard directly once onboarding is done', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    api(
      firstRunRoutes({
        'GET /api/onboarding': () => ({ body: fresh({ needed: false, completed_at: '2026-11-01T00:00:00.000Z' }) }),
      }),
    );
    render(<App />);

    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Set up Tollgate' })).toBeNull();
  });
});
