// Which clients of the local listener count toward the failed-key throttle: none while it is bound to
// loopback, and only other machines once `--host` puts it on the network.
import { describe, expect, it } from 'vitest';
import { localPolicy } from '../../electron/gateway/server.js';

describe('the local listener policy', () => {
  it("throttles only other machines' addresses, never this machine's own loopback ones", () => {
    for (const host of ['127.0.0.1', '0.0.0.0', '::']) {
      const policy = localPolicy(host, () => 8787);
      for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.0.0.3']) {
        expect(policy.throttles(address), `${host} from ${address}`).toBe(false);
      }
      for (const address of ['192.168.1.50', '::ffff:10.0.0.7', 'fd00::50']) {
        expect(policy.throttles(address), `${host} from ${address}`).toBe(true);
      }
    }
  });

  it('checks the Host of admin requests only while bound to loopback', () => {
    expect(localPolicy('127.0.0.1', () => 8787).hostAllowed('attacker.example:8787')).toBe(false);
    expect(localPolicy('127.0.0.1', () => 8787).hostAllowed('localhost:8787')).toBe(true);
    expect(localPolicy('0.0.0.0', () => 8787).hostAllowed('gateway.example:8787')).toBe(true);
  });
});
