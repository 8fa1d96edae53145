// The dashboard window: sandboxed and context-isolated, loading the dashboard from the gateway itself
// (`<gateway>/dashboard/`), so the renderer's API calls are same-origin and the gateway needs no CORS.
// One window at a time: opening it again shows and focuses the one there is. The preload's single IPC
// question (how to reach the gateway) is answered only for this module's own windows, and only while
// they show a page from the dashboard's origin. On macOS the Dock icon shows only while a window is open,
// since the app otherwise lives in the menu bar.
import { app, BrowserWindow, ipcMain, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { join } from 'node:path';
import { IPC_CHANNELS, type DesktopConnection } from '../../shared/ipc.js';

export interface DashboardOptions {
  /** The page to load: the gateway's /dashboard/, or electron-vite's dev server in `npm run dev`. */
  url: string;
  /** What the preload hands the renderer: the API base (the page's own origin) and the admin token. */
  connection: DesktopConnection;
}

export interface DashboardWindow {
  /** Shows the window, creating it if there is none, and brings it to the front. */
  open(): BrowserWindow;
  current(): BrowserWindow | null;
}

export function setupDashboardWindow(options: DashboardOptions): DashboardWindow {
  const origin = new URL(options.url).origin;
  let window: BrowserWindow | null = null;
  const contents = new Set<WebContents>();

  ipcMain.handle(IPC_CHANNELS.connection, (event) => {
    if (!isOwnPage(event, contents, origin)) throw new Error('IPC refused: not a Tollgate dashboard window');
    return options.connection;
  });

  const create = (): BrowserWindow => {
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
    void created.loadURL(options.url);
    return created;
  };

  return {
    open() {
      void app.dock?.show();
      window ??= create();
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
      return window;
    },
    current: () => window,
  };
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
