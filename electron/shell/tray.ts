// The tray icon and its menu: renders the pure menu model (desktop/tray-menu.ts) with Electron's Tray
// and Menu, and maps each action id to what it does. Refreshes on each status the feed reads and after
// every action; rebuilds the native menu only when the model changed, so an open menu is not replaced
// under the cursor.
import { app, clipboard, Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { join } from 'node:path';
import type { GatewayStatus } from '../../shared/schemas.js';
import { STARTED_AT_LOGIN_FLAG, xdgAutostart, type LoginItem } from '../desktop/autostart.js';
import type { GatewayControls } from '../desktop/controls.js';
import type { StatusFeed } from '../desktop/status-feed.js';
import { trayMenu, type TrayIcon, type TrayMenuItem, type TrayMenuModel } from '../desktop/tray-menu.js';
import { openDashboardPage } from './window.js';

export interface TrayOptions {
  gateway: GatewayControls;
  /** Holds tray/tray-<icon>.png (with @2x beside each) and, for macOS, tray/trayTemplate.png. */
  resourcesDir: string;
  openDashboard: () => void;
  quit: () => void;
  /** The status the notifications read too; the tray re-renders on each reading. */
  feed: StatusFeed;
}

export interface TrayHandle {
  /** Reads the gateway status now and re-renders what changed. */
  refresh(): void;
  /** The model last rendered (the Electron end-to-end tests read it). */
  model(): TrayMenuModel;
  destroy(): void;
}

export function setupTray(options: TrayOptions): TrayHandle {
  const { gateway } = options;
  const logger = gateway.context.logger;
  const platform = process.platform;
  const loginItem = loginItemFor(platform);
  const images = trayImages(options.resourcesDir, platform, logger);

  const modelNow = (status: GatewayStatus = gateway.status()): TrayMenuModel =>
    trayMenu({ status, startAtLogin: safely(() => loginItem.get(), false), platform });

  let current = modelNow();
  const tray = new Tray(images(current.icon));
  let rendered: { icon: TrayIcon | null; tooltip: string; title: string; items: string } = {
    icon: null,
    tooltip: '',
    title: '',
    items: '',
  };

  const render = (model: TrayMenuModel): void => {
    current = model;
    if (model.icon !== rendered.icon) tray.setImage(images(model.icon));
    if (model.tooltip !== rendered.tooltip) tray.setToolTip(model.tooltip);
    if (platform === 'darwin' && model.title !== rendered.title) tray.setTitle(model.title);
    const items = JSON.stringify(model.items);
    // Linux (AppIndicator) only picks up a changed menu when it is set again, so set it whole.
    if (items !== rendered.items) tray.setContextMenu(Menu.buildFromTemplate(model.items.map(menuItem)));
    rendered = { icon: model.icon, tooltip: model.tooltip, title: model.title, items };
  };

  /** Re-renders from `status` when the feed has just read it, else from a reading of its own. */
  const refresh = (status?: GatewayStatus): void => {
    if (tray.isDestroyed()) return;
    try {
      render(modelNow(status));
    } catch (error) {
      // The gateway closing at quit makes status() throw; the next tick or quit itself settles it.
      logger.error('tray: could not read the gateway status', error);
    }
  };

  /** Runs an action, then shows its effect at once rather than at the next tick. */
  const act = (work: () => void | Promise<unknown>): void => {
    try {
      const result = work();
      if (result instanceof Promise) {
        void result.catch((error: unknown) => logger.error('tray: the action failed', error)).finally(refresh);
        return;
      }
    } catch (error) {
      logger.error('tray: the action failed', error);
    }
    refresh();
  };

  function menuItem(item: TrayMenuItem): MenuItemConstructorOptions {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: menuLabel(item.label, platform), enabled: false };
      case 'checkbox':
        return {
          type: 'checkbox',
          label: menuLabel(item.label, platform),
          checked: item.checked,
          click: () =>
            act(() =>
              item.action === 'toggle-lan'
                ? gateway.lan.update({ enabled: !item.checked })
                : loginItem.set(!item.checked),
            ),
        };
      case 'action': {
        const label = menuLabel(item.label, platform);
        switch (item.action) {
          case 'copy-lan-url': {
            const { url } = item;
            return { label, click: () => act(() => clipboard.writeText(url)) };
          }
          case 'open-dashboard':
            return { label, click: () => options.openDashboard() };
          case 'open-page': {
            const { link } = item;
            return { label, click: () => void (openDashboardPage(link) || options.openDashboard()) };
          }
          case 'pause':
            return { label, click: () => act(() => void gateway.setPaused(true)) };
          case 'resume':
            return { label, click: () => act(() => void gateway.setPaused(false)) };
          case 'quit':
            return { label, click: () => options.quit() };
        }
      }
    }
  }

  render(current);
  // Windows opens the menu on a right click; a left click on a tray icon there means "show the app".
  if (platform === 'win32') tray.on('click', () => options.openDashboard());
  const unsubscribe = options.feed.subscribe(refresh);

  return {
    refresh,
    model: () => current,
    destroy() {
      unsubscribe();
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}

/** On Windows and Linux `&` marks a menu mnemonic; a key named "R&D" should read as such. */
function menuLabel(label: string, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? label : label.replaceAll('&', '&&');
}

function loginItemFor(platform: NodeJS.Platform): LoginItem {
  if (platform === 'linux') {
    // An AppImage runs from a temporary mount; APPIMAGE is the file to start again.
    const program = process.env.APPIMAGE ?? process.execPath;
    const command = app.isPackaged || process.env.APPIMAGE ? [program] : [program, app.getAppPath()];
    return xdgAutostart({ name: 'tollgate', displayName: 'Tollgate', command: [...command, STARTED_AT_LOGIN_FLAG] });
  }
  return {
    get: () => app.getLoginItemSettings({ args: [STARTED_AT_LOGIN_FLAG] }).openAtLogin,
    set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: [STARTED_AT_LOGIN_FLAG] }),
  };
}

/**
 * One image per icon state, loaded once. macOS gets the monochrome template image for every state
 * (the menu bar tints it; the title says the state); elsewhere tray-<icon>.png, whose @2x sibling
 * nativeImage picks up for high-density screens.
 */
function trayImages(
  resourcesDir: string,
  platform: NodeJS.Platform,
  logger: GatewayControls['context']['logger'],
): (icon: TrayIcon) => NativeImage {
  const cache = new Map<string, NativeImage>();
  return (icon) => {
    const file = join(resourcesDir, 'tray', platform === 'darwin' ? 'trayTemplate.png' : `tray-${icon}.png`);
    let image = cache.get(file);
    if (!image) {
      image = nativeImage.createFromPath(file);
      if (image.isEmpty()) logger.error(`tray: no image at ${file}; the tray icon will be blank`);
      if (platform === 'darwin') image.setTemplateImage(true);
      cache.set(file, image);
    }
    return image;
  };
}

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
