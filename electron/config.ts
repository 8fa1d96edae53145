// Where Tollgate keeps its data and how the headless gateway is configured: command-line flags first,
// then TOLLGATE_* environment variables, then defaults. The default data directory is the per-user
// application data folder Electron's app.getPath('userData') gives the desktop app, so both share it.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

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
}

/** Where `--demo` keeps its data unless --data-dir says otherwise: beside the real directory, never in it. */
export const demoDataDir = (realDataDir: string): string => `${realDataDir.replace(/[\\/]+$/, '')}-demo`;

/** The demo listens beside a real gateway, so Claude Code set up for the real one never talks to the demo. */
export const DEMO_PORT = 8788;

export const USAGE = `Usage: npm run serve -- [options]

  --host HOST                 address to listen on        (TOLLGATE_HOST, default 127.0.0.1)
  --port PORT                 port to listen on           (TOLLGATE_PORT, default 8787)
  --data-dir DIR              database, admin token, keys (TOLLGATE_DATA_DIR, default ${defaultDataDir()})
  --anthropic-base-url URL    upstream Anthropic API      (TOLLGATE_ANTHROPIC_BASE_URL, default https://api.anthropic.com)
  --demo                      serve a generated month of sample teams, keys and traffic, kept in its own
                              directory (--data-dir, or the data directory with -demo appended) on port
                              ${DEMO_PORT} unless --port is given; a directory holding real data is refused
  -h, --help                  show this help

ANTHROPIC_API_KEY, when set, seeds the Anthropic provider key if none is stored yet.`;

export class ConfigError extends Error {}

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
        demo: { type: 'boolean' },
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
  const portText = values.port ?? (demo ? String(DEMO_PORT) : env.TOLLGATE_PORT ?? '8787');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be 0-65535, not "${portText}".`);
  const anthropicBaseUrl = values['anthropic-base-url'] ?? env.TOLLGATE_ANTHROPIC_BASE_URL;
  if (anthropicBaseUrl !== undefined && !/^https?:\/\/[^/]/.test(anthropicBaseUrl)) {
    throw new ConfigError(`--anthropic-base-url must be an http(s) URL, not "${anthropicBaseUrl}".`);
  }
  return {
    host: values.host ?? env.TOLLGATE_HOST ?? '127.0.0.1',
    port,
    dataDir: values['data-dir'] ?? (demo ? demoDataDir(env.TOLLGATE_DATA_DIR ?? defaultDataDir(env)) : env.TOLLGATE_DATA_DIR ?? defaultDataDir(env)),
    anthropicBaseUrl,
    demo,
  };
}
