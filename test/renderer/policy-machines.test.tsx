// @vitest-environment jsdom
// "Which machines run the current policy" on the Claude Code policy page: the hint-headers switch asks
// before it goes on (every interactive Claude Code will ask its developer to approve the variable),
// sends only that client setting, goes off without asking, and puts itself back with the gateway's
// reason when refused; while on, each machine is listed with its state in words (stale and missing
// first), an empty state, and a refresh; while off, what turning it on would show. Settings only
// points to the page.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientConfig } from '../../shared/schemas';
import { Toaster } from '../../renderer/src/components/Toaster';
import { machinesInOrder, machinesSummary } from '../../renderer/src/pages/policy/MachinesPanel';
import PolicyPage from '../../renderer/src/pages/policy/index';
import SettingsPage from '../../renderer/src/pages/settings/index';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { useManagedSettings } from '../../renderer/src/stores/managed-settings';
import { initialNotificationsState, useNotifications } from '../../renderer/src/stores/notifications';
import { initialOrganisationState, useOrganisation } from '../../renderer/src/stores/organisation';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { initialSettingsState, useSettings } from '../../renderer/src/stores/settings';
import { useToasts } from '../../renderer/src/stores/toasts';
import {
  CLIENT_CONFIG,
  CONNECTION,
  desktopSettingsRoutes,
  makeKey,
  makeMachine,
  makeUser,
  refusal,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

type Routes = Parameters<typeof standInApi>[0];
type Machine = ReturnType<typeof makeMachine>;

const PRIYA = makeUser({ id: 'u-priya', name: 'Priya R.', email: 'priya@example.com' });
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const ALICE = makeMachine({
  virtual_key_id: 'vk-1',
  key_name: 'alice-laptop',
  state: 'current',
  last_seen_at: minutesAgo(1),
});
const PRIYA_DESKTOP = makeMachine({
  virtual_key_id: 'vk-2',
  key_name: 'priya-desktop',
  user_id: 'u-priya',
  email: 'priya@example.com',
  state: 'stale',
  last_seen_at: minutesAgo(30),
});
const BUILD_BOX = makeMachine({
  virtual_key_id: 'vk-3',
  key_name: 'build-box',
  email: 'ops@example.com',
  sign_in_id: null,
  state: 'missing',
  last_seen_at: minutesAgo(5),
});

const SWITCH = 'Ask Claude Code which policy it runs (hint headers)';
const OFF_TEXT = /^Turned on, this lists each signed-in key’s machine/;

let restoreFetch: () => void = () => undefined;

/** The admin API the policy page reads, with a config that PUT /api/config changes as the gateway would. */
function api(
  start: Partial<ClientConfig>,
  { machines = [], extra = {} }: { machines?: Machine[]; extra?: Routes } = {},
) {
  let config: ClientConfig = { ...CLIENT_CONFIG, ...start };
  useSession.getState().connect(CONNECTION, config);
  const stand = standInApi({
    'GET /api/config': () => ({ body: { client_config: config } }),
    'PUT /api/config': (call) => {
      config = { ...config, ...(call.body as { client_config: Partial<ClientConfig> }).client_config };
      return { body: { client_config: config } };
    },
    'GET /api/managed-settings': () => ({ body: { layers: [] } }),
    'GET /api/managed-settings/machines': () => ({
      body: { hint_headers: config.managed_settings_hint_headers, machines },
    }),
    'GET /api/governance/customers': () => ({ body: { customers: [], count: 0 } }),
    'GET /api/governance/teams': () => ({ body: { teams: [], count: 0 } }),
    'GET /api/governance/users': () => ({ body: { users: [PRIYA], count: 1 } }),
    'GET /api/governance/virtual-keys': () => ({
      body: { virtual_keys: [makeKey({ id: 'vk-1' }), makeKey({ id: 'vk-2', name: 'priya-desktop' })], count: 2 },
    }),
    ...extra,
  });
  restoreFetch = stand.restore;
  return stand;
}

const configPuts = (calls: RecordedCall[]) =>
  calls.filter((call) => call.method === 'PUT' && call.path === '/api/config').map((call) => call.body);
const machineAsks = (calls: RecordedCall[]) =>
  calls.filter((call) => call.method === 'GET' && call.path === '/api/managed-settings/machines').length;

function renderPage() {
  return render(
    <>
      <PolicyPage />
      <Toaster />
    </>,
  );
}

const section = () => screen.getByRole('region', { name: 'Which machines run the current policy' });
const hintSwitch = () => within(section()).getByRole<HTMLInputElement>('switch', { name: SWITCH });
const machinesTable = () => screen.findByRole('table', { name: 'Machines and their managed settings' });

beforeEach(() => {
  window.history.replaceState(null, '', '/dashboard/#/policy');
  useSession.setState(initialSessionState);
  useSettings.setState(initialSettingsState);
  useManagedSettings.getState().reset();
  useKeys.setState(initialKeysState);
  useOrganisation.setState(initialOrganisationState);
  useGateway.setState(initialGatewayState);
  useNotifications.setState(initialNotificationsState);
  useToasts.setState({ toasts: [] });
});

afterEach(() => {
  cleanup();
  restoreFetch();
});

describe('the hint-headers switch', () => {
  it('asks before turning hint headers on, then sends only that setting and lists the machines', async () => {
    const { calls } = api({ managed_settings_hint_headers: false }, { machines: [ALICE] });
    renderPage();

    expect(hintSwitch().checked).toBe(false);
    expect(within(section()).getByText(OFF_TEXT)).toBeTruthy();
    expect(section().textContent).toContain('exits if they decline');
    expect(section().textContent).toContain('Tell your team before you turn it on');

    // Cancelling changes nothing and sends nothing.
    fireEvent.click(hintSwitch());
    let dialog = await screen.findByRole('dialog', { name: 'Turn on hint headers for every Claude Code?' });
    expect(dialog.textContent).toContain('CLAUDE_CODE_GATEWAY_HINT_HEADERS');
    expect(dialog.textContent).toContain('cannot start Claude Code until you turn this off');
    expect(hintSwitch().checked).toBe(false);
    expect(unnamedControls()).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(hintSwitch().checked).toBe(false);
    expect(configPuts(calls)).toEqual([]);

    fireEvent.click(hintSwitch());
    dialog = await screen.findByRole('dialog', { name: 'Turn on hint headers for every Claude Code?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Turn on hint headers' }));

    const table = await machinesTable();
    expect(configPuts(calls)).toEqual([{ client_config: { managed_settings_hint_headers: true } }]);
    expect(hintSwitch().checked).toBe(true);
    expect(within(table).getByText('alice-laptop')).toBeTruthy();
    expect(within(table).getByText('Current')).toBeTruthy();
    expect(useSession.getState().config?.managed_settings_hint_headers).toBe(true);
    // Asked once the gateway kept the change, not while it was out.
    expect(machineAsks(calls)).toBe(1);
  });

  it('turns hint headers off without asking, and then says what turning them on would show', async () => {
    const { calls } = api({ managed_settings_hint_headers: true }, { machines: [ALICE] });
    renderPage();
    await machinesTable();

    fireEvent.click(hintSwitch());

    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(useSettings.getState().pending.size).toBe(0));
    expect(configPuts(calls)).toEqual([{ client_config: { managed_settings_hint_headers: false } }]);
    expect(hintSwitch().checked).toBe(false);
    expect(within(section()).getByText(OFF_TEXT)).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Machines and their managed settings' })).toBeNull();
  });

  it('puts the switch back with the gateway’s reason when it refuses, and asks for no machines', async () => {
    const { calls } = api(
      { managed_settings_hint_headers: false },
      { extra: { 'PUT /api/config': () => refusal(503, 'The settings table is locked.') } },
    );
    renderPage();

    fireEvent.click(hintSwitch());
    const dialog = await screen.findByRole('dialog', { name: 'Turn on hint headers for every Claude Code?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Turn on hint headers' }));

    const alert = await within(section()).findByRole('alert');
    expect(alert.textContent).toContain('Hint headers were not turned on');
    expect(alert.textContent).toContain('The settings table is locked. The previous value is back.');
    expect(hintSwitch().checked).toBe(false);
    expect(configPuts(calls)).toEqual([{ client_config: { managed_settings_hint_headers: true } }]);
    expect(machineAsks(calls)).toBe(0);
    expect(within(section()).getByText(OFF_TEXT)).toBeTruthy();
  });
});

describe('the machines', () => {
  it('lists each machine with its state in words, stale and missing first, every control named', async () => {
    api({ managed_settings_hint_headers: true }, { machines: [ALICE, PRIYA_DESKTOP, BUILD_BOX] });
    renderPage();

    const table = await machinesTable();
    await waitFor(() => expect(within(table).getByText('Priya R. · priya@example.com')).toBeTruthy());
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.querySelector('.badge')?.textContent)).toEqual(['Stale', 'Missing', 'Current']);
    expect(rows[0]?.textContent).toContain('priya-desktop');
    expect(rows[0]?.textContent).toContain('30 min');
    expect(rows[1]?.textContent).toContain('build-box');
    expect(rows[1]?.textContent).toContain('ops@example.com');
    expect(rows[2]?.textContent).toContain('No user');
    const link = within(rows[0] as HTMLElement).getByRole('link', { name: 'Requests of priya-desktop' });
    expect(link.getAttribute('href')).toBe('#/logs?vk=vk-2');
    expect(within(section()).getByRole('status').textContent).toBe('3 machines: 1 stale, 1 missing, 1 current');
    // The states are explained in words, not only by the badge's colour.
    expect(section().textContent).toContain('Sent no checksum: an older Claude Code, claude ssh');
    expect(unnamedControls()).toEqual([]);
  });

  it('says when no machine has reported yet, and asks again on refresh', async () => {
    const machines: Machine[] = [];
    const { calls } = api({ managed_settings_hint_headers: true }, { machines });
    renderPage();

    const table = await machinesTable();
    expect(within(table).getByText('No machine has reported yet.')).toBeTruthy();
    expect(within(section()).getByRole('status').textContent).toBe('0 machines');

    machines.push(PRIYA_DESKTOP);
    fireEvent.click(within(section()).getByRole('button', { name: 'Refresh the machines' }));
    await waitFor(() => expect(within(table).getByText('priya-desktop')).toBeTruthy());
    expect(within(table).getByText('Stale')).toBeTruthy();
    expect(machineAsks(calls)).toBe(2);
  });

  it('shows why the list could not be loaded, with a retry', async () => {
    let fail = true;
    api(
      { managed_settings_hint_headers: true },
      {
        extra: {
          'GET /api/managed-settings/machines': () =>
            fail
              ? refusal(500, 'The request log is unavailable.')
              : { body: { hint_headers: true, machines: [ALICE] } },
        },
      },
    );
    renderPage();

    const alert = await within(section()).findByRole('alert');
    expect(alert.textContent).toContain('The request log is unavailable.');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    const table = await machinesTable();
    expect(within(table).getByText('alice-laptop')).toBeTruthy();
    expect(within(section()).queryByRole('alert')).toBeNull();
  });

  it('reads the setting itself when the page opens before the settings are in', async () => {
    api({ managed_settings_hint_headers: true }, { machines: [BUILD_BOX] });
    useSession.getState().connect(CONNECTION, null);
    renderPage();

    const table = await machinesTable();
    expect(hintSwitch().checked).toBe(true);
    expect(within(table).getByText('Missing')).toBeTruthy();
  });

  it('asks for no machines while hint headers are off', async () => {
    const { calls } = api({ managed_settings_hint_headers: false }, { machines: [ALICE] });
    renderPage();
    await waitFor(() => expect(useManagedSettings.getState().status).toBe('ready'));
    expect(within(section()).getByText(OFF_TEXT)).toBeTruthy();
    expect(machineAsks(calls)).toBe(0);
    expect(unnamedControls()).toEqual([]);
  });
});

describe('the machines list, ordered and summed up', () => {
  it('puts stale before missing before current, the latest seen first within each', () => {
    const older = { ...PRIYA_DESKTOP, virtual_key_id: 'vk-9', last_seen_at: minutesAgo(90) };
    expect(machinesInOrder([ALICE, older, BUILD_BOX, PRIYA_DESKTOP]).map((item) => item.virtual_key_id)).toEqual([
      'vk-2',
      'vk-9',
      'vk-3',
      'vk-1',
    ]);
    expect(machinesSummary([ALICE])).toBe('1 machine: 1 current');
    expect(machinesSummary([])).toBe('0 machines');
  });
});

describe('the settings page', () => {
  it('points to the policy page for hint headers, with no switch of its own', async () => {
    api({ managed_settings_hint_headers: true }, { extra: desktopSettingsRoutes() });
    render(<SettingsPage />);

    const pointer = await screen.findByRole('region', { name: 'Which machines run the current policy' });
    expect(pointer.textContent).toContain('Hint headers are on.');
    expect(within(pointer).getByRole('link', { name: 'Claude Code policy' }).getAttribute('href')).toBe('#/policy');
    expect(within(pointer).queryByRole('switch')).toBeNull();
  });
});
