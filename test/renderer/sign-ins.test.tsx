// @vitest-environment jsdom
// Claude Code sign-ins in the dashboard: the waiting list (polled, with each code's time left), the
// approval panel (the user with the email they entered, the key from the settings' template), deny and
// revoke behind a confirmation, invites shown once, the template in Settings, and the #/sign-ins page
// the tray opens.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientConfig, SignInView } from '../../shared/schemas';
import { App } from '../../renderer/src/App';
import { draftFromKeyFields, keyFieldsFromDraft } from '../../renderer/src/components/key-template';
import { Toaster } from '../../renderer/src/components/Toaster';
import KeysPage from '../../renderer/src/pages/keys/index';
import SettingsPage from '../../renderer/src/pages/settings/index';
import SignInsPage from '../../renderer/src/pages/sign-ins/index';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { initialNotificationsState, useNotifications } from '../../renderer/src/stores/notifications';
import { initialOnboardingState, useOnboarding } from '../../renderer/src/stores/onboarding';
import { initialOrganisationState, useOrganisation } from '../../renderer/src/stores/organisation';
import { initialOverviewState, useOverview } from '../../renderer/src/stores/overview';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { initialSettingsState, useSettings } from '../../renderer/src/stores/settings';
import { SIGN_IN_POLL_MS, useSignIns } from '../../renderer/src/stores/sign-ins';
import { useToasts } from '../../renderer/src/stores/toasts';
import {
  CONNECTION,
  desktopSettingsRoutes,
  gatewayStatus,
  makeKey,
  makeSignIn,
  makeUser,
  quietOverview,
  refusal,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

const TEMPLATE: ClientConfig['sign_in_key_template'] = {
  allowed_models: ['claude-sonnet-4-5'],
  budgets: [{ max_limit: 50, reset_duration: '1M', calendar_aligned: true }],
  rate_limit: { request_max_limit: 60, request_reset_duration: '1m' },
  tool_policy: { deny: ['WebFetch'] },
};

const CONFIG: ClientConfig = {
  enforce_auth_on_inference: true,
  capture_content: true,
  retention_days: 90,
  audit_retention_days: 365,
  budget_time_zone: 'UTC',
  sign_in_key_template: TEMPLATE,
  managed_settings_hint_headers: false,
  telemetry_forward_url: null,
};

const PRIYA = makeUser({ id: 'u-priya', name: 'Priya R.', email: 'Priya@Example.com', team_id: 't-web' });
const SAM = makeUser({ id: 'u-sam', name: 'Sam Lee', email: 'sam@example.com' });
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

type Lists = Partial<Record<SignInView['status'], SignInView[]>>;

/** The admin API the sign-ins page reads, with the lists a test chooses (changeable while it runs). */
function signInRoutes(lists: Lists, extra: Parameters<typeof standInApi>[0] = {}): Parameters<typeof standInApi>[0] {
  return {
    'GET /api/sign-ins': ({ query }) => ({
      body: { sign_ins: lists[query.get('status') as SignInView['status']] ?? [] },
    }),
    'GET /api/governance/customers': () => ({ body: { customers: [], count: 0 } }),
    'GET /api/governance/teams': () => ({ body: { teams: [WEB], count: 1 } }),
    'GET /api/governance/users': () => ({ body: { users: [PRIYA, SAM], count: 2 } }),
    'GET /api/governance/virtual-keys': () => ({
      body: { virtual_keys: [makeKey({ id: 'vk-9', name: 'Priya R. · Claude Code', user_id: 'u-priya' })], count: 1 },
    }),
    ...extra,
  };
}

const posts = (calls: RecordedCall[], path: string) =>
  calls.filter((call) => call.method === 'POST' && call.path === path).map((call) => call.body);
const listCalls = (calls: RecordedCall[], status: string) =>
  calls.filter((call) => call.path === '/api/sign-ins' && call.query.get('status') === status).length;

let restoreFetch: () => void = () => undefined;

function api(routes: Parameters<typeof standInApi>[0]) {
  const stand = standInApi(routes);
  restoreFetch = stand.restore;
  return stand;
}

function renderPage() {
  return render(
    <>
      <SignInsPage />
      <Toaster />
    </>,
  );
}

/**
 * Waits for a condition without moving the fake clock (vi.waitFor would advance it): lets I/O and
 * microtasks run, up to a bounded number of turns.
 */
async function settle(condition: () => boolean): Promise<void> {
  const turn = () =>
    new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  for (let count = 0; count < 1000 && !condition(); count++) await turn();
  expect(condition()).toBe(true);
}

const writeText = vi.fn((_text: string) => Promise.resolve());

beforeEach(() => {
  sessionStorage.clear();
  window.history.replaceState(null, '', '/dashboard/#/sign-ins');
  useSession.setState(initialSessionState);
  useSession.getState().connect(CONNECTION, CONFIG);
  useSignIns.getState().reset();
  useKeys.setState(initialKeysState);
  useOrganisation.setState(initialOrganisationState);
  useSettings.setState(initialSettingsState);
  useGateway.setState(initialGatewayState);
  useNotifications.setState(initialNotificationsState);
  useOnboarding.setState(initialOnboardingState);
  useOverview.setState(initialOverviewState);
  useToasts.setState({ toasts: [] });
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  restoreFetch();
  delete window.tollgate;
});

describe('the sign-ins waiting', () => {
  it('lists each with its code, client and time left, and asks again every few seconds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const lists: Lists = { pending: [makeSignIn()] };
    const { calls } = api(signInRoutes(lists));
    renderPage();

    await settle(() => screen.queryByText('WDJB-MJHT') !== null);
    const table = screen.getByRole('table', { name: 'Sign-ins waiting for approval' });
    const row = within(table).getByText('WDJB-MJHT').closest('tr') as HTMLElement;
    expect(row.textContent).toContain('Priya Raman');
    expect(row.textContent).toContain('priya@example.com');
    expect(row.textContent).toContain('Claude Code');
    expect(row.textContent).toContain('192.168.1.34');
    expect(within(row).getByText(/^(10:00|9:5\d)$/)).toBeTruthy();
    expect(within(row).getByText('WDJB-MJHT').className).toContain('sign-in-code');
    expect(within(row).getByRole('button', { name: 'Approve Priya Raman' })).toBeTruthy();
    expect(unnamedControls()).toEqual([]);
    expect(listCalls(calls, 'pending')).toBe(1);

    // Someone else enters their code: the next poll shows them, without a reload.
    lists.pending = [
      makeSignIn({ id: 'si-2', user_code: 'KQZT-BNRW', name: 'Sam Lee', email: 'sam@example.com' }),
      makeSignIn(),
    ];
    await vi.advanceTimersByTimeAsync(SIGN_IN_POLL_MS - 1);
    expect(listCalls(calls, 'pending')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle(() => screen.queryByText('KQZT-BNRW') !== null);
    expect(listCalls(calls, 'pending')).toBe(2);
    expect(
      screen.getByText('2 waiting. Check each code against the one their Claude Code shows before approving.'),
    ).toBeTruthy();

    // Leaving the page stops the asking.
    cleanup();
    await vi.advanceTimersByTimeAsync(10 * SIGN_IN_POLL_MS);
    expect(listCalls(calls, 'pending')).toBe(2);
  });

  it('marks an expired code and offers only to dismiss it', async () => {
    api(signInRoutes({ pending: [makeSignIn({ expires_at: new Date(Date.now() - 60_000).toISOString() })] }));
    renderPage();

    // Out of the way until asked for: nothing is waiting.
    const show = await screen.findByRole('button', { name: 'Show 1 expired request' });
    expect(screen.queryByText('WDJB-MJHT')).toBeNull();
    expect(screen.getByText(/Nobody is waiting/)).toBeTruthy();
    fireEvent.click(show);

    const row = screen.getByText('WDJB-MJHT').closest('tr') as HTMLElement;
    expect(within(row).getByText('Expired')).toBeTruthy();
    expect(within(row).queryByRole('button', { name: /Approve/ })).toBeNull();
    expect(within(row).getByRole('button', { name: 'Dismiss Priya Raman' })).toBeTruthy();
    expect(screen.getByText('Checked every few seconds while this page is open.')).toBeTruthy();
  });
});

describe('approving a sign-in', () => {
  const approved = (body: unknown) => ({
    body: {
      sign_in: makeSignIn({
        status: 'approved',
        decided_at: new Date().toISOString(),
        user_id: 'u-priya',
        virtual_key_id: 'vk-10',
      }),
      user: PRIYA,
      virtual_key: makeKey({ id: 'vk-10', name: 'Priya R. · Claude Code', user_id: 'u-priya' }),
      echo: body,
    },
  });

  it('signs them in as the user with the email they entered, with the key from the template', async () => {
    const { calls } = api(
      signInRoutes({ pending: [makeSignIn()] }, { 'POST /api/sign-ins/:id/approve': ({ body }) => approved(body) }),
    );
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Approve Priya Raman' }));
    const dialog = await screen.findByRole('dialog', { name: 'Approve the sign-in of Priya Raman' });
    expect(within(dialog).getByText('WDJB-MJHT')).toBeTruthy();
    // The user with her email (whatever its case) is the default; the key fields come from the template.
    await waitFor(() => expect(within(dialog).getByLabelText<HTMLSelectElement>('User').value).toBe('u-priya'));
    expect(within(dialog).getByRole<HTMLInputElement>('radio', { name: 'An existing user' }).checked).toBe(true);
    expect(within(dialog).getByText('Priya R. has the email they entered.')).toBeTruthy();
    expect(within(dialog).getByLabelText<HTMLInputElement>('Monthly budget (USD)').value).toBe('50');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Requests').value).toBe('60');
    expect(within(dialog).getByLabelText<HTMLTextAreaElement>('Allowed models').value).toBe('claude-sonnet-4-5');
    expect(within(dialog).getByLabelText<HTMLTextAreaElement>('Denied tools').value).toBe('WebFetch');
    expect(within(dialog).getByText(/Named “Priya R\. · Claude Code”/)).toBeTruthy();
    expect(unnamedControls()).toEqual([]);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve sign-in' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(posts(calls, '/api/sign-ins/si-1/approve')).toEqual([{ user_id: 'u-priya', key: TEMPLATE }]);
    expect(
      screen.getByText('Approved Priya R.: their Claude Code is signed in with the key “Priya R. · Claude Code”.'),
    ).toBeTruthy();
    // Off the waiting list, on the approved one, with its key.
    const waiting = screen.getByRole('table', { name: 'Sign-ins waiting for approval' });
    expect(within(waiting).queryByText('WDJB-MJHT')).toBeNull();
    const approvedTable = screen.getByRole('table', { name: 'Approved sign-ins' });
    expect(within(approvedTable).getByRole('link', { name: 'Priya R. · Claude Code' }).getAttribute('href')).toBe(
      '#/keys?key=vk-10',
    );
  });

  it('creates a new user with the changes made for this key only', async () => {
    const { calls } = api(
      signInRoutes(
        { pending: [makeSignIn({ name: 'Ana Ruiz', email: 'ana@example.com' })] },
        { 'POST /api/sign-ins/:id/approve': ({ body }) => approved(body) },
      ),
    );
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Approve Ana Ruiz' }));
    const dialog = await screen.findByRole('dialog', { name: 'Approve the sign-in of Ana Ruiz' });
    // Nobody has her email: a new user, filled in from what she entered.
    await waitFor(() =>
      expect(within(dialog).getByRole<HTMLInputElement>('radio', { name: 'A new user' }).checked).toBe(true),
    );
    expect(within(dialog).getByLabelText<HTMLInputElement>('Name').value).toBe('Ana Ruiz');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Email').value).toBe('ana@example.com');
    fireEvent.change(within(dialog).getByLabelText('Team'), { target: { value: 't-web' } });
    fireEvent.change(within(dialog).getByLabelText('Monthly budget (USD)'), { target: { value: '80' } });
    fireEvent.change(within(dialog).getByLabelText('Requests'), { target: { value: '' } });
    fireEvent.change(within(dialog).getByLabelText('Denied tools'), { target: { value: 'WebFetch\nBash' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve sign-in' }));

    await waitFor(() => expect(posts(calls, '/api/sign-ins/si-1/approve')).toHaveLength(1));
    expect(posts(calls, '/api/sign-ins/si-1/approve')[0]).toEqual({
      user: { name: 'Ana Ruiz', email: 'ana@example.com', team_id: 't-web' },
      key: {
        allowed_models: ['claude-sonnet-4-5'],
        budgets: [{ max_limit: 80, reset_duration: '1M', calendar_aligned: true }],
        // Emptied here, so the template's limit must not come back.
        rate_limit: null,
        tool_policy: { deny: ['WebFetch', 'Bash'] },
      },
    });
  });

  it('keeps the panel open with the reason when the code expired meanwhile', async () => {
    const { calls } = api(
      signInRoutes(
        { pending: [makeSignIn()] },
        {
          'POST /api/sign-ins/:id/approve': () =>
            refusal(409, 'Sign-in WDJB-MJHT expired at 2026-11-23T10:15:00.000Z: ask Priya Raman to run /login again.'),
        },
      ),
    );
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Approve Priya Raman' }));
    const dialog = await screen.findByRole('dialog', { name: 'Approve the sign-in of Priya Raman' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve sign-in' }));

    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('The sign-in was not approved');
    expect(alert.textContent).toContain('ask Priya Raman to run /login again');
    // The list is asked again at once, so it says what happened.
    await waitFor(() => expect(listCalls(calls, 'pending')).toBeGreaterThan(1));
  });

  it('opens the panel of the sign-in a link names', async () => {
    window.history.replaceState(null, '', '/dashboard/#/sign-ins?approve=si-1');
    api(signInRoutes({ pending: [makeSignIn()] }));
    renderPage();

    expect(await screen.findByRole('dialog', { name: 'Approve the sign-in of Priya Raman' })).toBeTruthy();
    expect(window.location.hash).toBe('#/sign-ins');
  });
});

describe('denying and revoking', () => {
  it('asks before denying, then denies', async () => {
    const { calls } = api(
      signInRoutes(
        { pending: [makeSignIn()] },
        {
          'POST /api/sign-ins/:id/deny': () => ({
            body: { sign_in: makeSignIn({ status: 'denied', decided_at: new Date().toISOString() }) },
          }),
        },
      ),
    );
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Deny Priya Raman' }));
    let confirm = await screen.findByRole('dialog', { name: 'Deny the sign-in of Priya Raman?' });
    expect(confirm.textContent).toContain('WDJB-MJHT');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(posts(calls, '/api/sign-ins/si-1/deny')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Deny Priya Raman' }));
    confirm = await screen.findByRole('dialog', { name: 'Deny the sign-in of Priya Raman?' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Deny sign-in' }));

    await waitFor(() => expect(posts(calls, '/api/sign-ins/si-1/deny')).toHaveLength(1));
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Sign-ins waiting for approval' })).queryByText('WDJB-MJHT'),
      ).toBeNull(),
    );
    expect(await screen.findByText(/Denied the sign-in of Priya Raman/)).toBeTruthy();
  });

  it('asks before revoking an approval, then revokes it and shows its key disabled', async () => {
    const approvedPriya = makeSignIn({
      status: 'approved',
      decided_at: new Date(Date.now() - 86_400_000).toISOString(),
      user_id: 'u-priya',
      virtual_key_id: 'vk-9',
    });
    const lists: Lists = { approved: [approvedPriya] };
    const { calls } = api(
      signInRoutes(lists, {
        'POST /api/sign-ins/:id/revoke': () => {
          const revoked: SignInView = { ...approvedPriya, status: 'revoked', decided_at: new Date().toISOString() };
          lists.approved = [];
          lists.revoked = [revoked];
          return { body: { sign_in: revoked } };
        },
      }),
    );
    renderPage();

    const table = await screen.findByRole('table', { name: 'Approved sign-ins' });
    const row = (await within(table).findByText('WDJB-MJHT')).closest('tr') as HTMLElement;
    expect(row.textContent).toContain('Priya R.');
    await waitFor(() =>
      expect(within(row).getByRole('link', { name: 'Priya R. · Claude Code' }).getAttribute('href')).toBe(
        '#/keys?key=vk-9',
      ),
    );
    expect(unnamedControls()).toEqual([]);

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke Priya Raman' }));
    const confirm = await screen.findByRole('dialog', { name: 'Revoke the sign-in of Priya Raman?' });
    expect(confirm.textContent).toContain('signed out at once');
    expect(posts(calls, '/api/sign-ins/si-1/revoke')).toEqual([]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Revoke sign-in' }));

    await waitFor(() => expect(posts(calls, '/api/sign-ins/si-1/revoke')).toHaveLength(1));
    await waitFor(() => expect(within(table).queryByText('WDJB-MJHT')).toBeNull());
    expect(useKeys.getState().keys.find((key) => key.id === 'vk-9')?.is_active).toBe(false);

    fireEvent.click(screen.getByRole('radio', { name: 'Revoked' }));
    expect(window.location.hash).toBe('#/sign-ins?show=revoked');
    const revoked = await screen.findByRole('table', { name: 'Revoked sign-ins' });
    const revokedRow = (await within(revoked).findByText('WDJB-MJHT')).closest('tr') as HTMLElement;
    expect(within(revokedRow).getByText('Disabled')).toBeTruthy();
  });
});

describe('after the LAN certificate changed', () => {
  it('marks each sign-in that pinned the old certificate and names them above the list', async () => {
    const decided = new Date(Date.now() - 86_400_000).toISOString();
    const stranded = makeSignIn({
      status: 'approved',
      decided_at: decided,
      user_id: 'u-priya',
      virtual_key_id: 'vk-9',
      pinned_certificate_sha256: 'AA:BB',
      must_sign_in_again: true,
    });
    const fine = makeSignIn({
      id: 'si-2',
      user_code: 'QRST-VWXZ',
      name: 'Sam Okafor',
      email: 'sam@example.com',
      status: 'approved',
      decided_at: decided,
      pinned_certificate_sha256: 'CC:DD',
    });
    api(signInRoutes({ approved: [stranded, fine] }));
    renderPage();

    const table = await screen.findByRole('table', { name: 'Approved sign-ins' });
    const row = (await within(table).findByText('WDJB-MJHT')).closest('tr') as HTMLElement;
    expect(within(row).getByText('Must /login again')).toBeTruthy();
    const samRow = within(table).getByText('QRST-VWXZ').closest('tr') as HTMLElement;
    expect(within(samRow).queryByText('Must /login again')).toBeNull();
    const notice = screen.getByText(/the LAN server certificate changed/).closest('[role="status"]');
    expect(notice?.textContent).toMatch(/Priya Raman must run \/login again: the LAN server certificate changed/);
    expect(notice?.textContent).toMatch(/revoke the old sign-in/);
  });
});

describe('inviting a teammate', () => {
  it('creates an invite with the settings chosen and shows its link once, with a copy button', async () => {
    const { calls } = api(
      signInRoutes(
        {},
        {
          'POST /api/invites': () => ({
            status: 201,
            body: {
              invite_url: 'https://192.168.1.20:4141/device?invite=inv_8fK2',
              code: 'inv_8fK2',
              expires_at: '2026-11-30T10:00:00.000Z',
            },
          }),
        },
      ),
    );
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Invite a teammate' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invite a teammate' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'Jo Park' } });
    fireEvent.change(within(dialog).getByLabelText('Email'), { target: { value: 'jo@example.com' } });
    await waitFor(() => expect(within(dialog).getByRole('option', { name: 'Web' })).toBeTruthy());
    fireEvent.change(within(dialog).getByLabelText('Team'), { target: { value: 't-web' } });
    fireEvent.change(within(dialog).getByLabelText('Invite works for'), { target: { value: String(86_400) } });
    expect(unnamedControls()).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create invite link' }));

    const created = await screen.findByRole('dialog', { name: 'Invite link for Jo Park' });
    expect(within(created).getByLabelText<HTMLInputElement>('Invite link').value).toBe(
      'https://192.168.1.20:4141/device?invite=inv_8fK2',
    );
    expect(created.textContent).toContain('It will not be shown again');
    expect(created.textContent).toContain('enter that code');
    expect(posts(calls, '/api/invites')).toEqual([
      {
        user: { name: 'Jo Park', email: 'jo@example.com', team_id: 't-web' },
        team_id: 't-web',
        key: TEMPLATE,
        expires_in: 86_400,
      },
    ]);

    fireEvent.click(within(created).getByRole('button', { name: 'Copy the invite link' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('https://192.168.1.20:4141/device?invite=inv_8fK2'));
    fireEvent.click(within(created).getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('asks for a name when only an email is given', async () => {
    const { calls } = api(signInRoutes({}));
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Invite a teammate' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invite a teammate' });
    fireEvent.change(within(dialog).getByLabelText('Email'), { target: { value: 'jo@example.com' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create invite link' }));

    expect(await within(dialog).findByText(/Add their name too/)).toBeTruthy();
    expect(posts(calls, '/api/invites')).toEqual([]);
  });
});

describe('the sign-in key template in Settings', () => {
  it('saves the common fields together through the config update, keeping what else the template sets', async () => {
    const template = { ...TEMPLATE, max_concurrent_requests: 4 };
    useSession.getState().connect(CONNECTION, { ...CONFIG, sign_in_key_template: template });
    const { calls } = api({
      ...desktopSettingsRoutes(),
      'GET /api/config': () => ({ body: { client_config: { ...CONFIG, sign_in_key_template: template } } }),
      'PUT /api/config': ({ body }) => ({
        body: { client_config: { ...CONFIG, ...(body as { client_config: Partial<ClientConfig> }).client_config } },
      }),
    });
    render(<SettingsPage />);

    const section = await screen.findByRole('region', { name: 'Sign-in key template' });
    expect(section.querySelector('h2')?.id).toBe('settings-sign-in-template');
    expect(within(section).getByLabelText<HTMLInputElement>('Monthly budget (USD)').value).toBe('50');
    expect(
      within(section).getByText(/Also in the template, kept as they are: at most 4 requests at once/),
    ).toBeTruthy();
    expect(within(section).getByRole<HTMLButtonElement>('button', { name: 'Save template' }).disabled).toBe(true);

    fireEvent.change(within(section).getByLabelText('Monthly budget (USD)'), { target: { value: '100' } });
    fireEvent.change(within(section).getByLabelText('Allowed models'), { target: { value: '' } });
    fireEvent.change(within(section).getByLabelText('Request window'), { target: { value: '1h' } });
    fireEvent.change(within(section).getByLabelText('Denied tools'), { target: { value: 'WebFetch, Bash' } });
    expect(unnamedControls()).toEqual([]);
    fireEvent.click(within(section).getByRole('button', { name: 'Save template' }));

    await within(section).findByText('Saved');
    const puts = calls.filter((call) => call.method === 'PUT' && call.path === '/api/config').map((call) => call.body);
    expect(puts).toEqual([
      {
        client_config: {
          sign_in_key_template: {
            budgets: [{ max_limit: 100, reset_duration: '1M', calendar_aligned: true }],
            rate_limit: { request_max_limit: 60, request_reset_duration: '1h' },
            tool_policy: { deny: ['WebFetch', 'Bash'] },
            max_concurrent_requests: 4,
          },
        },
      },
    ]);
    expect(useSession.getState().config?.sign_in_key_template.budgets?.[0]?.max_limit).toBe(100);
  });

  it('refuses a budget that is not an amount, next to the field, and sends nothing', async () => {
    const { calls } = api({
      ...desktopSettingsRoutes(),
      'GET /api/config': () => ({ body: { client_config: CONFIG } }),
    });
    render(<SettingsPage />);

    const section = await screen.findByRole('region', { name: 'Sign-in key template' });
    const budget = within(section).getByLabelText('Monthly budget (USD)');
    fireEvent.change(budget, { target: { value: 'lots' } });
    fireEvent.click(within(section).getByRole('button', { name: 'Save template' }));

    expect(await within(section).findByText('Enter an amount in USD above zero.')).toBeTruthy();
    expect(budget.getAttribute('aria-invalid')).toBe('true');
    expect(calls.some((call) => call.method === 'PUT')).toBe(false);
  });
});

describe('the key settings over a template', () => {
  it('writes an emptied field empty over the template, and leaves it out of the template itself', () => {
    const draft = {
      ...draftFromKeyFields(TEMPLATE),
      allowedModels: '',
      monthlyBudget: '',
      requestLimit: '',
      deniedTools: '',
    };
    expect(keyFieldsFromDraft(TEMPLATE, draft, { emptied: 'override' }).fields).toEqual({
      allowed_models: [],
      budgets: [],
      rate_limit: null,
      tool_policy: null,
    });
    expect(keyFieldsFromDraft(TEMPLATE, draft, { emptied: 'template' }).fields).toEqual({});
  });

  it('replaces only the monthly budget and keeps the token limit and allowed tools it does not show', () => {
    const base = {
      budgets: [
        { max_limit: 5, reset_duration: '1d', calendar_aligned: true },
        { max_limit: 50, reset_duration: '1M', calendar_aligned: true, time_zone: 'Europe/Paris' },
      ],
      rate_limit: { token_max_limit: 100_000, token_reset_duration: '1h' },
      tool_policy: { allow: ['Read', 'Edit'] },
    };
    const draft = { ...draftFromKeyFields(base), monthlyBudget: '75', requestLimit: '30', deniedTools: 'Bash' };
    expect(keyFieldsFromDraft(base, draft, { emptied: 'override' })).toEqual({
      fields: {
        budgets: [
          { max_limit: 5, reset_duration: '1d', calendar_aligned: true },
          { max_limit: 75, reset_duration: '1M', calendar_aligned: true, time_zone: 'Europe/Paris' },
        ],
        rate_limit: {
          token_max_limit: 100_000,
          token_reset_duration: '1h',
          request_max_limit: 30,
          request_reset_duration: '1m',
        },
        tool_policy: { allow: ['Read', 'Edit'], deny: ['Bash'] },
      },
      errors: {},
    });
  });
});

describe('the link to a sign-in’s key', () => {
  it('opens that key on the keys page', async () => {
    window.history.replaceState(null, '', '/dashboard/#/keys?key=vk-9');
    api(signInRoutes({}));
    render(<KeysPage />);

    expect(await screen.findByRole('dialog', { name: 'Edit “Priya R. · Claude Code”' })).toBeTruthy();
    expect(window.location.hash).toBe('#/keys');
  });
});

describe('the page the tray opens', () => {
  it('opens at #/sign-ins with the count of sign-ins waiting in the navigation', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    useSession.setState(initialSessionState);
    api(
      signInRoutes(
        { pending: [makeSignIn()] },
        {
          'GET /api/config': () => ({ body: { client_config: CONFIG } }),
          'GET /api/onboarding': () => ({
            body: { needed: false, has_provider_key: true, virtual_keys: 1, completed_at: '2026-11-01T00:00:00.000Z' },
          }),
          'GET /api/gateway/status': () => ({
            body: gatewayStatus({
              pending_sign_ins: [
                {
                  id: 'si-1',
                  name: 'Priya Raman',
                  email: 'priya@example.com',
                  user_code: 'WDJB-MJHT',
                  created_at: new Date().toISOString(),
                  expires_at: new Date(Date.now() + 600_000).toISOString(),
                },
              ],
            }),
          }),
          'GET /api/stats/overview': () => ({ body: quietOverview() }),
          'GET /api/stats/spend': () => ({ body: { bucket: 'day', group: 'team', groups: [], points: [] } }),
        },
      ),
    );
    render(<App />);

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign-ins' })).toBeTruthy();
    expect(await screen.findByText('WDJB-MJHT')).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const link = await within(nav).findByRole('link', { name: 'Sign-ins, 1 waiting' });
    expect(link.getAttribute('href')).toBe('#/sign-ins');
    expect(link.getAttribute('aria-current')).toBe('page');
    expect(document.title).toBe('Sign-ins · Tollgate');
    expect(unnamedControls()).toEqual([]);
  });
});
