// Electron entry: starts the same gateway core as `npm run serve` in the main process, on the same data
// directory, then lives in the tray. Start-up is the sequence of setup steps in start(), read top to
// bottom; everything Electron-specific sits in shell/, the decisions it renders in desktop/.
import { app, dialog, safeStorage } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORT, defaultDataDir, parsePort } from './config.js';
import { STARTED_AT_LOGIN_FLAG } from './desktop/autostart.js';
import { startStatusFeed } from './desktop/status-feed.js';
import { onboarding } from './gateway/admin-desktop.js';
import { secretKeyFile, startGateway, type Gateway } from './gateway/gateway.js';
import { exposeForEndToEndTests } from './shell/e2e.js';
import { resolveSqliteBinding } from './shell/native-binding.js';
import { setupNotifications } from './shell/notifications.js';
import { createDesktopSecretBox } from './shell/safe-storage.js';
import { setupTray } from './shell/tray.js';
import { setupDashboardWindow, type DashboardWindow } from './shell/window.js';

/** TOLLGATE_DATA_DIR as `npm run serve` honours it, else the per-user folder both share. */
function setupDataDir(): string {
  const dataDir = process.env.TOLLGATE_DATA_DIR || defaultDataDir();
  // Chromium's own profile goes in a folder of its own inside the data directory, not loose beside
  // tollgate.db; it also makes the single-instance lock one per data directory.
  app.setPath('userData', join(dataDir, 'electron'));
  return dataDir;
}

/** A second launch shows the window of the first instead of starting a second gateway on the same data. */
function setupSingleInstance(): { onSecondLaunch(open: () => void): void } | null {
  if (!app.requestSingleInstanceLock()) return null;
  let open: (() => void) | null = null;
  let launchedEarly = false;
  app.on('second-instance', () => {
    if (open) open();
    else launchedEarly = true;
  });
  return {
    onSecondLaunch(handler) {
      open = handler;
      if (launchedEarly) handler();
    },
  };
}

async function setupGateway(dataDir: string): Promise<Gateway> {
  const port = parsePort(process.env.TOLLGATE_PORT ?? String(DEFAULT_PORT), 'TOLLGATE_PORT');
  const nativeBinding = resolveSqliteBinding({
    env: process.env,
    packaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    appPath: app.getAppPath(),
    electronVersion: process.versions.electron,
    platform: process.platform,
    arch: process.arch,
  });
  if (!existsSync(nativeBinding)) {
    throw new Error(
      `SQLite for Electron is missing (${nativeBinding}). Start the app with \`npm start\`, which builds it.`,
    );
  }
  const gateway = await startGateway({
    dataDir,
    port,
    ...(process.env.TOLLGATE_ANTHROPIC_BASE_URL && { anthropicBaseUrl: process.env.TOLLGATE_ANTHROPIC_BASE_URL }),
    secretBox: createDesktopSecretBox(safeStorage, secretKeyFile(dataDir)),
    nativeBinding,
    processMetrics: true,
  });
  console.log(
    `Tollgate gateway listening on ${gateway.url}\n  data directory: ${gateway.dataDir}\n  secrets:        ${gateway.secretProtection}`,
  );
  return gateway;
}

/**
 * The dashboard from the gateway itself, so its API calls are same-origin. Under `npm run dev` the
 * window loads electron-vite's dev server instead, whose proxy sends /api to the gateway
 * (electron.vite.config.ts), so the page's own origin is still the API base.
 */
function setupWindow(gateway: Gateway): DashboardWindow {
  const url = process.env.ELECTRON_RENDERER_URL ?? `${gateway.url}/dashboard/`;
  return setupDashboardWindow({ url, connection: { apiBase: new URL(url).origin, adminToken: gateway.adminToken } });
}

/** Closing the window keeps the app in the tray; Quit (or a signal) drains the gateway, then exits. */
function setupQuit(gateway: Gateway, stopShell: () => void): () => void {
  let quitting = false;
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    stopShell();
    gateway.close().then(
      () => app.exit(0),
      (error: unknown) => {
        console.error('Tollgate: error while stopping the gateway', error);
        app.exit(1);
      },
    );
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  return () => app.quit();
}

/**
 * A start by hand opens the window; a start at login stays in the tray unless the first-run steps are
 * still to do (the window then shows them).
 */
function shouldOpenWindow(gateway: Gateway): boolean {
  // Login items pass arguments on Windows only (and our XDG entry on Linux); macOS says so itself.
  const atLogin =
    process.argv.includes(STARTED_AT_LOGIN_FLAG) ||
    (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  if (!atLogin) return true;
  try {
    return onboarding(gateway.context).needed;
  } catch (error) {
    console.error('Tollgate: could not read the onboarding state; opening the window', error);
    return true;
  }
}

async function start(): Promise<void> {
  const dataDir = setupDataDir();
  const instance = setupSingleInstance();
  if (!instance) {
    app.quit();
    return;
  }
  await app.whenReady();
  const gateway = await setupGateway(dataDir);
  const dashboard = setupWindow(gateway);
  const openDashboard = (): void => void dashboard.open();
  let stopShell = (): void => undefined;
  const quit = setupQuit(gateway, () => stopShell());
  // One status read per tick for both the tray and the notifications.
  const feed = startStatusFeed({ gateway });
  const tray = setupTray({
    gateway,
    resourcesDir: app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'build'),
    openDashboard,
    quit,
    feed,
  });
  const notifications = setupNotifications({ gateway, onClick: openDashboard, feed });
  stopShell = () => {
    feed.stop();
    notifications.stop();
    tray.destroy();
  };
  instance.onSecondLaunch(openDashboard);
  app.on('activate', openDashboard);
  exposeForEndToEndTests({
    trayMenu: () => tray.model(),
    notifications: () => notifications.shown(),
    gatewayUrl: gateway.url,
    adminToken: gateway.adminToken,
    dataDir,
  });
  if (shouldOpenWindow(gateway)) openDashboard();
  else app.dock?.hide(); // macOS: in the menu bar only, like after closing the window
}

start().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const inUse = /EADDRINUSE/.test(message)
    ? `\n\nAnother program is using the port, perhaps \`npm run serve\` or another Tollgate on the same data. Stop it, or set TOLLGATE_PORT.`
    : '';
  console.error('Tollgate failed to start', error);
  if (app.isReady()) dialog.showErrorBox('Tollgate could not start', `${message}${inUse}`);
  app.exit(1);
});
