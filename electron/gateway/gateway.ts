// Assembles the gateway core from a data directory: opens the store, seeds prices and the provider
// key, builds the context and the HTTP server, and knows how to shut all of it down without losing a
// log row. Plain Node: the headless CLI, the Electron main process and the tests all start it here.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent } from 'undici';
import { loadBuiltinCatalog } from '../pricing/catalog.js';
import { PriceBook } from '../pricing/price-book.js';
import { FileKeySecretBox, type SecretBox } from '../secrets/secret-box.js';
import { ContentStore } from '../store/content-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { PriceStore } from '../store/prices.js';
import { DEFAULT_ANTHROPIC_BASE_URL, ProviderStore } from '../store/providers.js';
import { RequestLog } from '../store/request-log.js';
import { SettingsStore } from '../store/settings.js';
import { VirtualKeyStore } from '../store/virtual-keys.js';
import { GovernanceLedger } from '../governance/ledger.js';
import { AuditLog } from '../store/audit.js';
import { BudgetStore } from '../store/budgets.js';
import { OrganisationStore } from '../store/organisation.js';
import type { GatewayContext } from './context.js';
import { consoleLogger, type Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { MAX_BODY_BYTES } from './proxy.js';
import { createGatewayServer, trackConnections } from './server.js';

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
  /** Include Node process metrics (CPU, heap) in /metrics. */
  processMetrics?: boolean;
  /** The renderer build to serve under /dashboard/; defaults to out/renderer at the project root. */
  dashboardDir?: string;
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
  /** Stops accepting, lets in-flight requests finish (up to graceMs), writes every queued log row. */
  close(graceMs?: number): Promise<void>;
}

const RETENTION_SWEEP_MS = 60 * 60 * 1000;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? consoleLogger;
  const clock = options.clock ?? Date.now;
  const env = options.env ?? process.env;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });

  const databaseFile = join(options.dataDir, 'tollgate.db');
  const db = openDatabase(databaseFile, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  const adminTokenFile = join(options.dataDir, 'admin-token');
  const { token: adminToken, created: createdAdminToken } = loadOrCreateAdminToken(adminTokenFile);
  const secretBox = options.secretBox ?? FileKeySecretBox.loadOrCreate(join(options.dataDir, 'secret.key'));

  const catalog = loadBuiltinCatalog();
  const prices = new PriceStore(db);
  prices.seedBuiltins(catalog.prices, clock());
  let priceBook = new PriceBook(catalog.models, prices.versions());

  const providers = new ProviderStore(db, secretBox, options.anthropicBaseUrl ?? DEFAULT_ANTHROPIC_BASE_URL, env);
  const seededProviderKey = seedProviderKey(providers, env, clock());
  const content = new ContentStore(db);
  const requestLog = new RequestLog(db, content, {
    onFlushError: (error) => logger.error('could not write request log rows; retrying', error),
  });
  const settings = new SettingsStore(db);
  const organisation = new OrganisationStore(db);
  const keys = new VirtualKeyStore(db);
  const budgets = new BudgetStore(db, () => settings.config.budget_time_zone);

  const context: GatewayContext = {
    keys,
    organisation,
    budgets,
    ledger: new GovernanceLedger(db, budgets, organisation, (rule, since) => {
      if (rule.ownerType === 'virtual_key') return requestLog.admittedSince(rule.ownerId, since);
      const config = keys.providerConfig(Number(rule.ownerId));
      return config ? requestLog.admittedSince(config.keyId, since, config.provider) : [];
    }),
    audit: new AuditLog(db),
    transaction: (work) => db.transaction(work)(),
    providers,
    prices,
    settings,
    requestLog,
    content,
    metrics: new GatewayMetrics({ processMetrics: options.processMetrics ?? false }),
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
    clock,
    logger,
  };

  const sweep = (): void => {
    try {
      const pruned = requestLog.prune(settings.config.retention_days, clock());
      if (pruned.rows) logger.info(`retention: removed ${pruned.rows} log rows and ${pruned.blobs} content blobs`);
    } catch (error) {
      logger.error('retention sweep failed', error);
    }
  };
  sweep();
  const sweepTimer = setInterval(sweep, RETENTION_SWEEP_MS).unref();

  const server = createGatewayServer(context, { dashboardDir: options.dashboardDir });
  const connections = trackConnections(server);
  const host = options.host ?? '127.0.0.1';
  await listen(server, host, options.port ?? 8787).catch((error: unknown) => {
    clearInterval(sweepTimer);
    db.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = (graceMs = 30_000): Promise<void> => {
    closing ??= shutdown(server, connections, db, context, sweepTimer, graceMs);
    return closing;
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
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
    close,
  };
}

async function shutdown(
  server: Server,
  connections: { closeIdle(): void },
  db: Db,
  context: GatewayContext,
  sweepTimer: NodeJS.Timeout,
  graceMs: number,
): Promise<void> {
  clearInterval(sweepTimer);
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections go idle as their last request finishes; close each as soon as it does.
  connections.closeIdle();
  const idleSweep = setInterval(() => connections.closeIdle(), 25);
  const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  const outcome = await Promise.race([drained, deadline]);
  clearInterval(idleSweep);
  if (outcome === 'timeout') {
    context.logger.warn(`requests still running after ${graceMs} ms; closing their connections`);
    server.closeAllConnections();
    // Let the aborted handlers write their rows before the queue is drained.
    await new Promise((resolve) => setImmediate(resolve));
  }
  context.requestLog.close();
  await context.dispatcher.close();
  db.close();
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
