// @vitest-environment jsdom
// The shell in a browser and in the desktop window: sign-in with the admin token, the header,
// navigation between pages by hash, sign-out, and names for every control.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/src/App';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { initialOrganisationState, useOrganisation } from '../../renderer/src/stores/organisation';
import { initialOnboardingState, useOnboarding } from '../../renderer/src/stores/onboarding';
import { initialOverviewState, useOverview } from '../../renderer/src/stores/overview';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { quietOverview } from './pages-fixtures';

const ADMIN_TOKEN = 'tg-admin-correct-horse';

type Handler = (request: { url: URL }) => Response;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const config = {
  client_config: {
    enforce_auth_on_inference: true,
    capture_content: false,
    retention_days: 30,
    audit_retention_days: 365,
    budget_time_zone: 'UTC',
    sign_in_key_template: {},
    managed_settings_hint_headers: false,
    telemetry_forward_url: null,
  },
};

/** The admin API as the shell and its first pages use it; every route checks the bearer token like the gateway. */
function fakeGateway(overrides: Record<string, Handler> = {}) {
  const routes: Record<string, Handler> = {
    'GET /api/config': () => json(config),
    'GET /api/stats/overview': () => json(quietOverview()),
    'GET /api/stats/spend': ({ url }) =>
      json({ bucket: 'day', group: url.searchParams.get('group') ?? 'team', groups: [], points: [] }),
    'GET /api/governance/virtual-keys': () => json({ virtual_keys: [], count: 0 }),
    'GET /api/governance/customers': () => json({ customers: [], count: 0 }),
    'GET /api/governance/teams': () => json({ teams: [], count: 0 }),
    'GET /api/governance/users': () => json({ users: [], count: 0 }),
    ...overrides,
  };
  const seen: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((input: URL | string, init: RequestInit = {}) => {
      const url = new URL(String(input));
      const method = init.method ?? 'GET';
      seen.push(`${method} ${url.origin}${url.pathname}`);
      if (new Headers(init.headers).get('authorization') !== `Bearer ${ADMIN_TOKEN}`) {
        return Promise.resolve(
          json(
            {
              type: 'error',
              error: {
                type: 'authentication_error',
                message: 'The admin API needs Authorization: Bearer <admin token>.',
              },
            },
            401,
          ),
        );
      }
      const handler = routes[`${method} ${url.pathname}`];
      return Promise.resolve(
        handler
          ? handler({ url })
          : json({ type: 'error', error: { type: 'not_found_error', message: 'not here' } }, 404),
      );
    }),
  );
  return { seen };
}

beforeEach(() => {
  sessionStorage.clear();
  window.history.replaceState(null, '', '/dashboard/');
  delete window.tollgate;
  useSession.setState(initialSessionState);
  useKeys.setState(initialKeysState);
  useOrganisation.setState(initialOrganisationState);
  useOverview.setState(initialOverviewState);
  useOnboarding.setState(initialOnboardingState);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  delete window.tollgate;
});

function signIn(token: string) {
  fireEvent.change(screen.getByLabelText('Admin token'), { target: { value: token } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('shell in a browser', () => {
  it('refuses a wrong admin token with a clear message and signs in with the right one', async () => {
    const { seen } = fakeGateway();
    render(<App />);

    expect(await screen.findByRole('heading', { name: 'Sign in to this gateway' })).toBeTruthy();
    signIn('not-the-token');
    expect((await screen.findByRole('alert')).textContent).toMatch(/admin token was not accepted.*admin-token file/);
    expect(sessionStorage.getItem('tollgate.adminToken')).toBeNull();

    signIn(ADMIN_TOKEN);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(sessionStorage.getItem('tollgate.adminToken')).toBe(ADMIN_TOKEN);
    expect(seen[0]).toBe(`GET ${window.location.origin}/api/config`);
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual([
      'Overview',
      'Keys',
      'Sign-ins',
      'Claude Code policy',
      'Organisation',
      'Models & pricing',
      'Providers',
      'Logs',
      'Audit',
      'Settings',
    ]);
    expect(window.location.hash).toBe('#/overview');
    expect(screen.getByRole('banner').textContent).toContain(window.location.origin);
    expect(screen.getByRole('link', { name: /Enforcement on: every request needs a virtual key/ })).toBeTruthy();
  });

  it('teaches a fresh install how to create the first key and connect Claude Code', async () => {
    sessionStorage.setItem('tollgate.adminToken', ADMIN_TOKEN);
    fakeGateway();
    render(<App />);

    const guide = await screen.findByRole('region', { name: 'Put your first Claude Code session through Tollgate' });
    expect(within(guide).getByLabelText('Claude Code settings.json').textContent).toContain(
      `"ANTHROPIC_BASE_URL": "${window.location.origin}"`,
    );
    fireEvent.click(within(guide).getByRole('button', { name: 'Create a key' }));

    expect(await screen.findByRole('dialog', { name: 'Create a key' })).toBeTruthy();
    expect(window.location.hash).toBe('#/keys');
  });

  it('moves between pages with the navigation and marks the current one', async () => {
    sessionStorage.setItem('tollgate.adminToken', ADMIN_TOKEN);
    fakeGateway();
    render(<App />);
    const nav = await screen.findByRole('navigation', { name: 'Main' });

    fireEvent.click(within(nav).getByRole('link', { name: 'Keys' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Keys' })).toBeTruthy();
    expect(window.location.hash).toBe('#/keys');
    expect(within(nav).getByRole('link', { name: 'Keys' }).getAttribute('aria-current')).toBe('page');
    expect(within(nav).getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBeNull();

    fireEvent.click(within(nav).getByRole('link', { name: 'Organisation' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Organisation' })).toBeTruthy();
    expect(document.title).toBe('Organisation · Tollgate');

    window.history.back();
    expect(await screen.findByRole('heading', { level: 1, name: 'Keys' })).toBeTruthy();
    expect(window.location.hash).toBe('#/keys');
  });

  it('opens the page and the dialog named in the address', async () => {
    sessionStorage.setItem('tollgate.adminToken', ADMIN_TOKEN);
    window.history.replaceState(null, '', '/dashboard/#/keys?create=1');
    fakeGateway();
    render(<App />);

    expect(await screen.findByRole('dialog', { name: 'Create a key' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1, name: 'Keys' })).toBeTruthy();
    expect(window.location.hash).toBe('#/keys');
  });

  it('creates a team in place from its customer’s row on the organisation page', async () => {
    sessionStorage.setItem('tollgate.adminToken', ADMIN_TOKEN);
    window.history.replaceState(null, '', '/dashboard/#/organisation');
    const acme = { id: 'c1', name: 'Acme', description: '', budgets: [], budget: null, created_at: '', updated_at: '' };
    const posted: unknown[] = [];
    fakeGateway({
      'GET /api/governance/customers': () => json({ customers: [acme], count: 1 }),
      'POST /api/governance/teams': () =>
        json({ message: 'created', team: { ...acme, id: 't9', name: 'Web', customer_id: 'c1' } }, 201),
    });
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', (input: URL | string, init: RequestInit = {}) => {
      if (init.method === 'POST' && typeof init.body === 'string') posted.push(JSON.parse(init.body));
      return realFetch(input, init);
    });
    render(<App />);

    fireEvent.click(await screen.findByRole('button', { name: 'Add a team to Acme' }));
    const form = await screen.findByRole('form', { name: 'New team' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Web' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add budget' }));
    fireEvent.change(within(form).getByLabelText('Limit (USD)'), { target: { value: '300' } });
    fireEvent.change(within(form).getByLabelText('Resets every'), { target: { value: '1M' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create team' }));

    expect(await screen.findByRole('button', { name: 'Edit team Web' })).toBeTruthy();
    // The new row shows while the request is in flight; the form closes when the gateway answers.
    await waitFor(() => expect(screen.queryByRole('form', { name: 'New team' })).toBeNull());
    expect(posted).toEqual([
      {
        name: 'Web',
        description: '',
        customer_id: 'c1',
        budgets: [{ max_limit: 300, reset_duration: '1M', calendar_aligned: true }],
      },
    ]);
  });

  it('signs out, forgets the token and shows the sign-in screen again', async () => {
    sessionStorage.setItem('tollgate.adminToken', ADMIN_TOKEN);
    fakeGateway();
    render(<App />);

    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in to this gateway' })).toBeTruthy();
    expect(sessionStorage.getItem('tollgate.adminToken')).toBeNull();
    expect(useKeys.getState().keys).toEqual([]);
  });

  it('names every control in the shell and on the overview', async () => {
    sessionStorage.setItem('tollgate.adminToken', ADMIN_TOKEN);
    fakeGateway({
      'GET /api/governance/virtual-keys': () => json({ virtual_keys: [], count: 3 }),
      'GET /api/stats/overview': () =>
        json({
          ...quietOverview(),
          spend: { today: 4.2, week: 31.5, month: 120.75 },
          requests: { today: 12, week: 80, month: 300 },
          top_sessions: [
            {
              session_id: 'c0ffee00-1111-2222-3333-444455556666',
              virtual_key_name: 'alice-laptop',
              requests: 40,
              cost: 18.2,
              last_at: '2025-01-01T10:00:00Z',
            },
          ],
          cache: { read_share: 0.72, saved: 41.3 },
          refusals: [{ reason: 'budget_exhausted', count: 3 }],
          errors: [{ error_type: 'overloaded_error', count: 2 }],
        }),
      'GET /api/stats/spend': () =>
        json({
          bucket: 'day',
          group: 'team',
          groups: [
            { id: 't1', name: 'Platform', total: 90 },
            { id: 't2', name: 'Data', total: 30.75 },
          ],
          points: [
            { start: '2025-01-01T00:00:00Z', values: { t1: 40, t2: 10 } },
            { start: '2025-01-02T00:00:00Z', values: { t1: 50, t2: 20.75 } },
          ],
        }),
    });
    render(<App />);

    expect(await screen.findByRole('img', { name: 'Spend per day by team' })).toBeTruthy();
    expect(
      screen.getByRole('link', { name: 'Session c0ffee00-1111-2222-3333-444455556666' }).getAttribute('href'),
    ).toBe('#/logs?session=c0ffee00-1111-2222-3333-444455556666');
    expect(screen.getByRole('link', { name: 'Budget spent' }).getAttribute('href')).toBe(
      '#/logs?reason=budget_exhausted',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Show as table' }));
    expect(within(screen.getByRole('table', { name: 'Spend per day by team, USD' })).getAllByRole('row')).toHaveLength(
      3,
    );

    for (const role of ['button', 'link', 'textbox', 'radio', 'combobox', 'img'] as const) {
      const named = new Set(screen.queryAllByRole(role, { name: /\S/ }));
      const unnamed = screen.queryAllByRole(role).filter((element) => !named.has(element));
      expect(
        unnamed.map((element) => element.outerHTML.slice(0, 120)),
        `${role}s without an accessible name`,
      ).toEqual([]);
    }
  });
});

describe('shell in the desktop window', () => {
  it('uses the connection the preload hands over, with no sign-in and no sign-out', async () => {
    const { seen } = fakeGateway();
    window.tollgate = {
      connection: () => Promise.resolve({ apiBase: 'http://127.0.0.1:4141', adminToken: ADMIN_TOKEN }),
    };
    render(<App />);

    await screen.findByRole('navigation', { name: 'Main' });
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    expect(screen.getByRole('banner').textContent).toContain('http://127.0.0.1:4141');
    expect(seen[0]).toBe('GET http://127.0.0.1:4141/api/config');
  });
});
