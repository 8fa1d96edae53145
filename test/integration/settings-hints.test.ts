// Hint headers: with managed_settings_hint_headers on, the served managed settings ask Claude Code to
// send, on each model request, the checksum of the settings it runs under; each row then says whether
// they were current (what is served now, or was served this key within two hours), stale or missing,
// and GET /api/managed-settings/machines lists each signed-in machine's latest. The checksum itself is
// never stored, only a keyed fingerprint of it; the admin can accept what a machine reports. The real CLI in print mode (which applies the variable without asking) sends a
// checksum that matches.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import type { LogEntry } from '../../shared/schemas.js';
import { loginSettings } from '../../shared/snippets.js';
import { CLAUDE, claudeCodeProcessEnv, prepareClaudeHome, storeGatewayCredential } from '../support/claude-code.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { runProcess, stopAllProcesses } from '../support/processes.js';
import { signInAs, type SignedIn } from '../support/sign-in.js';

let gw: TestGateway;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  // A day-long access token: the test moves the clock past the two hours an old checksum is accepted.
  gw = await startTestGateway({
    gateway: {
      clock: clock.read,
      signInLifetimes: {
        deviceCodeSeconds: 900,
        intervalSeconds: 5,
        accessTokenSeconds: 86_400,
        refreshTokenSeconds: 86_400,
      },
    },
  });
});

afterEach(async () => {
  await stopAllProcesses();
  await gw.close();
});

async function ask(signedIn: SignedIn, checksum?: string): Promise<LogEntry> {
  const response = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${signedIn.accessToken}`,
      'content-type': 'application/json',
      ...(checksum !== undefined && { 'x-claude-code-managed-settings-checksum': checksum }),
    },
    body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(response.status).toBe(200);
  const requestId = response.headers.get('x-tollgate-request-id');
  const { body } = await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=50');
  const row = body.logs.find((entry) => entry.request_id === requestId);
  if (!row) throw new Error(`no row for ${String(requestId)}`);
  return row;
}

async function served(signedIn: SignedIn): Promise<RouteResponse<'previewManagedSettings'>> {
  const response = await fetch(`${gw.url}/managed/settings`, {
    headers: { authorization: `Bearer ${signedIn.accessToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as RouteResponse<'previewManagedSettings'>;
}

describe('managed settings hint headers', () => {
  it('are off by default: no variable served, nothing recorded', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, {}, clock);
    expect(
      (await fetch(`${gw.url}/managed/settings`, { headers: { authorization: `Bearer ${priya.accessToken}` } })).status,
    ).toBe(404);
    expect(await ask(priya, 'sha256:whatever')).toMatchObject({ managed_settings: null });
  });

  it('once on, serve the variable and tell current, stale and missing apart, accepting the previous checksum for a while', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, {}, clock);
    expect(
      (await gw.admin('PUT', '/api/config', { client_config: { managed_settings_hint_headers: true } })).status,
    ).toBe(200);
    const first = await served(priya);
    expect(first.settings).toEqual({ env: { CLAUDE_CODE_GATEWAY_HINT_HEADERS: '1' } });

    expect(await ask(priya, first.checksum)).toMatchObject({ managed_settings: 'current' });
    expect(await ask(priya)).toMatchObject({ managed_settings: 'missing' });
    const other = await ask(priya, `sha256:${'0'.repeat(64)}`);
    expect(other).toMatchObject({ managed_settings: 'stale' });
    expect(JSON.stringify(other)).not.toContain(first.checksum);

    // The admin edits the policy: a session that has not polled again still sends the old checksum.
    await gw.admin('PUT', '/api/managed-settings/global', { settings: { permissions: { deny: ['WebFetch'] } } });
    const second = await served(priya);
    expect(second.checksum).not.toBe(first.checksum);
    expect(await ask(priya, first.checksum)).toMatchObject({ managed_settings: 'current' });
    clock.advance(3 * 60 * 60_000);
    expect(await ask(priya, first.checksum)).toMatchObject({ managed_settings: 'stale' });

    const machines = await gw.admin<RouteResponse<'listManagedSettingsMachines'>>(
      'GET',
      '/api/managed-settings/machines',
    );
    expect(machines.body).toEqual({
      hint_headers: true,
      machines: [
        {
          virtual_key_id: priya.virtualKey.id,
          key_name: priya.virtualKey.name,
          user_id: priya.user.id,
          email: 'priya@example.com',
          sign_in_id: priya.signIn.id,
          state: 'stale',
          last_seen_at: expect.any(String) as unknown,
          reported_fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown,
          served_checksum: second.checksum,
        },
      ],
    });
  });

  it('count a machine’s own checksum as current once the admin accepts it, and keep only its keyed fingerprint', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, {}, clock);
    await gw.admin('PUT', '/api/config', { client_config: { managed_settings_hint_headers: true } });
    const document = await served(priya);
    // What a machine whose MDM profile adds an env entry reports: not what was served.
    const edited = `sha256:${'ab'.repeat(32)}`;
    const before = await ask(priya, edited);
    expect(before).toMatchObject({ managed_settings: 'stale', managed_settings_fingerprint: /^[0-9a-f]{16}$/ });
    expect(JSON.stringify(before)).not.toContain(edited);
    // Another value gets another fingerprint; the same value the same one.
    expect((await ask(priya, `sha256:${'cd'.repeat(32)}`)).managed_settings_fingerprint).not.toBe(
      before.managed_settings_fingerprint,
    );
    expect((await ask(priya, edited)).managed_settings_fingerprint).toBe(before.managed_settings_fingerprint);

    const accepted = await gw.admin<RouteResponse<'acceptManagedSettingsMachine'>>(
      'POST',
      `/api/managed-settings/machines/${priya.virtualKey.id}/accept`,
    );
    expect(accepted).toMatchObject({
      status: 200,
      body: { served_checksum: document.checksum, reported_fingerprint: before.managed_settings_fingerprint },
    });
    expect(await ask(priya, edited)).toMatchObject({ managed_settings: 'current' });
    expect(await ask(priya, `sha256:${'cd'.repeat(32)}`)).toMatchObject({ managed_settings: 'stale' });
    // Accepted for what is served now: an edit of the policy makes it stale again once the old one lapses.
    await gw.admin('PUT', '/api/managed-settings/global', { settings: { permissions: { deny: ['WebFetch'] } } });
    clock.advance(3 * 60 * 60_000);
    await served(priya);
    expect(await ask(priya, edited)).toMatchObject({ managed_settings: 'stale' });

    const audit = await gw.admin<{ entries: { action: string }[] }>('GET', '/api/audit?limit=50');
    expect(audit.body.entries.map((entry) => entry.action)).toContain('acceptManagedSettingsMachine');
    const logs = JSON.stringify((await gw.admin('GET', '/api/logs?limit=100')).body);
    expect(logs).not.toContain(edited);
  });

  it('refuse to accept for a machine that reported nothing, or a key that has no policy', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, {}, clock);
    expect((await gw.admin('POST', `/api/managed-settings/machines/${priya.virtualKey.id}/accept`)).status).toBe(404);
    await gw.admin('PUT', '/api/config', { client_config: { managed_settings_hint_headers: true } });
    await ask(priya);
    expect((await gw.admin('POST', `/api/managed-settings/machines/${priya.virtualKey.id}/accept`)).status).toBe(409);
    expect((await gw.admin('POST', '/api/managed-settings/machines/vk_nope/accept')).status).toBe(404);
  });

  it('match what the real Claude Code sends in print mode', async () => {
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' }, {}, clock);
    await gw.admin('PUT', '/api/config', { client_config: { managed_settings_hint_headers: true } });
    await gw.admin('PUT', '/api/managed-settings/global', { settings: { permissions: { deny: ['WebFetch'] } } });
    const home = mkdtempSync(join(tmpdir(), 'tollgate-hints-'));
    try {
      const work = prepareClaudeHome(home);
      storeGatewayCredential(home, gw.url, priya);
      writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(loginSettings({ baseUrl: gw.url }, null)));
      const run = await runProcess(CLAUDE, ['-p', 'REPLY WITH: hinted'], {
        cwd: work,
        env: claudeCodeProcessEnv(home),
        name: 'claude -p',
        timeoutMs: 60_000,
      });
      expect(run.stdout.trim(), run.output).toBe('hinted');
      const rows = (await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=20')).body.logs;
      expect(rows.filter((row) => row.endpoint === 'messages').map((row) => row.managed_settings)).toContain('current');
      expect(rows.filter((row) => row.endpoint === 'messages').map((row) => row.managed_settings)).not.toContain(
        'stale',
      );
    } finally {
      rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    }
  }, 90_000);
});
