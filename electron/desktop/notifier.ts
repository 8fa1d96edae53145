// The notification engine: polls the gateway status and the refusals logged since the last poll,
// runs the notification rules over them and hands each resulting notification to `notify`. Plain
// Node: the headless CLI prints what it is handed, the Electron shell shows it natively.
import type { GatewayStatus } from '../../shared/schemas.js';
import type { NotifierGateway } from './controls.js';
import { evaluateNotifications, initialMemory, type Notification, type NotifierMemory } from './notification-rules.js';
import { STATUS_INTERVAL_MS, type StatusFeed } from './status-feed.js';

/** Headless, the notifier polls at the desktop app's cadence. */
export const NOTIFIER_INTERVAL_MS = STATUS_INTERVAL_MS;

export interface NotifierOptions {
  gateway: NotifierGateway;
  notify: (notification: Notification) => void;
  /** How often to poll on a timer of its own (without `feed`); the timer does not keep the process alive. */
  intervalMs?: number;
  /** Poll on each status this feed reads instead (the desktop app, whose tray shows the same status). */
  feed?: StatusFeed;
  /** Defaults to the gateway's own clock, the one its log rows and budget periods follow. */
  clock?: () => number;
}

/** Closures, not methods: `const { check } = startNotifier(…)` is fine. */
export interface Notifier {
  stop: () => void;
  /** Polls now, on `status` when the caller has just read it; returns what it notified (also handed to `notify`). */
  check: (status?: GatewayStatus) => Notification[];
}

export function startNotifier(options: NotifierOptions): Notifier {
  const { gateway, notify } = options;
  const clock = options.clock ?? gateway.context.clock;
  let memory: NotifierMemory = initialMemory();
  // Start from the log's current end: refusals from before start-up are history, not news.
  let lastLogId = gateway.context.requestLog.latestId();
  let stopped = false;

  const check = (status?: GatewayStatus): Notification[] => {
    if (stopped) return [];
    const refusals = gateway.context.requestLog.refusalsByKeyAfter(lastLogId);
    lastLogId = refusals.last_id;
    const result = evaluateNotifications(
      memory,
      { status: status ?? gateway.status(), refusals: refusals.keys },
      gateway.context.settings.notifications(),
      clock(),
    );
    memory = result.memory;
    for (const notification of result.notifications) {
      try {
        notify(notification);
      } catch (error) {
        gateway.context.logger.error(`could not show the notification "${notification.title}"`, error);
      }
    }
    return result.notifications;
  };

  const poll = (status?: GatewayStatus): void => {
    try {
      check(status);
    } catch (error) {
      // A failed poll (the database closing at shutdown, say) must not take the process down; the next may work.
      gateway.context.logger.error('notifications: could not check the gateway', error);
    }
  };
  let stopPolling: () => void;
  if (options.feed) {
    stopPolling = options.feed.subscribe(poll);
  } else {
    const timer = setInterval(() => poll(), options.intervalMs ?? NOTIFIER_INTERVAL_MS);
    timer.unref();
    stopPolling = () => clearInterval(timer);
  }

  return {
    stop() {
      stopped = true;
      stopPolling();
    },
    check,
  };
}
