// The LAN gateway as a teammate meets it: a second "computer" made from a network namespace reaches
// this host only over a veth link, where the gateway shares itself with TLS from its own certificate
// authority. Inside it, the onboarding snippet the dashboard hands out is run as written (it fetches
// the CA certificate and exports NODE_EXTRA_CA_CERTS, the base URL and the key), then the real Claude
// Code CLI answers a prompt through the gateway. From the same namespace, the admin API must be out of
// reach and a request naming a foreign Host must be refused.
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import { shellExports } from '../../shared/snippets.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CLAUDE, claudeCodeProcessEnv } from '../support/claude-code.js';
import { createTeammateHost, netnsUnavailable, type TeammateHost } from '../support/netns.js';
import { childEnv, stopAllProcesses } from '../support/processes.js';

const PROMPT = 'REPLY WITH: tollgate-ok';
const CLI_DEADLINE_MS = 60_000;

const unavailable = netnsUnavailable();
if (unavailable) console.log(`LAN network-namespace test skipped: ${unavailable} (CI runs it as root)`);
const suite = unavailable ? describe.skip : describe;

/**
 * Run inside the namespace with Node: each probe prints one JSON line. Plain node:https so the Host
 * header can be set freely and TLS is checked against exactly the CA file given.
 */
const PROBE = `
import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
const [kind, target, ...rest] = process.argv.slice(2);
const print = (value) => console.log(JSON.stringify(value));
if (kind === 'tcp') {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const socket = connect({ host, port, timeout: 3000 });
  socket.once('connect', () => { print({ connected: true }); socket.destroy(); });
  socket.once('timeout', () => { print({ connected: false, error: 'timeout' }); socket.destroy(); });
  socket.once('error', (error) => print({ connected: false, error: error.code }));
} else {
  const [method, caFile, headersJson, body] = rest;
  const url = new URL(target);
  const req = request(url, {
    method,
    headers: JSON.parse(headersJson),
    ...(caFile === '-' ? {} : { ca: readFileSync(caFile) }),
    // A Host header would otherwise become the name the certificate is checked against; the chain
    // and the address are still verified.
    checkServerIdentity: (_name, cert) => checkServerIdentity(url.hostname, cert),
  }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => { text += chunk; });
    res.on('end', () => print({ status: res.statusCode, body: text }));
  });
  req.on('error', (error) => print({ error: error.code ?? error.message }));
  req.end(body === undefined ? undefined : body);
}
`;

interface ProbeAnswer {
  status?: number;
  body?: string;
  error?: string;
  connected?: boolean;
}

suite('a teammate on the LAN', () => {
  let teammate: TeammateHost;
  let handle: TestGateway;
  let home: string;
  let key: { id: string; value: string };
  let lanUrl: string;

  beforeAll(async () => {
    teammate = createTeammateHost();
    handle = await startTestGateway({
      gateway: { lan: { enabled: true, tls: true, address: teammate.hostAddress, port: 0 } },
    });
    key = await handle.createKey('bob on the lan');
    const url = handle.gateway.lan.status().urls[0];
    if (!url)
      throw new Error(
        `the gateway is not listening on ${teammate.hostAddress}: ${JSON.stringify(handle.gateway.lan.status())}`,
      );
    lanUrl = url;
    home = mkdtempSync(join(tmpdir(), 'tollgate-teammate-home-'));
    writeFileSync(join(home, 'probe.mjs'), PROBE);
  });

  afterAll(async () => {
    await stopAllProcesses();
    await handle?.close();
    teammate?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Runs the probe script inside the teammate's namespace. */
  async function probe(args: string[]): Promise<ProbeAnswer> {
    const result = await teammate.run(process.execPath, [join(home, 'probe.mjs'), ...args], {
      cwd: home,
      env: childEnv({ HOME: home }),
      timeoutMs: 15_000,
    });
    expect(result.code, result.output).toBe(0);
    return JSON.parse(result.stdout.trim()) as ProbeAnswer;
  }

  it('listens with TLS on the LAN address and names its CA certificate', () => {
    const status = handle.gateway.lan.status();
    expect(status.listening).toBe(true);
    expect(lanUrl).toMatch(new RegExp(`^https://${teammate.hostAddress.replace(/\./g, '\\.')}:\\d+$`));
    expect(status.ca_certificate_url).toBe('/tollgate-ca.pem');
    const ca = new X509Certificate(readFileSync(status.ca_certificate_path ?? ''));
    expect(ca.ca).toBe(true);
    expect(status.ca_fingerprint_sha256).toBe(ca.fingerprint256);
  });

  it('runs the real Claude Code CLI from the onboarding snippet and logs the request under the teammate key', async () => {
    const status = handle.gateway.lan.status();
    const snippet = shellExports(
      {
        baseUrl: lanUrl,
        caCertificateUrl: `${lanUrl}${status.ca_certificate_url ?? ''}`,
        caFingerprint: status.ca_fingerprint_sha256,
      },
      key.value,
    );
    expect(snippet).toContain('NODE_EXTRA_CA_CERTS=');

    // The snippet exactly as a teammate pastes it into a terminal, then Claude Code in that shell.
    const script = `set -e\n${snippet}\nexec "$CLAUDE" -p ${JSON.stringify(PROMPT)}\n`;
    const result = await teammate.run('/bin/bash', ['-c', script], {
      cwd: home,
      env: claudeCodeProcessEnv(home, { CLAUDE }),
      timeoutMs: CLI_DEADLINE_MS,
    });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('tollgate-ok');

    // The certificate the snippet fetched is the gateway's CA, byte for byte.
    const downloaded = readFileSync(join(home, '.tollgate', 'tollgate-ca.pem'));
    const original = readFileSync(status.ca_certificate_path ?? '');
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(
      createHash('sha256').update(original).digest('hex'),
    );

    const { body } = await handle.admin<{ logs: LogEntry[] }>('GET', `/api/logs?vk=${encodeURIComponent(key.id)}`);
    const rows = body.logs.filter((row) => row.endpoint === 'messages');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      virtual_key_id: key.id,
      virtual_key_name: 'bob on the lan',
      status: 'success',
      status_code: 200,
    });
    expect(rows[0]?.client).toMatch(/^claude-cli\//);
  });

  it('deletes a downloaded CA certificate whose fingerprint is not the one the dashboard shows', async () => {
    const status = handle.gateway.lan.status();
    const forged = '00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF';
    const snippet = shellExports(
      { baseUrl: lanUrl, caCertificateUrl: `${lanUrl}${status.ca_certificate_url ?? ''}`, caFingerprint: forged },
      key.value,
    );
    const swappedHome = mkdtempSync(join(tmpdir(), 'tollgate-teammate-swapped-'));
    try {
      const result = await teammate.run(
        '/bin/bash',
        ['-c', `set -e\n${snippet}\necho "NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"`],
        {
          cwd: swappedHome,
          env: childEnv({ HOME: swappedHome }),
          timeoutMs: 15_000,
        },
      );
      expect(result.code, result.output).toBe(0);
      expect(result.stderr).toContain('does not have the fingerprint the dashboard shows');
      expect(existsSync(join(swappedHome, '.tollgate', 'tollgate-ca.pem'))).toBe(false);
    } finally {
      rmSync(swappedHome, { recursive: true, force: true });
    }
  });

  it('does not trust the gateway without its CA certificate', async () => {
    const answer = await probe([
      'https',
      `${lanUrl}/v1/models`,
      'GET',
      '-',
      JSON.stringify({ authorization: `Bearer ${key.value}` }),
    ]);
    expect(answer.status).toBeUndefined();
    expect(answer.error).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT_UNTRUSTED|ISSUER/);
  });

  it('keeps the admin API out of reach of the LAN', async () => {
    const ca = handle.gateway.lan.status().ca_certificate_path ?? '';
    const admin = JSON.stringify({ authorization: `Bearer ${handle.gateway.adminToken}` });
    const overLan = await probe(['https', `${lanUrl}/api/governance/virtual-keys`, 'GET', ca, admin]);
    expect(overLan.status).toBe(404);
    expect(overLan.body).not.toContain(key.id);
    const dashboard = await probe(['https', `${lanUrl}/dashboard/`, 'GET', ca, '{}']);
    expect(dashboard.status).toBe(404);

    // The loopback listener that serves the admin API is not bound to the LAN address at all.
    const localPort = handle.gateway.port;
    expect(await probe(['tcp', `${teammate.hostAddress}:${localPort}`])).toMatchObject({ connected: false });
  });

  it('refuses a request that names a Host the gateway does not answer to', async () => {
    const ca = handle.gateway.lan.status().ca_certificate_path ?? '';
    const before = (await handle.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000')).body.logs.length;
    const answer = await probe([
      'https',
      `${lanUrl}/v1/messages`,
      'POST',
      ca,
      JSON.stringify({
        host: 'tollgate.attacker.example',
        authorization: `Bearer ${key.value}`,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      }),
      JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    ]);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body ?? '{}')).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect(answer.body).toContain('tollgate.attacker.example');
    // Refused, never forwarded, and still logged.
    expect(handle.upstream.messageRequests().some((request) => request.rawBody.toString('utf8').includes('"hi"'))).toBe(
      false,
    );
    await expect
      .poll(async () => (await handle.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000')).body.logs.length, {
        timeout: 10_000,
      })
      .toBeGreaterThan(before);
  });
});
