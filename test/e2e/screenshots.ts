// `npm run screenshots`: renders every dashboard page from the demo data to renderer/screenshots/
// <page>-<theme>.png, in light and dark, at 1440×900. It generates a fresh demo store in a temporary
// directory, serves it with a real gateway (no upstream is contacted), and drives Debian's Chromium the
// way a person would: sign in, open each page from the sidebar, wait until it has drawn its data.
// Then the desktop-gateway screens: the paused banner, LAN sharing in Settings and a key's reveal for
// a teammate, and the three first-run steps on a second, fresh gateway.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { GatewayStatus, LanStatus } from '../../shared/schemas.js';
import { prepareDemoDataDir } from '../../electron/demo/demo-dir.js';
import { startGateway, type Gateway } from '../../electron/gateway/gateway.js';
import { silentLogger } from '../../electron/gateway/logger.js';
import {
  chromiumAvailable,
  CHROMIUM_PATH,
  ensureDashboardBuilt,
  launchChromium,
  openPage,
  signIn,
} from '../support/browser.js';

const ROOT = join(import.meta.dirname, '..', '..');
const OUT_DIR = join(ROOT, 'renderer', 'screenshots');
const VIEWPORT = { width: 1440, height: 900 };
const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

/** Pages reached from the sidebar: file name, link label, and the page's heading when it differs. */
const SIDEBAR_PAGES: { file: string; link: string; heading?: string }[] = [
  { file: 'overview', link: 'Overview' },
  { file: 'keys', link: 'Keys' },
  { file: 'organisation', link: 'Organisation' },
  { file: 'models', link: 'Models & pricing' },
  { file: 'providers', link: 'Providers' },
  { file: 'audit', link: 'Audit' },
  { file: 'settings', link: 'Settings' },
];

/** Resolves once nothing on the page says it is still loading and web fonts are in. */
async function settled(page: Page): Promise<void> {
  await page.locator('.loading, .spinner').first().waitFor({ state: 'detached' });
  // Page scripts run in the browser, so they are passed as text.
  await page.evaluate('document.fonts.ready.then(() => undefined)');
}

async function shoot(page: Page, name: string, theme: Theme): Promise<string> {
  await settled(page);
  const file = join(OUT_DIR, `${name}-${theme}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

async function adminGet<T>(gateway: Gateway, path: string): Promise<T> {
  return adminCall<T>(gateway, 'GET', path);
}

async function adminCall<T>(gateway: Gateway, method: string, path: string): Promise<T> {
  const response = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${gateway.adminToken}` },
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * LAN sharing as it looks on a machine at 192.168.1.20. The script does not open a listener on this
 * machine's network for a picture: the browser sees the gateway's real status with this in `lan`.
 */
const SHOWN_LAN: LanStatus = {
  settings: { enabled: true, tls: true, remote_admin: false, address: null, port: null },
  listening: true,
  urls: ['https://192.168.1.20:4141'],
  available_addresses: ['192.168.1.20', 'fd12:3456:789a::20'],
  ca_certificate_url: '/tollgate-ca.pem',
  ca_certificate_path: '/home/dana/.config/Tollgate/tls/tollgate-ca.pem',
  ca_fingerprint_sha256:
    '5E:0B:91:C4:27:AD:3F:88:60:1D:E2:7C:94:B5:0A:13:CF:46:D8:21:7E:39:AB:05:F1:6C:82:D7:4A:90:3B:E6',
  server_fingerprint_sha256: null,
  server_certificate_covers: [],
  sign_ins_pinned_to_old_certificate: 0,
  error: null,
  warning: null,
};

async function showLanSharing(context: BrowserContext): Promise<void> {
  await context.route('**/api/gateway/status', async (route) => {
    const response = await route.fetch();
    const status = (await response.json()) as GatewayStatus;
    await route.fulfill({ response, json: { ...status, lan: SHOWN_LAN } });
  });
  await context.route('**/api/lan', (route) => route.fulfill({ json: SHOWN_LAN }));
}

/** The desktop-gateway screens on the demo gateway: paused banner, LAN settings, a key for a teammate. */
async function desktopShots(page: Page, gateway: Gateway, theme: Theme): Promise<string[]> {
  const files: string[] = [];
  await adminCall(gateway, 'POST', '/api/gateway/pause');
  try {
    await openPage(page, 'Overview');
    await page.getByRole('region', { name: 'Gateway paused' }).waitFor();
    await page.getByRole('heading', { name: 'Budget health' }).first().waitFor();
    files.push(await shoot(page, 'paused', theme));
  } finally {
    await adminCall(gateway, 'POST', '/api/gateway/resume');
  }

  await showLanSharing(page.context());
  await openPage(page, 'Settings');
  const lan = page.getByRole('region', { name: 'LAN sharing' });
  await lan.getByText('https://192.168.1.20:4141').waitFor();
  await page.getByRole('region', { name: 'Gateway paused' }).waitFor({ state: 'detached' });
  await page.evaluate("document.getElementById('settings-lan').closest('section').scrollIntoView({ block: 'start' })");
  files.push(await shoot(page, 'settings-lan', theme));

  await openPage(page, 'Keys');
  await page.getByRole('main').getByRole('button', { name: 'Create key' }).first().click();
  const form = page.getByRole('dialog', { name: 'Create a key' });
  await form.getByLabel('Name', { exact: true }).fill(`sam-laptop-${theme}`);
  await form.getByRole('button', { name: 'Create key' }).click();
  const reveal = page.getByRole('dialog', { name: `Key “sam-laptop-${theme}” created` });
  await reveal.getByRole('radio', { name: 'Teammate on the LAN' }).check();
  await reveal.getByText('SHA-256 fingerprint', { exact: false }).waitFor();
  files.push(await shoot(page, 'key-lan', theme));
  await reveal.getByRole('button', { name: 'I have copied it' }).click();
  await page.context().unrouteAll({ behavior: 'wait' });
  return files;
}

/** The three first-run steps, on a fresh gateway that already has an Anthropic key from its environment. */
async function onboardingShots(browser: Browser, gateway: Gateway, theme: Theme): Promise<string[]> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    colorScheme: theme,
    reducedMotion: 'reduce',
  });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${gateway.url}/dashboard/`);
    await page.getByLabel('Admin token').fill(gateway.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Set up Tollgate' }).waitFor();
    await page.getByText('from ANTHROPIC_API_KEY').waitFor();
    const files = [await shoot(page, 'onboarding-key', theme)];

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('region', { name: 'Create your own key' }).waitFor();
    files.push(await shoot(page, 'onboarding-budget', theme));

    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('region', { name: 'Connect Claude Code' }).waitFor();
    await page.evaluate('document.activeElement?.blur()');
    files.push(await shoot(page, 'onboarding-snippet', theme));
    return files;
  } finally {
    await context.close();
  }
}

/** The month's most expensive Claude Code session: the one the overview's "Top sessions" card leads with. */
async function topSession(gateway: Gateway): Promise<string> {
  const { top_sessions } = await adminGet<{ top_sessions: { session_id: string }[] }>(gateway, '/api/stats/overview');
  const session = top_sessions[0]?.session_id;
  if (!session) throw new Error('the demo data has no session in the overview');
  return session;
}

async function renderTheme(browser: Browser, gateway: Gateway, theme: Theme, session: string): Promise<string[]> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    colorScheme: theme,
    reducedMotion: 'reduce',
  });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await signIn(page, gateway.url, gateway.adminToken);
    const files: string[] = [];

    for (const entry of SIDEBAR_PAGES) {
      await openPage(page, entry.link, entry.heading ?? entry.link);
      if (entry.file === 'overview') await page.getByRole('heading', { name: 'Budget health' }).first().waitFor();
      files.push(await shoot(page, entry.file, theme));
    }

    // Logs with the newest answered request open in the detail panel.
    await openPage(page, 'Logs');
    const rows = page
      .getByRole('table', { name: 'Requests' })
      .getByRole('row')
      .filter({ has: page.getByRole('cell') });
    await rows.filter({ hasText: 'OK 200' }).first().click();
    // The panel opens on the cost breakdown; bring the conversation into view, as a reader would scroll to it.
    await page.getByRole('complementary').getByRole('heading', { name: 'Conversation' }).waitFor();
    await page.evaluate("document.getElementById('detail-conversation').scrollIntoView({ block: 'start' })");
    files.push(await shoot(page, 'logs', theme));

    // One Claude Code session as a timeline, opened from its address in a fresh load (the tab keeps
    // its sign-in), so no request is selected.
    await page.goto(`${gateway.url}/dashboard/#/logs?session=${encodeURIComponent(session)}`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Session' }).waitFor();
    await page
      .getByRole('list', { name: 'Requests in this session, oldest first' })
      .getByRole('listitem')
      .first()
      .waitFor();
    files.push(await shoot(page, 'session', theme));

    files.push(...(await desktopShots(page, gateway, theme)));
    return files;
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  if (!chromiumAvailable()) {
    console.error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package to render screenshots.`);
    process.exit(1);
  }
  const dashboardDir = await ensureDashboardBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-screenshots-'));
  const freshDirs: string[] = [];
  let gateway: Gateway | null = null;
  let browser: Browser | null = null;
  try {
    const demo = prepareDemoDataDir(dataDir, { now: Date.now() });
    console.log(`demo data: ${demo.summary?.requests.toLocaleString('en-US') ?? '?'} requests in ${dataDir}`);
    // A placeholder provider key so the providers page shows a configured gateway; nothing is sent upstream.
    gateway = await startGateway({
      dataDir,
      port: 0,
      dashboardDir,
      env: { ANTHROPIC_API_KEY: 'sk-ant-api03-demo-placeholder-not-a-real-key-7f3a' },
      logger: silentLogger,
    });
    const session = await topSession(gateway);
    mkdirSync(OUT_DIR, { recursive: true });
    browser = await launchChromium();
    for (const theme of THEMES) {
      const files = await renderTheme(browser, gateway, theme, session);
      for (const file of files) console.log(`wrote ${relative(ROOT, file)}`);
    }
    for (const theme of THEMES) {
      // A fresh gateway per theme: finishing step 2 creates a key, after which onboarding is not offered.
      const freshDir = mkdtempSync(join(tmpdir(), 'tollgate-screenshots-fresh-'));
      freshDirs.push(freshDir);
      const fresh = await startGateway({
        dataDir: freshDir,
        port: 0,
        dashboardDir,
        env: { ANTHROPIC_API_KEY: 'sk-ant-api03-demo-placeholder-not-a-real-key-7f3a' },
        logger: silentLogger,
      });
      try {
        const files = await onboardingShots(browser, fresh, theme);
        for (const file of files) console.log(`wrote ${relative(ROOT, file)}`);
      } finally {
        await fresh.close();
      }
    }
  } finally {
    await browser?.close();
    await gateway?.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const dir of freshDirs) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
