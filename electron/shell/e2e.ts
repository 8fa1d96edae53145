// What the Electron end-to-end tests read from the main process (Playwright's electronApp.evaluate):
// the tray's menu model, the notifications raised, and where the gateway and its data are. Installed
// only when TOLLGATE_E2E=1, so a normal run exposes nothing extra.
import type { TrayMenuModel } from '../desktop/tray-menu.js';
import type { ShownNotification } from './notifications.js';

export interface TollgateE2E {
  trayMenu(): TrayMenuModel;
  notifications(): ShownNotification[];
  gatewayUrl: string;
  adminToken: string;
  dataDir: string;
}

declare global {
  var tollgateE2E: TollgateE2E | undefined;
}

export function exposeForEndToEndTests(hooks: TollgateE2E, env: NodeJS.ProcessEnv = process.env): void {
  if (env.TOLLGATE_E2E === '1') globalThis.tollgateE2E = hooks;
}
