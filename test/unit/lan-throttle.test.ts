// Failed key attempts per address: ten within ten minutes throttle the address until the oldest of
// them is ten minutes old; other addresses are unaffected.
import { describe, expect, it } from 'vitest';
import { FailedKeyAttempts, KEY_FAILURE_LIMIT, KEY_FAILURE_WINDOW_MS } from '../../electron/lan/throttle.js';

const MINUTE = 60_000;

describe('FailedKeyAttempts', () => {
  it('throttles an address at its tenth failure within ten minutes, and says so once', () => {
    const attempts = new FailedKeyAttempts();
    const outcomes = Array.from({ length: KEY_FAILURE_LIMIT }, (_, i) => attempts.fail('192.168.1.50', i * MINUTE));
    expect(outcomes.map((outcome) => outcome.throttledNow)).toEqual([...Array<boolean>(9).fill(false), true]);
    expect(outcomes.at(-1)).toEqual({ failures: 10, throttledNow: true, throttledUntil: KEY_FAILURE_WINDOW_MS });
    expect(attempts.retryAfterMs('192.168.1.50', 9 * MINUTE)).toBe(MINUTE);
    expect(attempts.retryAfterMs('192.168.1.51', 9 * MINUTE)).toBe(0);
  });

  it('lets the address try again when its oldest failure ages out of the window', () => {
    const attempts = new FailedKeyAttempts();
    for (let i = 0; i < KEY_FAILURE_LIMIT; i++) attempts.fail('192.168.1.50', i * MINUTE);
    expect(attempts.retryAfterMs('192.168.1.50', KEY_FAILURE_WINDOW_MS - 1)).toBe(1);
    expect(attempts.retryAfterMs('192.168.1.50', KEY_FAILURE_WINDOW_MS)).toBe(0);
    // One more failure brings it back to ten within the window.
    expect(attempts.fail('192.168.1.50', KEY_FAILURE_WINDOW_MS)).toMatchObject({ failures: 10, throttledNow: true });
  });

  it('does not throttle failures spread wider than the window', () => {
    const attempts = new FailedKeyAttempts();
    const outcomes = Array.from({ length: 30 }, (_, i) => attempts.fail('fd00::50', i * 2 * MINUTE));
    expect(outcomes.some((outcome) => outcome.throttledUntil !== null)).toBe(false);
    expect(outcomes.at(-1)?.failures).toBe(5);
  });

  it('counts an IPv4 client the same over IPv4 and IPv4-mapped IPv6', () => {
    const attempts = new FailedKeyAttempts(2, KEY_FAILURE_WINDOW_MS);
    attempts.fail('::ffff:192.168.1.50', 0);
    expect(attempts.fail('192.168.1.50', 1).throttledNow).toBe(true);
    expect(attempts.retryAfterMs('::FFFF:192.168.1.50', 2)).toBeGreaterThan(0);
  });
});
