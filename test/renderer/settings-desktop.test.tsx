// @vitest-environment jsdom
// Settings › LAN sharing and Notifications against a stand-in admin API: what each control sends,
// the confirmations before the risky changes (plain HTTP, remote admin), the warnings while they are
// on, what teammates are told to use, and a refused change coming back with the reason.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import SettingsPage from '../../renderer/src/pages/settings/index';
import { initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialNotificationsState, useNotifications } from '../../renderer/src/stores/notifications';
import { useSession } from '../../renderer/src/stores/session';
import { initialSettingsState, useSettings } from '../../renderer/src/stores/settings';
import type { LanSettings, LanStatus, NotificationSettings } from '../../shared/schemas';
import {
  CLIENT_CONFIG,
  CONNECTION,
  gatewayStatus,
  lanStatus,
  NOTIFICATIONS,
  refusal,
  sharingLan,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

let restoreFetch: () => void = () => undefined;

/** A gateway whose LAN state changes as PUT /api/lan says, through `answer` (default: accept). */
function settingsApi(
  initial: LanStatus,
  answer: (change: Partial<LanSettings>, lan: LanStatus) => { status?: number; body: unknown } = (change, lan) => ({
    body: applied(lan, change),
  }),
  notifications: Partial<Record<string, (call: RecordedCall) => { status?: number; body: unknown }>> = {},
) {
  let lan = initial;
  const stand = standInApi({
    'GET /api/config': () => ({ body: { client_config: CLIENT_CONFIG } }),
    'GET /api/gateway/status': () => ({ body: gatewayStatus({ lan }) }),
    'GET /api/notifications': () => ({ body: NOTIFICATIONS }),
    'PUT /api/lan': (call) => {
      const reply = answer(call.body as Partial<LanSettings>, lan);
      if ((reply.status ?? 200) < 400) lan = reply.body as LanStatus;
      return reply;
    },
    ...(notifications as Record<string, (call: RecordedCall) => { status?: number; body: unknown }>),
  });
  restoreFetch = stand.restore;
  return {
    ...stand,
    puts: () =>
      stand.calls.filter((call) => call.method === 'PUT' && call.path === '/api/lan').map((call) => call.body),
  };
}

/** What the gateway would answer after a change: listening with TLS when on, nothing when off. */
function applied(before: LanStatus, change: Partial<LanSettings>): LanStatus {
  const settings = { ...before.settings, ...change };
  if (!settings.enabled) return lanStatus({}, settings);
  const scheme = settings.tls ? 'https' : 'http';
  const addresses = settings.address ? [settings.address] : before.available_addresses;
  return sharingLan(
    {
      urls: addresses.map((address) => `${scheme}://${address}:${settings.port ?? 4141}`),
      ...(!settings.tls && { ca_certificate_url: null, ca_certificate_path: null, ca_fingerprint_sha256: null }),
      warning:
        [
          ...(settings.tls
            ? []
            : ['LAN sharing uses plain HTTP: virtual keys, prompts and answers cross the network unencrypted.']),
          ...(settings.remote_admin
            ? ['Remote admin is on: the admin API and dashboard answer on the LAN to anyone holding the admin token.']
            : []),
        ].join(' ') || null,
    },
    settings,
  );
}

async function lanSection() {
  render(<SettingsPage />);
  return screen.findByRole('region', { name: 'LAN sharing' }).then(async (section) => {
    await within(section).findByRole('switch', { name: 'Share this gateway on the LAN' });
    return section;
  });
}

beforeEach(() => {
  useSession.getState().connect(CONNECTION, CLIENT_CONFIG);
  useSettings.setState(initialSettingsState);
  useGateway.setState(initialGatewayState);
  useNotifications.setState(initialNotificationsState);
});

afterEach(() => {
  cleanup();
  restoreFetch();
});

describe('LAN sharing settings', () => {
  it('turns sharing on and shows the URLs teammates use and the CA certificate they trust', async () => {
    const api = settingsApi(lanStatus());
    const section = await lanSection();
    expect(within(section).getByText(/Only this computer can reach the gateway/)).toBeTruthy();
    expect(unnamedControls()).toEqual([]);

    fireEvent.click(within(section).getByRole('switch', { name: 'Share this gateway on the LAN' }));
    expect(within(section).getByText('Applying…')).toBeTruthy();

    await within(section).findByText('https://192.168.1.20:4141');
    expect(within(section).getByText('https://10.0.0.7:4141')).toBeTruthy();
    expect(api.puts()).toEqual([{ enabled: true }]);
    expect(within(section).getByRole('button', { name: 'Copy https://192.168.1.20:4141' })).toBeTruthy();
    // The dashboard may be on file:// in the desktop window: the link points at the gateway itself.
    expect(within(section).getByRole('link', { name: 'Download the CA certificate' }).getAttribute('href')).toBe(
      `${CONNECTION.apiBase}/tollgate-ca.pem`,
    );
    expect(within(section).getByText('AB:CD:EF:01:23:45:67:89')).toBeTruthy();
    expect(within(section).getByText('/home/alice/.config/Tollgate/tls/ca.pem')).toBeTruthy();
    expect(unnamedControls()).toEqual([]);
  });

  it('asks before turning TLS off, then warns that traffic crosses the network in the clear', async () => {
    const api = settingsApi(sharingLan());
    const section = await lanSection();
    const tls = within(section).getByRole<HTMLInputElement>('switch', { name: 'Encrypt LAN traffic with TLS' });
    expect(tls.checked).toBe(true);

    fireEvent.click(tls);
    const confirm = await screen.findByRole('dialog', { name: 'Share over plain HTTP?' });
    expect(api.puts()).toEqual([]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Turn TLS off' }));

    await within(section).findByText('http://192.168.1.20:4141');
    expect(api.puts()).toEqual([{ tls: false }]);
    expect(
      within(section).getByRole<HTMLInputElement>('switch', { name: 'Encrypt LAN traffic with TLS' }).checked,
    ).toBe(false);
    expect(within(section).getByText(/Keys, prompts and answers cross the network as plain HTTP/)).toBeTruthy();
    expect(within(section).getByRole('note').textContent).toContain('LAN sharing uses plain HTTP');
    expect(within(section).queryByRole('link', { name: 'Download the CA certificate' })).toBeNull();
  });

  it('keeps TLS on when the person cancels', async () => {
    const api = settingsApi(sharingLan());
    const section = await lanSection();
    fireEvent.click(within(section).getByRole('switch', { name: 'Encrypt LAN traffic with TLS' }));
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Share over plain HTTP?' })).getByRole('button', {
        name: 'Cancel',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(
      within(section).getByRole<HTMLInputElement>('switch', { name: 'Encrypt LAN traffic with TLS' }).checked,
    ).toBe(true);
    expect(api.puts()).toEqual([]);
  });

  it('asks before allowing remote admin and warns while it is on', async () => {
    const api = settingsApi(sharingLan());
    const section = await lanSection();

    fireEvent.click(within(section).getByRole('switch', { name: 'Allow remote admin' }));
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Allow remote admin?' })).getByRole('button', {
        name: 'Allow remote admin',
      }),
    );

    await within(section).findByRole('note');
    expect(api.puts()).toEqual([{ remote_admin: true }]);
    expect(within(section).getByText(/answer on the LAN to anyone with the admin token/)).toBeTruthy();
    expect(within(section).getByRole('note').textContent).toContain('Remote admin is on');

    // Turning it off needs no confirmation: it only takes access away.
    fireEvent.click(within(section).getByRole('switch', { name: 'Allow remote admin' }));
    await waitFor(() => expect(api.puts()).toEqual([{ remote_admin: true }, { remote_admin: false }]));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('pins the listener to one of this computer’s addresses, or listens on all of them', async () => {
    const api = settingsApi(sharingLan());
    const section = await lanSection();
    const address = within(section).getByLabelText<HTMLSelectElement>('Listen on');
    expect([...address.options].map((option) => option.textContent)).toEqual([
      'Every LAN address of this computer',
      '192.168.1.20',
      '10.0.0.7',
    ]);

    fireEvent.change(address, { target: { value: '10.0.0.7' } });
    await within(section).findByText('https://10.0.0.7:4141');
    expect(within(section).queryByText('https://192.168.1.20:4141')).toBeNull();

    fireEvent.change(within(section).getByLabelText('Listen on'), { target: { value: '' } });
    await within(section).findByText('https://192.168.1.20:4141');
    expect(api.puts()).toEqual([{ address: '10.0.0.7' }, { address: null }]);
  });

  it('asks before an address the server certificate does not cover, since signed-in teammates must /login again', async () => {
    const api = settingsApi(
      sharingLan({ server_fingerprint_sha256: 'AB:12', server_certificate_covers: ['192.168.1.20', 'alice-laptop'] }),
    );
    const section = await lanSection();
    expect(section.textContent).toMatch(
      /pins this computer’s server certificate, SHA-256 AB:12, which covers 192\.168\.1\.20, alice-laptop/,
    );

    fireEvent.change(within(section).getByLabelText('Listen on'), { target: { value: '10.0.0.7' } });
    const dialog = await screen.findByRole('dialog', { name: 'Issue a new server certificate?' });
    expect(dialog.textContent).toMatch(/does not cover 10\.0\.0\.7/);
    expect(dialog.textContent).toMatch(/will have to run \/login again/);
    expect(api.puts()).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Issue it and switch' }));
    await waitFor(() => expect(api.puts()).toEqual([{ address: '10.0.0.7' }]));
  });

  it('switches to an address the certificate covers without asking', async () => {
    const api = settingsApi(
      sharingLan({ server_fingerprint_sha256: 'AB:12', server_certificate_covers: ['192.168.1.20', '10.0.0.7'] }),
    );
    const section = await lanSection();
    fireEvent.change(within(section).getByLabelText('Listen on'), { target: { value: '10.0.0.7' } });
    await waitFor(() => expect(api.puts()).toEqual([{ address: '10.0.0.7' }]));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says how many signed-in teammates a replaced certificate strands, and where to see who', async () => {
    settingsApi(sharingLan({ server_fingerprint_sha256: 'CD:34', sign_ins_pinned_to_old_certificate: 2 }));
    const section = await lanSection();
    const warning = within(section)
      .getByText(/The server certificate changed/)
      .closest('[role="status"]') as HTMLElement;
    expect(warning.textContent).toMatch(/2 teammates signed in with \/login must run \/login again/);
    expect(within(warning).getByRole('link', { name: 'See who on the Sign-ins page' }).getAttribute('href')).toBe(
      '#/sign-ins',
    );
  });

  it('keeps a pinned address that this computer no longer has, and says so', async () => {
    settingsApi(
      sharingLan(
        { listening: false, urls: [], error: 'Address 172.16.0.9 is not on this computer.' },
        { address: '172.16.0.9' },
      ),
    );
    const section = await lanSection();
    const address = within(section).getByLabelText<HTMLSelectElement>('Listen on');
    expect(address.value).toBe('172.16.0.9');
    expect(address.selectedOptions[0]?.textContent).toBe('172.16.0.9 (not on this computer now)');
    const alert = within(section).getByRole('alert');
    expect(alert.textContent).toContain('Sharing is on but not listening');
    expect(alert.textContent).toContain('Address 172.16.0.9 is not on this computer.');
  });

  it('saves a port, goes back to this computer’s port when emptied, and refuses one out of range', async () => {
    const api = settingsApi(sharingLan());
    const section = await lanSection();
    const port = within(section).getByLabelText<HTMLInputElement>('Port');
    expect(port.placeholder).toBe('4141');
    expect(within(section).getByText('Empty uses 4141, the port this computer’s Claude Code uses.')).toBeTruthy();

    fireEvent.change(port, { target: { value: '70000' } });
    fireEvent.submit(port.closest('form') as HTMLFormElement);
    expect(within(section).getByText(/A port from 1 to 65535/)).toBeTruthy();
    expect(api.puts()).toEqual([]);

    fireEvent.change(port, { target: { value: '8443' } });
    fireEvent.submit(port.closest('form') as HTMLFormElement);
    await within(section).findByText('https://192.168.1.20:8443');

    fireEvent.change(within(section).getByLabelText('Port'), { target: { value: '' } });
    fireEvent.submit(port.closest('form') as HTMLFormElement);
    await within(section).findByText('https://192.168.1.20:4141');
    expect(api.puts()).toEqual([{ port: 8443 }, { port: null }]);
  });

  it('puts a refused change back and says why', async () => {
    settingsApi(lanStatus(), () => refusal(409, 'Port 4141 is already in use on 192.168.1.20.'));
    const section = await lanSection();

    fireEvent.click(within(section).getByRole('switch', { name: 'Share this gateway on the LAN' }));
    const alert = await within(section).findByRole('alert');
    expect(alert.textContent).toContain('That change was not applied');
    expect(alert.textContent).toContain('Port 4141 is already in use on 192.168.1.20. The previous value is back.');
    expect(
      within(section).getByRole<HTMLInputElement>('switch', { name: 'Share this gateway on the LAN' }).checked,
    ).toBe(false);
    expect(within(section).getByText('Not saved')).toBeTruthy();
  });
});

describe('notification settings', () => {
  it('switches one kind of notification off and sends only that', async () => {
    const { calls } = settingsApi(lanStatus(), undefined, {
      'PUT /api/notifications': ({ body }) => ({
        body: { ...NOTIFICATIONS, ...(body as Partial<NotificationSettings>) },
      }),
    });
    render(<SettingsPage />);
    const section = await screen.findByRole('region', { name: 'Notifications' });
    const refusals = await within(section).findByRole<HTMLInputElement>('switch', {
      name: 'A key keeps being refused',
    });
    expect(
      within(section)
        .getAllByRole('switch')
        .map((element) => (element as HTMLInputElement).checked),
    ).toEqual([true, true, true, true]);
    expect(
      within(section)
        .getAllByRole('switch')
        .map((element) => element.getAttribute('aria-describedby')),
    ).not.toContain(null);

    fireEvent.click(refusals);
    expect(refusals.checked).toBe(false);
    await waitFor(() => expect(useNotifications.getState().pending.size).toBe(0));
    expect(
      calls.filter((call) => call.path === '/api/notifications' && call.method === 'PUT').map((call) => call.body),
    ).toEqual([{ key_refusals: false }]);
    expect(useNotifications.getState().settings).toEqual({ ...NOTIFICATIONS, key_refusals: false });
    expect(unnamedControls()).toEqual([]);
  });

  it('puts a refused switch back and says why', async () => {
    settingsApi(lanStatus(), undefined, {
      'PUT /api/notifications': () => refusal(503, 'The settings table is locked.'),
    });
    render(<SettingsPage />);
    const section = await screen.findByRole('region', { name: 'Notifications' });
    const budgets = await within(section).findByRole<HTMLInputElement>('switch', {
      name: 'A budget reaches 80 % or 100 %',
    });

    fireEvent.click(budgets);
    const alert = await within(section).findByRole('alert');
    expect(alert.textContent).toContain('The settings table is locked. The previous value is back.');
    expect(
      within(section).getByRole<HTMLInputElement>('switch', { name: 'A budget reaches 80 % or 100 %' }).checked,
    ).toBe(true);
  });

  it('says the store notification is always on, with no switch of its own', async () => {
    settingsApi(lanStatus());
    render(<SettingsPage />);
    const section = await screen.findByRole('region', { name: 'Notifications' });
    expect(
      await within(section).findByText(/^Always on: Tollgate tells you when it cannot write its store/),
    ).toBeTruthy();
    expect(within(section).getAllByRole('switch')).toHaveLength(4);
  });

  it('tells a browser that the desktop app shows these, not the browser', async () => {
    settingsApi(lanStatus());
    render(<SettingsPage />);
    const section = await screen.findByRole('region', { name: 'Notifications' });
    expect(section.textContent).toContain('the browser dashboard shows none');
  });
});
