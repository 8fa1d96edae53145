// Electron entry: starts the same gateway core as `npm run serve` on the per-user data directory and
// opens the dashboard. The tray, notifications and LAN sharing arrive with the desktop issue; this
// shell stays thin: start-up is a short sequence of setup steps.
import { app, BrowserWindow } from 'electron';
import { defaultDataDir } from './config.js';
import { startGateway, type Gateway } from './gateway/gateway.js';
import { createDashboardWindow, setupConnectionHandler } from './shell/window.js';

let gateway: Gateway | null = null;

function setupSingleInstance(): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    } else createDashboardWindow();
  });
  return true;
}

async function setupGateway(): Promise<Gateway> {
  const nativeBinding = process.env.TOLLGATE_SQLITE_BINDING;
  return startGateway({
    dataDir: defaultDataDir(),
    ...(nativeBinding && { nativeBinding }),
    processMetrics: true,
  });
}

function setupQuit(): void {
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !gateway) return;
    event.preventDefault();
    quitting = true;
    void gateway.close().finally(() => app.quit());
  });
  // Closing the window does not stop the gateway: teammates may be using it.
  app.on('window-all-closed', () => undefined);
}

async function start(): Promise<void> {
  if (!setupSingleInstance()) return;
  await app.whenReady();
  gateway = await setupGateway();
  const running = gateway;
  setupConnectionHandler(() => ({ apiBase: running.url, adminToken: running.adminToken }));
  setupQuit();
  createDashboardWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createDashboardWindow();
  });
}

start().catch((error: unknown) => {
  console.error('Tollgate failed to start', error);
  app.exit(1);
});
