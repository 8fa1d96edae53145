// The dashboard window: sandboxed, context-isolated, loading the renderer bundle (or the dev server).
import { BrowserWindow, ipcMain, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { IPC_CHANNELS, type DesktopConnection } from '../../shared/ipc.js';

const windows = new Set<WebContents>();

export function createDashboardWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 840,
    show: false,
    title: 'Tollgate',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    },
  });
  const contents = window.webContents;
  windows.add(contents);
  window.on('closed', () => windows.delete(contents));
  window.once('ready-to-show', () => window.show());
  contents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  const devServer = process.env.ELECTRON_RENDERER_URL;
  if (devServer) void window.loadURL(devServer);
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return window;
}

/** Answers the preload's one question, and only for the app's own windows. */
export function setupConnectionHandler(connection: () => DesktopConnection): void {
  ipcMain.handle(IPC_CHANNELS.connection, (event) => {
    if (!windows.has(event.sender)) throw new Error('IPC refused: not a Tollgate window');
    return connection();
  });
}
