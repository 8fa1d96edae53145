// Sliding windows for rate limits: what they count, when room comes back, and that no pair of bursts
// straddling a boundary gets more through than the limit.
import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../electron/governance/rate-window.js';

const MINUTE = 60_000;
const at = (isoInstant: string): number => Date.parse(isoInstant);

describe('SlidingWindow', () => {
  it('counts what was recorded within the last window length, and forgets it exactly one window later', () => {
    const window = new SlidingWindow(MINUTE);
    window.add(1_000, 3);
    expect(window.total(1_000)).toBe(3);
    expect(window.total(30_999)).toBe(3);
    window.add(31_000, 4);
    expect(window.total(31_000)).toBe(7);
    expect(window.total(60_999)).toBe(7);
    expect(window.total(61_000)).toBe(4);
    expect(window.total(91_000)).toBe(0);
  });

  it('refuses a burst at the start of a minute that follows a burst at the end of the previous one', () => {
    const limit = 10;
    const window = new SlidingWindow(MINUTE);
    const endOfFirstMinute = at('2026-05-10T12:00:59.900Z');
    for (let request = 0; request < limit; request += 1) {
      expect(window.roomAt(endOfFirstMinute, limit, 1)).toBe(endOfFirstMinute);
      window.add(endOfFirstMinute, 1);
    }
    // A fixed window would have reset at 12:01:00; this one still counts the ten requests.
    const startOfNextMinute = at('2026-05-10T12:01:00.100Z');
    expect(window.total(startOfNextMinute)).toBe(limit);
    expect(window.roomAt(startOfNextMinute, limit, 1)).toBe(at('2026-05-10T12:01:59.900Z'));
    expect(window.total(at('2026-05-10T12:01:59.899Z'))).toBe(limit);
    expect(window.total(at('2026-05-10T12:01:59.900Z'))).toBe(0);
  });

  it('never lets more than the limit through in any window, whatever the pattern of arrivals', () => {
    const limit = 25;
    const window = new SlidingWindow(MINUTE);
    const admitted: number[] = [];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let now = 0;
    for (let step = 0; step < 5_000; step += 1) {
      now += Math.floor(random() * 2_000);
      if (window.roomAt(now, limit, 1) === now) {
        window.add(now, 1);
        admitted.push(now);
      }
    }
    expect(admitted.length).toBeGreaterThan(limit);
    for (let first = 0; first < admitted.length; first += 1) {
      const start = admitted[first] ?? 0;
      const inWindow = admitted.filter((instant) => instant >= start && instant < start + MINUTE).length;
      expect(inWindow).toBeLessThanOrEqual(limit);
    }
  });

  it('finds room for a large amount once enough of the oldest entries have left', () => {
    const window = new SlidingWindow(MINUTE);
    window.add(0, 400);
    window.add(10_000, 300);
    window.add(20_000, 200);
    // Limit 1,000 with 900 held: 100 fits now, 500 needs the first 400 gone, 700 needs the first two gone.
    expect(window.roomAt(30_000, 1_000, 100)).toBe(30_000);
    expect(window.roomAt(30_000, 1_000, 500)).toBe(60_000);
    expect(window.roomAt(30_000, 1_000, 700)).toBe(70_000);
    expect(window.roomAt(30_000, 1_000, 1_000)).toBe(80_000);
  });

  it('says an amount larger than the limit never fits', () => {
    const window = new SlidingWindow(MINUTE);
    expect(window.roomAt(0, 10, 11)).toBe(Number.POSITIVE_INFINITY);
  });

  it('coalesces amounts recorded in the same millisecond into one entry', () => {
    const window = new SlidingWindow(MINUTE);
    for (let request = 0; request < 100; request += 1) window.add(5_000, 2);
    expect(window.entryCount).toBe(1);
    expect(window.total(5_000)).toBe(200);
  });

  it('drops expired entries as time moves on, so memory follows the window, not the history', () => {
    const window = new SlidingWindow(1_000);
    for (let instant = 0; instant < 100_000; instant += 1) window.add(instant, 1);
    expect(window.entryCount).toBeLessThanOrEqual(1_000);
    expect(window.total(99_999)).toBe(1_000);
    expect(window.total(200_000)).toBe(0);
    expect(window.entryCount).toBe(0);
  });

  it('caps its entries by merging the oldest onto the next, which only delays when room comes back', () => {
    const window = new SlidingWindow(MINUTE, 4);
    for (const instant of [0, 1_000, 2_000, 3_000, 4_000, 5_000]) window.add(instant, 1);
    expect(window.entryCount).toBe(4);
    expect(window.total(5_000)).toBe(6);
    // Exact would free the first request at 60,000; merged onto 2,000 it stays until 62,000.
    expect(window.roomAt(5_000, 6, 1)).toBe(62_000);
    expect(window.total(61_000)).toBe(6);
    expect(window.total(62_000)).toBe(3);
  });

  it('keeps counting what was recorded when the clock steps back', () => {
    const window = new SlidingWindow(MINUTE);
    window.add(10_000, 5);
    window.add(8_000, 5);
    expect(window.total(8_000)).toBe(10);
    expect(window.total(69_999)).toBe(10);
    expect(window.total(70_000)).toBe(0);
  });

  it('ignores zero amounts and refuses negative ones', () => {
    const window = new SlidingWindow(MINUTE);
    window.add(0, 0);
    expect(window.entryCount).toBe(0);
    expect(() => window.add(0, -1)).toThrow(RangeError);
    expect(() => window.add(0, Number.NaN)).toThrow(RangeError);
    expect(() => new SlidingWindow(0)).toThrow(RangeError);
  });
});
