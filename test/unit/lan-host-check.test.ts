// The DNS-rebinding defence: which Host and Origin headers name a listener.
import { describe, expect, it } from 'vitest';
import {
  allowedHostSet,
  describeHost,
  hostAllowed,
  originAllowed,
  parseHostHeader,
} from '../../electron/lan/host-check.js';

const allowed = allowedHostSet(['192.168.1.20', 'FD00::5', 'studio', 'studio.local']);

describe('parseHostHeader', () => {
  it('reads names, IPv4 and bracketed IPv6, with and without a port', () => {
    expect(parseHostHeader('192.168.1.20:8787')).toEqual({ host: '192.168.1.20', port: 8787 });
    expect(parseHostHeader('Studio.Local.')).toEqual({ host: 'studio.local', port: null });
    expect(parseHostHeader('[FD00:0:0:0:0:0:0:5]:443')).toEqual({ host: 'fd00::5', port: 443 });
    expect(parseHostHeader('[fd00::5]')).toEqual({ host: 'fd00::5', port: null });
  });

  it('rejects what is not a host', () => {
    for (const value of [
      undefined,
      '',
      'fd00::5',
      '[studio]:80',
      'studio:0',
      'studio:99999',
      'a b',
      'user@studio',
      'studio:80:80',
    ]) {
      expect(parseHostHeader(value), String(value)).toBeNull();
    }
  });
});

describe('hostAllowed', () => {
  it("accepts the listener's addresses and names, without a port or with its own", () => {
    for (const host of ['192.168.1.20', '192.168.1.20:8787', '[fd00::5]:8787', 'studio', 'STUDIO.local:8787']) {
      expect(hostAllowed(host, allowed, 8787), host).toBe(true);
    }
  });

  it('refuses other names, other addresses, other ports and no Host at all', () => {
    for (const host of [
      'attacker.example',
      'attacker.example:8787',
      '192.168.1.21:8787',
      '192.168.1.20:8788',
      'localhost:8787',
      '127.0.0.1:8787',
      undefined,
    ]) {
      expect(hostAllowed(host, allowed, 8787), String(host)).toBe(false);
    }
  });
});

describe('originAllowed', () => {
  it('accepts a page the listener serves itself: same scheme, allowed host, same port', () => {
    expect(originAllowed('https://192.168.1.20:8787', allowed, 8787, 'https')).toBe(true);
    expect(originAllowed('https://[fd00::5]:8787', allowed, 8787, 'https')).toBe(true);
    expect(originAllowed('https://studio.local', allowed, 443, 'https')).toBe(true);
    expect(originAllowed('http://studio.local', allowed, 80, 'http')).toBe(true);
  });

  it('refuses other sites, other schemes, other ports and opaque origins', () => {
    expect(originAllowed('https://attacker.example', allowed, 8787, 'https')).toBe(false);
    expect(originAllowed('http://192.168.1.20:8787', allowed, 8787, 'https')).toBe(false);
    expect(originAllowed('https://192.168.1.20:9000', allowed, 8787, 'https')).toBe(false);
    expect(originAllowed('https://studio.local', allowed, 8787, 'https')).toBe(false);
    expect(originAllowed('null', allowed, 8787, 'https')).toBe(false);
  });
});

describe('describeHost', () => {
  it('shows a Host header safely: printable and short', () => {
    expect(describeHost(undefined)).toBe('(none)');
    expect(describeHost('evil\u0007.example')).toBe('evil?.example');
    expect(describeHost('a'.repeat(100))).toBe(`${'a'.repeat(80)}…`);
  });
});
