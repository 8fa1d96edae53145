// The DNS-rebinding defence. A web page on attacker.example can make a teammate's browser resolve
// that name to the gateway's address and then send requests the browser considers same-origin; the
// Host header (and Origin) still name attacker.example, so a listener answers only requests whose
// Host names it: one of the addresses it listens on, or this machine's own names.
import { isIP } from 'node:net';
import { canonicalAddress } from './certificates.js';

/** The names 127.0.0.1, localhost and [::1] that only loopback clients use. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

export interface HostHeader {
  /** Lower case, IPv6 without brackets and in canonical form, no trailing dot. */
  host: string;
  port: number | null;
}

/** Reads `host`, `host:port`, `[v6]` or `[v6]:port`; null when it is none of these. */
export function parseHostHeader(value: string | undefined): HostHeader | null {
  if (!value) return null;
  const text = value.trim().toLowerCase();
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
    if (isIP(host) !== 6) return null;
  } else {
    const plain = /^([a-z0-9._-]+?)\.?(?::(\d+))?$/.exec(text);
    if (!plain) return null;
    host = plain[1] ?? '';
    portText = plain[2];
  }
  if (!host) return null;
  const port = portText === undefined ? null : Number(portText);
  if (port !== null && !(port > 0 && port <= 65535)) return null;
  return { host: canonicalAddress(host), port };
}

/** The set to check Host headers against, from addresses and names as configured. */
export function allowedHostSet(hosts: readonly string[]): ReadonlySet<string> {
  return new Set(hosts.map((host) => canonicalAddress(host.toLowerCase().replace(/^\[|\]$/g, ''))));
}

/** True when the Host header names an allowed host, with no port or with the listener's own. */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>, port: number): boolean {
  const parsed = parseHostHeader(header);
  return parsed !== null && allowed.has(parsed.host) && (parsed.port === null || parsed.port === port);
}

/** True when an Origin header names this listener: same scheme, an allowed host, the listener's port. */
export function originAllowed(
  origin: string,
  allowed: ReadonlySet<string>,
  port: number,
  scheme: 'http' | 'https',
): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed frame, a file: page) and garbage are not this gateway
  }
  if (url.protocol !== `${scheme}:`) return false;
  const originPort = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  const host = canonicalAddress(url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, ''));
  return allowed.has(host) && originPort === port;
}

/** A Host header value as it may be shown in a message: printable, and not a paragraph long. */
export function describeHost(header: string | undefined): string {
  if (header === undefined || header === '') return '(none)';
  const printable = header.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}
