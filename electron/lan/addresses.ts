// This machine's addresses as LAN teammates reach it, and how hosts are written in URLs and Host
// headers. IPv4 addresses first, then IPv6 ones with a global or unique-local scope. Left out:
// loopback (the local listener has it), IPv4 link-local 169.254/16 (a network without DHCP, which
// nobody shares a gateway over) and IPv6 link-local fe80::/10 (only usable with a zone index such
// as %eth0, which Host headers and certificates cannot carry).
import { isIP } from 'node:net';
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

export function lanAddresses(interfaces: Interfaces = networkInterfaces()): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') {
        if (!entry.address.startsWith('169.254.')) v4.push(entry.address);
      } else if (!isLinkLocalV6(entry.address) && !entry.address.startsWith('::ffff:')) {
        v6.push(entry.address.toLowerCase());
      }
    }
  }
  return [...new Set([...v4, ...v6])];
}

function isLinkLocalV6(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/** An address as the host part of a URL or Host header: IPv6 in brackets. */
export function urlHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/** The names this machine answers to on the LAN: its hostname and hostname.local (mDNS), lower case. */
export function machineNames(name: string = hostname()): string[] {
  const full = name.trim().toLowerCase().replace(/\.$/, '');
  if (!full) return [];
  const short = full.split('.')[0] ?? full;
  const names = [full, `${short}.local`, short];
  return [...new Set(names)];
}

/** Addresses that only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  const plain = address.replace(/^::ffff:/i, '');
  return plain === '::1' || /^127\./.test(plain);
}

/** A host to listen on that is loopback: 127.x, ::1 or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}

/** 0.0.0.0 and :: mean "every address", which includes loopback: not a LAN address to pin. */
export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || /^[0:]+$/.test(address);
}

/**
 * An address given to pin LAN sharing to, without brackets or spaces, and why it cannot be pinned:
 * names resolve to who knows what, and a wildcard (0.0.0.0, ::) includes loopback. Callers word the refusal.
 */
export function pinnableAddress(address: string): { plain: string; problem: 'not-ip' | 'wildcard' | null } {
  const plain = address.trim().replace(/^\[|\]$/g, '');
  const problem = isIP(plain) === 0 ? 'not-ip' : isWildcardAddress(plain) ? 'wildcard' : null;
  return { plain, problem };
}
