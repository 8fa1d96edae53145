// @vitest-environment jsdom
// "Sign in with /login" in the dashboard: a teammate on the LAN is offered the /login shell lines for
// the real LAN address, with the CA download and its fingerprint check when TLS is on, beside the key's
// own snippets, and the fresh overview shows the same lines as the other way to connect.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectSnippets } from '../../renderer/src/components/ConnectSnippets';
import { GettingStarted } from '../../renderer/src/pages/overview/GettingStarted';
import { endpointsFor, initialGatewayState, useGateway } from '../../renderer/src/stores/gateway';
import { initialSessionState, useSession } from '../../renderer/src/stores/session';
import { loginShellLines } from '../../shared/snippets';
import { CONNECTION, gatewayStatus, sharingLan, unnamedControls } from './pages-fixtures';

const SECRET = 'sk-tg-feedfacefeedfacefeedfacefeedface';
const LAN_URL = 'https://192.168.1.20:4141';
const FINGERPRINT = 'AB:CD:EF:01:23:45:67:89';

beforeEach(() => {
  useSession.getState().connect(CONNECTION);
  Object.defineProperty(navigator, 'clipboard', {
    value: { writeText: vi.fn(() => Promise.resolve()) },
    configurable: true,
  });
});

afterEach(() => {
  cleanup();
  useGateway.setState(initialGatewayState);
  useSession.setState(initialSessionState);
  window.location.hash = '';
});

function renderSnippets(lan = sharingLan()) {
  render(<ConnectSnippets secret={SECRET} endpoints={endpointsFor(CONNECTION.apiBase, lan, CONNECTION.apiBase)} />);
  fireEvent.click(screen.getByRole('radio', { name: 'Teammate on the LAN' }));
}

describe('the key reveal’s snippets for a teammate', () => {
  it('recommend /login with lines that fetch the CA from the LAN address and check its fingerprint', () => {
    renderSnippets();
    const login = screen.getByRole('region', { name: /Sign in with \/login/ });
    expect(within(login).getByText('Recommended')).toBeTruthy();
    const lines = within(login).getByLabelText('Shell lines for /login').textContent ?? '';
    expect(lines).toBe(
      loginShellLines({
        baseUrl: LAN_URL,
        caCertificateUrl: `${LAN_URL}/tollgate-ca.pem`,
        caFingerprint: FINGERPRINT,
      }),
    );
    expect(lines).toContain(`curl -fsSk ${LAN_URL}/tollgate-ca.pem -o "$HOME/.tollgate/tollgate-ca.pem"`);
    expect(lines).toContain(`grep -qiF ${FINGERPRINT}`);
    expect(lines).toContain(`"forceLoginMethod":"gateway","forceLoginGatewayUrl":"${LAN_URL}"`);
    expect(lines).toContain('"NODE_EXTRA_CA_CERTS"');
    expect(lines).not.toContain(SECRET);
    expect(within(login).getByRole('link', { name: 'Sign-ins' }).getAttribute('href')).toBe('#/sign-ins');
    expect(login.textContent).toContain('type /login');

    // The key's own snippets stay, after it.
    expect(screen.getByRole('heading', { name: 'Or hand over this key' })).toBeTruthy();
    expect(screen.getByLabelText('Shell exports').textContent).toContain(`ANTHROPIC_AUTH_TOKEN=${SECRET}`);
    expect(unnamedControls()).toEqual([]);
  });

  it('give lines with no CA for a LAN on plain HTTP', () => {
    renderSnippets(
      sharingLan(
        { urls: ['http://192.168.1.20:4141'], ca_certificate_url: null, ca_fingerprint_sha256: null },
        { tls: false },
      ),
    );
    const lines = screen.getByLabelText('Shell lines for /login').textContent ?? '';
    expect(lines).toBe(loginShellLines({ baseUrl: 'http://192.168.1.20:4141' }));
    expect(lines).not.toContain('curl');
    expect(lines).not.toContain('NODE_EXTRA_CA_CERTS');
  });

  it('leave /login out for this computer, where the key is what was asked for', () => {
    render(
      <ConnectSnippets
        secret={SECRET}
        endpoints={endpointsFor(CONNECTION.apiBase, sharingLan(), CONNECTION.apiBase)}
      />,
    );
    expect(screen.queryByLabelText('Shell lines for /login')).toBeNull();
    expect(screen.getByLabelText('Shell exports').textContent).toBe(
      `export ANTHROPIC_BASE_URL=${CONNECTION.apiBase} ANTHROPIC_AUTH_TOKEN=${SECRET}`,
    );
  });
});

describe('the fresh overview', () => {
  it('offers /login on this computer as the other way to connect Claude Code', () => {
    useGateway.setState({ status: gatewayStatus() });
    render(<GettingStarted />);
    const guide = screen.getByRole('region', { name: 'Put your first Claude Code session through Tollgate' });
    expect(within(guide).getByLabelText('Shell lines for /login').textContent).toBe(
      loginShellLines({ baseUrl: CONNECTION.apiBase }),
    );
    expect(within(guide).getByLabelText('Claude Code settings.json').textContent).toContain('<your virtual key>');
    expect(within(guide).getByRole('link', { name: 'Sign-ins' }).getAttribute('href')).toBe('#/sign-ins');
  });

  it('gives the LAN address, its CA and fingerprint while sharing is on', () => {
    useGateway.setState({ status: gatewayStatus({ lan: sharingLan() }) });
    render(<GettingStarted />);
    const guide = screen.getByRole('region', { name: 'Put your first Claude Code session through Tollgate' });
    expect(within(guide).getByLabelText('Shell lines for /login').textContent).toBe(
      loginShellLines({ baseUrl: LAN_URL, caCertificateUrl: `${LAN_URL}/tollgate-ca.pem`, caFingerprint: FINGERPRINT }),
    );
    expect(guide.textContent).toContain(`at the LAN address ${LAN_URL}`);
  });
});
