// Tollgate's own certificate authority and the LAN server certificate it signs, kept in
// <dataDir>/tls/. Teammates trust the CA once (NODE_EXTRA_CA_CERTS, or their system store) and the
// server certificate can then change freely: it is re-issued whenever the set of addresses and names
// it must cover changes, or it nears expiry. Keys come from Node's own crypto; node-forge only builds
// and signs the X.509 structures, and Node's X509Certificate reads them back.
import { createPrivateKey, generateKeyPair, randomBytes, sign, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

const DAY = 86_400_000;
const CA_LIFETIME_DAYS = 3652;
/** The longest validity Apple platforms accept for a TLS server certificate, from any CA. */
export const SERVER_LIFETIME_DAYS = 825;
/** A certificate with less than this left is replaced before it can lapse. */
const RENEW_BEFORE_DAYS = 30;
/** Clocks on a LAN disagree by minutes; a certificate valid "from now" would fail on a slow one. */
const BACKDATE_MS = 60 * 60_000;

/** Where both listeners serve the CA certificate for download. */
export const CA_CERTIFICATE_PATH = '/tollgate-ca.pem';

export interface LocalCa {
  /** PEM of the CA certificate: what teammates download and trust. */
  certPem: string;
  keyPem: string;
  /** Absolute path of ca.pem. */
  path: string;
  /** SHA-256 of the certificate, AB:CD:… */
  fingerprint: string;
  notAfter: number;
}

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
  /** What the certificate covers: IP addresses and DNS names. */
  addresses: string[];
  names: string[];
  notAfter: number;
  /** SHA-256 of the certificate, AB:CD:…: what Claude Code pins at /login. */
  fingerprint: string;
  /** True when this call issued it (the addresses changed, it neared expiry, or there was none). */
  issued: boolean;
}

export const tlsDir = (dataDir: string): string => join(dataDir, 'tls');

/** True when a certificate valid until `notAfter` should be replaced now. */
export const needsRenewal = (notAfter: number, now: number): boolean => notAfter - now <= RENEW_BEFORE_DAYS * DAY;

/** The CA in `dir`, created on first need (and again only if it is unreadable or about to expire). */
export async function loadOrCreateCa(dir: string, now: number, name: string = hostname()): Promise<LocalCa> {
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  const existing = readPair(certFile, keyFile);
  if (existing && !needsRenewal(notAfterOf(existing.cert), now)) {
    chmodSync(keyFile, 0o600);
    return {
      certPem: existing.certPem,
      keyPem: existing.keyPem,
      path: certFile,
      fingerprint: existing.cert.fingerprint256,
      notAfter: notAfterOf(existing.cert),
    };
  }

  const keys = await rsaKeyPair(3072);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + CA_LIFETIME_DAYS * DAY);
  const subject = [
    { name: 'commonName', value: `Tollgate local CA on ${name}` },
    { name: 'organizationName', value: 'Tollgate' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWithNode(cert, keys.privateKey);
  const certPem = forge.pki.certificateToPem(cert);

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomically(keyFile, keys.privateKey, 0o600);
  writeAtomically(certFile, certPem, 0o644);
  const created = new X509Certificate(certPem);
  return {
    certPem,
    keyPem: keys.privateKey,
    path: certFile,
    fingerprint: created.fingerprint256,
    notAfter: notAfterOf(created),
  };
}

/**
 * The server certificate in `dir` if it was signed by `ca`, covers `addresses` and `names` (it may
 * cover more) and has more than 30 days left; otherwise a new one, written over it, that covers them
 * and, up to MAX_COVERED of each, what the old one covered. Claude Code pins the leaf at /login, so
 * every new leaf signs teammates out: an address that goes away (a VPN dropping) keeps the leaf, and
 * one that comes back (the VPN again) finds itself still covered.
 */
export async function loadOrIssueServerCertificate(
  dir: string,
  ca: LocalCa,
  cover: { addresses: readonly string[]; names: readonly string[] },
  now: number,
): Promise<ServerCertificate> {
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server-key.pem');
  let addresses = [...new Set(cover.addresses.map(canonicalAddress))];
  let names = [...new Set(cover.names.map((name) => name.toLowerCase()))];
  const existing = readPair(certFile, keyFile);
  if (existing) {
    const covered = subjectAltNames(existing.certPem);
    const caCert = new X509Certificate(ca.certPem);
    const notAfter = notAfterOf(existing.cert);
    if (
      existing.cert.checkIssued(caCert) &&
      existing.cert.verify(caCert.publicKey) &&
      !needsRenewal(notAfter, now) &&
      covers(covered.addresses, addresses) &&
      covers(covered.names, names)
    ) {
      return {
        certPem: existing.certPem,
        keyPem: existing.keyPem,
        addresses: covered.addresses,
        names: covered.names,
        notAfter,
        fingerprint: existing.cert.fingerprint256,
        issued: false,
      };
    }
    addresses = [...new Set([...addresses, ...covered.addresses])].slice(0, Math.max(addresses.length, MAX_COVERED));
    names = [...new Set([...names, ...covered.names])].slice(0, Math.max(names.length, MAX_COVERED));
  }

  const keys = await rsaKeyPair(2048);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  const notAfter = now + SERVER_LIFETIME_DAYS * DAY - BACKDATE_MS;
  cert.validity.notAfter = new Date(notAfter);
  cert.setSubject([
    { name: 'commonName', value: addresses[0] ?? names[0] ?? 'tollgate' },
    { name: 'organizationName', value: 'Tollgate' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...addresses.map((ip) => ({ type: 7, ip })), ...names.map((value) => ({ type: 2, value }))],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signWithNode(cert, ca.keyPem);
  const certPem = forge.pki.certificateToPem(cert);

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomically(keyFile, keys.privateKey, 0o600);
  writeAtomically(certFile, certPem, 0o644);
  return {
    certPem,
    keyPem: keys.privateKey,
    addresses,
    names,
    notAfter,
    fingerprint: fingerprintOf(certPem),
    issued: true,
  };
}

/** The IP addresses and DNS names a certificate covers, addresses in canonical form. */
export function subjectAltNames(certPem: string): { addresses: string[]; names: string[] } {
  const text = new X509Certificate(certPem).subjectAltName ?? '';
  const addresses: string[] = [];
  const names: string[] = [];
  for (const entry of text.split(/,\s*/)) {
    const ip = /^IP Address:(.+)$/.exec(entry)?.[1];
    const dns = /^DNS:(.+)$/.exec(entry)?.[1];
    if (ip) addresses.push(canonicalAddress(ip));
    if (dns) names.push(dns.toLowerCase());
  }
  return { addresses, names };
}

/** One spelling per address (OpenSSL prints FD00:0:0:0:0:0:0:2 for fd00::2). */
export function canonicalAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

function readPair(
  certFile: string,
  keyFile: string,
): { cert: X509Certificate; certPem: string; keyPem: string } | null {
  if (!existsSync(certFile) || !existsSync(keyFile)) return null;
  try {
    const certPem = readFileSync(certFile, 'utf8');
    const keyPem = readFileSync(keyFile, 'utf8');
    const cert = new X509Certificate(certPem);
    // The pair must belong together: a key left from another certificate would fail every handshake.
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return null;
    return { cert, certPem, keyPem };
  } catch {
    return null; // unreadable: made again
  }
}

function notAfterOf(cert: X509Certificate): number {
  return Date.parse(cert.validTo);
}

/** On the libuv thread pool: a 3072-bit prime search takes a second or more and must not stall requests. */
async function rsaKeyPair(bits: number): Promise<{ publicKey: string; privateKey: string }> {
  return promisify(generateKeyPair)('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/**
 * SHA-256 with RSA, computed by Node (OpenSSL) rather than forge's JavaScript big integers. forge's
 * sign() fills in the algorithm and the to-be-signed structure, then asks the key for the signature.
 */
function signWithNode(cert: forge.pki.Certificate, privateKeyPem: string): void {
  const signer = {
    sign: (): string => {
      const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
      return sign('sha256', tbs, privateKeyPem).toString('binary');
    },
  };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
}

/** 16 random bytes with the top bit clear: a positive serial, unique without keeping a counter. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

/** Addresses and names a re-issued leaf keeps from the one before, so that it stays small. */
const MAX_COVERED = 16;

function covers(covered: readonly string[], wanted: readonly string[]): boolean {
  const set = new Set(covered);
  return wanted.every((item) => set.has(item));
}

function writeAtomically(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
}
