// `npm run serve`: the gateway core without Electron, for servers, CI and tests. Prints where its
// data and admin token are, then serves until SIGINT/SIGTERM, when it drains in-flight requests and
// writes every queued log row before exiting.
import { ConfigError, readServeConfig, USAGE } from './config.js';
import { startGateway, type Gateway } from './gateway/gateway.js';

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

  const gateway = await startGateway({ ...config, processMetrics: true });
  announce(gateway);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      console.error('tollgate: forced exit');
      gateway.context.requestLog.close();
      process.exit(130);
    }
    stopping = true;
    console.error(`tollgate: ${signal} received, finishing in-flight requests…`);
    gateway.close().then(
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
    gateway.context.requestLog.close(); // keep every usage row already queued
    process.exit(1);
  });
}

function announce(gateway: Gateway): void {
  const provider = gateway.context.providers.describe('anthropic');
  const lines = [
    `Tollgate gateway listening on ${gateway.url}`,
    `  data directory: ${gateway.dataDir}`,
    `  admin token:    ${gateway.adminTokenFile}${gateway.createdAdminToken ? ' (created now)' : ''}`,
    `  upstream:       ${provider?.effective_base_url ?? gateway.context.providers.target('anthropic').baseUrl}` +
      (provider?.keys.length ? ` (${provider.keys.length} key${provider.keys.length > 1 ? 's' : ''})` : ' (no API key yet: set ANTHROPIC_API_KEY or POST /api/providers)'),
    `  secrets:        ${gateway.secretProtection}`,
    `Ready. Create a virtual key: curl -s -X POST ${gateway.url}/api/governance/virtual-keys -H "Authorization: Bearer $(cat '${gateway.adminTokenFile}')" -H 'content-type: application/json' -d '{"name":"me"}'`,
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error('tollgate: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
