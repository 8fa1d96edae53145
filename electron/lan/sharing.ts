// LAN sharing: a second listener (one server per address) on this machine's LAN addresses, HTTPS
// with Tollgate's own CA by default, routed by the same router as the loopback listener under the
// LAN policy (proxy and self-service only, Host checked; admin only with remote admin). It owns the
// settings in force (stored ones, overridden for one run by --lan and friends), applies changes at
// once, follows the machine's addresses as they come and go, and reports what is listening. Listen
// failures are reported in status().error, never thrown: the loopback gateway runs on regardless.
// Every listener is guarded as the loopback one is (timeouts, parser refusals in the Anthropic shape),
// and caps the connections each teammate's address may hold; `refusals` counts what they turned away.
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { LanSettings, LanStatus, lanUpdateSchema } from '../../shared/schemas.js';
import { connectionLimits, type ConnectionLimits } from '../config.js';
import { badRequest } from '../gateway/errors.js';
import { definedOnly } from '../store/settings.js';
import type { Logger } from '../gateway/logger.js';
import {
  ConnectionRefusals,
  drainServer,
  guardListener,
  httpServerOptions,
  trackConnections,
  type ConnectionTracker,
  type ListenerPolicy,
  type RequestRouter,
} from '../gateway/server.js';
import { lanAddresses, machineNames, pinnableAddress, urlHost, type Interfaces } from './addresses.js';
import {
  CA_CERTIFICATE_PATH,
  canonicalAddress,
  fingerprintOf,
  loadOrCreateCa,
  subjectAltNames,
  loadOrIssueServerCertificate,
  needsRenewal,
  tlsDir,
  type LocalCa,
} from './certificates.js';
import { allowedHostSet, hostAllowed, originAllowed } from './host-check.js';

export type LanUpdate = z.infer<typeof lanUpdateSchema>;

export interface LanSharingOptions {
  dataDir: string;
  /** Where the settings are persisted (the settings table). */
  store: { lan(): LanSettings; updateLan(patch: Partial<LanSettings>): LanSettings };
  /** Settings for this run only (`--lan`, tests); a later update() of the same field replaces them. */
  overrides?: Partial<LanSettings> | undefined;
  /** The loopback listener's port: the LAN port when settings.port is null. */
  localPort: () => number;
  logger: Logger;
  clock: () => number;
  /** How often to look for changed addresses and an expiring certificate; 0 turns it off. */
  checkEveryMs?: number;
  interfaces?: () => Interfaces;
  hostname?: () => string;
  /** Timeouts and the per-address connection cap; defaults to the TOLLGATE_* variables (config.ts). */
  connectionLimits?: ConnectionLimits;
  /** How many live /login sign-ins pinned a server certificate other than `fingerprint` (they must sign in again). */
  signInsPinnedElsewhere?: (fingerprint: string) => number;
}

interface LanListener {
  server: Server | HttpsServer;
  connections: ConnectionTracker;
  port: number;
}

/** What a running set of listeners was started with; a change restarts them all. */
interface Transport {
  tls: boolean;
  port: number | null;
  address: string | null;
}

const CHECK_EVERY_MS = 30_000;
/** In-flight requests on a listener stopped at run time get this long to finish. */
const STOP_GRACE_MS = 30_000;
/** A TLS client that opens a connection and never finishes the handshake is dropped after this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class LanSharing {
  /** The policy every LAN request is routed under; reads the live state on each call. */
  readonly policy: ListenerPolicy;
  /** What the LAN listeners refused or cut off below the router, across restarts of the listeners. */
  readonly refusals = new ConnectionRefusals();
  private readonly limits: ConnectionLimits;
  private overrides: Partial<LanSettings>;
  private readonly listeners = new Map<string, LanListener>();
  private transport: Transport | null = null;
  private port: number | null = null;
  private errors: string[] = [];
  private allowed: ReadonlySet<string> = new Set();
  private ca: LocalCa | null = null;
  private caPending: Promise<LocalCa> | null = null;
  /** The CA's path and fingerprint as found on disk, before this run needed the CA itself. */
  private caOnDisk: { path: string; fingerprint: string } | null = null;
  /** The server certificate the LAN listeners present (or, before they start, the one on disk). */
  private leaf: { fingerprint: string; covers: string[] } | null = null;
  private router: RequestRouter | null = null;
  private work: Promise<void> = Promise.resolve();
  private readonly draining = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: LanSharingOptions) {
    this.overrides = definedOnly(options.overrides ?? {});
    this.limits =
      options.connectionLimits ??
      connectionLimits(process.env, (error) => options.logger.warn(`${error.message} Using its default.`));
    this.policy = {
      role: 'lan',
      hostAllowed: (header) => this.port !== null && hostAllowed(header, this.allowed, this.port),
      originAllowed: (origin) =>
        this.port !== null && originAllowed(origin, this.allowed, this.port, this.transport?.tls ? 'https' : 'http'),
      servesAdmin: () => this.settings().remote_admin,
      hosts: () => [...this.allowed].map((host) => `${urlHost(host)}:${this.port ?? ''}`),
      // Only teammates reach the LAN listener, whatever their address looks like.
      throttles: () => true,
    };
  }

  /** The settings in force: stored, with this run's overrides on top. */
  settings(): LanSettings {
    return { ...this.options.store.lan(), ...this.overrides };
  }

  status(): LanStatus {
    const settings = this.settings();
    const scheme = this.transport?.tls ? 'https' : 'http';
    const ca = settings.tls ? this.caInfo() : null;
    return {
      settings,
      listening: this.listeners.size > 0,
      urls:
        this.port === null
          ? []
          : [...this.listeners.keys()].map((address) => `${scheme}://${urlHost(address)}:${this.port}`),
      available_addresses: this.addresses(),
      ca_certificate_url: ca ? CA_CERTIFICATE_PATH : null,
      ca_certificate_path: ca?.path ?? null,
      ca_fingerprint_sha256: ca?.fingerprint ?? null,
      ...this.leafStatus(settings),
      error: settings.enabled && this.errors.length > 0 ? this.errors.join(' ') : null,
      warning: warningFor(settings),
    };
  }

  /** Persists the change, applies it (start, restart or stop listening) and answers what is listening now. */
  async update(patch: LanUpdate): Promise<LanStatus> {
    const change = definedOnly(patch);
    if (typeof change.address === 'string') change.address = checkedAddress(change.address);
    this.options.store.updateLan(change);
    for (const field of Object.keys(change)) delete this.overrides[field as keyof LanSettings];
    await this.serially(() => this.apply());
    return this.status();
  }

  /** Starts listening if sharing is on, and keeps following the machine's addresses. */
  async start(router: RequestRouter): Promise<void> {
    this.router = router;
    await this.serially(() => this.apply());
    const every = this.options.checkEveryMs ?? CHECK_EVERY_MS;
    if (every > 0) {
      this.timer = setInterval(() => {
        if (this.settings().enabled) {
          this.serially(() => this.apply()).catch((error: unknown) =>
            this.options.logger.error('LAN sharing check failed', error),
          );
        }
      }, every);
      this.timer.unref();
    }
  }

  /** The CA teammates trust, created on first need. */
  caCertificate(): Promise<LocalCa> {
    if (this.ca && !needsRenewal(this.ca.notAfter, this.options.clock())) return Promise.resolve(this.ca);
    this.caPending ??= loadOrCreateCa(tlsDir(this.options.dataDir), this.options.clock(), this.hostname())
      .then((ca) => {
        this.ca = ca;
        this.caOnDisk = { path: ca.path, fingerprint: ca.fingerprint };
        return ca;
      })
      .finally(() => {
        this.caPending = null;
      });
    return this.caPending;
  }

  /**
   * The CA for GET /tollgate-ca.pem: the one on disk, or the one TLS sharing uses; null when there is
   * neither, so that a download never creates a CA (and its private key) nobody asked for.
   */
  async downloadableCa(): Promise<LocalCa | null> {
    const settings = this.settings();
    if (!(settings.enabled && settings.tls) && !this.ca && !this.caInfo()) return null;
    return this.caCertificate();
  }

  /** Stops listening; requests in flight get up to `graceMs` to finish. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.work;
    for (const address of [...this.listeners.keys()]) this.stop(address, graceMs);
    await Promise.all(this.draining);
  }

  // ---- applying the settings -------------------------------------------------------------------

  private serially(step: () => Promise<void>): Promise<void> {
    const run = this.work.then(step);
    this.work = run.catch(() => undefined);
    return run;
  }

  /** Brings the listeners in line with the settings and the machine's addresses; safe to repeat. */
  private async apply(): Promise<void> {
    const router = this.router;
    if (this.closed || !router) return;
    const settings = this.settings();
    if (!settings.enabled) {
      this.stopAll();
      this.transport = null;
      this.errors = [];
      return;
    }
    const transport: Transport = {
      tls: settings.tls,
      port: settings.port,
      address: settings.address === null ? null : canonicalAddress(settings.address),
    };
    const previous = this.transport;
    if (
      previous &&
      (previous.tls !== transport.tls || previous.port !== transport.port || previous.address !== transport.address)
    ) {
      this.stopAll();
    }
    this.transport = transport;
    const wanted = transport.address === null ? this.addresses() : [transport.address];
    if (wanted.length === 0) {
      this.stopAll();
      this.errors = [
        'This machine has no LAN address right now (is it connected to a network?); sharing starts as soon as it has one.',
      ];
      return;
    }

    let credentials: { key: string; cert: string } | null = null;
    if (transport.tls) {
      try {
        const ca = await this.caCertificate();
        const certificate = await loadOrIssueServerCertificate(
          tlsDir(this.options.dataDir),
          ca,
          { addresses: wanted, names: machineNames(this.hostname()) },
          this.options.clock(),
        );
        credentials = { key: certificate.keyPem, cert: certificate.certPem };
        this.leaf = { fingerprint: certificate.fingerprint, covers: [...certificate.addresses, ...certificate.names] };
        if (certificate.issued) {
          this.options.logger.info(`LAN sharing: issued a server certificate for ${this.leaf.covers.join(', ')}`);
          const stranded = this.options.signInsPinnedElsewhere?.(certificate.fingerprint) ?? 0;
          if (stranded > 0) {
            this.options.logger.warn(
              `LAN sharing: the new server certificate replaces the one ${stranded} Claude Code sign-in${stranded === 1 ? '' : 's'} pinned at /login; ${stranded === 1 ? 'that teammate has' : 'those teammates have'} to run /login again (the Sign-ins page shows who)`,
            );
          }
          // Running listeners present the new certificate from their next handshake on.
          for (const listener of this.listeners.values()) {
            if ('setSecureContext' in listener.server) listener.server.setSecureContext(credentials);
          }
        }
      } catch (error) {
        this.stopAll();
        this.errors = [`Could not prepare the TLS certificate in ${tlsDir(this.options.dataDir)}: ${messageOf(error)}`];
        return;
      }
    }

    for (const address of [...this.listeners.keys()]) if (!wanted.includes(address)) this.stop(address, STOP_GRACE_MS);
    const errors: string[] = [];
    // Every address on one port, so one base URL pattern fits all; port 0 picks it with the first listen.
    let port = this.port !== null && this.listeners.size > 0 ? this.port : (transport.port ?? this.options.localPort());
    const started: string[] = [];
    for (const address of wanted) {
      if (this.listeners.has(address)) continue;
      try {
        const listener = await this.listen(router, address, port, credentials);
        this.listeners.set(address, listener);
        port = listener.port;
        started.push(`${transport.tls ? 'https' : 'http'}://${urlHost(address)}:${port}`);
      } catch (error) {
        errors.push(describeListenError(address, port, error, this.addresses()));
      }
    }
    this.port = this.listeners.size > 0 ? port : null;
    this.errors = errors;
    this.allowed = allowedHostSet([...this.listeners.keys(), ...machineNames(this.hostname())]);
    if (started.length) this.options.logger.info(`LAN sharing: listening on ${started.join(', ')}`);
    for (const error of errors) this.options.logger.warn(`LAN sharing: ${error}`);
  }

  private async listen(
    router: RequestRouter,
    address: string,
    port: number,
    credentials: { key: string; cert: string } | null,
  ): Promise<LanListener> {
    const handle = (req: IncomingMessage, res: ServerResponse): void => router(req, res, this.policy);
    const common = httpServerOptions(this.limits);
    const server = credentials
      ? createHttpsServer({ ...common, ...credentials, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, handle)
      : createHttpServer(common, handle);
    guardListener(server, this.policy, this.limits, this.refusals, this.options.logger);
    const connections = trackConnections(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.options.logger.error(`LAN listener on ${urlHost(address)} failed`, error));
    return { server, connections, port: (server.address() as AddressInfo).port };
  }

  private stop(address: string, graceMs: number): void {
    const listener = this.listeners.get(address);
    if (!listener) return;
    this.listeners.delete(address);
    if (this.listeners.size === 0) this.port = null;
    this.options.logger.info(`LAN sharing: stopped listening on ${urlHost(address)}`);
    const drained = drainServer(listener.server, listener.connections, graceMs).then((outcome) => {
      if (outcome === 'timeout')
        this.options.logger.warn(`LAN requests on ${urlHost(address)} still running after ${graceMs} ms were cut off`);
    });
    this.draining.add(drained);
    void drained.finally(() => this.draining.delete(drained));
  }

  private stopAll(): void {
    for (const address of [...this.listeners.keys()]) this.stop(address, STOP_GRACE_MS);
    this.allowed = new Set();
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private addresses(): string[] {
    return lanAddresses(this.options.interfaces?.() ?? undefined);
  }

  private hostname(): string {
    return this.options.hostname?.() ?? hostname();
  }

  /** SHA-256 of the server certificate teammates pin at /login; null without TLS or before there is one. */
  serverCertificate(): string | null {
    return this.settings().tls ? (this.leafInfo()?.fingerprint ?? null) : null;
  }

  /** The certificate teammates pin, and how many sign-ins pinned another; nothing without TLS. */
  private leafStatus(
    settings: LanSettings,
  ): Pick<LanStatus, 'server_fingerprint_sha256' | 'server_certificate_covers' | 'sign_ins_pinned_to_old_certificate'> {
    const leaf = settings.tls ? this.leafInfo() : null;
    return {
      server_fingerprint_sha256: leaf?.fingerprint ?? null,
      server_certificate_covers: leaf?.covers ?? [],
      sign_ins_pinned_to_old_certificate: leaf ? (this.options.signInsPinnedElsewhere?.(leaf.fingerprint) ?? 0) : 0,
    };
  }

  private leafInfo(): { fingerprint: string; covers: string[] } | null {
    if (this.leaf) return this.leaf;
    const path = join(tlsDir(this.options.dataDir), 'server.pem');
    if (!existsSync(path)) return null;
    try {
      const pem = readFileSync(path, 'utf8');
      const covered = subjectAltNames(pem);
      this.leaf = { fingerprint: fingerprintOf(pem), covers: [...covered.addresses, ...covered.names] };
    } catch {
      return null; // unreadable: issued again when sharing starts
    }
    return this.leaf;
  }

  private caInfo(): { path: string; fingerprint: string } | null {
    if (this.caOnDisk) return this.caOnDisk;
    // Looked for until found: the CA may be created by the next download or the next start.
    const path = join(tlsDir(this.options.dataDir), 'ca.pem');
    if (!existsSync(path)) return null;
    try {
      this.caOnDisk = { path, fingerprint: fingerprintOf(readFileSync(path, 'utf8')) };
    } catch {
      return null; // unreadable: made again when needed
    }
    return this.caOnDisk;
  }
}

/** Plain HTTP on the LAN: said whenever it is on, in the status, the tray and the CLI. */
export function plainHttpWarning(settings: LanSettings): string | null {
  if (!settings.enabled || settings.tls) return null;
  return `LAN sharing uses plain HTTP: virtual keys${settings.remote_admin ? ', the admin token' : ''}, prompts and answers cross the network unencrypted, readable by anyone on it. Turn TLS on unless you trust every machine on this network.`;
}

export function remoteAdminWarning(settings: LanSettings): string | null {
  if (!settings.enabled || !settings.remote_admin) return null;
  return 'Remote admin is on: the admin API and dashboard answer on the LAN to anyone holding the admin token.';
}

function warningFor(settings: LanSettings): string | null {
  const warnings = [plainHttpWarning(settings), remoteAdminWarning(settings)].filter((warning) => warning !== null);
  return warnings.length ? warnings.join(' ') : null;
}

/** A pinned address must be one IP address: names resolve to who knows what, and 0.0.0.0 includes loopback. */
function checkedAddress(address: string): string {
  const { plain, problem } = pinnableAddress(address);
  if (problem === 'not-ip') {
    throw badRequest(
      `address: "${address}" is not an IP address. Pin one of this machine's addresses, or set null to share on all of them.`,
    );
  }
  if (problem === 'wildcard') {
    throw badRequest(
      `address: ${address} means every address, loopback included. Set null to share on every LAN address instead.`,
    );
  }
  return canonicalAddress(plain);
}

function describeListenError(address: string, port: number, error: unknown, available: readonly string[]): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${urlHost(address)}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `Could not listen on ${where}: another program already uses that port there. Choose another port for LAN sharing.`;
    case 'EADDRNOTAVAIL':
      return `Could not listen on ${urlHost(address)}: this machine does not have that address${available.length ? ` (it has ${available.join(', ')})` : ''}. Pin one of its addresses, or clear the address to share on all of them.`;
    case 'EACCES':
      return `Could not listen on ${where}: ports below 1024 need administrator rights. Choose a port above 1023.`;
    default:
      return `Could not listen on ${where}: ${messageOf(error)}`;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
