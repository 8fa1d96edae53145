// The notification engine: polls the gateway status and the refusals logged since the last poll,
// runs the notification rules over them and hands each resulting notification to `notify`. Plain
// Node: the headless CLI prints what it is handed, the Electron shell shows it natively.
import type { NotifierGateway } from './controls.js';
import { evaluateNotifications, initialMemory, type Notification, type NotifierMemory } from './notification-rules.js';

export const NOTIFIER_INTERVAL_MS = 5_000;

export interface NotifierOptions {
  gateway: NotifierGateway;
  notify: (notification: Notification) => void;
  /** How often to poll; the timer does not keep the process alive. */
  intervalMs?: number;
  /** Defaults to the gateway's own clock, the one its log rows and budget periods follow. */
  clock?: () => number;
}

/** Closures, not methods: `const { check } = startNotifier(…)` is fine. */
export interface Notifier {
  stop: () => void;
  /** Polls now; returns what it notified (also handed to `notify`). */
  check: () => Notification[];
}

export function startNotifier(options: NotifierOptions): Notifier {
  const { gateway, notify } = options;
  const clock = options.clock ?? gateway.context.clock;
  let memory: NotifierMemory = initialMemory();
  // Start from the log's current end: refusals from before start-up are history, not news.
  let lastLogId = gateway.context.requestLog.latestId();
  let stopped = false;

  const check = (): Notification[] => {
    if (stopped) return [];
    const refusals = gateway.context.requestLog.refusalsByKeyAfter(lastLogId);
    lastLogId = refusals.last_id;
    const result = evaluateNotifications(
      memory,
      { status: gateway.status(), refusals: refusals.keys },
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

  const timer = setInterval(() => {
    try {
      check();
    } catch (error) {
      // A failed poll (the database closing at shutdown, say) must not take the process down; the next may work.
      gateway.context.logger.error('notifications: could not check the gateway', error);
    }
  }, options.intervalMs ?? NOTIFIER_INTERVAL_MS);
  timer.unref();

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    check,
  };
}
