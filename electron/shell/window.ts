// The dashboard window: sandboxed and context-isolated, loading the dashboard from the gateway itself
// (`<gateway>/dashboard/`), so the renderer's API calls are same-origin and the gateway needs no CORS.
// One window at a time: opening it again shows and focuses the one there is. The preload's single IPC
// question (how to reach the gateway) is answered only for this module's own windows, and only while
// they show a page from the dashboard's origin. On macOS the Dock icon shows only while a window is open,
// since the app otherwise lives in the menu bar. A notification click or a tray entry can open it at a
// page of the dashboard's hash router (`#/sign-ins`, `#/sign-ins?approve=si_…`) through openDashboardPage().
import { app, BrowserWindow, ipcMain, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { join } from 'node:path';
import { IPC_CHANNELS, type DesktopConnection } from '../../shared/ipc.js';
import { dashboardHash, type DashboardLink } from '../desktop/tray-menu.js';

export interface DashboardOptions {
  /** The page to load: the gateway's /dashboard/, or electron-vite's dev server in `npm run dev`. */
  url: string;
  /** What the preload hands the renderer: the API base (the page's own origin) and the admin token. */
  connection: DesktopConnection;
}

export interface DashboardWindow {
  /** Shows the window, creating it if there is none, and brings it to the front; at `link` when given. */
  open(link?: DashboardLink): BrowserWindow;
  current(): BrowserWindow | null;
}

/** The dashboard window of this process: there is one, since its IPC answer can be installed only once. */
let dashboard: DashboardWindow | null = null;

/**
 * Shows the dashboard at `link` (`#/sign-ins`), the way a notification click or a tray entry asks;
 * false when no dashboard window has been set up (the caller then opens the dashboard its own way).
 */
export function openDashboardPage(link: DashboardLink): boolean {
  if (!dashboard) return false;
  dashboard.open(link);
  return true;
}

/** The dashboard's address at a page of its hash router: `<gateway>/dashboard/#/sign-ins`. */
export function dashboardPageUrl(url: string, link: DashboardLink): string {
  const target = new URL(url);
  target.hash = dashboardHash(link);
  return target.toString();
}

export function setupDashboardWindow(options: DashboardOptions): DashboardWindow {
  const origin = new URL(options.url).origin;
  let window: BrowserWindow | null = null;
  const load = (target: BrowserWindow, url: string): void => {
    target.loadURL(url).catch((error: unknown) => {
      // A newer navigation (another click) cutting this one short is no failure.
      if (!target.isDestroyed() && !/ERR_ABORTED/.test(String(error)))
        console.error(`Tollgate: could not load ${url}`, error);
    });
  };
  const contents = new Set<WebContents>();

  ipcMain.handle(IPC_CHANNELS.connection, (event) => {
    if (!isOwnPage(event, contents, origin)) throw new Error('IPC refused: not a Tollgate dashboard window');
    return options.connection;
  });

  const create = (at?: DashboardLink): BrowserWindow => {
    const created = new BrowserWindow({
      width: 1280,
      height: 840,
      minWidth: 720,
      minHeight: 480,
      show: false,
      title: 'Tollgate',
      webPreferences: {
        preload: join(import.meta.dirname, '../preload/index.cjs'),
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webSecurity: true,
      },
    });
    const page = created.webContents;
    contents.add(page);
    created.once('ready-to-show', () => created.show());
    created.on('closed', () => {
      contents.delete(page);
      if (window === created) window = null;
      // Closing the window leaves the app in the tray (see main.ts); on macOS it leaves the Dock too.
      app.dock?.hide();
    });
    // Links out of the dashboard (docs, console.anthropic.com) open in the browser, never in this window.
    page.setWindowOpenHandler(({ url }) => {
      openExternally(url);
      return { action: 'deny' };
    });
    page.on('will-navigate', (event, url) => {
      if (new URL(url).origin === origin) return;
      event.preventDefault();
      openExternally(url);
    });
    load(created, at ? dashboardPageUrl(options.url, at) : options.url);
    return created;
  };

  dashboard = {
    open(link) {
      void app.dock?.show();
      if (!window) {
        window = create(link);
      } else if (link) {
        // Only the hash differs from the dashboard's address: Chromium navigates within the page, and the
        // dashboard's router follows. Already there, nothing is loaded (a same-URL load may reload).
        const target = dashboardPageUrl(options.url, link);
        if (window.webContents.getURL() !== target) load(window, target);
      }
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
      return window;
    },
    current: () => window,
  };
  return dashboard;
}

/** One of our windows, showing a page of the dashboard's origin (not something it navigated to). */
function isOwnPage(event: IpcMainInvokeEvent, contents: Set<WebContents>, origin: string): boolean {
  if (!contents.has(event.sender)) return false;
  const frameUrl = event.senderFrame?.url;
  if (!frameUrl) return false;
  try {
    return new URL(frameUrl).origin === origin;
  } catch {
    return false;
  }
}

function openExternally(url: string): void {
  // Only web links: a file:// or custom-scheme URL from a page must not start local programs.
  if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
}
