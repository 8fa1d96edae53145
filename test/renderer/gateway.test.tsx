// @vitest-environment jsdom
// The running gateway in the dashboard: the status poll (every few seconds, never from a hidden tab),
// the banner while the store cannot write, the paused banner with Resume, the Pause control, the LAN
// badge, and the snippets a key reveal offers for this computer or a teammate on the LAN.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/src/App';
import KeysPage from '../../renderer/src/pages/keys/index';
import { endpointsFor, initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialKeysState, useKeys } from '../../renderer/src/stores/keys';
import { initialOnboardingState, useOnboarding } from '../../renderer/src/stores/onboarding';
import { initialOrganisationState, useOrganisation } from '../../renderer/src/stores/organisation';
import { initialOverviewState, useOverview } from '../../renderer/src/stores/overview';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { useToasts } from '../../renderer/src/stores/toasts';
import type { GatewayStatus } from '../../shared/schemas';
import {
  CONNECTION,
  gatewayStatus,
  lanStatus,
  makeKey,
  quietOverview,
  refusal,
  sharingLan,
  standInApi,
  unnamedControls,
  type RecordedCall,
} from './pages-fixtures';

let restoreFetch: () => void = () => undefined;
let visibility: DocumentVisibilityState = 'visible';
/** Stopped after every test, so a failed test leaves no poller listening for the next one. */
let stopPolling: () => void = () => undefined;

function api(routes: Parameters<typeof standInApi>[0]) {
  const stand = standInApi(routes);
  restoreFetch = stand.restore;
  return stand;
}

function setVisibility(state: DocumentVisibilityState): void {
  visibility = state;
  document.dispatchEvent(new Event('visibilitychange'));
}

/**
 * Waits for a condition without moving the fake clock (vi.waitFor would advance it): lets I/O and
 * microtasks run, up to a bounded number of turns. Only setTimeout is faked, so a message-channel
 * turn is a real one.
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

const statusCalls = (calls: RecordedCall[]) => calls.filter((call) => call.path === '/api/gateway/status').length;

/** The routes the shell and the overview need, with the gateway status a test chooses. */
function shellRoutes(
  status: () => GatewayStatus,
  extra: Parameters<typeof standInApi>[0] = {},
): Parameters<typeof standInApi>[0] {
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
    'GET /api/onboarding': () => ({
      body: { needed: false, has_provider_key: true, virtual_keys: 1, completed_at: '2026-11-01T00:00:00.000Z' },
    }),
    'GET /api/gateway/status': () => ({ body: status() }),
    'GET /api/stats/overview': () => ({
      body: quietOverview({ spend: { today: 1, week: 1, month: 1 }, requests: { today: 1, week: 1, month: 1 } }),
    }),
    'GET /api/stats/spend': () => ({ body: { bucket: 'day', group: 'team', groups: [], points: [] } }),
    'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [makeKey()], count: 1 } }),
    ...extra,
  };
}

beforeEach(() => {
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
  sessionStorage.clear();
  window.history.replaceState(null, '', '/dashboard/');
  useSession.setState(initialSessionState);
  useGateway.setState(initialGatewayState);
  useOnboarding.setState(initialOnboardingState);
  useKeys.setState(initialKeysState);
  useOrganisation.setState(initialOrganisationState);
  useOverview.setState(initialOverviewState);
  useToasts.setState({ toasts: [] });
});

afterEach(() => {
  stopPolling();
  stopPolling = () => undefined;
  cleanup();
  vi.useRealTimers();
  restoreFetch();
  delete window.tollgate;
});

describe('the gateway status store', () => {
  beforeEach(() => useSession.getState().connect(CONNECTION));

  it('asks for the status at once and then every five seconds while the tab is visible', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { calls } = api({ 'GET /api/gateway/status': () => ({ body: gatewayStatus() }) });
    stopPolling = useGateway.getState().startPolling();
    await settle(() => useGateway.getState().status !== null);
    expect(useGateway.getState().status?.local_url).toBe(CONNECTION.apiBase);
    expect(statusCalls(calls)).toBe(1);

    await vi.advanceTimersByTimeAsync(4999);
    expect(statusCalls(calls)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(statusCalls(calls)).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(statusCalls(calls)).toBe(3);

    stopPolling();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(statusCalls(calls)).toBe(3);
  });

  it('stops asking while the tab is hidden and asks again the moment it is shown', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answered = 0;
    const { calls } = api({
      'GET /api/gateway/status': () => ({
        body: gatewayStatus({ today: { time_zone: 'UTC', spend: 0, requests: ++answered, top_spenders: [] } }),
      }),
    });
    stopPolling = useGateway.getState().startPolling();
    await settle(() => useGateway.getState().status !== null);

    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(statusCalls(calls)).toBe(1);

    setVisibility('visible');
    expect(statusCalls(calls)).toBe(2);
    await settle(() => useGateway.getState().status?.today.requests === 2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(statusCalls(calls)).toBe(3);
  });

  it('keeps the last status when a poll fails, so a paused gateway keeps its banner', async () => {
    let up = true;
    api({
      'GET /api/gateway/status': () => (up ? { body: gatewayStatus({ paused: true }) } : refusal(502, 'Bad gateway')),
    });
    await useGateway.getState().refresh();
    up = false;
    await useGateway.getState().refresh();
    expect(useGateway.getState().status?.paused).toBe(true);
    expect(useGateway.getState().error).toBe('Bad gateway');
  });

  it('ignores a poll that started before a pause was answered', async () => {
    let answerPoll: (reply: { body: unknown }) => void = () => undefined;
    api({
      'GET /api/gateway/status': () => new Promise((resolve) => (answerPoll = resolve)),
      'POST /api/gateway/pause': () => ({
        body: gatewayStatus({ paused: true, paused_at: '2026-11-23T10:00:00.000Z' }),
      }),
    });
    const poll = useGateway.getState().refresh();
    expect(await useGateway.getState().pause()).toBe(true);
    answerPoll({ body: gatewayStatus({ paused: false }) });
    await poll;
    expect(useGateway.getState().status?.paused).toBe(true);
  });

  it('applies a LAN change at once and puts it back with the reason when the gateway refuses it', async () => {
    let refuse = false;
    const { calls } = api({
      'GET /api/gateway/status': () => ({ body: gatewayStatus() }),
      'PUT /api/lan': ({ body }) =>
        refuse
          ? refusal(409, 'Port 4141 is in use on 192.168.1.20.')
          : { body: sharingLan({}, body as Partial<GatewayStatus['lan']['settings']>) },
    });
    await useGateway.getState().refresh();

    const turningOn = useGateway.getState().updateLan({ enabled: true });
    expect(useGateway.getState().status?.lan.settings.enabled).toBe(true);
    expect(useGateway.getState().lanPending.has('enabled')).toBe(true);
    expect(await turningOn).toBe(true);
    expect(useGateway.getState().status?.lan.urls).toEqual(['https://192.168.1.20:4141']);
    expect(calls.find((call) => call.method === 'PUT')?.body).toEqual({ enabled: true });

    refuse = true;
    expect(await useGateway.getState().updateLan({ port: 4141 })).toBe(false);
    expect(useGateway.getState().status?.lan.settings.port).toBeNull();
    expect(useGateway.getState().lanFailure).toEqual({
      fields: ['port'],
      message: 'Port 4141 is in use on 192.168.1.20.',
    });
    expect(useGateway.getState().lanPending.size).toBe(0);
  });
});

describe('client endpoints', () => {
  it('offers only this computer while LAN sharing is off or not listening', () => {
    expect(endpointsFor('http://127.0.0.1:4141/', lanStatus())).toEqual({
      local: { baseUrl: 'http://127.0.0.1:4141', caCertificateUrl: null, caFingerprint: null },
      lan: [],
      caDownloadUrl: null,
    });
    expect(
      endpointsFor('http://127.0.0.1:4141', sharingLan({ listening: false, error: 'Address in use' })).lan,
    ).toEqual([]);
  });

  it('gives each LAN URL the CA certificate address on that same URL, with the fingerprint', () => {
    const lan = sharingLan({ urls: ['https://192.168.1.20:4141', 'https://10.0.0.7:4141'] });
    // The dashboard downloads it from where it already talks to the gateway, trusted or not on the LAN.
    expect(endpointsFor('http://127.0.0.1:4141', lan, 'http://127.0.0.1:4141/').caDownloadUrl).toBe(
      'http://127.0.0.1:4141/tollgate-ca.pem',
    );
    expect(endpointsFor('http://127.0.0.1:4141', lan).lan).toEqual([
      {
        baseUrl: 'https://192.168.1.20:4141',
        caCertificateUrl: 'https://192.168.1.20:4141/tollgate-ca.pem',
        caFingerprint: 'AB:CD:EF:01:23:45:67:89',
      },
      {
        baseUrl: 'https://10.0.0.7:4141',
        caCertificateUrl: 'https://10.0.0.7:4141/tollgate-ca.pem',
        caFingerprint: 'AB:CD:EF:01:23:45:67:89',
      },
    ]);
  });

  it('has no certificate to offer on a plain HTTP LAN', () => {
    const lan = sharingLan(
      { urls: ['http://192.168.1.20:4141'], ca_certificate_url: null, ca_fingerprint_sha256: null },
      { tls: false },
    );
    expect(endpointsFor('http://127.0.0.1:4141', lan).lan).toEqual([
      { baseUrl: 'http://192.168.1.20:4141', caCertificateUrl: null, caFingerprint: null },
    ]);
  });
});

describe('the paused banner and the Pause control', () => {
  it('shows a banner while the gateway is paused and resumes from it', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    let paused = true;
    const { calls } = api(
      shellRoutes(() => gatewayStatus({ paused, paused_at: paused ? '2026-11-23T10:00:00.000Z' : null }), {
        'POST /api/gateway/resume': () => {
          paused = false;
          return { body: gatewayStatus() };
        },
      }),
    );
    render(<App />);

    const banner = await screen.findByRole('region', { name: 'Gateway paused' });
    expect(banner.textContent).toMatch(/The gateway is paused since .*Every request gets a 503/);
    expect(screen.getByRole('button', { name: 'Resume the gateway' })).toBeTruthy();
    expect(unnamedControls()).toEqual([]);

    fireEvent.click(within(banner).getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Gateway paused' })).toBeNull());
    expect(calls.filter((call) => call.method === 'POST').map((call) => call.path)).toEqual(['/api/gateway/resume']);
    expect(await screen.findByText('The gateway is running again.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Pause the gateway' })).toBeTruthy();
  });

  it('asks before pausing from the header, then shows the banner', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    const { calls } = api(
      shellRoutes(() => gatewayStatus(), {
        'POST /api/gateway/pause': () => ({
          body: gatewayStatus({ paused: true, paused_at: '2026-11-23T10:00:00.000Z' }),
        }),
      }),
    );
    render(<App />);

    fireEvent.click(await screen.findByRole('button', { name: 'Pause the gateway' }));
    const confirm = await screen.findByRole('dialog', { name: 'Pause the gateway?' });
    expect(confirm.textContent).toContain('refused with 503 until you resume');
    expect(calls.some((call) => call.method === 'POST')).toBe(false);

    fireEvent.click(within(confirm).getByRole('button', { name: 'Pause gateway' }));
    expect(await screen.findByRole('region', { name: 'Gateway paused' })).toBeTruthy();
    expect(calls.filter((call) => call.method === 'POST').map((call) => call.path)).toEqual(['/api/gateway/pause']);
  });

  it('leaves the gateway running when the pause is cancelled', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    const { calls } = api(shellRoutes(() => gatewayStatus()));
    render(<App />);

    fireEvent.click(await screen.findByRole('button', { name: 'Pause the gateway' }));
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Pause the gateway?' })).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.some((call) => call.method === 'POST')).toBe(false);
    expect(screen.queryByRole('region', { name: 'Gateway paused' })).toBeNull();
  });

  it('shows the banner when a later poll finds the gateway paused from the tray', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    let paused = false;
    api(shellRoutes(() => gatewayStatus({ paused })));
    render(<App />);
    await screen.findByRole('button', { name: 'Pause the gateway' });
    expect(screen.queryByRole('region', { name: 'Gateway paused' })).toBeNull();

    paused = true;
    await act(() => useGateway.getState().refresh());
    expect(await screen.findByRole('region', { name: 'Gateway paused' })).toBeTruthy();
  });

  it('says in the header when the gateway is shared on the LAN, and when sharing failed', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    let lan = sharingLan();
    api(shellRoutes(() => gatewayStatus({ lan })));
    render(<App />);

    const badge = await screen.findByRole('link', { name: 'Shared on the LAN with TLS. Open settings.' });
    expect(badge.getAttribute('href')).toBe('#/settings');

    lan = sharingLan({ listening: false, urls: [], error: 'Address 192.168.1.20 is gone.' });
    await act(() => useGateway.getState().refresh());
    expect(
      await screen.findByRole('link', { name: 'LAN sharing is on but not listening. Open settings.' }),
    ).toBeTruthy();
  });
});

describe('the banner while the store cannot write', () => {
  const FULL: GatewayStatus['store'] = {
    writable: false,
    error: 'SQLITE_FULL: database or disk is full',
    since: '2026-11-23T10:00:00.000Z',
    pending: 7,
  };

  function expectStoreBanner(banner: HTMLElement): void {
    expect(banner.textContent).toMatch(/Tollgate cannot write its store \(since .+\)\./);
    expect(banner.textContent).toContain('SQLITE_FULL: database or disk is full');
    expect(banner.textContent).toContain(
      'Requests on keys with a budget are refused with 503 until it can write again.',
    );
    expect(banner.textContent).toContain('7 rows are held in memory and will be written when space frees.');
  }

  it('shows across the desktop window while the store cannot write, and goes once it can', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    let store = FULL;
    api(shellRoutes(() => gatewayStatus({ store })));
    render(<App />);

    expectStoreBanner(await screen.findByRole('region', { name: 'Store cannot write' }));
    expect(unnamedControls()).toEqual([]);

    store = { writable: true, error: null, since: null, pending: 0 };
    await act(() => useGateway.getState().refresh());
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Store cannot write' })).toBeNull());
  });

  it('shows in the browser dashboard the gateway serves too', async () => {
    sessionStorage.setItem('tollgate.adminToken', CONNECTION.adminToken);
    api(shellRoutes(() => gatewayStatus({ store: FULL })));
    render(<App />);

    expectStoreBanner(await screen.findByRole('region', { name: 'Store cannot write' }));
    expect(useSession.getState().mode).toBe('browser');
  });

  it('says one row, and that nothing waits when nothing does', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    let store: GatewayStatus['store'] = { ...FULL, pending: 1 };
    api(shellRoutes(() => gatewayStatus({ store })));
    render(<App />);
    const banner = await screen.findByRole('region', { name: 'Store cannot write' });
    expect(banner.textContent).toContain('1 row is held in memory');

    store = { ...FULL, pending: 0, error: null };
    await act(() => useGateway.getState().refresh());
    await waitFor(() => expect(banner.textContent).toContain('Nothing is waiting to be written yet.'));
    expect(banner.textContent).toContain('Writes to the database are failing.');
  });

  it('is not shown while the store takes writes', async () => {
    window.tollgate = { connection: () => Promise.resolve(CONNECTION) };
    api(shellRoutes(() => gatewayStatus()));
    render(<App />);
    await screen.findByRole('button', { name: 'Pause the gateway' });
    expect(screen.queryByRole('region', { name: 'Store cannot write' })).toBeNull();
  });
});

describe('the key reveal', () => {
  const SECRET = 'sk-tg-feedfacefeedfacefeedfacefeedface';
  const writeText = vi.fn((_text: string) => Promise.resolve());

  function keysApi() {
    return api({
      'GET /api/governance/virtual-keys': () => ({ body: { virtual_keys: [], count: 0 } }),
      'GET /api/governance/customers': () => ({ body: { customers: [], count: 0 } }),
      'GET /api/governance/teams': () => ({ body: { teams: [], count: 0 } }),
      'GET /api/governance/users': () => ({ body: { users: [], count: 0 } }),
      'POST /api/governance/virtual-keys': () => ({
        status: 201,
        body: { message: 'created', virtual_key: { ...makeKey({ name: 'bob-desktop' }), value: SECRET } },
      }),
    });
  }

  async function createKey() {
    render(<KeysPage />);
    fireEvent.click((await screen.findAllByRole('button', { name: 'Create key' }))[0] as HTMLElement);
    const form = await screen.findByRole('dialog', { name: 'Create a key' });
    fireEvent.change(within(form).getByLabelText('Name', { exact: true }), { target: { value: 'bob-desktop' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create key' }));
    return screen.findByRole('dialog', { name: 'Key “bob-desktop” created' });
  }

  beforeEach(() => {
    useSession.getState().connect(CONNECTION);
    writeText.mockClear();
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  });

  it('offers only this computer while LAN sharing is off', async () => {
    keysApi();
    useGateway.setState({ status: gatewayStatus() });
    const reveal = await createKey();
    expect(within(reveal).queryByRole('radiogroup', { name: 'Who runs Claude Code' })).toBeNull();
    expect(within(reveal).getByLabelText('Shell exports').textContent).toBe(
      `export ANTHROPIC_BASE_URL=${CONNECTION.apiBase} ANTHROPIC_AUTH_TOKEN=${SECRET}`,
    );
  });

  it('gives a teammate on the LAN the LAN address, the CA download and NODE_EXTRA_CA_CERTS', async () => {
    keysApi();
    useGateway.setState({
      status: gatewayStatus({ lan: sharingLan({ urls: ['https://192.168.1.20:4141', 'https://10.0.0.7:4141'] }) }),
    });
    const reveal = await createKey();

    const choice = within(reveal).getByRole('radiogroup', { name: 'Who runs Claude Code' });
    expect(within(choice).getByRole<HTMLInputElement>('radio', { name: 'This computer' }).checked).toBe(true);
    expect(JSON.parse(within(reveal).getByLabelText('Claude Code settings.json').textContent ?? '')).toMatchObject({
      env: { ANTHROPIC_BASE_URL: CONNECTION.apiBase },
    });

    fireEvent.click(within(choice).getByRole('radio', { name: 'Teammate on the LAN' }));
    expect(within(reveal).getByLabelText('Shell exports').textContent).toBe(
      [
        'mkdir -p "$HOME/.tollgate" && curl -fsSk https://192.168.1.20:4141/tollgate-ca.pem -o "$HOME/.tollgate/tollgate-ca.pem"',
        'openssl x509 -noout -fingerprint -sha256 -in "$HOME/.tollgate/tollgate-ca.pem" | grep -qiF AB:CD:EF:01:23:45:67:89 || ' +
          `{ echo 'tollgate: the downloaded CA certificate does not have the fingerprint the dashboard shows (or openssl is missing); removed it' >&2; rm -f "$HOME/.tollgate/tollgate-ca.pem"; }`,
        `export ANTHROPIC_BASE_URL=https://192.168.1.20:4141 ANTHROPIC_AUTH_TOKEN=${SECRET} NODE_EXTRA_CA_CERTS="$HOME/.tollgate/tollgate-ca.pem"`,
      ].join('\n'),
    );
    expect(within(reveal).getByText('AB:CD:EF:01:23:45:67:89')).toBeTruthy();
    expect(within(reveal).getByRole('link', { name: 'Download the CA certificate' }).getAttribute('href')).toBe(
      `${CONNECTION.apiBase}/tollgate-ca.pem`,
    );

    fireEvent.change(within(reveal).getByLabelText('LAN address'), { target: { value: '1' } });
    expect(JSON.parse(within(reveal).getByLabelText('Claude Code settings.json').textContent ?? '')).toEqual({
      env: {
        ANTHROPIC_BASE_URL: 'https://10.0.0.7:4141',
        ANTHROPIC_AUTH_TOKEN: SECRET,
        NODE_EXTRA_CA_CERTS: '~/.tollgate/tollgate-ca.pem',
      },
    });
    fireEvent.click(within(reveal).getByRole('button', { name: 'Copy Shell exports' }));
    await waitFor(() =>
      expect(writeText).toHaveBeenCalledWith(expect.stringContaining('https://10.0.0.7:4141/tollgate-ca.pem')),
    );
    fireEvent.click(within(reveal).getByRole('button', { name: 'Copy the CA certificate address for the teammate' }));
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith('https://10.0.0.7:4141/tollgate-ca.pem'));
    expect(unnamedControls()).toEqual([]);
  });

  it('warns that a plain HTTP LAN carries the key unencrypted', async () => {
    keysApi();
    useGateway.setState({
      status: gatewayStatus({
        lan: sharingLan(
          { urls: ['http://192.168.1.20:4141'], ca_certificate_url: null, ca_fingerprint_sha256: null },
          { tls: false },
        ),
      }),
    });
    const reveal = await createKey();
    fireEvent.click(within(reveal).getByRole('radio', { name: 'Teammate on the LAN' }));
    expect(within(reveal).getByText('Plain HTTP on the LAN')).toBeTruthy();
    expect(within(reveal).getByLabelText('Shell exports').textContent).toBe(
      `export ANTHROPIC_BASE_URL=http://192.168.1.20:4141 ANTHROPIC_AUTH_TOKEN=${SECRET}`,
    );
  });
});
