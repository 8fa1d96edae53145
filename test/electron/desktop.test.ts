// The desktop app end to end: the real Electron binary running the built main process (playwright-core's
// _electron), on a temporary data directory, with only the Anthropic API stood in for. It checks what a
// person sees: the gateway answers, the window shows the dashboard without a sign-in, the tray menu
// shows today's spend and follows a pause made through the API, a budget crossing 80 % raises a
// notification, closing the window leaves the app running in the tray, and Quit stops the gateway. The main process exposes
// the tray model and the notifications to the test only under TOLLGATE_E2E=1 (electron/shell/e2e.ts).
// Where the Electron binary is not installed (it cannot be downloaded on our machines) the suite says so
// in one line and skips.
import Anthropic from '@anthropic-ai/sdk';
import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'electron-vite';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TollgateE2E } from '../../electron/shell/e2e.js';
import { ensureElectronSqlite, findElectron } from '../../electron/shell/native-binding.js';
import { ensureDashboardBuilt } from '../support/browser.js';
import { tempDataDir, UPSTREAM_API_KEY } from '../support/gateway.js';
import { startStandIn, type StandIn } from '../support/upstream.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Start-up, notifier and tray ticks (5 s each) on a busy machine: poll with room, never assert a time. */
const POLL = { timeout: 30_000, intervals: [100, 250, 500] };

const electron = findElectron(ROOT);

function skipReason(): string | null {
  if (!electron.installed) {
    return `Electron binary not installed (${relative(ROOT, electron.executable)} missing; \`npx install-electron\` gets it): skipping Electron end-to-end tests`;
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'No display for Electron (DISPLAY unset; run the tests under xvfb-run): skipping Electron end-to-end tests';
  }
  return null;
}

const skip = skipReason();
if (skip) console.log(skip);
const suite = skip ? describe.skip : describe;

/** The parent's environment without anything that would change what the app under test does. */
function appEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('TOLLGATE_') || name === 'ELECTRON_RUN_AS_NODE' || name === 'ANTHROPIC_API_KEY') continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

suite('the desktop app', () => {
  let upstream: StandIn;
  let dataDir: string;
  let app: ElectronApplication;
  let window: Page;
  let hooks: Pick<TollgateE2E, 'gatewayUrl' | 'adminToken' | 'dataDir'>;
  let quit = false;

  const trayMenu = (): Promise<ReturnType<TollgateE2E['trayMenu']>> =>
    app.evaluate(() => {
      if (!globalThis.tollgateE2E) throw new Error('TOLLGATE_E2E hooks are not installed');
      return globalThis.tollgateE2E.trayMenu();
    });

  const notificationKinds = (): Promise<string[]> =>
    app.evaluate(() => (globalThis.tollgateE2E?.notifications() ?? []).map((notification) => notification.kind));

  async function admin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(hooks.gatewayUrl + path, {
      method,
      headers: { authorization: `Bearer ${hooks.adminToken}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  beforeAll(async () => {
    await ensureDashboardBuilt();
    // `npm test` builds before vitest runs; a lone run builds here when the main bundle is missing too.
    // (Never rebuilt when present: other suites read out/ at the same time.)
    if (!existsSync(join(ROOT, 'out', 'main', 'index.js')) || !existsSync(join(ROOT, 'out', 'preload', 'index.cjs'))) {
      await build({ root: ROOT, logLevel: 'warn' });
    }
    const binding = ensureElectronSqlite(ROOT, electron, (line) => console.log(line));
    upstream = await startStandIn({ apiKey: UPSTREAM_API_KEY });
    dataDir = tempDataDir();
    // Chromium will not run as root with its sandbox (CI containers); the app's windows stay sandboxed otherwise.
    const rootArgs = process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    app = await _electron.launch({
      executablePath: electron.executable,
      args: [...rootArgs, ROOT],
      cwd: ROOT,
      env: appEnv({
        TOLLGATE_E2E: '1',
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_PORT: '0',
        TOLLGATE_ANTHROPIC_BASE_URL: upstream.url,
        TOLLGATE_SQLITE_BINDING: binding,
        ANTHROPIC_API_KEY: UPSTREAM_API_KEY,
      }),
    });
    window = await app.firstWindow();
    await expect
      .poll(() => app.evaluate(() => (globalThis.tollgateE2E ? 'ready' : 'starting')), POLL)
      .toBe('ready');
    hooks = await app.evaluate(() => {
      const { gatewayUrl, adminToken, dataDir } = globalThis.tollgateE2E as TollgateE2E;
      return { gatewayUrl, adminToken, dataDir };
    });
  }, 15 * 60_000);

  afterAll(async () => {
    if (!quit) await app?.close();
    await upstream?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the gateway on the data directory it was given, and the gateway answers', async () => {
    expect(hooks.dataDir).toBe(dataDir);
    const response = await fetch(`${hooks.gatewayUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it("opens the dashboard from the gateway's own origin, signed in without asking for the admin token", async () => {
    expect(window.url().startsWith(`${hooks.gatewayUrl}/dashboard/`)).toBe(true);
    await window.getByRole('heading', { level: 1, name: /Set up Tollgate|Overview/ }).waitFor({ timeout: POLL.timeout });
    await expect(window.getByLabel('Admin token').count()).resolves.toBe(0);
  });

  it("shows today's spend and Open dashboard in the tray menu, and turns to paused after a pause through the API", async () => {
    const menu = await trayMenu();
    expect(menu.icon).toBe('running');
    const labels = menu.items.flatMap((item) => ('label' in item ? [item.label] : []));
    expect(labels).toContain('Today: $0.00 · 0 requests');
    expect(labels).toContain('Open dashboard');

    expect((await admin('POST', '/api/gateway/pause')).status).toBe(200);
    await expect.poll(async () => (await trayMenu()).icon, POLL).toBe('paused');
    const paused = await trayMenu();
    expect(paused.items.some((item) => item.type === 'action' && item.action === 'resume')).toBe(true);

    expect((await admin('POST', '/api/gateway/resume')).status).toBe(200);
    await expect.poll(async () => (await trayMenu()).icon, POLL).toBe('running');
  });

  it('raises a notification when a budget crosses 80 %', async () => {
    // $0.04 a day; each scripted reply (1,000 tokens in and out on Sonnet 4.6) costs $0.018: two make 90 %.
    const created = await admin<{ virtual_key: { value: string } }>('POST', '/api/governance/virtual-keys', {
      name: 'alice laptop',
      budget: { max_limit: 0.04, reset_duration: '1d' },
    });
    expect(created.status).toBe(201);
    const client = new Anthropic({ baseURL: hooks.gatewayUrl, authToken: created.body.virtual_key.value, maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      upstream.enqueue({ kind: 'message', usage: { input_tokens: 1000, output_tokens: 1000 } });
      await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: 'hello' }] });
    }
    await expect.poll(notificationKinds, POLL).toContain('budget_80');
    await expect.poll(async () => (await trayMenu()).icon, POLL).toBe('warning');
  });

  it('keeps running in the tray when the window is closed', async () => {
    await window.close();
    await expect.poll(() => app.windows().length, POLL).toBe(0);
    expect((await fetch(`${hooks.gatewayUrl}/health`)).status).toBe(200);
    expect((await trayMenu()).items.some((item) => item.type === 'action' && item.action === 'open-dashboard')).toBe(true);
  });

  it('stops the gateway and exits cleanly on Quit', async () => {
    const closed = app.waitForEvent('close');
    // Quit after evaluate has answered, so the answer does not race the exit.
    await app.evaluate(({ app: electronApp }) => void setImmediate(() => electronApp.quit()));
    await closed;
    quit = true;
    await expect.poll(() => app.process().exitCode, POLL).toBe(0);
    await expect(fetch(`${hooks.gatewayUrl}/health`)).rejects.toThrow();
  });
});
