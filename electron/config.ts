// Where Tollgate keeps its data and how the headless gateway is configured: command-line flags first,
// then TOLLGATE_* environment variables, then defaults. The default data directory is the per-user
// application data folder Electron's app.getPath('userData') gives the desktop app, so both share it.
// LAN sharing flags override the stored LAN settings for one run without saving them.
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

ANTHROPIC_API_KEY, when set, seeds the Anthropic provider key if none is stored yet.`;

export class ConfigError extends Error {}

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
