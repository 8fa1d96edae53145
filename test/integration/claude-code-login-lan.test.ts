// A teammate's Claude Code signs in over the LAN with TLS: a second "computer" made from a network
// namespace runs the dashboard's /login snippet (it fetches Tollgate's CA, checks its fingerprint and
// merges the gateway settings, NODE_EXTRA_CA_CERTS included, into ~/.claude/settings.json), then the
// real CLI in a terminal: it verifies the certificate, asks to trust the gateway showing the leaf's
// fingerprint, pins it, and signs in once the admin approves.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import type { LogEntry, SignInView } from '../../shared/schemas.js';
import { loginShellLines } from '../../shared/snippets.js';
import { CLAUDE, claudeCodeProcessEnv, prepareClaudeHome } from '../support/claude-code.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTeammateHost, netnsUnavailable, type TeammateHost } from '../support/netns.js';
import { stopAllProcesses } from '../support/processes.js';
import { openTerminal, TMUX_AVAILABLE, type Terminal } from '../support/tmux.js';

const unavailable = netnsUnavailable() ?? (TMUX_AVAILABLE ? null : 'tmux is not installed');
if (unavailable) console.log(`LAN /login test skipped: ${unavailable} (CI runs it as root with tmux)`);

describe.skipIf(unavailable !== null)('Claude Code /login over the LAN with TLS', () => {
  let teammate: TeammateHost;
  let gw: TestGateway;
  let home: string;
  let work: string;
  let lanUrl: string;
  let terminal: Terminal | null = null;

  beforeAll(async () => {
    teammate = createTeammateHost('10.214.0');
    gw = await startTestGateway({
      gateway: {
        lan: { enabled: true, tls: true, address: teammate.hostAddress, port: 0 },
        signInLifetimes: {
          deviceCodeSeconds: 600,
          intervalSeconds: 1,
          accessTokenSeconds: 3600,
          refreshTokenSeconds: 86_400,
        },
      },
    });
    const url = gw.gateway.lan.status().urls[0];
    if (!url) throw new Error(`not listening on the LAN: ${JSON.stringify(gw.gateway.lan.status())}`);
    lanUrl = url;
    home = mkdtempSync(join(tmpdir(), 'tollgate-lan-login-'));
    work = prepareClaudeHome(home);
  });

  afterAll(async () => {
    await terminal?.close();
    await stopAllProcesses();
    await gw?.close();
    teammate?.remove();
    if (home) rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  });

  const env = (): NodeJS.ProcessEnv => claudeCodeProcessEnv(home, { TERM: 'xterm-256color' });

  it('trusts and pins the leaf it verified with the downloaded CA, signs in once approved, answers through the LAN, and Tollgate keeps the leaf it pinned', async () => {
    const status = gw.gateway.lan.status();
    const snippet = loginShellLines({
      baseUrl: lanUrl,
      caCertificateUrl: new URL(status.ca_certificate_url ?? '', lanUrl).toString(),
      caFingerprint: status.ca_fingerprint_sha256,
    });
    const setup = await teammate.run('sh', ['-c', snippet], { cwd: work, env: env(), timeoutMs: 30_000 });
    expect(setup.code, setup.output).toBe(0);
    const caFile = join(home, '.tollgate', 'tollgate-ca.pem');
    expect(JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'))).toMatchObject({
      forceLoginMethod: 'gateway',
      forceLoginGatewayUrl: lanUrl,
      env: { NODE_EXTRA_CA_CERTS: caFile },
    });

    const leaf = new X509Certificate(readFileSync(join(gw.dataDir, 'tls', 'server.pem')));
    const cli = (terminal = openTerminal(['ip', 'netns', 'exec', teammate.name, CLAUDE], { cwd: work, env: env() }));
    await cli.waitFor(/❯/, 30_000);
    cli.send('/login');
    await cli.waitFor(/\/login/);
    cli.send('Enter');
    await cli.waitFor(/Enter to connect/);
    cli.send('Enter');
    const host = teammate.hostAddress.replace(/\./g, '\\.');
    const [, shown] = await cli.waitFor(
      new RegExp(`Trust gateway ${host}\\?[\\s\\S]*Certificate fingerprint \\(SHA-256\\):\\s*([0-9A-Fa-f:]+)`),
    );
    // The CLI shows the start of the leaf's fingerprint.
    const fingerprint = shown?.replace(/:/g, '').toUpperCase() ?? '';
    expect(fingerprint.length).toBeGreaterThanOrEqual(16);
    expect(leaf.fingerprint256.replace(/:/g, '').toUpperCase().startsWith(fingerprint)).toBe(true);
    cli.send('Up');
    await cli.waitFor(/❯ Yes, trust this gateway/);
    cli.send('Enter');
    const [, userCode] = await cli.waitFor(/Code:\s+([A-Z]{4}-[A-Z]{4})/);
    expect(cli.screen()).toContain(`${lanUrl}/device`);

    await fetch(`${gw.url}/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: userCode ?? '', name: 'Bob', email: 'bob@example.com' }),
    });
    const pending = await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=pending');
    expect(pending.body.sign_ins).toMatchObject([{ user_code: userCode, address: teammate.teammateAddress }]);
    const approved = await gw.admin<RouteResponse<'approveSignIn'>>(
      'POST',
      `/api/sign-ins/${pending.body.sign_ins[0]?.id ?? ''}/approve`,
      {},
    );
    expect(approved.status).toBe(200);
    await cli.waitFor(/Signed in to Cloud gateway as bob@example\.com/, 30_000);
    cli.send('Up');
    await cli.waitFor(/❯ Yes, continue/);
    cli.send('Enter');
    await cli.waitFor(/Connected to Cloud gateway/);
    cli.send('Enter');
    await cli.waitFor(/Login successful/);
    cli.send('REPLY WITH: over-the-lan');
    cli.send('Enter');
    await cli.waitFor(/● over-the-lan/, 30_000);

    const credentials = JSON.parse(readFileSync(join(home, '.claude', '.credentials.json'), 'utf8')) as {
      gatewayTrust: Record<string, string>;
    };
    expect(Object.keys(credentials.gatewayTrust)).toEqual([teammate.hostAddress]);
    const rows = (await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=20')).body.logs;
    expect(rows.find((row) => row.endpoint === 'messages' && row.status === 'success')).toMatchObject({
      virtual_key_id: approved.body.virtual_key.id,
    });
    // Tollgate kept the leaf the CLI pinned, so that a new one would name Bob as having to /login again.
    const listed = await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=approved');
    expect(listed.body.sign_ins).toMatchObject([
      { user_code: userCode, pinned_certificate_sha256: leaf.fingerprint256, must_sign_in_again: false },
    ]);
    expect(gw.gateway.lan.status().sign_ins_pinned_to_old_certificate).toBe(0);
  }, 120_000);
});
