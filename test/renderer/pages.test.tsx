// @vitest-environment jsdom
// The settings, audit, models and providers pages against a stand-in admin API: optimistic settings
// that roll back on refusal, the audit verification banner, and the price override form's checks.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { ClientConfig } from '../../shared/schemas';
import AuditPage from '../../renderer/src/pages/audit/index';
import ModelsPage from '../../renderer/src/pages/models/index';
import ProvidersPage from '../../renderer/src/pages/providers/index';
import SettingsPage from '../../renderer/src/pages/settings/index';
import { initialAuditState, useAudit, type AuditEntry, type AuditVerification } from '../../renderer/src/stores/audit';
import {
  initialPricingState,
  usePricing,
  validateOverride,
  type PricingTable,
} from '../../renderer/src/stores/pricing';
import { initialProvidersState, useProviders } from '../../renderer/src/stores/providers';
import { useSession } from '../../renderer/src/stores/session';
import { initialSettingsState, useSettings } from '../../renderer/src/stores/settings';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialNotificationsState, useNotifications } from '../../renderer/src/stores/notifications';
import {
  CLIENT_CONFIG,
  CONNECTION,
  desktopSettingsRoutes,
  refusal,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

let restoreFetch: () => void = () => undefined;

beforeEach(() => {
  useSession.getState().connect(CONNECTION, CLIENT_CONFIG);
  useSettings.setState(initialSettingsState);
  useAudit.setState(initialAuditState);
  usePricing.setState(initialPricingState);
  useProviders.setState(initialProvidersState);
  useGateway.setState(initialGatewayState);
  useNotifications.setState(initialNotificationsState);
});

afterEach(() => {
  cleanup();
  restoreFetch();
});

describe('the settings page', () => {
  it('shows a change at once, then puts the old value back and says why when the gateway refuses it', async () => {
    let refuse: () => void = () => undefined;
    const api = standInApi({
      ...desktopSettingsRoutes(),
      'GET /api/config': () => ({ body: { client_config: CLIENT_CONFIG } }),
      'PUT /api/config': () =>
        new Promise((resolve) => {
          refuse = () => resolve(refusal(503, 'The settings file is read-only.'));
        }),
    });
    restoreFetch = api.restore;
    render(<SettingsPage />);

    const capture = await screen.findByRole<HTMLInputElement>('switch', { name: 'Store prompts and responses' });
    expect(capture.checked).toBe(true);
    expect(unnamedControls()).toEqual([]);

    fireEvent.click(capture);

    // Optimistic: off before the gateway has answered.
    expect(capture.checked).toBe(false);
    expect(screen.getByText('Saving…')).toBeTruthy();
    await waitFor(() => expect(api.calls.some((call) => call.method === 'PUT')).toBe(true));
    expect(api.calls.find((call) => call.method === 'PUT')?.body).toEqual({
      client_config: { capture_content: false },
    });

    await act(async () => {
      refuse();
      await Promise.resolve();
    });
    await waitFor(() => expect(useSettings.getState().pending.size).toBe(0));

    expect(screen.getByRole<HTMLInputElement>('switch', { name: 'Store prompts and responses' }).checked).toBe(true);
    expect(useSession.getState().config?.capture_content).toBe(true);
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText(/The settings file is read-only\. The previous value is back\./)).toBeTruthy();
  });

  it('keeps a change the gateway accepts and takes the value the gateway answered with', async () => {
    const api = standInApi({
      ...desktopSettingsRoutes(),
      'GET /api/config': () => ({ body: { client_config: CLIENT_CONFIG } }),
      'PUT /api/config': ({ body }) => ({
        body: {
          client_config: { ...CLIENT_CONFIG, ...(body as { client_config: Partial<ClientConfig> }).client_config },
        },
      }),
    });
    restoreFetch = api.restore;
    render(<SettingsPage />);

    const days = await screen.findByLabelText('Keep requests for');
    fireEvent.change(days, { target: { value: '365' } });
    fireEvent.submit(days.closest('form') as HTMLFormElement);

    await screen.findByText('Saved');
    expect(useSession.getState().config?.retention_days).toBe(365);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('asks before shortening retention, since older requests are deleted', async () => {
    const api = standInApi({
      ...desktopSettingsRoutes(),
      'GET /api/config': () => ({ body: { client_config: CLIENT_CONFIG } }),
    });
    restoreFetch = api.restore;
    render(<SettingsPage />);

    const days = await screen.findByLabelText('Keep requests for');
    fireEvent.change(days, { target: { value: '7' } });
    fireEvent.submit(days.closest('form') as HTMLFormElement);

    expect(await screen.findByRole('dialog', { name: 'Keep only 7 days of requests?' })).toBeTruthy();
    expect(api.calls.some((call) => call.method === 'PUT')).toBe(false);
  });
});

describe('the audit page', () => {
  const entry = (id: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
    id,
    at: '2026-11-23T09:00:00.000Z',
    actor: 'admin',
    action: 'updateVirtualKey',
    target_type: 'virtual-keys',
    target_id: `vk_${id}`,
    before: { name: 'ci', budgets: [{ max_limit: 20 }] },
    after: { name: 'ci', budgets: [{ max_limit: 50 }] },
    address: '127.0.0.1',
    hash: `hash${id}`,
    ...overrides,
  });

  function auditApi(
    verification: AuditVerification,
    pages: Record<string, { entries: AuditEntry[]; next_cursor: string | null }>,
  ) {
    return standInApi({
      'GET /api/audit/verify': () => ({ body: verification }),
      'GET /api/audit': ({ query }) => ({
        body: pages[query.get('cursor') ?? 'first'] ?? { entries: [], next_cursor: null },
      }),
    });
  }

  it('says the trail is intact when the hash chain verifies', async () => {
    const api = auditApi(
      { ok: true, entries: 2, head: 'abcdef0123456789', checkpoint: null },
      { first: { entries: [entry(2), entry(1)], next_cursor: null } },
    );
    restoreFetch = api.restore;
    render(<AuditPage />);

    const banner = await screen.findByRole('region', { name: 'Audit trail verification' });
    await within(banner).findByText('Audit trail intact');
    expect(within(banner).getByText('abcdef012345')).toBeTruthy();
    expect(screen.queryByText(/broken/)).toBeNull();
  });

  it('names the entry where the chain breaks and finds it in older pages on request', async () => {
    const api = auditApi(
      {
        ok: false,
        entries: 3,
        broken_at: 3,
        reason: 'its content does not match its hash: this entry was changed',
        checkpoint: null,
      },
      {
        first: { entries: [entry(5), entry(4)], next_cursor: '4' },
        '4': { entries: [entry(3), entry(2)], next_cursor: null },
      },
    );
    restoreFetch = api.restore;
    // jsdom lays nothing out and has no scrollIntoView; record where the page scrolls instead.
    const scrolledTo: Element[] = [];
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolledTo.push(this);
    };
    onTestFinished(() => void Reflect.deleteProperty(Element.prototype, 'scrollIntoView'));
    render(<AuditPage />);

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('heading', { name: 'Audit trail broken at entry #3' })).toBeTruthy();
    expect(within(alert).getByText(/its content does not match its hash/)).toBeTruthy();

    fireEvent.click(within(alert).getByRole('button', { name: 'Show entry #3' }));
    await waitFor(() => expect(document.getElementById('audit-entry-3')).not.toBeNull());
    const row = document.getElementById('audit-entry-3') as HTMLElement;
    expect(unnamedControls()).toEqual([]);
    expect(within(row).getByText('fails verification')).toBeTruthy();
    // Opened on arrival, with what it changed.
    // The row opens in an effect after it arrives; wait for it rather than race it on a busy machine.
    expect(await screen.findByRole('rowheader', { name: 'budgets[0].max_limit' })).toBeTruthy();
    expect(api.calls.some((call) => call.query.get('cursor') === '4')).toBe(true);
    await waitFor(() => expect(scrolledTo).toContain(row));
  });
});

describe('the price override form', () => {
  const table: PricingTable = {
    table_version: 'anthropic-2026-11-23',
    models: [
      {
        model: 'claude-fable-5-2',
        family: 'fable',
        display_name: 'Claude Fable 5.2',
        aliases: [],
        current: {
          id: 1,
          model: 'claude-fable-5-2',
          source: 'builtin',
          effective_from: '2026-11-09T00:00:00.000Z',
          input: 8,
          output: 40,
          cache_write_5m: 10,
          cache_write_1h: 16,
          cache_read: 0.2,
          bands: [],
          note: null,
          retired_at: null,
        },
        history: [],
      },
    ],
  };

  it('refuses negative rates, empty rates and bands without a threshold, naming each field', () => {
    const result = validateOverride({
      rates: { input: '-1', output: '', cache_write_5m: '10', cache_write_1h: '16', cache_read: '0.2' },
      bands: [
        {
          above_prompt_tokens: '',
          rates: { input: '6', output: '22.5', cache_write_5m: '7.5', cache_write_1h: '12', cache_read: '0.6' },
        },
      ],
      note: '',
    });
    expect(result).toEqual({
      ok: false,
      errors: { input: 'Cannot be negative', output: 'Required', 'bands.0.above_prompt_tokens': 'Required' },
    });
  });

  it('shows what is wrong next to the field and sends nothing until it is fixed, then saves and confirms', async () => {
    const puts: RecordedCall[] = [];
    const api = standInApi({
      'GET /api/pricing': () => ({ body: table }),
      'GET /api/stats/spend': () => ({
        body: {
          bucket: 'day',
          group: 'model',
          groups: [{ id: 'claude-fable-5-2', name: 'Claude Fable 5.2', total: 12.5 }],
          points: [],
        },
      }),
      'PUT /api/pricing/overrides/:model': (call) => {
        puts.push(call);
        return { body: { message: 'Requests for claude-fable-5-2 are priced with the override from now on.' } };
      },
    });
    restoreFetch = api.restore;
    render(<ModelsPage />);

    fireEvent.click(await screen.findByRole('button', { name: 'Override the price of Claude Fable 5.2' }));
    const dialog = await screen.findByRole('dialog');
    const input = within(dialog).getByLabelText('Input');
    fireEvent.change(input, { target: { value: '-3' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save override' }));

    expect(await within(dialog).findByText('Cannot be negative')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(within(dialog).getByRole('alert').textContent).toBe('One field needs attention.');
    expect(unnamedControls()).toEqual([]);
    expect(puts).toHaveLength(0);

    fireEvent.change(input, { target: { value: '6' } });
    expect(within(dialog).getByText('Input:', { exact: false }).textContent).toContain('$6.00');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save override' }));

    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]?.path).toBe('/api/pricing/overrides/claude-fable-5-2');
    expect(puts[0]?.body).toEqual({ input: 6, output: 40, cache_write_5m: 10, cache_write_1h: 16, cache_read: 0.2 });
    const confirmation = await screen.findByText('Price table updated');
    expect(confirmation.closest('[role="status"]')?.textContent).toContain('priced with the override from now on');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});

describe('the providers page', () => {
  const provider = {
    provider: 'anthropic',
    base_url: null,
    effective_base_url: 'https://api.anthropic.com',
    keys: [{ id: 'k1', name: 'primary', value: 'sk-ant-…wxyz', weight: 1, source: 'literal' }],
    created_at: '2026-11-20T00:00:00.000Z',
    updated_at: '2026-11-20T00:00:00.000Z',
  };

  it('shows the key masked and reports what a connection test found', async () => {
    const api = standInApi({
      'GET /api/providers': () => ({ body: { providers: [provider], total: 1 } }),
      'POST /api/providers/:provider/test': () => ({
        body: { ok: false, status: 401, latency_ms: 184, message: 'Anthropic rejected the key: invalid x-api-key.' },
      }),
    });
    restoreFetch = api.restore;
    render(<ProvidersPage />);

    expect(await screen.findByText('sk-ant-…wxyz')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));

    const result = await screen.findByText('Anthropic rejected the key: invalid x-api-key.');
    expect(result.closest('.providers-test')?.textContent).toContain('Failed');
    expect(result.closest('.providers-test')?.textContent).toContain('HTTP 401');
    expect(unnamedControls()).toEqual([]);
  });

  it('replaces the key with what was typed and never sends an empty one', async () => {
    const puts: RecordedCall[] = [];
    const api = standInApi({
      'GET /api/providers': () => ({ body: { providers: [provider], total: 1 } }),
      'PUT /api/providers/:provider': (call) => {
        puts.push(call);
        return { body: { ...provider, keys: [{ ...provider.keys[0], value: 'sk-ant-…9999' }] } };
      },
    });
    restoreFetch = api.restore;
    render(<ProvidersPage />);

    fireEvent.click(await screen.findByRole('button', { name: 'Replace the Anthropic API key' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Paste the key, or env.VARIABLE_NAME')).toBeTruthy();
    expect(puts).toHaveLength(0);

    fireEvent.change(within(dialog).getByLabelText('API key'), { target: { value: 'sk-ant-api03-new-9999' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(await screen.findByText('sk-ant-…9999')).toBeTruthy();
    expect(puts[0]?.body).toEqual({ keys: [{ name: 'primary', value: 'sk-ant-api03-new-9999' }] });
  });
});
