// Native notifications: runs the notifier (desktop/notifier.ts) and shows what it raises with
// Electron's Notification where the platform supports it; a click opens the dashboard, where the
// notification links to when it has a link (a sign-in waiting: `#/sign-ins?approve=si_…`). Keeps a list
// of what was raised for the Electron end-to-end tests.
import { Notification as NativeNotification } from 'electron';
import type { NotifierGateway } from '../desktop/controls.js';
import type { Notification } from '../desktop/notification-rules.js';
import { startNotifier } from '../desktop/notifier.js';
import type { StatusFeed } from '../desktop/status-feed.js';
import type { DashboardLink } from '../desktop/tray-menu.js';
import { openDashboardPage } from './window.js';

export interface NotificationsOptions {
  gateway: NotifierGateway;
  /** Opens the dashboard; a notification with a link opens the dashboard window there instead. */
  onClick: () => void;
  /** The status the tray reads too; the notifier polls on each reading. */
  feed: StatusFeed;
}

export interface ShownNotification {
  kind: string;
  title: string;
  body: string;
  /** Where in the dashboard a click leads, when the notification links somewhere. */
  link?: DashboardLink;
}

export interface NotificationsHandle {
  stop(): void;
  /** Polls now rather than at the next tick. */
  check(): void;
  /** The latest notifications raised (up to 200), oldest first; shown natively where Notification.isSupported(). */
  shown(): ShownNotification[];
}

const SHOWN_KEPT = 200;

export function setupNotifications(options: NotificationsOptions): NotificationsHandle {
  const shown: ShownNotification[] = [];
  // A notification only the OS holds may be garbage-collected, and its click handler with it.
  const open = new Set<NativeNotification>();
  const supported = NativeNotification.isSupported();
  if (!supported)
    options.gateway.context.logger.error('notifications: this desktop does not support them; none will show');

  const show = (notification: Notification): void => {
    const { link } = notification;
    shown.push({ kind: notification.kind, title: notification.title, body: notification.body, ...(link && { link }) });
    // A tray app runs for weeks: keep the recent ones only.
    if (shown.length > SHOWN_KEPT) shown.splice(0, shown.length - SHOWN_KEPT);
    if (!supported) return;
    const native = new NativeNotification({ title: notification.title, body: notification.body });
    open.add(native);
    const forget = (): void => void open.delete(native);
    native.on('click', () => {
      forget();
      if (!link || !openDashboardPage(link)) options.onClick();
    });
    native.on('close', forget);
    native.on('failed', (_event, error) => {
      forget();
      options.gateway.context.logger.error(`notifications: could not show "${notification.title}": ${error}`);
    });
    native.show();
  };

  const notifier = startNotifier({
    gateway: options.gateway,
    notify: show,
    feed: options.feed,
  });

  return {
    stop() {
      notifier.stop();
      // Left in the notification centre: the user may still want to read them after a quit.
      open.clear();
    },
    check: () => void notifier.check(),
    shown: () => shown.map((entry) => ({ ...entry })),
  };
}
