// What a person pastes to point Claude Code at a Tollgate gateway with their key. One source for the
// dashboard's key reveal, the first-run onboarding and the tests that run the snippet for real.

export interface GatewayEndpoint {
  /** What goes in ANTHROPIC_BASE_URL: the loopback URL, or a LAN URL such as https://192.168.1.20:8787. */
  baseUrl: string;
  /**
   * Where teammates download the gateway's CA certificate (absolute URL) when the LAN address uses
   * Tollgate's own TLS certificate authority; null or absent for plain HTTP and loopback.
   */
  caCertificateUrl?: string | null;
  /** SHA-256 fingerprint of that certificate, shown so a download can be checked by eye. */
  caFingerprint?: string | null;
}

/** Where the snippet saves the CA certificate on a teammate's machine (a POSIX shell expression). */
export const CA_CERTIFICATE_HOME_PATH = '$HOME/.tollgate/tollgate-ca.pem';

/** The environment Claude Code needs: base URL, the virtual key, and the CA file when TLS is Tollgate's own. */
export function claudeCodeEnv(
  endpoint: GatewayEndpoint,
  key: string,
  caCertificateFile = CA_CERTIFICATE_HOME_PATH,
): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: endpoint.baseUrl,
    ANTHROPIC_AUTH_TOKEN: key,
    ...(endpoint.caCertificateUrl ? { NODE_EXTRA_CA_CERTS: caCertificateFile } : {}),
  };
}

/**
 * The `env` block for Claude Code's settings.json (~/.claude/settings.json or a project's
 * .claude/settings.json). settings.json does not expand `$HOME`, so the CA path is given whole.
 */
export function claudeCodeSettings(
  endpoint: GatewayEndpoint,
  key: string,
  caCertificateFile = '~/.tollgate/tollgate-ca.pem',
): string {
  return JSON.stringify({ env: claudeCodeEnv(endpoint, key, caCertificateFile) }, null, 2);
}

/** Quotes a value for POSIX shells only when it needs it, so the common case stays readable. */
function shellValue(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Lines for a POSIX terminal. With Tollgate's own TLS the first lines fetch the CA certificate and,
 * since that first download cannot itself be verified (hence -k), compare its SHA-256 fingerprint with
 * the one the dashboard shows, deleting the file when they differ (or openssl is missing) so nothing
 * trusts a certificate swapped in on the way. Then one export line sets what Claude Code reads at
 * start-up: NODE_EXTRA_CA_CERTS must be in the environment before the process starts, which is why it
 * is exported rather than left to settings.json alone.
 */
export function shellExports(endpoint: GatewayEndpoint, key: string): string {
  const env = claudeCodeEnv(endpoint, key);
  const assignments = Object.entries(env)
    .map(([name, value]) => `${name}=${value === CA_CERTIFICATE_HOME_PATH ? `"${value}"` : shellValue(value)}`)
    .join(' ');
  if (!endpoint.caCertificateUrl) return `export ${assignments}`;
  const file = `"${CA_CERTIFICATE_HOME_PATH}"`;
  return [
    `mkdir -p "$HOME/.tollgate" && curl -fsSk ${shellValue(endpoint.caCertificateUrl)} -o ${file}`,
    ...(endpoint.caFingerprint
      ? [
          `openssl x509 -noout -fingerprint -sha256 -in ${file} | grep -qiF ${shellValue(endpoint.caFingerprint)} || ` +
            `{ echo 'tollgate: the downloaded CA certificate does not have the fingerprint the dashboard shows (or openssl is missing); removed it' >&2; rm -f ${file}; }`,
        ]
      : []),
    `export ${assignments}`,
  ].join('\n');
}

/**
 * What a signed-in Claude Code needs to export its telemetry (events and metrics: what the agent did)
 * to the gateway, which keeps it beside the cost. Signed in to a gateway, Claude Code sends it to the
 * gateway's /v1/logs and /v1/metrics whatever OTEL_EXPORTER_OTLP_ENDPOINT says.
 */
export const TELEMETRY_ENV = {
  CLAUDE_CODE_ENABLE_TELEMETRY: '1',
  OTEL_LOGS_EXPORTER: 'otlp',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
} as const;

/**
 * The user settings Claude Code needs to sign in to this gateway with /login, and to send it its
 * telemetry. They go in the user's own settings, whose `env` Claude Code applies without asking.
 */
export function loginSettings(endpoint: GatewayEndpoint, caCertificateFile: string | null): Record<string, unknown> {
  return {
    forceLoginMethod: 'gateway',
    forceLoginGatewayUrl: endpoint.baseUrl,
    env: {
      ...TELEMETRY_ENV,
      // Claude Code checks the certificate before it offers to trust (and pin) the gateway.
      ...(endpoint.caCertificateUrl && caCertificateFile ? { NODE_EXTRA_CA_CERTS: caCertificateFile } : {}),
    },
  };
}

/**
 * The /login snippet's first lines when the gateway uses Tollgate's own TLS: fetch the CA certificate
 * and check its fingerprint, as shellExports does, but as links of one `&&` chain, so that a failed
 * download or a wrong fingerprint stops everything after it (the settings are never written, and
 * never point NODE_EXTRA_CA_CERTS at a certificate that is not there). `false` rather than `exit`:
 * pasted into a terminal, the lines must not close it.
 */
function checkedCaLines(endpoint: GatewayEndpoint): string[] {
  if (!endpoint.caCertificateUrl) return [];
  const file = `"${CA_CERTIFICATE_HOME_PATH}"`;
  const untouched = 'so ~/.claude/settings.json was not changed';
  return [
    `mkdir -p "$HOME/.tollgate" && curl -fsSk ${shellValue(endpoint.caCertificateUrl)} -o ${file} ||`,
    `  { echo 'tollgate: could not download the CA certificate from the gateway, ${untouched}' >&2; false; } &&`,
    ...(endpoint.caFingerprint
      ? [
          `{ openssl x509 -noout -fingerprint -sha256 -in ${file} | grep -qiF ${shellValue(endpoint.caFingerprint)} ||`,
          `  { echo 'tollgate: the downloaded CA certificate does not have the fingerprint Tollgate shows (or openssl is missing); removed it, ${untouched}' >&2; rm -f ${file}; false; }; } &&`,
        ]
      : []),
  ];
}

/**
 * Lines for a POSIX terminal that set a teammate up to sign in with /login, with no key to paste: the
 * CA certificate checked against its fingerprint (checkedCaLines: any failure stops there, with a
 * non-zero status), then the gateway settings merged into ~/.claude/settings.json with Node (which any
 * Claude Code machine has) — keys already there are kept, an `env` block is extended, and a file that
 * is not plain JSON is left alone with an error. Then `claude` and `/login`.
 */
export function loginShellLines(endpoint: GatewayEndpoint): string {
  const wantsCa = Boolean(endpoint.caCertificateUrl);
  // settings.json does not expand $HOME: the script writes the absolute path.
  const settings = JSON.stringify(loginSettings(endpoint, wantsCa ? '@CA@' : null));
  // Double quotes only inside the script, so the shell's single quotes need no escaping.
  const merge = [
    'const fs=require("fs"),os=require("os"),path=require("path");',
    'const file=path.join(os.homedir(),".claude","settings.json");',
    'let current={};try{current=JSON.parse(fs.readFileSync(file,"utf8"))}catch(e){if(e.code!=="ENOENT"){console.error("tollgate: "+file+" is not plain JSON; add these settings by hand: "+process.argv[1]);process.exit(1)}}',
    'const add=JSON.parse(process.argv[1].split("@CA@").join(path.join(os.homedir(),".tollgate","tollgate-ca.pem")));',
    'const next={...current,...add};if(add.env)next.env={...current.env,...add.env};',
    'fs.mkdirSync(path.dirname(file),{recursive:true});fs.writeFileSync(file,JSON.stringify(next,null,2)+"\\n");',
    'console.log("tollgate: "+file+" is set up; now run claude and type /login");',
  ].join('');
  return [...checkedCaLines(endpoint), `node -e ${shellValue(merge)} ${shellValue(settings)}`].join('\n');
}
