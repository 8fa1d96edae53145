// Assembles the gateway core from a data directory: opens the store, seeds prices and the provider
// key, builds the context, the loopback server and LAN sharing, and knows how to shut all of it down
// without losing a log row. Plain Node: the headless CLI, the Electron main process and the tests all
// start it here, and the desktop shell drives it through the Gateway it returns (status, pause, LAN).
import { createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent } from 'undici';
import { DEFAULT_PORT } from '../config.js';
import { loadBuiltinCatalog } from '../pricing/catalog.js';
import { billRequest } from '../pricing/bill.js';
import { PriceBook } from '../pricing/price-book.js';
import { FileKeySecretBox, type SecretBox } from '../secrets/secret-box.js';
import { ContentStore } from '../store/content-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import { PriceStore } from '../store/prices.js';
import { DEFAULT_ANTHROPIC_BASE_URL, ProviderStore } from '../store/providers.js';
import { RequestLog } from '../store/request-log.js';
import { SettingsStore } from '../store/settings.js';
import { VirtualKeyStore } from '../store/virtual-keys.js';
import { GovernanceLedger } from '../governance/ledger.js';
import { AuditLog, auditArchiveDir } from '../store/audit.js';
import { FailedSignIns } from './failed-sign-ins.js';
import { newSignInLimits } from './sign-in.js';
import { SignInStore, type SignInLifetimes } from '../store/sign-ins.js';
import { ManagedSettingsStore } from '../store/managed-settings.js';
import { TelemetryStore } from '../store/telemetry.js';
import { BudgetStore } from '../store/budgets.js';
import { OrganisationStore } from '../store/organisation.js';
import type { GatewayStatus, LanSettings, LanStatus } from '../../shared/schemas.js';
import { urlHost } from '../lan/addresses.js';
import { LanSharing, type LanUpdate } from '../lan/sharing.js';
import { FailedKeyAttempts } from '../lan/throttle.js';
import { setPaused } from './admin-desktop.js';
import type { GatewayContext } from './context.js';
import { consoleLogger, type Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { MAX_BODY_BYTES } from './proxy.js';
import {
  connectionRefusals,
  createGatewayServer,
  createRouter,
  drainServer,
  localPolicy,
  trackConnections,
  type ConnectionTracker,
} from './server.js';
import { StatusReporter } from './status.js';
import { TelemetryForwarder } from './telemetry-forward.js';
import { UpstreamHealth } from './upstream-health.js';
import { UpstreamKeyHealth } from '../upstream/health.js';

export interface GatewayOptions {
  dataDir: string;
  host?: string;
  port?: number;
  anthropicBaseUrl?: string;
  /** Environment to read ANTHROPIC_API_KEY and `env.VAR` provider keys from. */
  env?: NodeJS.ProcessEnv;
  secretBox?: SecretBox;
  nativeBinding?: string;
  logger?: Logger;
  clock?: () => number;
  maxBodyBytes?: number;
  /** Device-code, poll and token lifetimes of Claude Code's /login (tests shorten them). */
  signInLifetimes?: SignInLifetimes;
  /** Include Node process metrics (CPU, heap) in /metrics. */
  processMetrics?: boolean;
  /** The renderer build to serve under /dashboard/; defaults to out/renderer at the project root. */
  dashboardDir?: string;
  /** LAN sharing settings for this run only (`--lan`, tests): they win over the stored ones and are not saved. */
  lan?: Partial<LanSettings>;
}

/** LAN sharing as the desktop shell drives it; changes made here are audited as the desktop app's. */
export interface GatewayLan {
  status(): LanStatus;
  /** Saves the change and applies it at once; a failure to listen is in the answer's `error`, not thrown. */
  update(patch: LanUpdate): Promise<LanStatus>;
}

export interface Gateway {
  /** http://host:port, once listening. */
  url: string;
  host: string;
  port: number;
  dataDir: string;
  databaseFile: string;
  adminTokenFile: string;
  adminToken: string;
  secretProtection: string;
  /** True when this start created the admin token (a fresh data directory). */
  createdAdminToken: boolean;
  seededProviderKey: boolean;
  context: GatewayContext;
  server: Server;
  /** The gateway at a glance (GET /api/gateway/status): cheap enough to call every few seconds. */
  status(): GatewayStatus;
  /** Pauses (every inference request gets a 503 and a log row) or resumes; persists across restarts. */
  setPaused(paused: boolean): GatewayStatus;
  lan: GatewayLan;
  /** Stops accepting (loopback and LAN), lets in-flight requests finish (up to graceMs), writes every queued log row. */
  close(graceMs?: number): Promise<void>;
  /** At a forced exit: writes every queued row now, saving what the store cannot take for the next start. */
  flushNow(): void;
}

const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/** The headless gateway's sealing key; the desktop app still opens values sealed with it, so both name it here. */
export const secretKeyFile = (dataDir: string): string => join(dataDir, 'secret.key');

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? consoleLogger;
  const clock = options.clock ?? Date.now;
  const env = options.env ?? process.env;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // Before anything is read: a second gateway on this store would book the first one's requests in flight.
  const lock = lockDataDir(options.dataDir);
  let db: Db;
  try {
    db = openDatabase(
      join(options.dataDir, 'tollgate.db'),
      options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
    );
  } catch (error) {
    lock.release();
    throw error;
  }
  const databaseFile = join(options.dataDir, 'tollgate.db');
  const adminTokenFile = join(options.dataDir, 'admin-token');
  const { token: adminToken, created: createdAdminToken } = loadOrCreateAdminToken(adminTokenFile);
  const secretBox = options.secretBox ?? FileKeySecretBox.loadOrCreate(secretKeyFile(options.dataDir));

  const catalog = loadBuiltinCatalog();
  const prices = new PriceStore(db);
  prices.seedBuiltins(catalog.prices, clock());
  let priceBook = new PriceBook(catalog.models, prices.versions());

  const providers = new ProviderStore(db, secretBox, options.anthropicBaseUrl ?? DEFAULT_ANTHROPIC_BASE_URL, env);
  const seededProviderKey = seedProviderKey(providers, env, clock());
  const content = new ContentStore(db);
  const requestLog = new RequestLog(db, content, {
    onFlushError: (error) =>
      logger.error(
        'the store cannot write (rows and spend are held in memory and retried every second; keys with a budget are refused until it can)',
        error,
      ),
    onRecovered: (written) => logger.info(`the store takes writes again: wrote ${written} held rows and traces`),
    onRejected: (line, error) => {
      const file = join(options.dataDir, 'rejected-writes.jsonl');
      try {
        appendFileSync(file, line + '\n', { mode: 0o600 });
      } catch {
        // the log line below still says what was refused
      }
      logger.error(
        `the store refused one write, kept in ${file} for a person to look at: ${line.slice(0, 300)}`,
        error,
      );
    },
    onContentError: (error) => logger.error('could not write captured content (its rows are written); retrying', error),
  });
  // Writes the last run held in memory when its store was full, then the requests that were in flight
  // when it died: all booked before anything new is admitted.
  let takenBack: number;
  let recovered: number;
  try {
    takenBack = takeBackHeldWrites(options.dataDir, requestLog, logger);
    recovered = requestLog.recoverInterrupted((model, usage, at) => {
      const bill = billRequest(priceBook, model, usage, at);
      return { costMicros: bill.costMicros, priceId: bill.price.version.id, byModel: bill.byModel };
    }, clock());
  } catch (error) {
    // Nothing is lost: the held-over files and the traces stay for the next start.
    db.close();
    lock.release();
    throw error;
  }
  if (takenBack > 0) logger.info(`wrote ${takenBack} rows and traces the last run held over while its store was full`);
  if (recovered > 0) {
    logger.warn(
      `booked ${recovered} request${recovered === 1 ? '' : 's'} interrupted by the last stop as interrupted rows`,
    );
  }
  const settings = new SettingsStore(db);
  const organisation = new OrganisationStore(db);
  const keys = new VirtualKeyStore(db);
  const budgets = new BudgetStore(db, () => settings.config.budget_time_zone);
  let localUrl = '';
  let localPort = 0;
  const signIns = new SignInStore(db, options.signInLifetimes);
  const stopping = new AbortController();
  // Every request in flight listens for the end of the grace period: many more than Node's default ten.
  setMaxListeners(0, stopping.signal);
  const lan = new LanSharing({
    dataDir: options.dataDir,
    store: settings,
    overrides: options.lan,
    localPort: () => localPort,
    logger,
    clock,
    signInsPinnedElsewhere: (fingerprint) => signIns.pinnedElsewhere(fingerprint, clock()),
  });

  const audit = new AuditLog(db);
  const telemetryForwarder = new TelemetryForwarder(logger, clock);
  const metrics = new GatewayMetrics({ processMetrics: options.processMetrics ?? false });
  metrics.countForwarded(telemetryForwarder);
  const context: GatewayContext = {
    keys,
    organisation,
    budgets,
    ledger: new GovernanceLedger(db, budgets, organisation, (rule, since) => {
      if (rule.ownerType === 'virtual_key') return requestLog.admittedSince(rule.ownerId, since);
      const config = keys.providerConfig(Number(rule.ownerId));
      return config ? requestLog.admittedSince(config.keyId, since, config.provider) : [];
    }),
    audit,
    transaction: (work) => db.transaction(work)(),
    providers,
    prices,
    settings,
    requestLog,
    content,
    metrics,
    pricing: () => priceBook,
    reloadPricing: () => {
      priceBook = new PriceBook(catalog.models, prices.versions());
    },
    tableVersion: catalog.tableVersion,
    dispatcher: new Agent({
      keepAliveTimeout: 30_000,
      connections: 256,
      // Long thinking turns can keep a response's headers or the gap between events waiting for minutes.
      headersTimeout: 10 * 60_000,
      bodyTimeout: 10 * 60_000,
    }),
    adminToken,
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    upstream: new UpstreamHealth(),
    keyHealth: new UpstreamKeyHealth(clock),
    lan,
    signIns,
    signInLimits: newSignInLimits(),
    managedSettings: new ManagedSettingsStore(db),
    telemetry: new TelemetryStore(db),
    telemetryForwarder,
    localUrl: () => localUrl,
    failedSignIns: new FailedSignIns((entry, at) => audit.record(entry, at), clock),
    keyFailures: new FailedKeyAttempts(),
    status: new StatusReporter(
      () => context,
      () => localUrl,
    ),
    stopping: stopping.signal,
    dataDir: options.dataDir,
    clock,
    logger,
  };

  const sweep = (): void => {
    try {
      const pruned = requestLog.prune(settings.config.retention_days, clock());
      if (pruned.rows) logger.info(`retention: removed ${pruned.rows} log rows and ${pruned.blobs} content blobs`);
      const events = context.telemetry.prune(settings.config.retention_days, clock());
      if (events) logger.info(`retention: removed ${events} telemetry events`);
      const audit = context.audit.archiveOlderThan(
        settings.config.audit_retention_days,
        clock(),
        auditArchiveDir(options.dataDir),
      );
      if (audit.checkpoint) {
        logger.info(`retention: archived ${audit.archived} audit entries to ${audit.checkpoint.archive_file}`);
      }
    } catch (error) {
      logger.error('retention sweep failed', error);
    }
  };
  sweep();
  const sweepTimer = setInterval(sweep, RETENTION_SWEEP_MS).unref();

  const host = options.host ?? '127.0.0.1';
  const router = createRouter(context, { dashboardDir: options.dashboardDir });
  const server = createGatewayServer(
    router,
    localPolicy(host, () => localPort),
  );
  const refusals = connectionRefusals(server);
  if (refusals) context.metrics.countRefusals('local', refusals);
  const connections = trackConnections(server);
  await listen(server, host, options.port ?? DEFAULT_PORT).catch((error: unknown) => {
    clearInterval(sweepTimer);
    db.close();
    lock.release();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  localPort = port;
  localUrl = `http://${urlHost(host)}:${port}`;
  await lan.start(router);

  let closing: Promise<void> | null = null;
  const close = (graceMs = 30_000): Promise<void> => {
    closing ??= shutdown(server, connections, db, context, stopping, sweepTimer, graceMs, options.dataDir).finally(() =>
      lock.release(),
    );
    return closing;
  };

  /** What the desktop app changes is audited like an admin's change through the API. */
  const auditDesktop = (action: string, targetType: string, before: unknown, after: unknown): void =>
    context.audit.record({ actor: 'desktop app', action, targetType, before, after }, clock());

  return {
    url: localUrl,
    host,
    port,
    dataDir: options.dataDir,
    databaseFile,
    adminTokenFile,
    adminToken,
    secretProtection: secretBox.protection,
    createdAdminToken,
    seededProviderKey,
    context,
    server,
    status: () => context.status.current(),
    setPaused(paused) {
      const { status, changed } = setPaused(context, paused);
      if (changed) {
        auditDesktop(
          paused ? 'pauseGateway' : 'resumeGateway',
          'gateway',
          { paused: !paused },
          { paused, paused_at: status.paused_at },
        );
      }
      return status;
    },
    lan: {
      status: () => lan.status(),
      async update(patch) {
        const before = lan.settings();
        const status = await lan.update(patch);
        auditDesktop('updateLan', 'lan', before, status.settings);
        return status;
      },
    },
    close,
    flushNow: () => holdOverUnwritten(options.dataDir, context),
  };
}

/** After the grace period, how long requests cut off get to end their answers and write their rows. */
const CUT_OFF_MS = 2_000;

async function shutdown(
  server: Server,
  connections: ConnectionTracker,
  db: Db,
  context: GatewayContext,
  stopping: AbortController,
  sweepTimer: NodeJS.Timeout,
  graceMs: number,
  dataDir: string,
): Promise<void> {
  clearInterval(sweepTimer);
  // Past the grace period, requests still running are cut off: each stream ends with an error event
  // saying the gateway is restarting, and each writes its row, before the connections are closed.
  const cutOff = setTimeout(() => {
    context.logger.warn(`requests still running after ${graceMs} ms; ending them with an error event`);
    stopping.abort();
  }, graceMs);
  await Promise.all([drainServer(server, connections, graceMs + CUT_OFF_MS), context.lan.close(graceMs + CUT_OFF_MS)]);
  clearTimeout(cutOff);
  // Let handlers of requests cut off (here or on the LAN) write their rows before the queue is drained.
  await new Promise((resolve) => setImmediate(resolve));
  holdOverUnwritten(dataDir, context);
  try {
    context.failedSignIns.flush();
  } catch (error) {
    context.logger.error('could not write the summary of failed admin sign-ins to the audit trail', error);
  }
  await Promise.all([context.dispatcher.close(), context.telemetryForwarder.close(CUT_OFF_MS)]);
  db.close();
}

/**
 * Where writes the store could not take at exit are kept until the next start: beside the store, else
 * (that disk being the full one) in the system's temporary directory, under a name of this data directory.
 */
export function heldWritesPlaces(dataDir: string): { dir: string; prefix: string }[] {
  const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return [
    { dir: dataDir, prefix: 'held-writes-' },
    // A folder of this user's own: files in a shared temporary directory could be planted by anyone.
    { dir: join(tmpdir(), `tollgate-${userInfo().username}`), prefix: `held-writes-${tag}-` },
  ];
}

/** A place to keep held writes in, or to read them from: owned by this user and closed to others. */
function ownPlace(dir: string, create: boolean): boolean {
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    const uid = process.getuid?.();
    return stat.isDirectory() && (uid === undefined || (stat.uid === uid && (stat.mode & 0o077) === 0));
  } catch {
    return false;
  }
}

/** Writes everything queued; what the store cannot take is saved for the next start, and said so. */
export function holdOverUnwritten(dataDir: string, context: GatewayContext): void {
  const unwritten = context.requestLog.close();
  if (unwritten === 0) return;
  const text = context.requestLog.holdOver();
  for (const { dir, prefix } of heldWritesPlaces(dataDir)) {
    if (dir !== dataDir && !ownPlace(dir, true)) continue;
    const file = join(dir, `${prefix}${Date.now()}-${process.pid}.jsonl`);
    // Written whole under a temporary name, then renamed: a full disk leaves no half file to replay twice.
    const partial = `${file}.partial`;
    try {
      writeFileSync(partial, text, { mode: 0o600 });
      renameSync(partial, file);
      context.logger.warn(
        `the store could not take ${unwritten} rows and traces; saved them to ${file}, written at the next start (captured content is not kept)`,
      );
      return;
    } catch {
      rmSync(partial, { force: true });
    }
  }
  context.logger.error(
    `the store could not take ${unwritten} rows and traces, and nowhere could hold them: they are lost`,
  );
}

function takeBackHeldWrites(dataDir: string, requestLog: RequestLog, logger: Logger): number {
  let written = 0;
  for (const { dir, prefix } of heldWritesPlaces(dataDir)) {
    if (dir !== dataDir && !ownPlace(dir, false)) continue;
    const files = existsSync(dir)
      ? readdirSync(dir).filter((name) => name.startsWith(prefix) && name.endsWith('.jsonl'))
      : [];
    for (const name of files.sort()) {
      const file = join(dir, name);
      const taken = requestLog.takeBack(readFileSync(file, 'utf8'));
      written += taken.written;
      if (taken.skipped > 0) logger.warn(`${file}: skipped ${taken.skipped} lines that are not held-over writes`);
      rmSync(file);
    }
  }
  return written;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function loadOrCreateAdminToken(file: string): { token: string; created: boolean } {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, created: false };
  }
  const token = `tg-admin-${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true };
}

/** ANTHROPIC_API_KEY seeds the Anthropic provider key when none is stored yet. */
function seedProviderKey(providers: ProviderStore, env: NodeJS.ProcessEnv, now: number): boolean {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey || providers.hasKeys('anthropic')) return false;
  providers.upsert({ provider: 'anthropic', keys: [{ name: 'from ANTHROPIC_API_KEY', value: apiKey }] }, now);
  return true;
}
