// Debian's Chromium driven by playwright-core, for the dashboard's end-to-end tests and screenshots:
// where the browser and the dashboard build are, how to launch the browser so it runs as root in a
// container without reaching the network, and signing in to a gateway the way a person does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The renderer build `electron-vite build` writes; the gateway serves it under /dashboard/. */
export const DASHBOARD_DIR = join(import.meta.dirname, '..', '..', 'out', 'renderer');

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Makes sure the dashboard build exists: `npm test` builds it before vitest runs; a lone
 * `npx vitest run` of a browser test builds it here with electron-vite's own API.
 */
export async function ensureDashboardBuilt(): Promise<string> {
  if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) {
    const { build } = await import('electron-vite');
    await build({ root: join(import.meta.dirname, '..', '..'), logLevel: 'warn' });
  }
  if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) {
    throw new Error(`electron-vite build did not produce ${join(DASHBOARD_DIR, 'index.html')}`);
  }
  return DASHBOARD_DIR;
}

/**
 * Headless Chromium with a fresh profile (playwright-core makes a temporary one per launch).
 * --no-sandbox because tests run as root; the rest keeps the browser off the network and quiet.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens the dashboard and signs in with the admin token; resolves once the shell's navigation shows. */
export async function signIn(page: Page, gatewayUrl: string, adminToken: string): Promise<void> {
  await page.goto(`${gatewayUrl}/dashboard/`);
  await page.getByLabel('Admin token').fill(adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Goes to a page through the sidebar, as a person would, and waits for its heading. */
export async function openPage(page: Page, label: string, heading = label): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** The settings.json `env` block a person copies from the dashboard. */
export interface Snippet {
  env: { ANTHROPIC_BASE_URL: string; ANTHROPIC_AUTH_TOKEN: string };
}

export function isSnippet(value: unknown): value is Snippet {
  if (typeof value !== 'object' || value === null || !('env' in value)) return false;
  const env: unknown = value.env;
  return (
    typeof env === 'object' &&
    env !== null &&
    'ANTHROPIC_BASE_URL' in env &&
    typeof env.ANTHROPIC_BASE_URL === 'string' &&
    'ANTHROPIC_AUTH_TOKEN' in env &&
    typeof env.ANTHROPIC_AUTH_TOKEN === 'string'
  );
}
