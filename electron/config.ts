// Where Tollgate keeps its data and how the headless gateway is configured: command-line flags first,
// then TOLLGATE_* environment variables, then defaults. The default data directory is the per-user
// application data folder Electron's app.getPath('userData') gives the desktop app, so both share it.
// LAN sharing flags override the stored LAN settings for one run without saving them. How long a
// client may take over its headers, its body and an idle connection, and how many connections one
// network address may hold, are TOLLGATE_* variables only (connectionLimits below), read by every
// listener as it starts, the desktop app's included.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LanSettings } from '../shared/schemas.js';
import { pinnableAddress } from './lan/addresses.js';

export const APP_NAME = 'Tollgate';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), APP_NAME);
}

export interface ServeConfig {
  host: string;
  port: number;
  dataDir: string;
  anthropicBaseUrl: string | undefined;
  /** Serve generated demo data from a directory of its own instead of real data. */
  demo: boolean;
  /** LAN sharing settings for this run (`--lan` and friends); undefined keeps the stored ones. */
  lan: Partial<LanSettings> | undefined;
  /** How long a stop lets in-flight requests finish before cutting them off with an error event. */
  shutdownGraceMs: number;
}

/** How long SIGINT/SIGTERM lets in-flight requests finish unless --shutdown-grace says otherwise. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;

/** Where `--demo` keeps its data unless --data-dir says otherwise: beside the real directory, never in it. */
export const demoDataDir = (realDataDir: string): string => `${realDataDir.replace(/[\\/]+$/, '')}-demo`;

/** The demo listens beside a real gateway, so Claude Code set up for the real one never talks to the demo. */
export const DEMO_PORT = 8788;

/** Where the gateway listens on loopback unless --port or TOLLGATE_PORT says otherwise. */
export const DEFAULT_PORT = 8787;

export class ConfigError extends Error {}

/**
 * What a listener allows a client before cutting it off. None of it bounds a response: a long thinking
 * turn may stream for many minutes (the upstream's own timeouts are in gateway.ts).
 */
export interface ConnectionLimits {
  /** From a request's first byte (or a new connection) until its headers are complete. */
  headersTimeoutMs: number;
  /** A body still arriving must bring BODY_PROGRESS_BYTES within every window this long. */
  bodyTimeoutMs: number;
  /** A keep-alive connection with no request in flight is closed after this. */
  idleTimeoutMs: number;
  /** Open connections one remote address may hold (LAN clients, and other machines on `--host 0.0.0.0`). */
  connectionsPerAddress: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
  // Above the 60 s that load balancers and clients commonly keep idle connections for, so the client
  // gives up on a connection before the gateway closes it under a new request.
  idleTimeoutMs: 65_000,
  connectionsPerAddress: 64,
};

/**
 * How much of a body must arrive in each body-timeout window. A trickle of one byte every 150 ms
 * never leaves a window empty; it does bring far less than this. Any real link, however slow,
 * brings far more: 1 KB a minute is 17 bytes a second.
 */
export const BODY_PROGRESS_BYTES = 1024;

const LIMIT_VARIABLES = {
  headersTimeoutMs: 'TOLLGATE_HEADERS_TIMEOUT',
  bodyTimeoutMs: 'TOLLGATE_BODY_TIMEOUT',
  idleTimeoutMs: 'TOLLGATE_IDLE_TIMEOUT',
  connectionsPerAddress: 'TOLLGATE_MAX_CONNECTIONS_PER_ADDRESS',
} as const satisfies Record<keyof ConnectionLimits, string>;

/**
 * The limits from TOLLGATE_* variables, defaults for the rest. Timeouts are seconds (fractions
 * allowed, 0.1 to 3600); the connection cap a whole number from 1 to 65535. Throws ConfigError naming
 * the variable when one is not.
 */
export function readConnectionLimits(env: NodeJS.ProcessEnv = process.env): ConnectionLimits {
  return connectionLimits(env, (error) => {
    throw error;
  });
}

/**
 * The limits a listener starts with: as readConnectionLimits, but a variable that does not parse is
 * reported and its default kept, since a listener cannot refuse to start over it (`npm run serve`
 * has refused it already, with the usage).
 */
export function connectionLimits(
  env: NodeJS.ProcessEnv = process.env,
  invalid: (error: LimitError) => void = (error) =>
    process.emitWarning(`${error.message} Using its default, ${defaultText(error.field)}.`),
): ConnectionLimits {
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS };
  for (const field of Object.keys(LIMIT_VARIABLES) as (keyof ConnectionLimits)[]) {
    const text = env[LIMIT_VARIABLES[field]];
    if (text === undefined || text.trim() === '') continue;
    const value = parseLimit(field, text);
    if (value instanceof LimitError) invalid(value);
    else limits[field] = value;
  }
  return limits;
}

/** A limit variable that does not parse; `field` says which. */
export class LimitError extends ConfigError {
  constructor(
    readonly field: keyof ConnectionLimits,
    message: string,
  ) {
    super(message);
  }
}

function parseLimit(field: keyof ConnectionLimits, text: string): number | LimitError {
  const name = LIMIT_VARIABLES[field];
  const value = Number(text);
  if (field === 'connectionsPerAddress') {
    return Number.isInteger(value) && value >= 1 && value <= 65535
      ? value
      : new LimitError(field, `${name} must be a whole number from 1 to 65535, not "${text}".`);
  }
  return Number.isFinite(value) && value >= 0.1 && value <= 3600
    ? Math.round(value * 1000)
    : new LimitError(field, `${name} must be 0.1-3600 seconds, not "${text}".`);
}

function defaultText(field: keyof ConnectionLimits): string {
  const value = DEFAULT_CONNECTION_LIMITS[field];
  return field === 'connectionsPerAddress' ? String(value) : `${value / 1000} s`;
}

export const USAGE = `Usage: npm run serve -- [options]

  --host HOST                 address to listen on        (TOLLGATE_HOST, default 127.0.0.1); beyond loopback
                              the admin API and dashboard answer the network over plain HTTP: share with --lan
  --port PORT                 port to listen on           (TOLLGATE_PORT, default ${DEFAULT_PORT})
  --data-dir DIR              database, admin token, keys (TOLLGATE_DATA_DIR, default ${defaultDataDir()})
  --anthropic-base-url URL    upstream Anthropic API      (TOLLGATE_ANTHROPIC_BASE_URL, default https://api.anthropic.com)
  --shutdown-grace SECONDS    on SIGINT/SIGTERM, how long in-flight requests may finish before their streams
                              are ended with an error event  (TOLLGATE_SHUTDOWN_GRACE, default ${DEFAULT_SHUTDOWN_GRACE_SECONDS})
  --demo                      serve a generated month of sample teams, keys and traffic, kept in its own
                              directory (--data-dir, or the data directory with -demo appended) on port
                              ${DEMO_PORT} unless --port is given; a directory holding real data is refused
  -h, --help                  show this help

LAN sharing (these flags apply to this run and are not saved; without them the LAN settings saved
from the dashboard or the tray apply):
  --lan                       share the proxy and the usage page on this machine's LAN addresses, over
                              HTTPS with Tollgate's own CA (kept in DATA_DIR/tls)    (TOLLGATE_LAN=1)
  --lan-address ADDR          listen on this one address only   (TOLLGATE_LAN_ADDRESS, default: every LAN address)
  --lan-port PORT             LAN port                          (TOLLGATE_LAN_PORT, default: the --port in use)
  --no-tls                    plain HTTP on the LAN: keys and prompts cross it unencrypted  (TOLLGATE_NO_TLS=1)
  --remote-admin              also serve the admin API and dashboard on the LAN (admin token required,
                              Host and Origin checked); deliberately a flag only, no variable

Slow and idle clients (environment variables only; every listener, loopback and LAN, reads them as it starts):
  TOLLGATE_HEADERS_TIMEOUT=SECONDS   a request's headers must be complete within this      (default ${DEFAULT_CONNECTION_LIMITS.headersTimeoutMs / 1000})
  TOLLGATE_BODY_TIMEOUT=SECONDS      a body must bring ${BODY_PROGRESS_BYTES / 1024} KB or more in every such window   (default ${DEFAULT_CONNECTION_LIMITS.bodyTimeoutMs / 1000})
  TOLLGATE_IDLE_TIMEOUT=SECONDS      an idle keep-alive connection is closed after this    (default ${DEFAULT_CONNECTION_LIMITS.idleTimeoutMs / 1000})
  TOLLGATE_MAX_CONNECTIONS_PER_ADDRESS=N   connections one LAN address may hold open     (default ${DEFAULT_CONNECTION_LIMITS.connectionsPerAddress})

ANTHROPIC_API_KEY, when set, seeds the Anthropic provider key if none is stored yet.`;

/** A port from a flag or variable; `name` is how the message refers to where the text came from. */
export function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`${name} must be 0-65535, not "${text}".`);
  return port;
}

export function readServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeConfig | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'anthropic-base-url': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        demo: { type: 'boolean' },
        lan: { type: 'boolean' },
        'lan-address': { type: 'string' },
        'lan-port': { type: 'string' },
        'no-tls': { type: 'boolean' },
        'remote-admin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const demo = values.demo === true;
  // TOLLGATE_PORT and TOLLGATE_DATA_DIR describe the real gateway; the demo only follows explicit flags.
  const port = parsePort(values.port ?? String(demo ? DEMO_PORT : (env.TOLLGATE_PORT ?? DEFAULT_PORT)), '--port');
  const anthropicBaseUrl = values['anthropic-base-url'] ?? env.TOLLGATE_ANTHROPIC_BASE_URL;
  if (anthropicBaseUrl !== undefined && !/^https?:\/\/[^/]/.test(anthropicBaseUrl)) {
    throw new ConfigError(`--anthropic-base-url must be an http(s) URL, not "${anthropicBaseUrl}".`);
  }
  // Checked here so that a mistyped limit stops the CLI with the usage; the listeners read them themselves.
  readConnectionLimits(env);
  return {
    host: values.host ?? env.TOLLGATE_HOST ?? '127.0.0.1',
    port,
    dataDir:
      values['data-dir'] ??
      (demo
        ? demoDataDir(env.TOLLGATE_DATA_DIR ?? defaultDataDir(env))
        : (env.TOLLGATE_DATA_DIR ?? defaultDataDir(env))),
    anthropicBaseUrl,
    demo,
    lan: lanOverrides(values, env),
    shutdownGraceMs: parseGraceSeconds(
      values['shutdown-grace'] ?? env.TOLLGATE_SHUTDOWN_GRACE ?? String(DEFAULT_SHUTDOWN_GRACE_SECONDS),
    ),
  };
}

function parseGraceSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
    throw new ConfigError(`--shutdown-grace must be 0-3600 seconds, not "${text}".`);
  return Math.round(seconds * 1000);
}

const yes = (value: string | undefined): boolean => value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());

function lanOverrides(
  values: { lan?: boolean; 'lan-address'?: string; 'lan-port'?: string; 'no-tls'?: boolean; 'remote-admin'?: boolean },
  env: NodeJS.ProcessEnv,
): Partial<LanSettings> | undefined {
  const lan: Partial<LanSettings> = {};
  if (values.lan === true || yes(env.TOLLGATE_LAN)) lan.enabled = true;
  if (values['no-tls'] === true || yes(env.TOLLGATE_NO_TLS)) lan.tls = false;
  if (values['remote-admin'] === true) lan.remote_admin = true;
  const address = values['lan-address'] ?? env.TOLLGATE_LAN_ADDRESS;
  if (address !== undefined) {
    const { plain, problem } = pinnableAddress(address);
    if (problem) throw new ConfigError(`--lan-address must be one IP address of this machine, not "${address}".`);
    lan.address = plain;
  }
  const portText = values['lan-port'] ?? env.TOLLGATE_LAN_PORT;
  if (portText !== undefined) lan.port = parsePort(portText, '--lan-port');
  return Object.keys(lan).length > 0 ? lan : undefined;
}
