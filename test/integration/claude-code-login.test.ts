// The real Claude Code CLI (2.1.330) signing in to Tollgate with /login, in a terminal (tmux): the
// gateway protocol's device flow with the admin approving through the admin API, as a teammate and a
// tech lead would do it. Then a prompt through the stand-in upstream, logged under the approved user;
// `claude -p` in the same HOME with the stored credential; and, once the admin revokes the sign-in,
// the CLI's own re-login message.
//
// What 2.1.330 shows, with `forceLoginMethod: "gateway"` and `forceLoginGatewayUrl` in the user
// settings: "Cloud gateway · Gateway: <url> · Enter to connect", then "Trust gateway <host>?" (default
// No, also for http on loopback), then the code and the verification URI, then "Signed in to Cloud
// gateway as <email>" to confirm (default No), then "Connected to Cloud gateway".
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import type { LogEntry, ManagedSettingsDocument, SignInView } from '../../shared/schemas.js';
import { loginShellLines } from '../../shared/snippets.js';
import { CLAUDE, claudeCodeProcessEnv, prepareClaudeHome, storeGatewayCredential } from '../support/claude-code.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { signInAs, type SignedIn } from '../support/sign-in.js';
import { runProcess, stopAllProcesses } from '../support/processes.js';
import { openTerminal, TMUX_AVAILABLE, type Terminal } from '../support/tmux.js';

const PROMPT = 'REPLY WITH: signed-in-through-tollgate';

if (!TMUX_AVAILABLE)
  console.log('skipping the interactive Claude Code /login test: tmux is not installed (apt-get install tmux)');

let gw: TestGateway;
let home: string;
let work: string;
let terminal: Terminal | null = null;

beforeEach(async () => {
  // A one-second poll interval keeps the sign-in quick; the CLI polls at whatever the gateway says.
  gw = await startTestGateway({
    gateway: {
      signInLifetimes: {
        deviceCodeSeconds: 600,
        intervalSeconds: 1,
        accessTokenSeconds: 3600,
        refreshTokenSeconds: 86_400,
      },
    },
  });
  home = mkdtempSync(join(tmpdir(), 'tollgate-claude-login-'));
  work = prepareClaudeHome(home);
  // The teammate's own settings, which the snippet must keep.
  writeFileSync(
    join(home, '.claude', 'settings.json'),
    JSON.stringify({ includeCoAuthoredBy: false, env: { FOO: '1' } }),
  );
});

/** Runs the dashboard's /login snippet for real, as the teammate pastes it into a terminal. */
async function runLoginSnippet(): Promise<void> {
  const snippet = await runProcess('sh', ['-c', loginShellLines({ baseUrl: gw.url })], {
    cwd: work,
    env: env(),
    name: 'snippet',
  });
  expect(snippet).toMatchObject({ code: 0 });
  expect(JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'))).toEqual({
    includeCoAuthoredBy: false,
    env: {
      FOO: '1',
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    },
    forceLoginMethod: 'gateway',
    forceLoginGatewayUrl: gw.url,
  });
}

afterEach(async () => {
  await terminal?.close();
  terminal = null;
  await stopAllProcesses();
  await gw.close();
  rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});

const env = (): NodeJS.ProcessEnv => claudeCodeProcessEnv(home, { TERM: 'xterm-256color' });

async function logRows(): Promise<LogEntry[]> {
  return (await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=100')).body.logs;
}

/** Leaves the CLI's credential store as /login does: the gateway trusted and the signed-in tokens. */
function storeCredential(signedIn: SignedIn): void {
  storeGatewayCredential(home, gw.url, signedIn);
}

/** What the gateway answered on /managed/settings, with the If-None-Match the client sent. */
interface SettingsPoll {
  ifNoneMatch: string | undefined;
  status: number;
}

/** Records every /managed/settings request the gateway answers, from now on. */
function recordSettingsPolls(): SettingsPoll[] {
  const polls: SettingsPoll[] = [];
  gw.gateway.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/managed/settings')) return;
    const ifNoneMatch = req.headers['if-none-match'];
    res.once('finish', () => polls.push({ ifNoneMatch, status: res.statusCode }));
  });
  return polls;
}

describe.skipIf(!TMUX_AVAILABLE)('Claude Code /login against Tollgate', () => {
  it('leaves a settings file that is not plain JSON alone, and says so', async () => {
    writeFileSync(join(home, '.claude', 'settings.json'), '{ // a comment\n}');
    const snippet = await runProcess('sh', ['-c', loginShellLines({ baseUrl: gw.url })], {
      cwd: work,
      env: env(),
      name: 'snippet',
    });
    expect(snippet.code).toBe(1);
    expect(snippet.stderr).toContain('is not plain JSON');
    expect(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).toBe('{ // a comment\n}');
  });

  it('signs in once the admin approves, sends its prompt as the approved user, works in print mode, and asks to log in again once revoked', async () => {
    await runLoginSnippet();
    const cli = (terminal = openTerminal([CLAUDE], { cwd: work, env: env() }));
    await cli.waitFor(/❯/, 30_000);

    cli.send('/login');
    await cli.waitFor(/\/login/);
    cli.send('Enter');
    await cli.waitFor(new RegExp(`Gateway:\\s+${gw.url.replace(/[.]/g, '\\.')}[\\s\\S]*Enter to connect`));
    cli.send('Enter');
    await cli.waitFor(/Trust gateway 127\.0\.0\.1\?[\s\S]*❯ No, cancel login/);
    cli.send('Up');
    await cli.waitFor(/❯ Yes, trust this gateway/);
    cli.send('Enter');
    const [, userCode] = await cli.waitFor(/Code:\s+([A-Z]{4}-[A-Z]{4})/);
    expect(cli.screen()).toContain(`${gw.url}/device`);
    expect(cli.screen()).toContain('Your Tollgate admin approves the sign-in');

    // The teammate enters the code on the verification page; the admin approves.
    const page = await fetch(`${gw.url}/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: userCode ?? '', name: 'Priya Raman', email: 'priya@example.com' }),
    });
    expect(page.status).toBe(200);
    const pending = await gw.admin<{ sign_ins: SignInView[] }>('GET', '/api/sign-ins?status=pending');
    expect(pending.body.sign_ins).toMatchObject([{ user_code: userCode, surface: 'claude_code', name: 'Priya Raman' }]);
    const signInId = pending.body.sign_ins[0]?.id ?? '';
    const approved = await gw.admin<RouteResponse<'approveSignIn'>>('POST', `/api/sign-ins/${signInId}/approve`, {});
    expect(approved.status).toBe(200);

    await cli.waitFor(/Signed in to Cloud gateway as priya@example\.com[\s\S]*❯ No, cancel login/, 30_000);
    cli.send('Up');
    await cli.waitFor(/❯ Yes, continue/);
    cli.send('Enter');
    await cli.waitFor(/Connected to Cloud gateway/);
    cli.send('Enter');
    await cli.waitFor(/Login successful/);

    cli.send(PROMPT);
    cli.send('Enter');
    await cli.waitFor(/● signed-in-through-tollgate/, 30_000);
    const row = (await logRows()).find((entry) => entry.endpoint === 'messages' && entry.status === 'success');
    expect(row).toMatchObject({ virtual_key_id: approved.body.virtual_key.id, user_id: approved.body.user.id });
    // The credential is the gateway's token, stored by the CLI; never the upstream's key.
    expect(readFileSync(join(home, '.claude', '.credentials.json'), 'utf8')).toContain('"jwt":"tg-at-');
    await cli.close();
    terminal = null;

    const printed = await runProcess(CLAUDE, ['-p', 'REPLY WITH: print-mode-ok'], {
      cwd: work,
      env: env(),
      name: 'claude -p',
      timeoutMs: 60_000,
    });
    expect(printed.stdout.trim()).toBe('print-mode-ok');

    expect((await gw.admin('POST', `/api/sign-ins/${signInId}/revoke`)).status).toBe(200);
    const revoked = await runProcess(CLAUDE, ['-p', 'REPLY WITH: after-revoke'], {
      cwd: work,
      env: env(),
      name: 'claude -p',
      timeoutMs: 60_000,
    });
    expect(revoked.code).not.toBe(0);
    expect(revoked.output).toMatch(/sign in again with \/login/);
    expect(
      gw.upstream.messageRequests().filter((request) => request.rawBody.toString('utf8').includes('after-revoke')),
    ).toEqual([]);
  }, 150_000);

  it('shows the usage notice past 75 % of the budget, and prints the gateway’s message at the cap', async () => {
    // Signed in as /login leaves it: the CLI's stored credential, with the gateway trusted.
    const priya = await signInAs(
      gw,
      { name: 'Priya', email: 'priya@example.com' },
      {
        key: { budget: { max_limit: 1, reset_duration: '1M', calendar_aligned: true, time_zone: 'UTC' } },
      },
    );
    storeCredential(priya);
    await runLoginSnippet();
    // $0.80 of the $1.00 spent before the session starts.
    for (const usage of [
      { input_tokens: 50_000, output_tokens: 10_000 },
      { input_tokens: 50_000, output_tokens: 10_000 },
      { input_tokens: 66_667, output_tokens: 0 },
    ]) {
      gw.upstream.enqueue({ kind: 'message', usage });
      const spent = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${priya.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(spent.status).toBe(200);
    }

    const cli = (terminal = openTerminal([CLAUDE], { cwd: work, env: env() }));
    await cli.waitFor(/❯/, 30_000);
    cli.send('REPLY WITH: first-answer');
    cli.send('Enter');
    await cli.waitFor(/● first-answer/, 30_000);
    await cli.waitFor(/You['’]ve used 80%/, 10_000);

    gw.upstream.enqueue({ kind: 'message', usage: { input_tokens: 100_000, output_tokens: 0 } });
    cli.send('REPLY WITH: spends-the-rest');
    cli.send('Enter');
    await cli.waitFor(/● spends-the-rest/, 30_000);
    cli.send('REPLY WITH: over-the-cap');
    cli.send('Enter');
    await cli.waitFor(/Your Tollgate spend limit is reached · resets Jan 1/, 30_000);
    expect(
      gw.upstream.messageRequests().filter((request) => request.rawBody.toString('utf8').includes('over-the-cap')),
    ).toEqual([]);
  }, 120_000);
  it('takes the managed settings pushed for its key: asks nothing, refuses a denied tool itself, and polls again for a 304', async () => {
    const polls = recordSettingsPolls();
    const priya = await signInAs(gw, { name: 'Priya', email: 'priya@example.com' });
    storeCredential(priya);
    await runLoginSnippet();
    // The teammate's own settings allow Bash outright: the managed deny must win over them.
    const settingsFile = join(home, '.claude', 'settings.json');
    const own = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(settingsFile, JSON.stringify({ ...own, permissions: { allow: ['Bash'] } }));

    const keyId = priya.virtualKey.id;
    const pushed = await gw.admin<{ warnings: string[] }>('PUT', `/api/managed-settings/virtual_key/${keyId}`, {
      settings: { permissions: { deny: ['Bash'] } },
    });
    expect(pushed).toMatchObject({ status: 200, body: { warnings: [] } });
    const preview = await gw.admin<ManagedSettingsDocument>('GET', `/api/managed-settings/preview?key_id=${keyId}`);
    expect(preview.body.settings).toEqual({ permissions: { deny: ['Bash'] } });

    // The stand-in asks for Bash whatever the CLI offers; the CLI must answer with a refusal, not run it.
    const marker = join(work, 'bash-ran');
    const toolUseId = 'toolu_01TollgateManagedDenyBash0';
    gw.upstream.enqueue({
      kind: 'message',
      content: [
        {
          type: 'tool_use',
          id: toolUseId,
          name: 'Bash',
          input: { command: `touch ${marker}`, description: 'Touch a file' },
        },
      ],
    });
    gw.upstream.enqueue({ kind: 'message', content: [{ type: 'text', text: 'bash-was-refused' }] });
    // No env in the settings: the interactive CLI opens at its prompt without asking for approval.
    const cli = (terminal = openTerminal([CLAUDE], { cwd: work, env: env() }));
    await cli.waitFor(/❯/, 30_000);
    expect(cli.screen()).not.toMatch(/approv/i);
    cli.send('Touch the marker file with Bash.');
    cli.send('Enter');
    await cli.waitFor(/● bash-was-refused/, 30_000);
    await cli.close();
    terminal = null;
    expect(existsSync(marker)).toBe(false);
    const answered = gw.upstream
      .messageRequests()
      .map((request) => request.json as { messages?: { role: string; content: unknown }[] })
      .flatMap((body) => body.messages ?? [])
      .flatMap((message) => (Array.isArray(message.content) ? (message.content as Record<string, unknown>[]) : []))
      .find((block) => block.type === 'tool_result' && block.tool_use_id === toolUseId);
    expect(answered, 'the stand-in never received the tool_result').toMatchObject({ is_error: true });
    expect(JSON.stringify(answered)).toContain('Bash is disabled for this session');
    // It did not even offer the tool.
    const offered = gw.upstream
      .messageRequests()
      .flatMap((request) => (request.json as { tools?: { name?: string }[] }).tools ?? [])
      .map((tool) => tool.name);
    expect(offered).toContain('Read');
    expect(offered).not.toContain('Bash');
    expect(polls.some((poll) => poll.status === 200)).toBe(true);

    // A new run in the same HOME asks with the checksum it holds, and gets a 304.
    const printed = await runProcess(CLAUDE, ['-p', 'REPLY WITH: second-run'], {
      cwd: work,
      env: env(),
      name: 'claude -p',
      timeoutMs: 60_000,
    });
    expect(printed.stdout.trim()).toBe('second-run');
    expect(polls, JSON.stringify(polls)).toContainEqual({ ifNoneMatch: `"${preview.body.checksum}"`, status: 304 });
  }, 120_000);
});
