// @vitest-environment jsdom
// The keys page rendered against a stand-in for the gateway: the create flow ends on a one-time
// reveal with snippets for this gateway, revocation asks first, and every control is named.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeKey } from './pages-fixtures';
import { Toaster } from '../../renderer/src/components/Toaster';
import KeysPage from '../../renderer/src/pages/keys/index';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { initialOrganisationState, useOrganisation } from '../../renderer/src/stores/organisation';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { useToasts } from '../../renderer/src/stores/toasts';

type Handler = (request: { url: URL; body: unknown }) => Response | Promise<Response>;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function fakeGateway(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: URL | string, init: RequestInit = {}) => {
      const url = new URL(String(input));
      const method = init.method ?? 'GET';
      const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path: url.pathname, body });
      const handler = routes[`${method} ${url.pathname}`];
      return handler
        ? handler({ url, body })
        : json({ error: { type: 'not_found_error', message: `No stand-in for ${method} ${url.pathname}` } }, 404);
    }),
  );
  return { calls };
}

const emptyOrganisation: Record<string, Handler> = {
  'GET /api/governance/customers': () => json({ customers: [], count: 0 }),
  'GET /api/governance/teams': () =>
    json({
      teams: [
        {
          id: 'team-1',
          name: 'Platform',
          description: '',
          budgets: [],
          budget: null,
          created_at: '',
          updated_at: '',
          customer_id: null,
        },
      ],
      count: 1,
    }),
  'GET /api/governance/users': () => json({ users: [], count: 0 }),
};

const GATEWAY = 'http://127.0.0.1:4141';
const writeText = vi.fn((_text: string) => Promise.resolve());

function renderPage() {
  return render(
    <>
      <KeysPage />
      <Toaster />
    </>,
  );
}

beforeEach(() => {
  useSession.setState(initialSessionState);
  useKeys.setState(initialKeysState);
  useOrganisation.setState(initialOrganisationState);
  useToasts.setState({ toasts: [] });
  useSession.getState().connect({ apiBase: `${GATEWAY}/`, adminToken: 'admin-secret' });
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('keys page', () => {
  it('creates a key and reveals it once with a Claude Code settings block and shell exports for this gateway', async () => {
    const { calls } = fakeGateway({
      ...emptyOrganisation,
      'GET /api/governance/virtual-keys': () => json({ virtual_keys: [], count: 0 }),
      'POST /api/governance/virtual-keys': ({ body }) =>
        json(
          {
            message: 'Virtual key created.',
            virtual_key: {
              ...makeKey({ id: 'vk-new', name: 'alice-laptop', team_id: 'team-1' }),
              value: 'tg-live-0123456789abcdef',
            },
            body,
          },
          201,
        ),
    });
    renderPage();

    const empty = await screen.findByRole('region', { name: 'Create your first key' });
    fireEvent.click(within(empty).getByRole('button', { name: 'Create key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a key' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'alice-laptop' } });
    await waitFor(() => expect(within(dialog).getByRole('option', { name: 'Platform' })).toBeTruthy());
    fireEvent.change(within(dialog).getByLabelText('Team'), { target: { value: 'team-1' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add budget' }));
    fireEvent.change(within(dialog).getByLabelText('Limit (USD)'), { target: { value: '20' } });
    fireEvent.change(within(dialog).getByLabelText('Requests'), { target: { value: '60' } });
    fireEvent.change(within(dialog).getByLabelText('Denied models'), {
      target: { value: 'claude-opus-4-1\nclaude-opus-4' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));

    const reveal = await screen.findByRole('dialog', { name: 'Key “alice-laptop” created' });
    const posted = calls.find((call) => call.method === 'POST');
    expect(posted?.body).toMatchObject({
      name: 'alice-laptop',
      team_id: 'team-1',
      budgets: [{ max_limit: 20, reset_duration: '1d', calendar_aligned: true }],
      rate_limit: { request_max_limit: 60, request_reset_duration: '1m', token_max_limit: null },
      denied_models: ['claude-opus-4-1', 'claude-opus-4'],
    });

    const settings = `{\n  "env": {\n    "ANTHROPIC_BASE_URL": "${GATEWAY}",\n    "ANTHROPIC_AUTH_TOKEN": "tg-live-0123456789abcdef"\n  }\n}`;
    expect(within(reveal).getByLabelText('Claude Code settings.json').textContent).toBe(settings);
    expect(JSON.parse(settings)).toEqual({
      env: { ANTHROPIC_BASE_URL: GATEWAY, ANTHROPIC_AUTH_TOKEN: 'tg-live-0123456789abcdef' },
    });
    expect(within(reveal).getByLabelText('Shell exports').textContent).toBe(
      `export ANTHROPIC_BASE_URL=${GATEWAY} ANTHROPIC_AUTH_TOKEN=tg-live-0123456789abcdef`,
    );

    fireEvent.click(within(reveal).getByRole('button', { name: 'Copy Claude Code settings.json' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(settings));
    fireEvent.click(within(reveal).getByRole('button', { name: 'Copy Shell exports' }));
    await waitFor(() =>
      expect(writeText).toHaveBeenLastCalledWith(
        `export ANTHROPIC_BASE_URL=${GATEWAY} ANTHROPIC_AUTH_TOKEN=tg-live-0123456789abcdef`,
      ),
    );

    fireEvent.click(within(reveal).getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.textContent).not.toContain('tg-live-0123456789abcdef');
    const table = screen.getByRole('table', { name: 'Virtual keys' });
    expect(within(table).getByRole('button', { name: 'Edit key alice-laptop' })).toBeTruthy();
    expect(within(table).getByText('Platform')).toBeTruthy();
  });

  it('asks for a name before sending anything to the gateway', async () => {
    const { calls } = fakeGateway({
      ...emptyOrganisation,
      'GET /api/governance/virtual-keys': () => json({ virtual_keys: [], count: 0 }),
    });
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Create key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a key' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));

    expect(await within(dialog).findByText(/Give the key a name/)).toBeTruthy();
    expect(within(dialog).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
  });

  it('shows the gateway’s refusal inside the create dialog and keeps what was typed', async () => {
    fakeGateway({
      ...emptyOrganisation,
      'GET /api/governance/virtual-keys': () => json({ virtual_keys: [], count: 0 }),
      'POST /api/governance/virtual-keys': () =>
        json({ type: 'error', error: { type: 'invalid_request_error', message: 'team_id: no team team-1' } }, 400),
    });
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Create key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a key' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'ci-nightly' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));

    expect((await within(dialog).findByRole('alert')).textContent).toContain('team_id: no team team-1');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Name').value).toBe('ci-nightly');
  });

  it('revokes a key only after confirmation and removes its row', async () => {
    const { calls } = fakeGateway({
      ...emptyOrganisation,
      'GET /api/governance/virtual-keys': () =>
        json({ virtual_keys: [makeKey(), makeKey({ id: 'vk-2', name: 'ci-nightly' })], count: 2 }),
      'DELETE /api/governance/virtual-keys/vk-2': () => json({ message: 'Virtual key deleted.' }),
    });
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Actions for key ci-nightly' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Revoke…' }));
    const confirm = await screen.findByRole('dialog', { name: 'Revoke “ci-nightly”?' });
    expect(calls.filter((call) => call.method === 'DELETE')).toEqual([]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Revoke key' }));

    await waitFor(() => expect(screen.queryByRole('button', { name: 'Edit key ci-nightly' })).toBeNull());
    expect(calls.filter((call) => call.method === 'DELETE').map((call) => call.path)).toEqual([
      '/api/governance/virtual-keys/vk-2',
    ]);
    expect(screen.getByRole('button', { name: 'Edit key alice-laptop' })).toBeTruthy();
  });

  it('brings a disabled key back to active with a visible message when the gateway refuses', async () => {
    fakeGateway({
      ...emptyOrganisation,
      'GET /api/governance/virtual-keys': () => json({ virtual_keys: [makeKey()], count: 1 }),
      'PUT /api/governance/virtual-keys/vk-1': () =>
        json({ type: 'error', error: { type: 'api_error', message: 'The database is locked.' } }, 500),
    });
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Actions for key alice-laptop' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Disable' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Could not save “alice-laptop”: The database is locked\..*undone/);
    expect(screen.queryByText('Disabled')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Actions for key alice-laptop' }));
    expect(screen.getByRole('menuitem', { name: 'Disable' })).toBeTruthy();
  });

  it('rotates a key after confirmation and reveals the new secret', async () => {
    fakeGateway({
      ...emptyOrganisation,
      'GET /api/governance/virtual-keys': () => json({ virtual_keys: [makeKey()], count: 1 }),
      'POST /api/governance/virtual-keys/vk-1/rotate': () =>
        json({
          message: 'Rotated.',
          virtual_key: { ...makeKey({ value_preview: 'tg-new' }), value: 'tg-rotated-secret' },
        }),
    });
    renderPage();

    fireEvent.click(await screen.findByRole('button', { name: 'Actions for key alice-laptop' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Rotate secret…' }));
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Rotate the secret of “alice-laptop”?' })).getByRole('button', {
        name: 'Rotate secret',
      }),
    );

    const reveal = await screen.findByRole('dialog', { name: 'New secret for “alice-laptop”' });
    expect(within(reveal).getByLabelText('Shell exports').textContent).toBe(
      `export ANTHROPIC_BASE_URL=${GATEWAY} ANTHROPIC_AUTH_TOKEN=tg-rotated-secret`,
    );
    expect(within(reveal).getByText(/previous secret has stopped working/)).toBeTruthy();
  });

  it('names every control on the page and in the create dialog', async () => {
    fakeGateway({
      ...emptyOrganisation,
      'GET /api/governance/virtual-keys': () =>
        json({
          virtual_keys: [
            makeKey({
              budgets: [
                {
                  id: 'b1',
                  owner_type: 'virtual_key',
                  owner_id: 'vk-1',
                  max_limit: 20,
                  reset_duration: '1d',
                  calendar_aligned: true,
                  time_zone: 'UTC',
                  current_usage: 12.5,
                  reserved: 0.5,
                  granted: 0,
                  remaining: 7,
                  period_start: '2025-01-01T00:00:00Z',
                  reset_at: '2025-01-02T00:00:00Z',
                  grants: [],
                },
              ],
            }),
          ],
          count: 1,
        }),
    });
    renderPage();
    await screen.findByRole('table', { name: 'Virtual keys' });
    expect(screen.getByRole('meter', { name: 'alice-laptop spend per day' }).getAttribute('aria-valuetext')).toBe(
      '$12.50 of $20.00 (63%), $0.50 reserved',
    );

    fireEvent.click(screen.getAllByRole('button', { name: 'Create key' })[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'Create a key' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add budget' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add remap' }));
    await act(async () => {});

    for (const role of ['button', 'textbox', 'combobox', 'checkbox', 'link', 'menuitem', 'radio'] as const) {
      const named = new Set(screen.queryAllByRole(role, { name: /\S/ }));
      const unnamed = screen.queryAllByRole(role).filter((element) => !named.has(element));
      expect(
        unnamed.map((element) => element.outerHTML.slice(0, 120)),
        `${role}s without an accessible name`,
      ).toEqual([]);
    }
  });
});
