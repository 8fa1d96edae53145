// @vitest-environment jsdom
// Audit retention in the dashboard: Settings' "Audit trail: keep N days" (saved like request
// retention, asking first when it shrinks) and "Archive now", the audit page's banner once the chain
// verifies from a checkpoint, and the entries retention and failed sign-ins leave in the trail.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientConfig } from '../../shared/schemas';
import AuditPage from '../../renderer/src/pages/audit/index';
import { describeEntry } from '../../renderer/src/pages/audit/diff';
import SettingsPage from '../../renderer/src/pages/settings/index';
import {
  initialAuditState,
  useAudit,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditVerification,
} from '../../renderer/src/stores/audit';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialNotificationsState, useNotifications } from '../../renderer/src/stores/notifications';
import { useSession } from '../../renderer/src/stores/session';
import { initialSettingsState, useSettings } from '../../renderer/src/stores/settings';
import { CLIENT_CONFIG, CONNECTION, desktopSettingsRoutes, standInApi, unnamedControls } from './pages-fixtures';

const CHECKPOINT: AuditCheckpoint = {
  at: '2026-11-23T09:30:00.000Z',
  first_id: 1,
  through_id: 3,
  through_hash: 'c'.repeat(64),
  entries: 3,
  archive_file: 'audit-2026-11-23-1-3.jsonl',
  archive_sha256: 'f00dfeed'.repeat(8),
};

const entry = (id: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id,
  at: '2026-11-23T10:10:00.000Z',
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

const SUMMARY_AFTER = {
  count: 299,
  reasons: { admin_token_wrong: 297, admin_token_missing: 2 },
  first_at: '2026-11-23T10:02:10.000Z',
  last_at: '2026-11-23T10:09:55.000Z',
  paths: ['GET /api/config', 'GET /api/audit'],
  window_minutes: 10,
  summary: true,
};

const clock = (iso: string): string =>
  new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

let restoreFetch: () => void = () => undefined;

beforeEach(() => {
  useSession.getState().connect(CONNECTION, CLIENT_CONFIG);
  useSettings.setState(initialSettingsState);
  useAudit.setState(initialAuditState);
  useGateway.setState(initialGatewayState);
  useNotifications.setState(initialNotificationsState);
});

afterEach(() => {
  cleanup();
  restoreFetch();
});

/** The settings routes with PUT /api/config taking the change, and POST /api/audit/archive answering `archive`. */
function settingsApi(
  archive: { archived: number; checkpoint: AuditCheckpoint | null } = { archived: 0, checkpoint: null },
  initial: ClientConfig = CLIENT_CONFIG,
) {
  let config = initial;
  const api = standInApi({
    ...desktopSettingsRoutes(),
    'GET /api/config': () => ({ body: { client_config: config } }),
    'PUT /api/config': ({ body }) => {
      config = { ...config, ...(body as { client_config: Partial<ClientConfig> }).client_config };
      return { body: { client_config: config } };
    },
    'POST /api/audit/archive': () => ({ body: archive }),
    'GET /api/audit': () => ({
      body: { entries: [entry(5, { action: 'audit.archived', actor: 'system' })], next_cursor: null },
    }),
    'GET /api/audit/verify': () => ({
      body: { ok: true, entries: 2, head: 'a'.repeat(64), checkpoint: archive.checkpoint } satisfies AuditVerification,
    }),
  });
  restoreFetch = api.restore;
  return api;
}

const section = (): HTMLElement => screen.getByRole('region', { name: 'Audit trail retention' });

describe('settings › audit trail retention', () => {
  it('saves audit_retention_days through the config update, and says where older entries go', async () => {
    const api = settingsApi();
    render(<SettingsPage />);

    const days = await screen.findByLabelText<HTMLInputElement>('Audit trail: keep');
    expect(days.value).toBe('365');
    expect(unnamedControls()).toEqual([]);
    expect(section().textContent).toMatch(
      /archived whole, as JSON Lines, to the data directory’s audit-archive folder and pruned/,
    );
    expect(section().textContent).toMatch(/verifiable from the checkpoint/);

    fireEvent.change(days, { target: { value: '730' } });
    fireEvent.submit(days.closest('form') as HTMLFormElement);

    await within(section()).findByText('Saved');
    const put = api.calls.find((call) => call.method === 'PUT');
    expect(put?.body).toEqual({ client_config: { audit_retention_days: 730 } });
    expect(useSession.getState().config?.audit_retention_days).toBe(730);
    // Request retention is its own setting and did not move.
    expect(screen.getByLabelText<HTMLInputElement>('Keep requests for').value).toBe('90');
  });

  it('asks before shrinking the audit trail, then archives older entries only once confirmed', async () => {
    const api = settingsApi();
    render(<SettingsPage />);

    const days = await screen.findByLabelText('Audit trail: keep');
    fireEvent.change(days, { target: { value: '30' } });
    fireEvent.submit(days.closest('form') as HTMLFormElement);

    const dialog = await screen.findByRole('dialog', { name: 'Keep only 30 days of audit entries?' });
    expect(dialog.textContent).toMatch(/audit-archive folder/);
    expect(api.calls.some((call) => call.method === 'PUT')).toBe(false);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Archive older than 30 days' }));
    await waitFor(() =>
      expect(api.calls.find((call) => call.method === 'PUT')?.body).toEqual({
        client_config: { audit_retention_days: 30 },
      }),
    );
  });

  it('refuses a number of days past the limit without sending it', async () => {
    const api = settingsApi();
    render(<SettingsPage />);

    const days = await screen.findByLabelText('Audit trail: keep');
    fireEvent.change(days, { target: { value: '40000' } });
    fireEvent.submit(days.closest('form') as HTMLFormElement);

    expect(
      await within(section()).findByText('A whole number of days from 0 to 36500 (0 keeps everything).'),
    ).toBeTruthy();
    expect(api.calls.some((call) => call.method === 'PUT')).toBe(false);
  });

  it('archives on request, names the file, and refreshes the audit trail it had loaded', async () => {
    const api = settingsApi({ archived: 3, checkpoint: CHECKPOINT });
    useAudit.setState({ status: 'ready', entries: [entry(4)], verifyStatus: 'ready' });
    render(<SettingsPage />);

    fireEvent.click(await screen.findByRole('button', { name: 'Archive now' }));

    expect(await within(section()).findByText('Archived 3 entries to audit-2026-11-23-1-3.jsonl.')).toBeTruthy();
    const archive = api.calls.find((call) => call.method === 'POST' && call.path === '/api/audit/archive');
    expect(archive?.body).toEqual({});
    await waitFor(() => expect(useAudit.getState().entries.map((row) => row.id)).toEqual([5]));
    expect(useAudit.getState().verification?.checkpoint).toEqual(CHECKPOINT);
  });

  it('says when nothing was old enough to archive, and leaves an unloaded trail alone', async () => {
    const api = settingsApi({ archived: 0, checkpoint: null });
    render(<SettingsPage />);

    fireEvent.click(await screen.findByRole('button', { name: 'Archive now' }));

    expect(await within(section()).findByText('Nothing older than 365 days.')).toBeTruthy();
    expect(api.calls.some((call) => call.path === '/api/audit' || call.path === '/api/audit/verify')).toBe(false);
  });

  it('offers no archive while the audit trail keeps everything', async () => {
    const keepAll = { ...CLIENT_CONFIG, audit_retention_days: 0 };
    settingsApi(undefined, keepAll);
    useSession.getState().connect(CONNECTION, keepAll);
    render(<SettingsPage />);

    const button = await screen.findByRole<HTMLButtonElement>('button', { name: 'Archive now' });
    expect(button.disabled).toBe(true);
    expect(section().textContent).toMatch(/Kept forever\./);
  });
});

describe('the audit page after retention', () => {
  function auditApi(verification: AuditVerification, entries: AuditEntry[] = [entry(4)]) {
    const api = standInApi({
      'GET /api/audit/verify': () => ({ body: verification }),
      'GET /api/audit': () => ({ body: { entries, next_cursor: null } }),
    });
    restoreFetch = api.restore;
    return api;
  }

  it('says the chain verifies from the checkpoint, and which entries went to which file', async () => {
    auditApi({ ok: true, entries: 42, head: 'abcdef0123456789', checkpoint: CHECKPOINT });
    render(<AuditPage />);

    const banner = await screen.findByRole('region', { name: 'Audit trail verification' });
    await within(banner).findByText('Audit trail intact');
    const text = banner.textContent ?? '';
    expect(text).toContain('All 42 entries verified from checkpoint #3');
    expect(text).toContain('Checkpoint #3 — entries 1–3 archived on');
    expect(text).toContain('audit-2026-11-23-1-3.jsonl');
    expect(text).not.toContain('earlier archives');
  });

  it('mentions the checkpoint when the chain after it is broken', async () => {
    auditApi({
      ok: false,
      entries: 0,
      broken_at: 7,
      reason: 'entries 4 to 6 are missing after the checkpoint: removed without being archived',
      checkpoint: { ...CHECKPOINT, first_id: 2 },
    });
    render(<AuditPage />);

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('heading', { name: 'Audit trail broken at entry #7' })).toBeTruthy();
    const text = alert.textContent ?? '';
    expect(text).toContain('Verification starts at checkpoint #3');
    expect(text).toContain('Checkpoint #3 — entries 2–3 archived on');
    expect(text).toContain('entries before #2 went to earlier archives');
    expect(text).not.toContain('The -1 entries');
  });

  it('reads a failed sign-in summary and an archive entry in words', async () => {
    auditApi({ ok: true, entries: 3, head: 'abcdef0123456789', checkpoint: CHECKPOINT }, [
      entry(6, {
        actor: 'unknown',
        action: 'admin.sign_in_failed',
        target_type: 'route',
        target_id: 'GET /api/config',
        before: null,
        after: SUMMARY_AFTER,
        address: '192.168.1.44',
      }),
      entry(5, {
        actor: 'unknown',
        action: 'admin.sign_in_failed',
        target_type: 'route',
        target_id: 'GET /api/config',
        before: null,
        after: { reason: 'admin_token_wrong', count: 1 },
        address: '192.168.1.44',
      }),
      entry(4, {
        actor: 'system',
        action: 'audit.archived',
        target_type: 'audit',
        target_id: CHECKPOINT.archive_file,
        before: null,
        after: { ...CHECKPOINT, retention_days: 365 },
        address: null,
      }),
    ]);
    render(<AuditPage />);

    const summary = await screen.findByText(/^Admin sign in failed ×299/);
    expect(summary.textContent).toBe(
      `Admin sign in failed ×299 · ${clock(SUMMARY_AFTER.first_at)}–${clock(SUMMARY_AFTER.last_at)} · 2 paths`,
    );
    expect(summary.getAttribute('title')).toBe('297 with a wrong admin token, 2 with no admin token');
    // The first failure of a window keeps its plain name.
    const first = document.getElementById('audit-entry-5') as HTMLElement;
    expect(within(first).getByText('Admin sign in failed')).toBeTruthy();
    const archived = document.getElementById('audit-entry-4') as HTMLElement;
    expect(within(archived).getByText('Archived audit entries')).toBeTruthy();
    expect(within(archived).getByText(CHECKPOINT.archive_file)).toBeTruthy();
  });

  it('describes other entries as before', () => {
    expect(describeEntry({ action: 'updateVirtualKey', after: null })).toBe('Updated virtual key');
    expect(describeEntry({ action: 'admin.sign_in_failed', after: { reason: 'admin_token_missing', count: 1 } })).toBe(
      'Admin sign in failed',
    );
    expect(
      describeEntry({
        action: 'admin.sign_in_failed',
        after: { ...SUMMARY_AFTER, count: 1200, paths: ['GET /'], last_at: SUMMARY_AFTER.first_at },
      }),
    ).toBe(`Admin sign in failed ×${(1200).toLocaleString()} · ${clock(SUMMARY_AFTER.first_at)} · 1 path`);
  });
});
