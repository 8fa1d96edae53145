// The /login snippet run for real in `sh` against a tiny HTTPS-less stand-in for the gateway's CA
// download: a download that fails or a certificate with another fingerprint stops the lines with a
// non-zero status before ~/.claude/settings.json is touched, and the right certificate gets trusted.
// Each test runs with its own temporary HOME.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateCa, type LocalCa } from '../../electron/lan/certificates.js';
import { loginShellLines, type GatewayEndpoint } from '../../shared/snippets.js';
import { childEnv, runProcess } from '../support/processes.js';

const GATEWAY = 'https://192.168.1.20:4141';
/** A well-formed SHA-256 fingerprint that no certificate here has. */
const OTHER_FINGERPRINT = Array.from({ length: 32 }, () => '5A').join(':');

let caDir: string;
let ca: LocalCa;
let server: Server;
let caUrl: string;
let home: string;

beforeAll(async () => {
  caDir = mkdtempSync(join(tmpdir(), 'tollgate-snippet-ca-'));
  ca = await loadOrCreateCa(caDir, Date.now());
  // Stands in for GET /tollgate-ca.pem; plain HTTP is enough, the snippet downloads with -k anyway.
  server = createServer((req, res) => {
    if (req.url !== '/tollgate-ca.pem') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(ca.certPem);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  caUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tollgate-ca.pem`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(caDir, { recursive: true, force: true });
});

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tollgate-snippet-home-'));
});

afterEach(() => rmSync(home, { recursive: true, force: true }));

const settingsFile = (): string => join(home, '.claude', 'settings.json');
const caFile = (): string => join(home, '.tollgate', 'tollgate-ca.pem');

function runSnippet(endpoint: GatewayEndpoint) {
  return runProcess('sh', ['-c', loginShellLines(endpoint)], { env: childEnv({ HOME: home }), name: 'snippet' });
}

/** A port on loopback with nothing listening: bound, then closed again. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('the /login snippet with Tollgate’s own TLS', () => {
  it('stops with a non-zero status and leaves settings.json unwritten when the CA download fails', async () => {
    const run = await runSnippet({
      baseUrl: GATEWAY,
      caCertificateUrl: `http://127.0.0.1:${await deadPort()}/tollgate-ca.pem`,
      caFingerprint: ca.fingerprint,
    });
    expect(run.code, run.output).not.toBe(0);
    expect(run.stderr).toContain('tollgate: could not download the CA certificate');
    expect(run.stderr).toContain('~/.claude/settings.json was not changed');
    expect(existsSync(settingsFile())).toBe(false);
    expect(existsSync(caFile())).toBe(false);
  });

  it('stops the same way when the gateway answers the download with an error', async () => {
    const run = await runSnippet({
      baseUrl: GATEWAY,
      caCertificateUrl: caUrl.replace('tollgate-ca.pem', 'missing.pem'),
      caFingerprint: ca.fingerprint,
    });
    expect(run.code, run.output).not.toBe(0);
    expect(run.stderr).toContain('tollgate: could not download the CA certificate');
    expect(existsSync(settingsFile())).toBe(false);
  });

  it('removes a certificate with another fingerprint and keeps the teammate’s settings.json as it was', async () => {
    mkdirSync(join(home, '.claude'));
    const own = JSON.stringify({ includeCoAuthoredBy: false, env: { FOO: '1' } });
    writeFileSync(settingsFile(), own);

    const run = await runSnippet({ baseUrl: GATEWAY, caCertificateUrl: caUrl, caFingerprint: OTHER_FINGERPRINT });
    expect(run.code, run.output).not.toBe(0);
    expect(run.stderr).toContain('does not have the fingerprint Tollgate shows');
    expect(run.stdout).not.toContain('is set up');
    expect(existsSync(caFile())).toBe(false);
    expect(readFileSync(settingsFile(), 'utf8')).toBe(own);
  });

  it('trusts the certificate whose fingerprint matches and merges the gateway settings with NODE_EXTRA_CA_CERTS', async () => {
    const run = await runSnippet({ baseUrl: GATEWAY, caCertificateUrl: caUrl, caFingerprint: ca.fingerprint });
    expect(run.code, run.output).toBe(0);
    expect(readFileSync(caFile(), 'utf8')).toBe(ca.certPem);
    expect(JSON.parse(readFileSync(settingsFile(), 'utf8'))).toEqual({
      forceLoginMethod: 'gateway',
      forceLoginGatewayUrl: GATEWAY,
      env: {
        CLAUDE_CODE_ENABLE_TELEMETRY: '1',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        NODE_EXTRA_CA_CERTS: caFile(),
      },
    });
  });
});

describe('the /login snippet without TLS', () => {
  it('writes the settings with no CA at all', async () => {
    const run = await runSnippet({ baseUrl: 'http://127.0.0.1:4141' });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('now run claude and type /login');
    const written = JSON.parse(readFileSync(settingsFile(), 'utf8')) as { env: Record<string, string> };
    expect(written).toMatchObject({ forceLoginMethod: 'gateway', forceLoginGatewayUrl: 'http://127.0.0.1:4141' });
    expect(written.env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(existsSync(join(home, '.tollgate'))).toBe(false);
  });
});
