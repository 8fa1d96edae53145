// @vitest-environment jsdom
// The Claude Code policy page (managed settings): the layers listed with what each sets, a layer's
// editor (permission rules as tags, env rows, the other settings as JSON) and the PUT it sends, the
// warning whenever env has entries and the gateway's warnings after a save, client-side checks before
// anything is sent, removal behind a confirmation, and the preview of one key's document (or its 404).
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANAGED_SETTINGS_MAX_BYTES, type ClientConfig, type ManagedSettingsLayer } from '../../shared/schemas';
import { App } from '../../renderer/src/App';
import { Toaster } from '../../renderer/src/components/Toaster';
import KeysPage from '../../renderer/src/pages/keys/index';
import { settingsFromDraft, draftFromSettings } from '../../renderer/src/pages/policy/draft';
import PolicyPage from '../../renderer/src/pages/policy/index';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { useManagedSettings } from '../../renderer/src/stores/managed-settings';
import { initialOnboardingState, useOnboarding } from '../../renderer/src/stores/onboarding';
import { initialOrganisationState, useOrganisation } from '../../renderer/src/stores/organisation';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { useToasts } from '../../renderer/src/stores/toasts';
import {
  CONNECTION,
  gatewayStatus,
  makeKey,
  makeUser,
  refusal,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

const CONFIG: ClientConfig = {
  enforce_auth_on_inference: true,
  capture_content: false,
  retention_days: 30,
  audit_retention_days: 365,
  budget_time_zone: 'UTC',
  sign_in_key_template: {},
  managed_settings_hint_headers: false,
  telemetry_forward_url: null,
};

const ENV_WARNING =
  'Claude Code asks each teammate to approve managed settings that set environment variables, once; if they decline, Claude Code exits.';
const NO_POLICY = 'No managed policy applies to this key (Claude Code gets 404 and keeps its own settings).';

const WEB = {
  id: 't-web',
  name: 'Web',
  description: '',
  budgets: [],
  budget: null,
  created_at: '',
  updated_at: '',
  customer_id: null,
};
const DATA = { ...WEB, id: 't-data', name: 'Data' };
const PRIYA = makeUser({ id: 'u-priya', name: 'Priya R.', email: 'priya@example.com', team_id: 't-web' });
const ALICE_KEY = makeKey({ id: 'vk-1', name: 'alice-laptop', team_id: 't-web' });
const CI_KEY = makeKey({ id: 'vk-2', name: 'ci-runner' });

function layer(scope: ManagedSettingsLayer['scope'], id: string | null, settings: Record<string, unknown>) {
  return { scope, id, settings, updated_at: new Date(Date.now() - 3_600_000).toISOString() };
}

const GLOBAL = layer('global', null, {
  permissions: { deny: ['Bash(curl:*)'], defaultMode: 'acceptEdits' },
  cleanupPeriodDays: 30,
});
const WEB_LAYER = layer('team', 't-web', { model: 'claude-sonnet-4-5', env: { DISABLE_TELEMETRY: '1' } });
const KEY_LAYER = layer('virtual_key', 'vk-1', { permissions: { allow: ['Bash(npm run test:*)'] } });

const DOCUMENT = {
  uuid: '3f2a9c1e-7b4d-8e21-9a0f-112233445566',
  checksum: 'sha256:9b1c0e6f5d4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c',
  settings: {
    permissions: { deny: ['Bash(curl:*)'], allow: ['Bash(npm run test:*)'], defaultMode: 'acceptEdits' },
    cleanupPeriodDays: 30,
    model: 'claude-sonnet-4-5',
    env: { DISABLE_TELEMETRY: '1' },
  },
};

type Routes = Parameters<typeof standInApi>[0];

/** The admin API the policy page reads, with layers that PUT and DELETE change as the gateway would. */
function policyRoutes(
  start: ManagedSettingsLayer[],
  extra: Routes = {},
): { layers: ManagedSettingsLayer[]; routes: Routes } {
  const layers = [...start];
  const put = (scope: ManagedSettingsLayer['scope']) => (call: RecordedCall) => {
    const id = scope === 'global' ? null : (call.path.split('/').pop() ?? null);
    const settings = (call.body as { settings: Record<string, unknown> }).settings;
    const saved = { scope, id, settings, updated_at: new Date().toISOString() };
    const at = layers.findIndex((item) => item.scope === scope && item.id === id);
    if (at === -1) layers.push(saved);
    else layers[at] = saved;
    const env = typeof settings.env === 'object' && settings.env !== null ? Object.keys(settings.env) : [];
    const warnings = env.length
      ? [
          `This layer sets environment variables (${env.join(', ')}). Managed settings with env entries make an interactive Claude Code ask each teammate …`,
        ]
      : [];
    return { body: { ...saved, warnings } };
  };
  const remove = (scope: ManagedSettingsLayer['scope']) => (call: RecordedCall) => {
    const id = scope === 'global' ? null : (call.path.split('/').pop() ?? null);
    const at = layers.findIndex((item) => item.scope === scope && item.id === id);
    if (at === -1) return refusal(404, 'No managed settings are set.');
    layers.splice(at, 1);
    return { body: { message: 'The managed settings are removed.' } };
  };
  return {
    layers,
    routes: {
      'GET /api/managed-settings': () => ({ body: { layers } }),
      'PUT /api/managed-settings/global': put('global'),
      'PUT /api/managed-settings/team/:id': put('team'),
      'PUT /api/managed-settings/user/:id': put('user'),
      'PUT /api/managed-settings/virtual_key/:id': put('virtual_key'),
      'DELETE /api/managed-settings/global': remove('global'),
      'DELETE /api/managed-settings/team/:id': remove('team'),
      'DELETE /api/managed-settings/virtual_key/:id': remove('virtual_key'),
      'GET /api/managed-settings/preview': ({ query }) =>
        query.get('key_id') === 'vk-1'
          ? { body: DOCUMENT }
          : {
              status: 404,
              body: {
                type: 'error',
                error: { type: 'not_found_error', message: 'No managed settings apply to virtual key "ci-runner".' },
              },
            },
      'GET /api/governance/customers': () => ({ body: { customers: [], count: 0 } }),
      'GET /api/governance/teams': () => ({ body: { teams: [WEB, DATA], count: 2 } }),
      'GET /api/governance/users': () => ({ body: { users: [PRIYA], count: 1 } }),
      'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [ALICE_KEY, CI_KEY], count: 2 } }),
      ...extra,
    },
  };
}

let restoreFetch: () => void = () => undefined;

function api(routes: Routes) {
  const stand = standInApi(routes);
  restoreFetch = stand.restore;
  return stand;
}

function renderPage() {
  return render(
    <>
      <PolicyPage />
      <Toaster />
    </>,
  );
}

const sent = (calls: RecordedCall[], method: string, path: string) =>
  calls.filter((call) => call.method === method && call.path === path).map((call) => call.body);

const layersTable = () => screen.getByRole('table', { name: 'Policy layers' });

beforeEach(() => {
  window.history.replaceState(null, '', '/dashboard/#/policy');
  useSession.setState(initialSessionState);
  useSession.getState().connect(CONNECTION, CONFIG);
  useManagedSettings.getState().reset();
  useKeys.setState(initialKeysState);
  useOrganisation.setState(initialOrganisationState);
  useGateway.setState(initialGatewayState);
  useOnboarding.setState(initialOnboardingState);
  useToasts.setState({ toasts: [] });
});

afterEach(() => {
  cleanup();
  restoreFetch();
  delete window.tollgate;
});

describe('the policy layers', () => {
  it('lists global, then each team, user and key that has a layer, with what each sets', async () => {
    const { routes } = policyRoutes([GLOBAL, WEB_LAYER, KEY_LAYER]);
    api(routes);
    renderPage();

    expect(screen.getByRole('heading', { level: 1, name: 'Claude Code policy' })).toBeTruthy();
    await waitFor(() => expect(within(layersTable()).getAllByRole('row')).toHaveLength(4));
    const rows = within(layersTable()).getAllByRole('row').slice(1);
    await waitFor(() => expect(rows[2]?.textContent).toContain('alice-laptop'));
    expect(rows[0]?.textContent).toContain('Everyone');
    expect(rows[0]?.textContent).toContain('deny 1 · 2 other keys');
    expect(rows[1]?.textContent).toContain('Web');
    expect(rows[1]?.textContent).toContain('model claude-sonnet-4-5 · env 1');
    expect(within(rows[1] as HTMLElement).getByText('env: asks for approval')).toBeTruthy();
    expect(rows[2]?.textContent).toContain('Key');
    expect(rows[2]?.textContent).toContain('allow 1');
    expect(within(rows[0] as HTMLElement).getByRole('button', { name: 'Edit the policy for everyone' })).toBeTruthy();
    expect(within(rows[1] as HTMLElement).getByRole('button', { name: 'Remove the policy for team Web' })).toBeTruthy();
    expect(unnamedControls()).toEqual([]);

    // The editor names every control too.
    fireEvent.click(screen.getByRole('button', { name: 'Edit the policy for team Web' }));
    const dialog = await screen.findByRole('dialog', { name: 'Policy for team Web' });
    expect(within(dialog).getByLabelText<HTMLInputElement>('Model').value).toBe('claude-sonnet-4-5');
    const variable = within(dialog).getByRole('group', { name: 'Variable 1' });
    expect(within(variable).getByLabelText<HTMLInputElement>('Name').value).toBe('DISABLE_TELEMETRY');
    expect(within(variable).getByLabelText<HTMLInputElement>('Value').value).toBe('1');
    expect(within(dialog).getByText(ENV_WARNING)).toBeTruthy();
    expect(unnamedControls()).toEqual([]);
  });

  it('offers the global layer to set up when there is none', async () => {
    const { routes } = policyRoutes([]);
    const { calls } = api(routes);
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Set the policy for everyone' }));
    const dialog = await screen.findByRole('dialog', { name: 'Policy for everyone' });
    fireEvent.change(within(dialog).getByLabelText('Deny'), { target: { value: 'WebFetch' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save policy' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(sent(calls, 'PUT', '/api/managed-settings/global')).toEqual([
      { settings: { permissions: { deny: ['WebFetch'] } } },
    ]);
    expect(within(layersTable()).getByRole('button', { name: 'Edit the policy for everyone' })).toBeTruthy();
  });
});

describe('editing a layer', () => {
  it('adds and removes deny rules as tags and sends the whole layer, the other settings kept', async () => {
    const { routes } = policyRoutes([GLOBAL]);
    const { calls } = api(routes);
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Edit the policy for everyone' }));
    const dialog = await screen.findByRole('dialog', { name: 'Policy for everyone' });
    const deny = within(dialog).getByLabelText('Deny');
    expect(within(dialog).getByText('Bash(curl:*)')).toBeTruthy();
    // What has no field of its own stays in the JSON.
    expect(JSON.parse(within(dialog).getByLabelText<HTMLTextAreaElement>('Other settings (JSON)').value)).toEqual({
      permissions: { defaultMode: 'acceptEdits' },
      cleanupPeriodDays: 30,
    });

    fireEvent.change(deny, { target: { value: 'mcp__github__*' } });
    fireEvent.keyDown(deny, { key: 'Enter' });
    const denied = () => within(within(dialog).getByRole('list', { name: /^Deny:/ })).getAllByRole('listitem');
    expect(denied().map((item) => item.querySelector('.mono')?.textContent)).toEqual([
      'Bash(curl:*)',
      'mcp__github__*',
    ]);
    expect((deny as HTMLInputElement).value).toBe('');
    fireEvent.change(deny, { target: { value: 'Bash(rm -rf:*)' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add to Deny' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove Bash(curl:*) from Deny' }));
    expect(denied().map((item) => item.querySelector('.mono')?.textContent)).toEqual([
      'mcp__github__*',
      'Bash(rm -rf:*)',
    ]);
    // Typed and not added yet: saved with the list.
    fireEvent.change(deny, { target: { value: 'WebFetch' } });
    expect(unnamedControls()).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save policy' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(sent(calls, 'PUT', '/api/managed-settings/global')).toEqual([
      {
        settings: {
          permissions: { defaultMode: 'acceptEdits', deny: ['mcp__github__*', 'Bash(rm -rf:*)', 'WebFetch'] },
          cleanupPeriodDays: 30,
        },
      },
    ]);
    expect(await screen.findByText(/Saved the policy for everyone\./)).toBeTruthy();
    expect(within(layersTable()).getAllByRole('row')[1]?.textContent).toContain('deny 3');
  });

  it('checks the JSON and the size before sending, and shows what the gateway refuses', async () => {
    const { routes } = policyRoutes([GLOBAL], {
      'PUT /api/managed-settings/global': () =>
        refusal(400, 'permissions.deny.0: Too small: expected string to have >=1 characters'),
    });
    const { calls } = api(routes);
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Edit the policy for everyone' }));
    const dialog = await screen.findByRole('dialog', { name: 'Policy for everyone' });
    const other = within(dialog).getByLabelText('Other settings (JSON)');
    const save = within(dialog).getByRole('button', { name: 'Save policy' });

    fireEvent.change(other, { target: { value: '{ "cleanupPeriodDays": 30,' } });
    fireEvent.click(save);
    expect(await within(dialog).findByText(/^Not valid JSON:/)).toBeTruthy();
    expect(other.getAttribute('aria-invalid')).toBe('true');

    fireEvent.change(other, { target: { value: '["not", "an", "object"]' } });
    fireEvent.click(save);
    expect(await within(dialog).findByText(/must be one JSON object/)).toBeTruthy();

    fireEvent.change(other, { target: { value: '{ "model": "claude-opus-4-1" }' } });
    fireEvent.click(save);
    expect(await within(dialog).findByText(/model has its own field above/)).toBeTruthy();

    fireEvent.change(other, {
      target: { value: JSON.stringify({ companyAnnouncements: ['x'.repeat(MANAGED_SETTINGS_MAX_BYTES)] }) },
    });
    fireEvent.click(save);
    const tooBig = await within(dialog).findByText(/one layer may hold at most 64\.0 KB/);
    expect(tooBig.closest('[role="alert"]')?.textContent).toContain('This layer cannot be saved');
    expect(sent(calls, 'PUT', '/api/managed-settings/global')).toEqual([]);

    fireEvent.change(other, { target: { value: '{ "cleanupPeriodDays": 7 }' } });
    fireEvent.click(save);
    const refused = await within(dialog).findByText(/Too small: expected string/);
    expect(refused.closest('[role="alert"]')?.textContent).toContain('The gateway did not save the policy');
    expect(sent(calls, 'PUT', '/api/managed-settings/global')).toHaveLength(1);
    expect(screen.getByRole('dialog', { name: 'Policy for everyone' })).toBeTruthy();
  });
});

describe('environment variables', () => {
  it('warns as soon as env has an entry, and shows the gateway’s warnings after the save', async () => {
    const { routes } = policyRoutes([GLOBAL]);
    const { calls } = api(routes);
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Add a layer' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a policy layer' });
    // Global is set already: a team is offered first.
    expect(within(dialog).getByRole<HTMLInputElement>('radio', { name: 'A team' }).checked).toBe(true);
    await waitFor(() => expect(within(dialog).getByRole('option', { name: 'Web' })).toBeTruthy());
    fireEvent.change(within(dialog).getByLabelText('Team'), { target: { value: 't-web' } });
    expect(within(dialog).queryByText(ENV_WARNING)).toBeNull();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Add variable' }));
    const variable = within(dialog).getByRole('group', { name: 'Variable 1' });
    // An empty row says nothing yet.
    expect(within(dialog).queryByText(ENV_WARNING)).toBeNull();
    fireEvent.change(within(variable).getByLabelText('Name'), { target: { value: 'HTTPS_PROXY' } });
    expect(within(dialog).getByText(ENV_WARNING)).toBeTruthy();
    fireEvent.change(within(variable).getByLabelText('Value'), { target: { value: 'http://proxy.internal:3128' } });
    expect(unnamedControls()).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save policy' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(sent(calls, 'PUT', '/api/managed-settings/team/t-web')).toEqual([
      { settings: { env: { HTTPS_PROXY: 'http://proxy.internal:3128' } } },
    ]);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Saved the policy for team Web, with a warning');
    expect(alert.textContent).toContain('This layer sets environment variables (HTTPS_PROXY)');
    const row = within(layersTable()).getByText('Web').closest('tr') as HTMLElement;
    expect(within(row).getByText('env: asks for approval')).toBeTruthy();

    fireEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('refuses a value with no name and a name used twice, next to the row', async () => {
    const { routes } = policyRoutes([]);
    const { calls } = api(routes);
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Set the policy for everyone' }));
    const dialog = await screen.findByRole('dialog', { name: 'Policy for everyone' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add variable' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add variable' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add variable' }));
    const rows = [1, 2, 3].map((n) => within(dialog).getByRole('group', { name: `Variable ${n}` }));
    fireEvent.change(within(rows[0] as HTMLElement).getByLabelText('Name'), { target: { value: 'FOO' } });
    fireEvent.change(within(rows[1] as HTMLElement).getByLabelText('Name'), { target: { value: 'FOO' } });
    fireEvent.change(within(rows[2] as HTMLElement).getByLabelText('Value'), { target: { value: 'orphan' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save policy' }));

    expect(await within(rows[1] as HTMLElement).findByText('FOO is set above already.')).toBeTruthy();
    expect(within(rows[2] as HTMLElement).getByText('Name the variable.')).toBeTruthy();
    expect(sent(calls, 'PUT', '/api/managed-settings/global')).toEqual([]);
  });
});

describe('removing a layer', () => {
  it('asks first, then removes it', async () => {
    const { routes } = policyRoutes([GLOBAL, WEB_LAYER]);
    const { calls } = api(routes);
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Remove the policy for team Web' }));
    let confirm = await screen.findByRole('dialog', { name: 'Remove the policy for team Web?' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(sent(calls, 'DELETE', '/api/managed-settings/team/t-web')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Remove the policy for team Web' }));
    confirm = await screen.findByRole('dialog', { name: 'Remove the policy for team Web?' });
    expect(confirm.textContent).toContain('the other layers');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Remove policy' }));

    await waitFor(() => expect(sent(calls, 'DELETE', '/api/managed-settings/team/t-web')).toHaveLength(1));
    await waitFor(() => expect(within(layersTable()).queryByText('Web')).toBeNull());
    expect(await screen.findByText(/Removed the policy for team Web\./)).toBeTruthy();
  });
});

describe('the preview for a key', () => {
  it('shows the exact document a key receives, and the 404 text for a key no policy applies to', async () => {
    const { routes } = policyRoutes([GLOBAL, WEB_LAYER, KEY_LAYER]);
    const { calls } = api(routes);
    renderPage();

    const preview = await screen.findByRole('region', { name: 'Preview for a key' });
    await waitFor(() => expect(within(preview).getByRole('option', { name: 'alice-laptop' })).toBeTruthy());
    fireEvent.change(within(preview).getByLabelText('Key'), { target: { value: 'vk-1' } });
    expect(window.location.hash).toBe('#/policy?key=vk-1');

    const code = await within(preview).findByLabelText('Managed settings for alice-laptop');
    expect(JSON.parse(code.textContent ?? '')).toEqual(DOCUMENT);
    expect(within(preview).getByText(DOCUMENT.uuid)).toBeTruthy();
    expect(within(preview).getByText(DOCUMENT.checksum)).toBeTruthy();
    expect(preview.textContent).toContain('Layers, in order: global, then team Web, then key alice-laptop');
    expect(
      calls.filter((call) => call.path === '/api/managed-settings/preview').map((call) => call.query.get('key_id')),
    ).toEqual(['vk-1']);
    expect(unnamedControls()).toEqual([]);

    fireEvent.change(within(preview).getByLabelText('Key'), { target: { value: 'vk-2' } });
    expect(await within(preview).findByText(NO_POLICY)).toBeTruthy();
    expect(within(preview).queryByLabelText(/Managed settings for/)).toBeNull();
  });

  it('opens on the key in the address, which the key editor links to', async () => {
    const { routes } = policyRoutes([GLOBAL]);
    api(routes);
    window.history.replaceState(null, '', '/dashboard/#/keys?key=vk-2');
    const keys = render(<KeysPage />);
    const editor = await screen.findByRole('dialog', { name: 'Edit “ci-runner”' });
    const link = within(editor).getByRole('link', { name: 'Preview its Claude Code policy' });
    expect(link.getAttribute('href')).toBe('#/policy?key=vk-2');
    keys.unmount();

    window.history.replaceState(null, '', '/dashboard/#/policy?key=vk-2');
    renderPage();
    expect(await screen.findByText(NO_POLICY)).toBeTruthy();
    const preview = screen.getByRole('region', { name: 'Preview for a key' });
    await waitFor(() => expect(within(preview).getByLabelText<HTMLSelectElement>('Key').value).toBe('vk-2'));
  });

  it('asks again after a save changes what the key receives', async () => {
    const { routes } = policyRoutes([GLOBAL]);
    const { calls } = api(routes);
    window.history.replaceState(null, '', '/dashboard/#/policy?key=vk-1');
    renderPage();

    await screen.findByLabelText('Managed settings for alice-laptop');
    fireEvent.click(screen.getByRole('button', { name: 'Edit the policy for everyone' }));
    const dialog = await screen.findByRole('dialog', { name: 'Policy for everyone' });
    fireEvent.change(within(dialog).getByLabelText('Model'), { target: { value: 'claude-haiku-4-5' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save policy' }));

    await waitFor(() => expect(calls.filter((call) => call.path === '/api/managed-settings/preview')).toHaveLength(2));
  });
});

describe('the page in the shell', () => {
  it('is in the navigation after Sign-ins at #/policy, every control named', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    useSession.setState(initialSessionState);
    const { routes } = policyRoutes([GLOBAL, WEB_LAYER], {
      'GET /api/config': () => ({ body: { client_config: CONFIG } }),
      'GET /api/onboarding': () => ({
        body: { needed: false, has_provider_key: true, virtual_keys: 2, completed_at: '2026-11-01T00:00:00.000Z' },
      }),
      'GET /api/gateway/status': () => ({ body: gatewayStatus() }),
    });
    api(routes);
    render(<App />);

    expect(await screen.findByRole('heading', { level: 1, name: 'Claude Code policy' })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const labels = within(nav)
      .getAllByRole('link')
      .map((link) => link.textContent);
    expect(labels.indexOf('Claude Code policy')).toBe(labels.indexOf('Sign-ins') + 1);
    const link = within(nav).getByRole('link', { name: 'Claude Code policy' });
    expect(link.getAttribute('href')).toBe('#/policy');
    expect(link.getAttribute('aria-current')).toBe('page');
    expect(document.title).toBe('Claude Code policy · Tollgate');
    await screen.findByRole('button', { name: 'Edit the policy for team Web' });
    expect(unnamedControls()).toEqual([]);
  });
});

describe('the policy draft', () => {
  it('splits a layer into its fields and the rest, and puts it back as it was', () => {
    const settings = {
      permissions: {
        allow: ['Read'],
        ask: ['Bash(git push:*)'],
        deny: ['WebFetch'],
        additionalDirectories: ['../docs'],
      },
      availableModels: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
      model: 'claude-sonnet-4-5',
      env: { DISABLE_TELEMETRY: '1' },
      statusLine: { type: 'command', command: 'echo hi' },
    };
    const draft = draftFromSettings(settings);
    expect(JSON.parse(draft.other)).toEqual({
      permissions: { additionalDirectories: ['../docs'] },
      statusLine: { type: 'command', command: 'echo hi' },
    });
    expect(settingsFromDraft(draft)).toMatchObject({ settings, errors: {} });
    expect(settingsFromDraft(draftFromSettings({}))).toMatchObject({ settings: {}, errors: {} });
  });
});
