// Requests refused while their address is throttled: every one counted, one log row per throttle.
import { describe, expect, it } from 'vitest';
import { FailedKeyAttempts, KEY_FAILURE_LIMIT, KEY_FAILURE_WINDOW_MS } from '../../electron/lan/throttle.js';

const throttled = (address: string, at = 0): FailedKeyAttempts => {
  const attempts = new FailedKeyAttempts();
  for (let i = 0; i < KEY_FAILURE_LIMIT; i++) attempts.fail(address, at);
  return attempts;
};

describe('refusals of a throttled address', () => {
  it('counts every refusal and grants a log row to the first that asks for one, once per throttle', () => {
    const attempts = throttled('192.168.1.50');
    expect(attempts.noteRefused('192.168.1.50', 1, false)).toBe(false);
    expect(attempts.noteRefused('192.168.1.50', 2, true)).toBe(true);
    expect(attempts.noteRefused('192.168.1.50', 3, true)).toBe(false);
    // The same machine over IPv4-mapped IPv6 is the same address.
    expect(attempts.noteRefused('::ffff:192.168.1.50', 4, true)).toBe(false);
    expect(attempts.refusedWhileThrottled).toBe(4);
  });

  it('grants a row again when the address is throttled anew, and none to an address that is not', () => {
    const attempts = throttled('fd00::50');
    expect(attempts.noteRefused('fd00::50', 1, true)).toBe(true);
    for (let i = 0; i < KEY_FAILURE_LIMIT; i++) attempts.fail('fd00::50', KEY_FAILURE_WINDOW_MS + 1);
    expect(attempts.noteRefused('fd00::50', KEY_FAILURE_WINDOW_MS + 2, true)).toBe(true);
    expect(attempts.noteRefused('fd00::51', KEY_FAILURE_WINDOW_MS + 2, true)).toBe(false);
  });
});
