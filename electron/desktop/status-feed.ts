// One reading of the gateway status per tick, handed to everything on the desktop that shows it (the
// tray and the notifier), so they do not each read the same status on timers of their own.
import type { GatewayStatus } from '../../shared/schemas.js';

export const STATUS_INTERVAL_MS = 5_000;

export type StatusListener = (status: GatewayStatus) => void;

export interface StatusFeedOptions {
  gateway: {
    status(): GatewayStatus;
    context: { logger: { error(message: string, error?: unknown): void } };
  };
  /** How often to read the status; the timer does not keep the process alive. */
  intervalMs?: number;
}

export interface StatusFeed {
  /** Hands `listener` every status read from the next tick on; returns what unsubscribes it. */
  subscribe(listener: StatusListener): () => void;
  stop(): void;
}

export function startStatusFeed(options: StatusFeedOptions): StatusFeed {
  const { gateway } = options;
  const logger = gateway.context.logger;
  const listeners = new Set<StatusListener>();

  const timer = setInterval(() => {
    if (listeners.size === 0) return;
    let status: GatewayStatus;
    try {
      status = gateway.status();
    } catch (error) {
      // The gateway closing at quit makes status() throw; the next tick or quit itself settles it.
      logger.error('status feed: could not read the gateway status', error);
      return;
    }
    for (const listener of listeners) {
      // One listener failing must not keep the status from the others.
      try {
        listener(status);
      } catch (error) {
        logger.error('status feed: a listener failed', error);
      }
    }
  }, options.intervalMs ?? STATUS_INTERVAL_MS);
  timer.unref();

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    stop() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}
