// `npm run screenshots`: renders every dashboard page from the demo data to renderer/screenshots/
// <page>-<theme>.png, in light and dark, at 1440×900. It generates a fresh demo store in a temporary
// directory, serves it with a real gateway (no upstream is contacted), and drives Debian's Chromium the
// way a person would: sign in, open each page from the sidebar, wait until it has drawn its data.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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
  const response = await fetch(gateway.url + path, { headers: { authorization: `Bearer ${gateway.adminToken}` } });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
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
  } finally {
    await browser?.close();
    await gateway?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
