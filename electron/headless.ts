// `npm run serve`: the gateway core without Electron, for servers, CI and tests. Prints where its
// data and admin token are (and, when sharing on the LAN, the URLs teammates use and the CA they
// trust), then serves until SIGINT/SIGTERM, when it drains in-flight requests and writes every queued
// log row before exiting. `--demo` first fills a separate directory with generated sample data and
// says so loudly.
import { ConfigError, readServeConfig, USAGE } from './config.js';
import { NotDemoDataError, prepareDemoDataDir, type DemoDataDir } from './demo/demo-dir.js';
import { startNotifier } from './desktop/notifier.js';
import { startGateway, type Gateway } from './gateway/gateway.js';
import { isLoopbackHost } from './lan/addresses.js';
import { plainHttpWarning, remoteAdminWarning } from './lan/sharing.js';

async function main(): Promise<void> {
  let config;
  try {
    config = readServeConfig(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`tollgate: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (config === 'help') {
    console.log(USAGE);
    return;
  }

  const { demo: demoRequested, shutdownGraceMs, ...serve } = config;
  let demo: DemoDataDir | null = null;
  if (demoRequested) {
    try {
      demo = prepareDemoDataDir(serve.dataDir, { now: Date.now() });
    } catch (error) {
      if (!(error instanceof NotDemoDataError)) throw error;
      console.error(`tollgate: ${error.message}`);
      process.exit(2);
    }
  }

  const gateway = await startGateway({ ...serve, processMetrics: true });
  let notifier: { stop(): void } | null = null;

  // Installed before "Ready." is printed, so a signal sent as soon as the banner appears is handled.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      console.error('tollgate: forced exit');
      gateway.flushNow();
      process.exit(130);
    }
    stopping = true;
    console.error(`tollgate: ${signal} received, finishing in-flight requests…`);
    notifier?.stop();
    gateway.close(shutdownGraceMs).then(
      () => {
        console.error('tollgate: stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('tollgate: error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('uncaughtException', (error) => {
    console.error('tollgate: uncaught exception', error);
    gateway.flushNow(); // keep every usage row already queued
    process.exit(1);
  });

  announce(gateway, demo);
  // Without a desktop, the notifications the tray app would show go to the console (not for the
  // demo, whose generated budgets are over their limits on purpose).
  notifier = demo
    ? null
    : startNotifier({ gateway, notify: ({ title, body }) => gateway.context.logger.warn(`${title}: ${body}`) });
}

function announce(gateway: Gateway, demo: DemoDataDir | null): void {
  const provider = gateway.context.providers.describe('anthropic');
  const lines = [
    ...(demo ? demoBanner(demo) : []),
    `Tollgate gateway listening on ${gateway.url}`,
    ...exposedHostLines(gateway.host),
    `  data directory: ${gateway.dataDir}${demo ? '  <- DEMO DATA' : ''}`,
    `  admin token:    ${gateway.adminTokenFile}${gateway.createdAdminToken ? ' (created now)' : ''}`,
    `  upstream:       ${provider?.effective_base_url ?? gateway.context.providers.baseUrl('anthropic')}` +
      (provider?.keys.length
        ? ` (${provider.keys.length} key${provider.keys.length > 1 ? 's' : ''})`
        : ' (no API key yet: set ANTHROPIC_API_KEY or POST /api/providers)'),
    `  secrets:        ${gateway.secretProtection}`,
    ...(demo ? [`  demo key:       ${demo.keyFile} (the demo-playground key, for trying the gateway)`] : []),
    ...lanLines(gateway),
    demo
      ? `Ready. DEMO DATA: sign in with the admin token, or send Claude Code through it: ANTHROPIC_BASE_URL=${gateway.url} ANTHROPIC_AUTH_TOKEN=$(cat '${demo.keyFile}') claude`
      : `Ready. Create a virtual key: curl -s -X POST ${gateway.url}/api/governance/virtual-keys -H "Authorization: Bearer $(cat '${gateway.adminTokenFile}')" -H 'content-type: application/json' -d '{"name":"me"}'`,
  ];
  console.log(lines.join('\n'));
}

/**
 * `--host` (or TOLLGATE_HOST) beyond loopback puts the local listener, admin side included, on the
 * network without the LAN listener's TLS and Host checks: allowed, since the flag is public, but said.
 */
function exposedHostLines(host: string): string[] {
  if (isLoopbackHost(host)) return [];
  return [
    `WARNING: the gateway listens on ${host}, not on loopback: the admin API, the dashboard and /metrics are reachable ` +
      'from the network over plain HTTP, and the admin token, virtual keys and prompts cross it unencrypted. ' +
      'To share with teammates, keep --host on 127.0.0.1 and use --lan (TLS, Host checks and throttling).',
  ];
}

/** Where teammates reach the gateway and which CA they trust; nothing when sharing is off. */
function lanLines(gateway: Gateway): string[] {
  const lan = gateway.lan.status();
  if (!lan.settings.enabled) return [];
  const lines = lan.urls.map((url) => `  LAN URL:        ${url}`);
  if (lan.error) lines.push(`  LAN sharing:    not listening: ${lan.error}`);
  if (lan.ca_certificate_path && lan.ca_fingerprint_sha256) {
    lines.push(`  CA certificate: ${lan.ca_certificate_path}`, `  CA fingerprint: SHA256 ${lan.ca_fingerprint_sha256}`);
    const [first] = lan.urls;
    if (first) {
      lines.push(
        `  teammates:      download ${first}${lan.ca_certificate_url ?? ''}, check its fingerprint, and point NODE_EXTRA_CA_CERTS at it; their usage page is ${first}/usage`,
      );
    }
  }
  const plain = plainHttpWarning(lan.settings);
  const remoteAdmin = remoteAdminWarning(lan.settings);
  if (plain) lines.push(`WARNING: ${plain}`);
  if (remoteAdmin) lines.push(`WARNING: ${remoteAdmin.toUpperCase()}`);
  return lines;
}

function demoBanner(demo: DemoDataDir): string[] {
  const rule = '='.repeat(78);
  const when = demo.summary
    ? `generated now in ${(demo.elapsedMs / 1000).toFixed(1)} s: ${demo.summary.requests.toLocaleString('en-US')} requests from ` +
      `${demo.summary.keys} keys over 30 days, $${demo.summary.spendUsd.toFixed(2)} spent`
    : `generated ${new Date(demo.generatedAt).toISOString()}; regenerated when more than 12 hours old`;
  return [
    rule,
    'DEMO DATA: this gateway serves a generated month of sample teams, keys and Claude Code',
    'traffic. None of it is real, and your real data directory is not touched.',
    `  demo data directory: ${demo.dataDir}`,
    `  ${when}`,
    'Run without --demo to use your real data.',
    rule,
  ];
}

main().catch((error: unknown) => {
  console.error('tollgate: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
