// Exact sliding windows for rate limits (requests or tokens per window), kept in memory. A fixed window
// lets a burst at the end of one window and another at the start of the next both through; here every
// amount stays counted for exactly `windowMs` after it was recorded, so no window of that length ever
// holds more than the limit. Pure over the clock: every call is told the time, and time is taken not to
// run backwards between calls (what has expired for a later instant is gone for an earlier one too).

/** Past this many distinct instants the two oldest are merged (onto the later one), which only makes the window stricter. */
const DEFAULT_MAX_ENTRIES = 10_000;

export class SlidingWindow {
  // Entries in time order, amounts recorded at the same millisecond coalesced; `head` is the oldest live one.
  private readonly times: number[] = [];
  private readonly amounts: number[] = [];
  private head = 0;
  private sum = 0;

  constructor(
    readonly windowMs: number,
    private readonly maxEntries: number = DEFAULT_MAX_ENTRIES,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`A sliding window needs a positive length, got ${windowMs}`);
    if (!(maxEntries >= 2)) throw new RangeError(`A sliding window needs room for two entries, got ${maxEntries}`);
  }

  /**
   * Sum of amounts recorded in (at - windowMs, at]. Amounts recorded after `at` (the clock stepped back)
   * count too: a clock stepping back never frees room.
   */
  total(at: number): number {
    this.expire(at);
    return this.sum;
  }

  /** Records `amount` (≥ 0) at `at`. A time earlier than the latest entry is recorded at that entry, so it expires no sooner. */
  add(at: number, amount: number): void {
    if (!(amount >= 0) || !Number.isFinite(amount)) throw new RangeError(`Cannot record amount ${amount}`);
    this.expire(at);
    if (amount === 0) return;
    const last = this.times.length - 1;
    const lastTime = last >= this.head ? this.times[last] : undefined;
    if (lastTime !== undefined && at <= lastTime) {
      this.amounts[last] = (this.amounts[last] ?? 0) + amount;
    } else {
      this.times.push(at);
      this.amounts.push(amount);
      if (this.times.length - this.head > this.maxEntries) this.mergeOldest();
    }
    this.sum += amount;
  }

  /**
   * When the total will have dropped to at most `limit - amount` (room for `amount`) if nothing new is
   * added: `at` if there is room now, otherwise the instant the entry that makes room leaves the window.
   * Infinity when `amount` alone exceeds `limit`: waiting never helps.
   */
  roomAt(at: number, limit: number, amount: number): number {
    if (amount > limit) return Number.POSITIVE_INFINITY;
    this.expire(at);
    let excess = this.sum + amount - limit;
    if (excess <= 0) return at;
    for (let index = this.head; index < this.times.length; index += 1) {
      excess -= this.amounts[index] ?? 0;
      // An entry recorded at t is counted while t > now - windowMs, so it is gone at t + windowMs.
      if (excess <= 0) return (this.times[index] ?? at) + this.windowMs;
    }
    return at; // unreachable: with every entry gone the excess is amount - limit ≤ 0
  }

  /** Number of distinct instants held; bounded by `maxEntries`. */
  get entryCount(): number {
    return this.times.length - this.head;
  }

  private expire(at: number): void {
    const cutoff = at - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? Number.POSITIVE_INFINITY) <= cutoff) {
      this.sum -= this.amounts[this.head] ?? 0;
      this.head += 1;
    }
    if (this.head === this.times.length) {
      this.times.length = 0;
      this.amounts.length = 0;
      this.head = 0;
      this.sum = 0; // also clears floating-point drift from fractional amounts
    } else if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.amounts.splice(0, this.head);
      this.head = 0;
    }
  }

  private mergeOldest(): void {
    const oldest = this.head;
    this.amounts[oldest + 1] = (this.amounts[oldest + 1] ?? 0) + (this.amounts[oldest] ?? 0);
    this.head += 1;
  }
}
