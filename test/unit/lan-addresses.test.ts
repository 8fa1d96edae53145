// Which of this machine's addresses LAN sharing offers, and how hosts are written in URLs.
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  isLoopbackAddress,
  isLoopbackHost,
  isWildcardAddress,
  lanAddresses,
  machineNames,
  pinnableAddress,
  urlHost,
} from '../../electron/lan/addresses.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '02:00:00:00:00:01',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '02:00:00:00:00:01',
  internal,
  cidr: `${address}/64`,
  scopeid: address.startsWith('fe80') ? 2 : 0,
});

describe('lanAddresses', () => {
  it('offers IPv4 addresses first, then global and unique-local IPv6, each once', () => {
    const addresses = lanAddresses({
      lo: [v4('127.0.0.1', true), v6('::1', true)],
      wlan0: [v6('2001:db8::20'), v4('192.168.1.20'), v6('fe80::1c2b:3cff:fe4d:5e6f')],
      eth0: [v4('10.0.0.5'), v6('FD00::5'), v4('192.168.1.20')],
      docker0: [v4('169.254.10.1')],
    });
    expect(addresses).toEqual(['192.168.1.20', '10.0.0.5', '2001:db8::20', 'fd00::5']);
  });

  it('offers nothing on a machine with only loopback', () => {
    expect(lanAddresses({ lo: [v4('127.0.0.1', true), v6('::1', true)] })).toEqual([]);
  });
});

describe('hosts', () => {
  it('brackets IPv6 addresses in URLs and leaves IPv4 and names alone', () => {
    expect(urlHost('fd00::5')).toBe('[fd00::5]');
    expect(urlHost('192.168.1.20')).toBe('192.168.1.20');
    expect(urlHost('studio.local')).toBe('studio.local');
  });

  it('names the machine by its hostname, hostname.local and, for a dotted name, its first label', () => {
    expect(machineNames('Studio')).toEqual(['studio', 'studio.local']);
    expect(machineNames('studio.corp.example.')).toEqual(['studio.corp.example', 'studio.local', 'studio']);
    expect(machineNames('')).toEqual([]);
  });

  it('tells loopback and wildcard addresses from LAN ones', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST'].every(isLoopbackHost)).toBe(
      true,
    );
    expect(['192.168.1.20', 'fd00::5', '0.0.0.0'].some(isLoopbackHost)).toBe(false);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
    expect(['0.0.0.0', '::', '0:0:0:0:0:0:0:0'].every(isWildcardAddress)).toBe(true);
    expect(['192.168.1.20', '::1', 'fd00::'].some(isWildcardAddress)).toBe(false);
  });

  it('pins one IP address, brackets and spaces removed, and names why a name or a wildcard cannot be pinned', () => {
    expect(pinnableAddress(' [fd00::5] ')).toEqual({ plain: 'fd00::5', problem: null });
    expect(pinnableAddress('192.168.1.20')).toEqual({ plain: '192.168.1.20', problem: null });
    expect(pinnableAddress('gateway.local')).toEqual({ plain: 'gateway.local', problem: 'not-ip' });
    expect(pinnableAddress('[::]')).toEqual({ plain: '::', problem: 'wildcard' });
    expect(pinnableAddress('0.0.0.0')).toEqual({ plain: '0.0.0.0', problem: 'wildcard' });
  });
});
