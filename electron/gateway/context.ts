// Everything a request handler may touch, assembled once at start-up by startGateway().
import type { Dispatcher } from 'undici';
import type { PriceBook } from '../pricing/price-book.js';
import type { ProviderStore } from '../store/providers.js';
import type { RequestLog } from '../store/request-log.js';
import type { SettingsStore } from '../store/settings.js';
import type { VirtualKeyStore } from '../store/virtual-keys.js';
import type { PriceStore } from '../store/prices.js';
import type { ContentStore } from '../store/content-store.js';
import type { GovernanceLedger } from '../governance/ledger.js';
import type { AuditLog } from '../store/audit.js';
import type { BudgetStore } from '../store/budgets.js';
import type { OrganisationStore } from '../store/organisation.js';
import type { LanSharing } from '../lan/sharing.js';
import type { FailedKeyAttempts } from '../lan/throttle.js';
import type { SignInStore } from '../store/sign-ins.js';
import type { ManagedSettingsStore } from '../store/managed-settings.js';
import type { TelemetryStore } from '../store/telemetry.js';
import type { TelemetryForwarder } from './telemetry-forward.js';
import type { FailedSignIns } from './failed-sign-ins.js';
import type { SignInLimits } from './sign-in.js';
import type { GatewayMetrics } from './metrics.js';
import type { Logger } from './logger.js';
import type { StatusReporter } from './status.js';
import type { UpstreamHealth } from './upstream-health.js';
import type { UpstreamKeyHealth } from '../upstream/health.js';

export interface GatewayContext {
  keys: VirtualKeyStore;
  organisation: OrganisationStore;
  budgets: BudgetStore;
  ledger: GovernanceLedger;
  audit: AuditLog;
  providers: ProviderStore;
  prices: PriceStore;
  /** Client settings, and the desktop state: pause, LAN sharing, notification switches, onboarding. */
  settings: SettingsStore;
  requestLog: RequestLog;
  content: ContentStore;
  metrics: GatewayMetrics;
  /** The price book in force; rebuilt when an admin changes a price. */
  pricing: () => PriceBook;
  reloadPricing: () => void;
  tableVersion: string;
  dispatcher: Dispatcher;
  adminToken: string;
  maxBodyBytes: number;
  /** Runs work in one SQLite transaction. */
  transaction: <T>(work: () => T) => T;
  /** Consecutive upstream failures since the last success. */
  upstream: UpstreamHealth;
  /** Each provider key's breaker, cool-down and refusal mark, as the router keeps them. */
  keyHealth: UpstreamKeyHealth;
  /** The LAN listener, its settings and its certificates. */
  lan: LanSharing;
  /** Claude Code's /login: device codes, sign-ins waiting for the admin, tokens, invites. */
  signIns: SignInStore;
  /** How often an address may start sign-ins and enter wrong codes on /device. */
  signInLimits: SignInLimits;
  /** Claude Code managed settings the admin edits (global, team, user, key layers), served on /managed/settings. */
  managedSettings: ManagedSettingsStore;
  /** What the agent did: the OTLP events and metrics signed-in Claude Codes export (POST /v1/logs, /v1/metrics). */
  telemetry: TelemetryStore;
  /** Sends received telemetry on to client_config.telemetry_forward_url, when set. */
  telemetryForwarder: TelemetryForwarder;
  /** The loopback gateway's URL, once it listens. */
  localUrl: () => string;
  /** Failed admin sign-ins, summed per address before they reach the audit trail. */
  failedSignIns: FailedSignIns;
  /** Failed key attempts per address on the LAN listener. */
  keyFailures: FailedKeyAttempts;
  /** The gateway at a glance (GET /api/gateway/status, the tray). */
  status: StatusReporter;
  /** Aborted when a shutdown's grace period runs out: requests still running are cut off with an error event. */
  stopping: AbortSignal;
  /** The data directory: the database, the admin token, held-over writes and the audit archive live here. */
  dataDir: string;
  /** Epoch milliseconds; injected so tests can move time. */
  clock: () => number;
  logger: Logger;
}
