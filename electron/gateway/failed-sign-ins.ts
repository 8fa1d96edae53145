// Failed admin sign-ins, summed per address. A missing or wrong admin token is audited, but anything
// that reaches a port can fail at will (a script on the LAN, a foreign web page's no-cors fetches to
// loopback), and the audit trail must not grow with it. So the first failure from an address is
// audited at once, opening a window; the failures that follow within it become one entry with their
// count, first and last time, reasons and a few of their paths, written when the window closes (or the
// gateway stops). However many failures an address sends, it costs the trail at most two entries per
// window, each of bounded size.
import { iso } from '../store/time.js';
import { normaliseAddress } from '../lan/throttle.js';
import type { AuditInput } from '../store/audit.js';
import { clip } from './clip.js';

export const SIGN_IN_WINDOW_MS = 10 * 60_000;
/** The longest path an entry keeps; an attacker's 8 KB path is clipped, marked with `…`. */
export const SIGN_IN_PATH_CHARS = 200;
/** Distinct paths a summary names. */
const PATHS_KEPT = 5;
/** Addresses with a window open at once; past it the oldest window is summarised early. */
const OPEN_WINDOWS = 1024;

export type SignInFailureReason = 'admin_token_missing' | 'admin_token_wrong';

export interface SignInFailure {
  address: string;
  /** `METHOD /path`, as the request said it. */
  route: string;
  reason: SignInFailureReason;
  /** Set when the address is throttled: its failures within the throttle's window. */
  failuresInWindow?: number;
}

interface OpenWindow {
  address: string;
  openedAt: number;
  /** Failures after the first, which opened the window and was audited at once. */
  count: number;
  firstAt: number;
  lastAt: number;
  reasons: Partial<Record<SignInFailureReason, number>>;
  paths: Set<string>;
  timer: NodeJS.Timeout;
}

export class FailedSignIns {
  private readonly open = new Map<string, OpenWindow>();

  constructor(
    private readonly record: (entry: AuditInput, at: number) => void,
    private readonly clock: () => number,
    private readonly windowMs = SIGN_IN_WINDOW_MS,
  ) {}

  fail(failure: SignInFailure, at: number): void {
    const key = normaliseAddress(failure.address);
    const route = clip(failure.route, SIGN_IN_PATH_CHARS);
    const window = this.open.get(key);
    if (window && at - window.openedAt < this.windowMs) {
      if (window.count === 0) window.firstAt = at;
      window.count++;
      window.lastAt = at;
      window.reasons[failure.reason] = (window.reasons[failure.reason] ?? 0) + 1;
      if (window.paths.size < PATHS_KEPT) window.paths.add(route);
      return;
    }
    if (window) this.close(key, window);
    this.record(
      {
        actor: 'unknown',
        action: 'admin.sign_in_failed',
        targetType: 'route',
        targetId: route,
        after: {
          reason: failure.reason,
          count: 1,
          ...(failure.failuresInWindow !== undefined && { failures_in_window: failure.failuresInWindow }),
        },
        address: failure.address,
      },
      at,
    );
    if (this.open.size >= OPEN_WINDOWS) this.closeOldest();
    const opened: OpenWindow = {
      address: failure.address,
      openedAt: at,
      count: 0,
      firstAt: at,
      lastAt: at,
      reasons: {},
      paths: new Set(),
      timer: setTimeout(() => this.closeIfOpen(key, opened), this.windowMs),
    };
    opened.timer.unref();
    this.open.set(key, opened);
  }

  /** Writes every open window's summary; at shutdown, before the store closes. */
  flush(): void {
    for (const [key, window] of [...this.open]) this.close(key, window);
  }

  private closeIfOpen(key: string, window: OpenWindow): void {
    if (this.open.get(key) === window) this.close(key, window);
  }

  private closeOldest(): void {
    const [key, window] = this.open.entries().next().value ?? [];
    if (key !== undefined && window) this.close(key, window);
  }

  private close(key: string, window: OpenWindow): void {
    clearTimeout(window.timer);
    this.open.delete(key);
    if (window.count === 0) return;
    const [firstPath] = window.paths;
    this.record(
      {
        actor: 'unknown',
        action: 'admin.sign_in_failed',
        targetType: 'route',
        targetId: firstPath ?? null,
        after: {
          count: window.count,
          reasons: window.reasons,
          first_at: iso(window.firstAt),
          last_at: iso(window.lastAt),
          paths: [...window.paths],
          window_minutes: this.windowMs / 60_000,
          summary: true,
        },
        address: window.address,
      },
      // Written when the window closes, so the trail stays in time order; first_at and last_at say when.
      this.clock(),
    );
  }
}
