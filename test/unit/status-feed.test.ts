// The status feed the desktop app's tray and notifications share: one gateway status read per tick,
// the same reading handed to every listener, a failing read or listener logged without stopping the
// others, and nothing read once stopped. Timers are Vitest's fake ones, so ticks come without waiting.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayStatus } from '../../shared/schemas.js';
import { STATUS_INTERVAL_MS, startStatusFeed, type StatusFeed } from '../../electron/desktop/status-feed.js';

let feed: StatusFeed | null = null;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  feed?.stop();
  feed = null;
  vi.useRealTimers();
});

/** A gateway whose status() counts its reads and returns a new reading each time. */
function gateway(read: (count: number) => GatewayStatus = (count) => ({ count }) as unknown as GatewayStatus) {
  const errors: string[] = [];
  let reads = 0;
  return {
    errors,
    reads: () => reads,
    status: () => read(++reads),
    context: { logger: { error: (message: string) => void errors.push(message) } },
  };
}

describe('status feed', () => {
  it('reads the status once a tick and hands that one reading to every listener', () => {
    const source = gateway();
    feed = startStatusFeed({ gateway: source });
    const tray: GatewayStatus[] = [];
    const notifier: GatewayStatus[] = [];
    feed.subscribe((status) => void tray.push(status));
    feed.subscribe((status) => void notifier.push(status));

    vi.advanceTimersByTime(STATUS_INTERVAL_MS - 1);
    expect(source.reads()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(source.reads()).toBe(1);
    vi.advanceTimersByTime(STATUS_INTERVAL_MS);
    expect(source.reads()).toBe(2);
    expect(tray).toHaveLength(2);
    expect(notifier).toEqual(tray);
    expect(notifier[0]).toBe(tray[0]);
    expect(notifier[1]).toBe(tray[1]);
  });

  it('keeps handing the status to the others when one listener throws', () => {
    const source = gateway();
    feed = startStatusFeed({ gateway: source, intervalMs: 1_000 });
    const seen: GatewayStatus[] = [];
    feed.subscribe(() => {
      throw new Error('tray destroyed');
    });
    feed.subscribe((status) => void seen.push(status));
    vi.advanceTimersByTime(1_000);
    expect(seen).toHaveLength(1);
    expect(source.errors).toEqual(['status feed: a listener failed']);
  });

  it('logs a failed read, skips that tick and reads again at the next', () => {
    const source = gateway((count) => {
      if (count === 1) throw new Error('the database is closed');
      return { count } as unknown as GatewayStatus;
    });
    feed = startStatusFeed({ gateway: source, intervalMs: 1_000 });
    const seen: GatewayStatus[] = [];
    feed.subscribe((status) => void seen.push(status));
    vi.advanceTimersByTime(1_000);
    expect(seen).toEqual([]);
    expect(source.errors).toEqual(['status feed: could not read the gateway status']);
    vi.advanceTimersByTime(1_000);
    expect(seen).toEqual([{ count: 2 }]);
  });

  it('stops handing the status to a listener that unsubscribed, and reads nothing once stopped', () => {
    const source = gateway();
    feed = startStatusFeed({ gateway: source, intervalMs: 1_000 });
    const first: GatewayStatus[] = [];
    const second: GatewayStatus[] = [];
    const unsubscribe = feed.subscribe((status) => void first.push(status));
    feed.subscribe((status) => void second.push(status));
    vi.advanceTimersByTime(1_000);
    unsubscribe();
    vi.advanceTimersByTime(1_000);
    expect([first.length, second.length]).toEqual([1, 2]);
    feed.stop();
    vi.advanceTimersByTime(5_000);
    expect(source.reads()).toBe(2);
    expect(second).toHaveLength(2);
  });
});
