// Tollgate's local CA and the LAN server certificate: what they are (checked by OpenSSL through
// Node's X509Certificate and by a real TLS handshake), where they live, and when they are replaced.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  loadOrCreateCa,
  loadOrIssueServerCertificate,
  SERVER_LIFETIME_DAYS,
  subjectAltNames,
  type LocalCa,
} from '../../electron/lan/certificates.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const cover = { addresses: ['192.168.1.20', 'fd00::5'], names: ['studio', 'studio.local'] };

let dir: string;
let ca: LocalCa;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-tls-'));
  ca = await loadOrCreateCa(dir, NOW, 'studio');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The certificate's extensions as forge reads them, by name. */
function extension(pem: string, name: string): Record<string, unknown> {
  const found = forge.pki.certificateFromPem(pem).getExtension(name);
  if (!found) throw new Error(`no ${name} extension`);
  return found;
}

describe('the local certificate authority', () => {
  it('is a ten-year CA named after the machine, allowed to sign certificates and nothing below them', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.subject).toContain('CN=Tollgate local CA on studio');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const years = (Date.parse(cert.validTo) - NOW) / (365.25 * DAY);
    expect(years).toBeGreaterThan(9.99);
    expect(years).toBeLessThan(10.01);
    expect(extension(ca.certPem, 'basicConstraints')).toMatchObject({ cA: true, critical: true, pathLenConstraint: 0 });
    expect(extension(ca.certPem, 'keyUsage')).toMatchObject({ keyCertSign: true, cRLSign: true, critical: true });
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('keeps its key owner-only in <dir>/ca-key.pem beside ca.pem, and is reused on the next start', async () => {
    expect(ca.path).toBe(join(dir, 'ca.pem'));
    expect(readFileSync(ca.path, 'utf8')).toBe(ca.certPem);
    expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).toBe(ca.keyPem);
    const again = await loadOrCreateCa(dir, NOW + 100 * DAY, 'studio');
    expect(again.fingerprint).toBe(ca.fingerprint);
  });

  it('has a SHA-256 fingerprint in the AB:CD:… form of the DER bytes', () => {
    const der = new X509Certificate(ca.certPem).raw;
    const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
    expect(ca.fingerprint).toBe(hex.match(/../g)?.join(':'));
    expect(ca.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('is made again when its files are unreadable', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'tollgate-tls-broken-'));
    try {
      const first = await loadOrCreateCa(broken, NOW, 'studio');
      writeFileSync(join(broken, 'ca.pem'), 'not a certificate');
      const second = await loadOrCreateCa(broken, NOW, 'studio');
      expect(second.fingerprint).not.toBe(first.fingerprint);
      expect(new X509Certificate(readFileSync(join(broken, 'ca.pem'))).fingerprint256).toBe(second.fingerprint);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('the LAN server certificate', () => {
  it("covers the listened addresses as IP names and the machine's names as DNS names, for at most 825 days", async () => {
    const server = await loadOrIssueServerCertificate(dir, ca, cover, NOW);
    expect(server.issued).toBe(true);
    expect(subjectAltNames(server.certPem)).toEqual({
      addresses: ['192.168.1.20', 'fd00::5'],
      names: ['studio', 'studio.local'],
    });
    const cert = new X509Certificate(server.certPem);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBeLessThanOrEqual(SERVER_LIFETIME_DAYS * DAY);
    expect(Date.parse(cert.validFrom)).toBeLessThan(NOW); // a teammate's clock a little behind still accepts it
    expect(cert.checkIP('192.168.1.20')).toBe('192.168.1.20');
    expect(cert.checkHost('studio.local')).toBe('studio.local');
    expect(cert.checkIP('192.168.1.21')).toBeUndefined();
    expect(extension(server.certPem, 'extKeyUsage')).toMatchObject({ serverAuth: true });
    expect(statSync(join(dir, 'server-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('is kept while it covers the addresses, re-issued covering old and new when one is added, and when it nears expiry', async () => {
    const first = await loadOrIssueServerCertificate(dir, ca, cover, NOW);
    const same = await loadOrIssueServerCertificate(
      dir,
      ca,
      { addresses: ['FD00:0:0::5', '192.168.1.20'], names: ['Studio.local', 'studio'] },
      NOW + DAY,
    );
    expect(same.issued).toBe(false);
    expect(same.certPem).toBe(first.certPem);

    // An address gone (a VPN dropped) keeps the leaf Claude Code pinned.
    const fewer = await loadOrIssueServerCertificate(dir, ca, { ...cover, addresses: ['192.168.1.20'] }, NOW + DAY);
    expect(fewer.issued).toBe(false);
    expect(fewer.certPem).toBe(first.certPem);

    const moved = await loadOrIssueServerCertificate(dir, ca, { ...cover, addresses: ['192.168.1.31'] }, NOW + DAY);
    expect(moved.issued).toBe(true);
    expect(subjectAltNames(moved.certPem).addresses).toEqual([
      '192.168.1.31',
      ...subjectAltNames(first.certPem).addresses,
    ]);
    // Back on the first network: still covered, the same leaf.
    const back = await loadOrIssueServerCertificate(dir, ca, cover, NOW + 2 * DAY);
    expect(back.issued).toBe(false);
    expect(back.certPem).toBe(moved.certPem);

    const late = await loadOrIssueServerCertificate(
      dir,
      ca,
      { ...cover, addresses: ['192.168.1.31'] },
      moved.notAfter - 10 * DAY,
    );
    expect(late.issued).toBe(true);
    expect(late.notAfter).toBeGreaterThan(moved.notAfter);
  });

  it('is re-issued when the CA changes, so it always chains to the CA teammates download', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tollgate-tls-other-'));
    try {
      const otherCa = await loadOrCreateCa(other, NOW, 'studio');
      await loadOrIssueServerCertificate(dir, ca, cover, NOW);
      const reissued = await loadOrIssueServerCertificate(dir, otherCa, cover, NOW);
      expect(reissued.issued).toBe(true);
      expect(new X509Certificate(reissued.certPem).checkIssued(new X509Certificate(otherCa.certPem))).toBe(true);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('passes a real TLS handshake for its IP address with only the CA trusted', async () => {
    const server = await loadOrIssueServerCertificate(
      dir,
      ca,
      { addresses: ['127.0.0.1'], names: ['studio'] },
      Date.now(),
    );
    const tls = createServer({ key: server.keyPem, cert: server.certPem }, (socket) => socket.end('hello'));
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    try {
      const { port } = tls.address() as AddressInfo;
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca: ca.certPem });
      await once(socket, 'secureConnect');
      expect(socket.authorized).toBe(true);
      expect(socket.getPeerCertificate().subjectaltname).toContain('IP Address:127.0.0.1');
      socket.destroy();
    } finally {
      tls.close();
    }
  });
});

describe('canonicalAddress', () => {
  it('writes each IPv6 address one way and leaves IPv4 alone', () => {
    expect(canonicalAddress('FD00:0:0:0:0:0:0:5')).toBe('fd00::5');
    expect(canonicalAddress('192.168.1.20')).toBe('192.168.1.20');
  });
});
