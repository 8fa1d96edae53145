// Failed key attempts per remote address on the LAN listener. Guessing a virtual key is hopeless,
// but a machine that keeps sending wrong keys is either misconfigured or probing, and either way it
// should be slowed and someone should see it: after LIMIT failures within WINDOW, the address is
// refused until the oldest of them is WINDOW old. Refused attempts do not count, so a throttled
// address cannot extend its own sentence. While it is refused, its requests are counted rather than
// logged one row each (refusedWhileThrottled): a refused address cannot grow the log either. In
// memory: a restart forgives, which is fine for a LAN.
export const KEY_FAILURE_LIMIT = 10;
export const KEY_FAILURE_WINDOW_MS = 10 * 60_000;
/** Above this many tracked addresses, stale ones are swept on the next failure. */
const SWEEP_ABOVE = 1_000;

export interface FailureOutcome {
  /** Failures from this address within the window, this one included. */
  failures: number;
  /** True when this failure is the one that throttled the address. */
  throttledNow: boolean;
  /** Until when the address is refused (epoch ms); null when it is not. */
  throttledUntil: number | null;
}

export class FailedKeyAttempts {
  private readonly failures = new Map<string, number[]>();
  /** Per address, the end of the throttle for which its one log row has been written. */
  private readonly rowWrittenFor = new Map<string, number>();
  private refused = 0;

  constructor(
    private readonly limit = KEY_FAILURE_LIMIT,
    private readonly windowMs = KEY_FAILURE_WINDOW_MS,
  ) {}

  fail(address: string, at: number): FailureOutcome {
    if (this.failures.size > SWEEP_ABOVE) this.sweep(at);
    const key = normaliseAddress(address);
    const recent = this.recent(key, at);
    const before = recent.length;
    recent.push(at);
    this.failures.set(key, recent);
    const until = this.until(recent);
    return {
      failures: recent.length,
      throttledNow: before < this.limit && recent.length >= this.limit,
      throttledUntil: until,
    };
  }

  /** Milliseconds until `address` may try again; 0 when it is not throttled. */
  retryAfterMs(address: string, at: number): number {
    const key = normaliseAddress(address);
    // Asked on every LAN request: an address that never failed costs a lookup, not an array.
    if (!this.failures.has(key)) return 0;
    const recent = this.recent(key, at);
    if (recent.length === 0) this.failures.delete(key);
    const until = this.until(recent);
    return until === null ? 0 : Math.max(0, until - at);
  }

  /**
   * Counts one request refused because its address is throttled, and says whether it should leave a
   * log row: only when `wantsRow` and the address has left none during this throttle, so the log
   * shows a throttle once however long the refused client keeps knocking.
   */
  noteRefused(address: string, at: number, wantsRow: boolean): boolean {
    this.refused++;
    if (!wantsRow) return false;
    const key = normaliseAddress(address);
    const until = this.until(this.recent(key, at));
    if (until === null || this.rowWrittenFor.get(key) === until) return false;
    this.rowWrittenFor.set(key, until);
    return true;
  }

  /** Requests refused because their address was throttled, since start. */
  get refusedWhileThrottled(): number {
    return this.refused;
  }

  private recent(key: string, at: number): number[] {
    return (this.failures.get(key) ?? []).filter((time) => time > at - this.windowMs);
  }

  /** When enough of the oldest failures have aged out to bring the count below the limit. */
  private until(recent: readonly number[]): number | null {
    if (recent.length < this.limit) return null;
    const oldestThatMustExpire = recent[recent.length - this.limit];
    return oldestThatMustExpire === undefined ? null : oldestThatMustExpire + this.windowMs;
  }

  private sweep(at: number): void {
    for (const [key, times] of this.failures) {
      if (!times.some((time) => time > at - this.windowMs)) this.failures.delete(key);
    }
    for (const [key, until] of this.rowWrittenFor) if (until <= at) this.rowWrittenFor.delete(key);
  }
}

/** The same client over IPv4 and IPv4-mapped IPv6 is one address. */
export function normaliseAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
}
