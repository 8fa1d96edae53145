// LAN sharing as teammates meet it: a second listener on a LAN address (127.0.0.2 here: Linux answers
// on all of 127/8, so it stands in for 192.168.x.y; the network-namespace test uses a real veth pair)
// with TLS from Tollgate's own CA, real clients that trust that CA (the official SDK through undici,
// Node's https), and the defences around it: loopback-only admin unless remote admin is on, the Host
// check against DNS rebinding, and the throttle on addresses that keep sending wrong keys.
import Anthropic from '@anthropic-ai/sdk';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminApi } from '../../shared/contract.js';
import { claudeCodeEnv } from '../../shared/snippets.js';
import type { LanStatus, LogEntry } from '../../shared/schemas.js';
import { lanAddresses, machineNames } from '../../electron/lan/addresses.js';
import { loadOrCreateCa } from '../../electron/lan/certificates.js';
import type { GatewayOptions } from '../../electron/gateway/gateway.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { ManualClock } from '../support/clock.js';
import { CLAUDE, claudeCodeProcessEnv } from '../support/claude-code.js';
import { runProcess } from '../support/processes.js';
import { startTestGateway, tempDataDir, type TestGateway } from '../support/gateway.js';

const LAN_ADDRESS = '127.0.0.2';
const MODEL = 'claude-sonnet-4-6';

let handle: TestGateway | null = null;
const agents: Agent[] = [];
/** A CA made once for the file: a 3072-bit key takes a second or more, and most tests are not about making it. */
let madeCa: string;

beforeAll(async () => {
  madeCa = mkdtempSync(join(tmpdir(), 'tollgate-lan-ca-'));
  await loadOrCreateCa(madeCa, Date.now());
});

afterAll(() => rmSync(madeCa, { recursive: true, force: true }));

afterEach(async () => {
  await handle?.close();
  handle = null;
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

/** A fresh data directory that already holds a CA, as one does after its first LAN start. */
function dataDirWithCa(): string {
  const dir = tempDataDir();
  cpSync(madeCa, join(dir, 'tls'), { recursive: true });
  return dir;
}

/** A gateway sharing on LAN_ADDRESS with TLS; `freshCa` lets it make its own CA as a first start does. */
async function start(gateway: Partial<GatewayOptions> = {}, freshCa = false): Promise<TestGateway> {
  handle = await startTestGateway({
    gateway: {
      lan: { enabled: true, tls: true, address: LAN_ADDRESS, port: 0 },
      ...(!freshCa && { dataDir: dataDirWithCa() }),
      ...gateway,
    },
  });
  return handle;
}

function lanStatus(gw: TestGateway): LanStatus {
  return gw.gateway.lan.status();
}

function lanUrl(gw: TestGateway): string {
  const [url] = lanStatus(gw).urls;
  if (!url) throw new Error(`not listening on the LAN: ${JSON.stringify(lanStatus(gw))}`);
  return url;
}

function caOf(gw: TestGateway): string {
  const path = lanStatus(gw).ca_certificate_path;
  if (!path) throw new Error('no CA certificate');
  return readFileSync(path, 'utf8');
}

/** An undici Agent that trusts Tollgate's CA, the way a teammate's NODE_EXTRA_CA_CERTS does. */
function trusting(ca: string): Agent {
  const agent = new Agent({ connect: { ca } });
  agents.push(agent);
  return agent;
}

/** The official SDK aimed at the LAN URL, fetching through undici with the CA trusted. */
function lanSdk(gw: TestGateway, key: string): Anthropic {
  const dispatcher = trusting(caOf(gw));
  const viaLan = ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return new Anthropic({ baseURL: lanUrl(gw), authToken: key, maxRetries: 0, fetch: viaLan });
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = unknown>(): T;
}

/** One request with full control of Host and the client's own address; TLS trusts `ca` when given. */
function call(
  base: string,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
    ca?: string;
    localAddress?: string;
  } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? 'GET',
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
        agent: false,
        // Node checks the certificate against the Host header when one is set; the test sets odd ones on purpose.
        checkServerIdentity: (_host, cert) => checkServerIdentity(url.hostname.replace(/^\[|\]$/g, ''), cert),
        ...(options.ca !== undefined && { ca: options.ca }),
        ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const inference = (key: string) => ({
  method: 'POST',
  headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
  body: { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'REPLY WITH: lan' }] },
});

async function logRows(gw: TestGateway): Promise<LogEntry[]> {
  const { status, body } = await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000');
  expect(status).toBe(200);
  return body.logs;
}

async function auditEntries(
  gw: TestGateway,
): Promise<{ actor: string; action: string; address: string | null; after: unknown; before: unknown }[]> {
  const { body } = await gw.admin<{
    entries: { actor: string; action: string; address: string | null; after: unknown; before: unknown }[];
  }>('GET', '/api/audit?limit=1000');
  return body.entries;
}

describe('LAN sharing over TLS', () => {
  it("serves the proxy on the LAN address with Tollgate's CA, and the official SDK's request is logged under its key", async () => {
    const gw = await start({}, true);
    const key = await gw.createKey('teammate laptop');
    const status = lanStatus(gw);
    const port = Number(new URL(lanUrl(gw)).port);
    expect(port).toBeGreaterThan(0);
    expect(status).toMatchObject({
      settings: { enabled: true, tls: true, remote_admin: false, address: LAN_ADDRESS, port: 0 },
      listening: true,
      urls: [`https://${LAN_ADDRESS}:${port}`],
      ca_certificate_url: '/tollgate-ca.pem',
      ca_certificate_path: `${gw.dataDir}/tls/ca.pem`,
      error: null,
      warning: null,
    });
    expect(status.ca_fingerprint_sha256).toBe(new X509Certificate(caOf(gw)).fingerprint256);

    const message = await lanSdk(gw, key.value).messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'REPLY WITH: over the LAN' }],
    });

    expect(message.content).toEqual([{ type: 'text', text: 'over the LAN' }]);
    const [row] = await logRows(gw);
    expect(row).toMatchObject({
      virtual_key_id: key.id,
      virtual_key_name: 'teammate laptop',
      status: 'success',
      model: MODEL,
    });
    expect(row?.cost).toBeGreaterThan(0);
    // The same base URL with the /anthropic prefix, as the snippet may give it.
    const prefixed = await call(lanUrl(gw), '/anthropic/v1/messages', { ...inference(key.value), ca: caOf(gw) });
    expect(prefixed.status).toBe(200);
  });

  it("carries the real Claude Code CLI over the LAN URL with the snippet's environment, NODE_EXTRA_CA_CERTS included", async () => {
    const gw = await start();
    const key = await gw.createKey('teammate laptop');
    const status = lanStatus(gw);
    const home = mkdtempSync(join(tmpdir(), 'tollgate-claude-home-'));
    try {
      // What the teammate does: download the CA from the LAN URL, then run Claude Code with the snippet's variables.
      const download = await call(lanUrl(gw), status.ca_certificate_url ?? '', { ca: caOf(gw) });
      const caFile = join(home, 'tollgate-ca.pem');
      writeFileSync(caFile, download.text);
      const env = claudeCodeEnv(
        { baseUrl: lanUrl(gw), caCertificateUrl: `${lanUrl(gw)}${status.ca_certificate_url ?? ''}` },
        key.value,
        caFile,
      );
      expect(env.NODE_EXTRA_CA_CERTS).toBe(caFile);

      const result = await runProcess(CLAUDE, ['-p', 'REPLY WITH: lan-ok'], {
        cwd: home,
        name: 'claude',
        timeoutMs: 45_000,
        env: claudeCodeProcessEnv(home, env),
      });

      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toContain('lan-ok');
      expect((await logRows(gw)).find((row) => row.endpoint === 'messages')).toMatchObject({
        virtual_key_id: key.id,
        status: 'success',
        client: expect.stringMatching(/^claude-cli\//) as unknown,
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('offers its CA certificate for download on both listeners, with the fingerprint the status shows', async () => {
    const gw = await start();
    const ca = caOf(gw);
    for (const base of [lanUrl(gw), gw.url]) {
      const download = await call(base, '/tollgate-ca.pem', { ca });
      expect(download.status, base).toBe(200);
      expect(download.headers['content-type']).toBe('application/x-pem-file');
      expect(download.text).toBe(ca);
      expect(download.headers['x-tollgate-ca-fingerprint-sha256']).toBe(lanStatus(gw).ca_fingerprint_sha256);
    }
  });

  it("fails the TLS handshake for a client that does not trust Tollgate's CA, and the request never reaches the gateway", async () => {
    const gw = await start();
    const key = await gw.createKey('teammate laptop');

    const failure = await fetch(`${lanUrl(gw)}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key.value, 'content-type': 'application/json' },
      body: JSON.stringify(inference(key.value).body),
    }).then(
      () => null,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(TypeError);
    const cause = (failure as TypeError).cause as NodeJS.ErrnoException;
    expect(cause.code).toMatch(
      /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
    expect(await logRows(gw)).toEqual([]);
    expect(gw.upstream.requests).toEqual([]);
  });

  it("presents a certificate for the LAN address and this machine's names, signed by the downloadable CA", async () => {
    const gw = await start();
    const port = Number(new URL(lanUrl(gw)).port);
    const socket = tlsConnect({ host: LAN_ADDRESS, port, ca: caOf(gw) });
    await once(socket, 'secureConnect');
    try {
      expect(socket.authorized).toBe(true);
      const peer = socket.getPeerX509Certificate();
      if (!peer) throw new Error('no peer certificate');
      expect(peer.checkIP(LAN_ADDRESS)).toBe(LAN_ADDRESS);
      for (const name of machineNames(hostname())) expect(peer.checkHost(name), name).toBe(name);
      expect(peer.checkIssued(new X509Certificate(caOf(gw)))).toBe(true);
      expect(Date.parse(peer.validTo) - Date.parse(peer.validFrom)).toBeLessThanOrEqual(825 * 86_400_000);
    } finally {
      socket.destroy();
    }
  });

  it('answers 404 on the LAN for the admin API, dashboard, metrics and log export, which stay on loopback', async () => {
    const gw = await start();
    const ca = caOf(gw);
    const admin = { authorization: `Bearer ${gw.gateway.adminToken}` };
    for (const path of ['/api/governance/virtual-keys', '/api/lan', '/dashboard/', '/metrics', '/api/logs/export']) {
      const answer = await call(lanUrl(gw), path, { ca, headers: admin });
      expect(answer.status, path).toBe(404);
      expect(answer.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    }
    expect((await gw.admin('GET', '/api/governance/virtual-keys')).status).toBe(200);
    expect((await call(gw.url, '/metrics')).status).toBe(200);

    // What a teammate may use: probes, health, the usage page; a browser at the root is sent to it.
    expect((await call(lanUrl(gw), '/', { ca, method: 'HEAD' })).status).toBe(200);
    expect((await call(lanUrl(gw), '/health', { ca })).status).toBe(200);
    expect((await call(lanUrl(gw), '/api/hello', { ca, method: 'HEAD' })).status).toBe(200);
    expect((await call(lanUrl(gw), '/usage', { ca })).status).toBe(200);
    const root = await call(lanUrl(gw), '/', { ca, headers: { accept: 'text/html' } });
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/usage');
  });

  it('serves the admin API on the LAN once remote admin is on, to the admin token only, and refuses a foreign Origin', async () => {
    const gw = await start();
    const changed = await gw.admin<LanStatus>('PUT', '/api/lan', { remote_admin: true });
    expect(changed.status).toBe(200);
    expect(changed.body.warning).toMatch(/Remote admin is on/);
    const ca = caOf(gw);
    const url = lanUrl(gw);
    const token = { authorization: `Bearer ${gw.gateway.adminToken}` };

    expect((await call(url, '/api/governance/virtual-keys', { ca })).status).toBe(401);
    expect(
      (await call(url, '/api/governance/virtual-keys', { ca, headers: { authorization: 'Bearer tg-admin-wrong' } }))
        .status,
    ).toBe(401);
    const listed = await call(url, '/api/governance/virtual-keys', { ca, headers: token });
    expect(listed.status).toBe(200);
    expect(adminApi.listVirtualKeys.response.parse(listed.json()).count).toBe(0);
    // A page the LAN listener served itself may call the API; a page elsewhere may not, token or not.
    expect((await call(url, '/api/governance/virtual-keys', { ca, headers: { ...token, origin: url } })).status).toBe(
      200,
    );
    const foreign = await call(url, '/api/governance/virtual-keys', {
      ca,
      method: 'POST',
      headers: { ...token, origin: 'https://attacker.example' },
      body: { name: 'planted' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json()).toMatchObject({
      error: { type: 'permission_error', message: expect.stringContaining('attacker.example') as unknown },
    });
    expect(
      (await call(url, '/api/governance/virtual-keys', { ca, headers: { ...token, origin: gw.url } })).status,
    ).toBe(403);
    expect((await call(url, '/metrics', { ca })).status).toBe(401);
    expect((await call(url, '/metrics', { ca, headers: token })).status).toBe(200);
    expect((await call(url, '/dashboard/', { ca })).status).not.toBe(404);

    // The failures from one address within ten minutes: the first audited, the rest summed when the window closes.
    const failed = (await auditEntries(gw)).filter((entry) => entry.action === 'admin.sign_in_failed');
    expect(failed).toMatchObject([{ address: '127.0.0.1', after: { count: 1 } }]);
  });

  it('refuses a request whose Host does not name the gateway with a 403 that names it, and logs refused inference requests', async () => {
    const gw = await start();
    const key = await gw.createKey('teammate laptop');
    const ca = caOf(gw);
    const url = lanUrl(gw);
    const port = new URL(url).port;

    const rebound = await call(url, '/v1/messages', {
      ...inference(key.value),
      ca,
      headers: { ...inference(key.value).headers, host: `attacker.example:${port}` },
    });
    expect(rebound.status).toBe(403);
    expect(rebound.json()).toMatchObject({
      type: 'error',
      error: { type: 'permission_error', message: expect.stringContaining(`"attacker.example:${port}"`) as unknown },
    });
    const usage = await call(url, '/v1/tollgate/usage', {
      ca,
      headers: { authorization: `Bearer ${key.value}`, host: 'attacker.example' },
    });
    expect(usage.status).toBe(403);
    // localhost is a loopback name: on the LAN listener it can only come from rebinding.
    expect((await call(url, '/health', { ca, headers: { host: `localhost:${port}` } })).status).toBe(403);

    const rows = await logRows(gw);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'blocked',
      status_code: 403,
      refusal_reason: 'wrong_host',
      error_type: 'permission_error',
    });
    expect(gw.upstream.requests).toEqual([]);

    // The LAN address with or without the port, and this machine's names, are the gateway.
    const names = machineNames(hostname());
    for (const host of [LAN_ADDRESS, `${LAN_ADDRESS}:${port}`, ...names, ...names.map((name) => `${name}:${port}`)]) {
      expect((await call(url, '/health', { ca, headers: { host } })).status, host).toBe(200);
    }
  });

  it('throttles an address after ten failed key attempts within ten minutes, audits them, and leaves other addresses alone', async () => {
    const clock = new ManualClock(Date.now());
    const gw = await start({ clock: clock.read });
    const key = await gw.createKey('teammate laptop');
    const ca = caOf(gw);
    const url = lanUrl(gw);
    const prober = { ca, localAddress: '127.0.0.3' };

    for (let attempt = 0; attempt < 10; attempt++) {
      const answer = await call(url, '/v1/messages', { ...inference(`sk-tg-guess-${attempt}`), ...prober });
      expect(answer.status, `attempt ${attempt + 1}`).toBe(401);
    }
    const throttled = await call(url, '/v1/messages', { ...inference(key.value), ...prober });
    expect(throttled.status).toBe(429);
    expect(throttled.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(590);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(600);
    expect(
      (await call(url, '/v1/tollgate/usage', { ...prober, headers: { authorization: `Bearer ${key.value}` } })).status,
    ).toBe(429);

    // A teammate on another machine, and this machine itself over loopback, carry on.
    expect((await call(url, '/v1/messages', { ...inference(key.value), ca, localAddress: '127.0.0.4' })).status).toBe(
      200,
    );
    for (let attempt = 0; attempt < 11; attempt++) {
      expect((await call(gw.url, '/v1/messages', inference('sk-tg-local-typo'))).status).toBe(401);
    }

    const audit = await auditEntries(gw);
    const failures = audit.filter((entry) => entry.action === 'auth.key_failed');
    expect(failures).toHaveLength(10);
    expect(failures.every((entry) => entry.address === '127.0.0.3')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('sk-tg-guess');
    expect(audit.filter((entry) => entry.action === 'auth.address_throttled')).toMatchObject([
      { actor: 'system', address: '127.0.0.3' },
    ]);

    const rows = await logRows(gw);
    expect(rows.filter((row) => row.refusal_reason === 'key_unknown')).toHaveLength(21);
    expect(rows.filter((row) => row.refusal_reason === 'address_throttled')).toMatchObject([
      { status: 'blocked', status_code: 429 },
    ]);

    // Ten minutes after the first failure the address may try again.
    clock.advance(10 * 60_000);
    expect((await call(url, '/v1/messages', { ...inference(key.value), ...prober })).status).toBe(200);
  });

  it('throttles an address after ten wrong admin tokens with remote admin on, auditing the first at once, the rest as one summed entry, and the throttle', async () => {
    const clock = new ManualClock(Date.now());
    const gw = await start({
      clock: clock.read,
      lan: { enabled: true, tls: true, address: LAN_ADDRESS, port: 0, remote_admin: true },
    });
    const key = await gw.createKey('teammate laptop');
    const ca = caOf(gw);
    const url = lanUrl(gw);
    const prober = { ca, localAddress: '127.0.0.3' };
    const adminPaths = ['/api/governance/virtual-keys', '/metrics', '/api/logs/export'];
    const token = { authorization: `Bearer ${gw.gateway.adminToken}` };

    // The admin API, metrics and the log export all count toward the same limit.
    for (let attempt = 0; attempt < 10; attempt++) {
      const path = adminPaths[attempt % adminPaths.length] ?? '';
      const guess = await call(url, path, {
        ...prober,
        headers: { authorization: `Bearer tg-admin-guess-${attempt}` },
      });
      expect(guess.status, `attempt ${attempt + 1} on ${path}`).toBe(401);
    }
    const eleventh = await call(url, '/api/governance/virtual-keys', {
      ...prober,
      headers: { authorization: 'Bearer tg-admin-guess-10' },
    });
    expect(eleventh.status).toBe(429);
    expect(eleventh.json()).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.stringContaining('admin token') as unknown },
    });
    expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(590);
    expect(Number(eleventh.headers['retry-after'])).toBeLessThanOrEqual(600);
    // Throttled means throttled: the right token, every admin path and the proxy are refused from there too.
    for (const path of adminPaths) {
      expect((await call(url, path, { ...prober, headers: token })).status, path).toBe(429);
    }
    expect((await call(url, '/v1/messages', { ...inference(key.value), ...prober })).status).toBe(429);

    // This machine over loopback, and another machine on the LAN, still get in with the token.
    expect((await gw.admin('GET', '/api/governance/virtual-keys')).status).toBe(200);
    expect(
      (await call(url, '/api/governance/virtual-keys', { ca, localAddress: '127.0.0.4', headers: token })).status,
    ).toBe(200);

    const audit = await auditEntries(gw);
    // The first failure is audited at once; the nine after it become one entry when its window closes.
    const failures = audit.filter((entry) => entry.action === 'admin.sign_in_failed');
    expect(failures).toMatchObject([
      { address: '127.0.0.3', after: { reason: 'admin_token_wrong', count: 1, failures_in_window: 1 } },
    ]);
    expect(audit.filter((entry) => entry.action === 'auth.address_throttled')).toMatchObject([
      { actor: 'system', address: '127.0.0.3' },
    ]);
    expect(audit.filter((entry) => entry.address === '127.0.0.3')).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain('tg-admin-guess');

    // Ten minutes after the first failure the address may sign in again.
    clock.advance(10 * 60_000);
    expect((await call(url, '/api/governance/virtual-keys', { ...prober, headers: token })).status).toBe(200);

    // A failure in a new window closes the old one: its nine failures are one entry, then the new one opens.
    expect(
      (await call(url, '/metrics', { ...prober, headers: { authorization: 'Bearer tg-admin-guess-11' } })).status,
    ).toBe(401);
    const later = (await auditEntries(gw)).filter((entry) => entry.action === 'admin.sign_in_failed');
    expect(later).toHaveLength(3);
    expect(later.map((entry) => entry.after)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          count: 9,
          reasons: { admin_token_wrong: 9 },
          paths: ['GET /metrics', 'GET /api/logs/export', 'GET /api/governance/virtual-keys'],
          summary: true,
        }),
        { reason: 'admin_token_wrong', count: 1, failures_in_window: 1 },
      ]),
    );
  });
});

describe('changing LAN sharing at run time', () => {
  it('starts, stops and restarts listening when PUT /api/lan changes the settings, and remembers them across a restart', async () => {
    const gw = (handle = await startTestGateway({ gateway: { dataDir: dataDirWithCa() } }));
    const key = await gw.createKey('teammate laptop');
    const off = await gw.admin<LanStatus>('GET', '/api/lan');
    expect(adminApi.getLan.response.parse(off.body)).toMatchObject({
      settings: { enabled: false, tls: true, remote_admin: false, address: null, port: null },
      listening: false,
      urls: [],
      error: null,
    });

    const on = await gw.admin<LanStatus>('PUT', '/api/lan', { enabled: true, address: LAN_ADDRESS, port: 0 });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ listening: true, error: null });
    const [first] = on.body.urls;
    if (!first) throw new Error('no LAN URL');
    const ca = caOf(gw);
    expect((await call(first, '/v1/messages', { ...inference(key.value), ca })).status).toBe(200);

    const stopped = await gw.admin<LanStatus>('PUT', '/api/lan', { enabled: false });
    expect(stopped.body).toMatchObject({
      listening: false,
      urls: [],
      settings: { enabled: false, address: LAN_ADDRESS },
    });
    await expect(call(first, '/health', { ca })).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const again = await gw.admin<LanStatus>('PUT', '/api/lan', { enabled: true });
    expect(again.body.listening).toBe(true);
    expect((await call(again.body.urls[0] ?? '', '/health', { ca })).status).toBe(200);

    // Switching TLS off and back on restarts the listener on the same fixed port at once.
    const port = Number(new URL(again.body.urls[0] ?? '').port);
    const plain = await gw.admin<LanStatus>('PUT', '/api/lan', { tls: false, port });
    expect(plain.body).toMatchObject({ listening: true, urls: [`http://${LAN_ADDRESS}:${port}`], error: null });
    expect((await call(`http://${LAN_ADDRESS}:${port}`, '/health')).status).toBe(200);
    const secure = await gw.admin<LanStatus>('PUT', '/api/lan', { tls: true });
    expect(secure.body).toMatchObject({ listening: true, urls: [`https://${LAN_ADDRESS}:${port}`], error: null });
    expect((await call(`https://${LAN_ADDRESS}:${port}`, '/health', { ca })).status).toBe(200);

    await gw.restart();
    expect(lanStatus(gw)).toMatchObject({ listening: true, settings: { enabled: true, address: LAN_ADDRESS } });
    expect((await call(lanUrl(gw), '/health', { ca })).status).toBe(200);
    // The CA survives the restart: teammates keep trusting the same one.
    expect(caOf(gw)).toBe(ca);

    const audited = (await auditEntries(gw)).filter((entry) => entry.action === 'updateLan');
    expect(audited).toHaveLength(5);
  });

  it('reports a port in use or an address this machine lacks in status.error instead of failing the request', async () => {
    const gw = (handle = await startTestGateway({ gateway: { dataDir: dataDirWithCa() } }));
    const blocker = createTcpServer();
    blocker.listen(0, LAN_ADDRESS);
    await once(blocker, 'listening');
    try {
      const busyPort = (blocker.address() as AddressInfo).port;
      const busy = await gw.admin<LanStatus>('PUT', '/api/lan', {
        enabled: true,
        address: LAN_ADDRESS,
        port: busyPort,
      });
      expect(busy.status).toBe(200);
      expect(busy.body).toMatchObject({ listening: false, urls: [] });
      expect(busy.body.error).toContain(`Could not listen on ${LAN_ADDRESS}:${busyPort}`);
    } finally {
      blocker.close();
    }

    const missing = await gw.admin<LanStatus>('PUT', '/api/lan', { address: '192.0.2.254', port: 0 });
    expect(missing.status).toBe(200);
    expect(missing.body.listening).toBe(false);
    expect(missing.body.error).toMatch(/does not have that address/);

    const named = await gw.admin<{ error: { type: string; message: string } }>('PUT', '/api/lan', {
      address: 'studio.local',
    });
    expect(named.status).toBe(400);
    expect(named.body.error.message).toMatch(/not an IP address/);
    const wildcard = await gw.admin('PUT', '/api/lan', { address: '0.0.0.0' });
    expect(wildcard.status).toBe(400);

    // Back to a usable address: listening again, the error gone.
    const fixed = await gw.admin<LanStatus>('PUT', '/api/lan', { address: LAN_ADDRESS });
    expect(fixed.body).toMatchObject({ listening: true, error: null });
  });

  it('lets the desktop app switch sharing through gateway.lan, audited as the desktop app', async () => {
    const gw = (handle = await startTestGateway({ gateway: { dataDir: dataDirWithCa() } }));
    const status = await gw.gateway.lan.update({ enabled: true, address: LAN_ADDRESS, port: 0 });
    expect(status.listening).toBe(true);
    expect(gw.gateway.status().lan).toEqual(gw.gateway.lan.status());
    expect((await gw.gateway.lan.update({ enabled: false })).listening).toBe(false);
    const audited = (await auditEntries(gw)).filter((entry) => entry.action === 'updateLan');
    expect(audited.map((entry) => entry.actor)).toEqual(['desktop app', 'desktop app']);
  });

  it('gives a streamed LAN request in flight time to finish when the gateway closes', async () => {
    const gw = await start();
    const key = await gw.createKey('teammate laptop');
    gw.upstream.enqueue({ kind: 'slow', delayMsPerEvent: 100 });
    const response = await undiciFetch(`${lanUrl(gw)}/v1/messages`, {
      method: 'POST',
      dispatcher: trusting(caOf(gw)),
      headers: { 'x-api-key': key.value, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...inference(key.value).body, stream: true }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-tollgate-request-id');
    const body = response.text();

    const closed = gw.gateway.close();
    const text = await body;
    await closed;

    expect(text).toContain('event: message_stop');
    await gw.restart();
    const row = (await logRows(gw)).find((entry) => entry.request_id === requestId);
    expect(row).toMatchObject({ status: 'success', stream: true, virtual_key_id: key.id });
  });

  it("listens on every LAN address of this machine when no address is pinned, on the gateway's own port", async () => {
    const addresses = lanAddresses();
    if (addresses.length === 0) {
      console.log('this machine has no LAN address: skipping the every-address test');
      return;
    }
    const gw = await start({ lan: { enabled: true, tls: true, address: null, port: null } });
    const status = lanStatus(gw);
    const port = new URL(gw.url).port;
    expect(status.available_addresses).toEqual(addresses);
    expect(status.urls).toEqual(
      addresses.map((address) => `https://${address.includes(':') ? `[${address}]` : address}:${port}`),
    );
    for (const url of status.urls) expect((await call(url, '/health', { ca: caOf(gw) })).status, url).toBe(200);
  });
});

describe('the loopback listener', () => {
  it('refuses admin and dashboard requests whose Host is not a loopback name, and still serves the proxy to any Host', async () => {
    const gw = (handle = await startTestGateway());
    const key = await gw.createKey('my laptop');
    const port = new URL(gw.url).port;
    const token = { authorization: `Bearer ${gw.gateway.adminToken}` };

    for (const path of ['/api/governance/virtual-keys', '/dashboard/', '/metrics', '/api/logs/export']) {
      const rebound = await call(gw.url, path, { headers: { ...token, host: `attacker.example:${port}` } });
      expect(rebound.status, path).toBe(403);
      expect(rebound.json()).toMatchObject({
        error: { type: 'permission_error', message: expect.stringContaining('attacker.example') as unknown },
      });
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await call(gw.url, '/api/governance/virtual-keys', { headers: { ...token, host } })).status, host).toBe(
        200,
      );
    }
    // Clients with a key need no such check: the key is the credential, and rebinding cannot read it.
    const proxied = await call(gw.url, '/v1/messages', {
      ...inference(key.value),
      headers: { ...inference(key.value).headers, host: 'tollgate.internal' },
    });
    expect(proxied.status).toBe(200);
  });
});

describe('the CA certificate download', () => {
  it('answers 404 without making a CA while sharing with TLS was never on, and serves it once there is one', async () => {
    const gw = (handle = await startTestGateway());
    const caFile = join(gw.dataDir, 'tls', 'ca.pem');
    const missing = await call(gw.url, '/tollgate-ca.pem');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({
      type: 'error',
      error: {
        type: 'not_found_error',
        message: expect.stringContaining(
          'Tollgate has no LAN certificate authority yet: turn on LAN sharing with TLS',
        ) as unknown,
      },
    });
    expect((await call(gw.url, '/tollgate-ca.pem', { method: 'HEAD' })).status).toBe(404);

    // Sharing over plain HTTP needs no CA either, on either listener.
    const plain = await gw.admin<LanStatus>('PUT', '/api/lan', {
      enabled: true,
      tls: false,
      address: LAN_ADDRESS,
      port: 0,
    });
    expect(plain.body.listening).toBe(true);
    for (const base of [gw.url, ...plain.body.urls]) {
      expect((await call(base, '/tollgate-ca.pem')).status, base).toBe(404);
    }
    expect(existsSync(caFile)).toBe(false);

    // TLS on makes the CA, and from then on it is offered, even after sharing is turned off again.
    const secure = await gw.admin<LanStatus>('PUT', '/api/lan', { tls: true });
    expect(secure.body).toMatchObject({ listening: true, ca_certificate_url: '/tollgate-ca.pem' });
    const ca = readFileSync(caFile, 'utf8');
    await gw.admin('PUT', '/api/lan', { enabled: false });
    const served = await call(gw.url, '/tollgate-ca.pem');
    expect(served.status).toBe(200);
    expect(served.text).toBe(ca);
  });

  it('serves a CA already on disk while sharing is off', async () => {
    const gw = (handle = await startTestGateway({ gateway: { dataDir: dataDirWithCa() } }));
    const download = await call(gw.url, '/tollgate-ca.pem');
    expect(download.status).toBe(200);
    expect(download.text).toBe(readFileSync(join(madeCa, 'ca.pem'), 'utf8'));
  });
});

describe('the local listener bound beyond loopback (--host 0.0.0.0)', () => {
  it("throttles another machine's failed keys and admin tokens as the LAN listener does, and never this machine's own", async () => {
    const [address] = lanAddresses();
    if (address === undefined) {
      console.log('this machine has no LAN address to call from: skipping the --host 0.0.0.0 throttle test');
      return;
    }
    const gw = (handle = await startTestGateway({ gateway: { host: '0.0.0.0' } }));
    const key = await gw.createKey('teammate laptop');
    // Calling the machine's own LAN address from it: the gateway sees that address, not loopback.
    const viaLan = `http://${address.includes(':') ? `[${address}]` : address}:${new URL(gw.url).port}`;
    const local = gw.url.replace('0.0.0.0', '127.0.0.1');
    const fromLan = { localAddress: address };

    for (let attempt = 0; attempt < 11; attempt++) {
      expect((await call(local, '/v1/messages', inference('sk-tg-local-typo'))).status, `local ${attempt + 1}`).toBe(
        401,
      );
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await call(viaLan, '/v1/messages', { ...inference(`sk-tg-guess-${attempt}`), ...fromLan })).status).toBe(
        401,
      );
      const admin = await call(viaLan, '/api/governance/virtual-keys', {
        ...fromLan,
        headers: { authorization: `Bearer tg-admin-guess-${attempt}` },
      });
      expect(admin.status).toBe(401);
    }
    const throttled = await call(viaLan, '/v1/messages', { ...inference(key.value), ...fromLan });
    expect(throttled.status).toBe(429);
    expect(throttled.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect((await call(local, '/v1/messages', inference(key.value))).status).toBe(200);

    const audit = await auditEntries(gw);
    expect(audit.filter((entry) => entry.action === 'auth.address_throttled')).toMatchObject([
      { actor: 'system', address },
    ]);
    expect(audit.filter((entry) => entry.action === 'auth.key_failed')).toHaveLength(5);
  });
});

describe('LAN sharing without TLS', () => {
  it('shares over plain HTTP when TLS is off, and warns that keys and prompts cross the LAN unencrypted', async () => {
    const gw = await start({ lan: { enabled: true, tls: false, address: LAN_ADDRESS, port: 0 } });
    const key = await gw.createKey('teammate laptop');
    const status = lanStatus(gw);
    expect(status.urls).toEqual([
      expect.stringMatching(new RegExp(`^http://${LAN_ADDRESS.replaceAll('.', '\\.')}:\\d+$`)),
    ]);
    expect(status).toMatchObject({
      listening: true,
      ca_certificate_url: null,
      ca_certificate_path: null,
      ca_fingerprint_sha256: null,
    });
    expect(status.warning).toMatch(/plain HTTP/);
    expect(status.warning).toMatch(/virtual keys, prompts and answers cross the network unencrypted/);

    const answer = await call(lanUrl(gw), '/v1/messages', inference(key.value));
    expect(answer.status).toBe(200);
    expect((await logRows(gw))[0]).toMatchObject({ virtual_key_id: key.id, status: 'success' });
  });
});

describe('the self-service usage page', () => {
  it('answers the usage endpoint on the LAN with the spend, budgets and latest requests of the key that asks', async () => {
    const gw = await start();
    const key = await gw.createKey('teammate laptop', { budget: { max_limit: 5, reset_duration: '1M' } });
    const ca = caOf(gw);
    expect((await call(lanUrl(gw), '/v1/messages', { ...inference(key.value), ca })).status).toBe(200);

    const usage = await call(lanUrl(gw), '/v1/tollgate/usage', {
      ca,
      headers: { authorization: `Bearer ${key.value}` },
    });
    expect(usage.status).toBe(200);
    const body = usage.json<{
      virtual_key: { id: string; name: string };
      spend: { time_zone: string; today: number; month: number };
      budgets: { level: string; max_limit: number; current_usage: number }[];
      recent_requests: { model: string; status: string; cost: number }[];
    }>();
    const [row] = await logRows(gw);
    expect(body.virtual_key).toMatchObject({ id: key.id, name: 'teammate laptop' });
    expect(body.spend).toEqual({ time_zone: 'UTC', today: row?.cost, month: row?.cost });
    expect(body.budgets).toMatchObject([{ level: 'virtual key', max_limit: 5, current_usage: row?.cost }]);
    expect(body.recent_requests).toMatchObject([{ model: MODEL, status: 'success', cost: row?.cost }]);

    const page = await call(lanUrl(gw), '/usage', { ca });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'sha256-[^']+'/);
    expect(page.text).toContain('<label for="key">Your virtual key</label>');
  });

  it('posts the key form rather than putting the key in a URL, and answers a script-less POST with a 405 that echoes nothing', async () => {
    const gw = (handle = await startTestGateway());
    const key = await gw.createKey('teammate laptop');
    const page = await call(gw.url, '/usage');
    expect(page.text).toMatch(/<form id="key-form" method="post"[^>]*>/);
    expect(page.headers['content-security-policy']).toContain("form-action 'none'");

    // What a browser without the page's script would send on submit.
    const posted = await fetch(`${gw.url}/usage`, { method: 'POST', body: new URLSearchParams({ key: key.value }) });
    const text = await posted.text();
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
    expect(posted.headers.get('cache-control')).toBe('no-store');
    expect(text).toMatch(/needs JavaScript/);
    expect(text).not.toContain(key.value);
    expect(JSON.stringify(await logRows(gw))).not.toContain(key.value);
    expect(JSON.stringify(await auditEntries(gw))).not.toContain(key.value);
    expect(gw.upstream.requests).toEqual([]);
  });

  it("counts a key's own spend today and this month, days ago included and other keys left out", async () => {
    const clock = new ManualClock('2026-11-19T12:00:00Z');
    const gw = (handle = await startTestGateway({ gateway: { clock: clock.read } }));
    const mine = await gw.createKey('mine');
    const theirs = await gw.createKey('theirs');
    const usageOf = async () =>
      (await call(gw.url, '/v1/tollgate/usage', { headers: { authorization: `Bearer ${mine.value}` } })).json<{
        spend: { today: number; month: number };
      }>().spend;
    const cost = async (key: string): Promise<number> => {
      const answer = await call(gw.url, '/v1/messages', inference(key));
      expect(answer.status).toBe(200);
      const row = (await logRows(gw)).find((entry) => entry.request_id === answer.headers['x-tollgate-request-id']);
      return row?.cost_micros ?? Number.NaN;
    };

    const yesterday = await cost(mine.value);
    await cost(theirs.value);
    expect(await usageOf()).toMatchObject({ today: yesterday / 1e6, month: yesterday / 1e6 });
    clock.set('2026-11-20T12:00:00Z');
    const today = await cost(mine.value);
    const second = await cost(mine.value);
    expect(await usageOf()).toMatchObject({ today: (today + second) / 1e6, month: (yesterday + today + second) / 1e6 });
    clock.set('2026-12-01T00:30:00Z');
    expect(await usageOf()).toMatchObject({ today: 0, month: 0 });
  });

  const browserIt = chromiumAvailable() ? it : it.skip;
  browserIt(
    'shows a teammate their spend and budgets in Chromium once they paste their key, and the 401 message for a wrong one',
    async () => {
      const gw = await start();
      const key = await gw.createKey('alice laptop', { budget: { max_limit: 5, reset_duration: '1M' } });
      expect((await call(gw.url, '/v1/messages', inference(key.value))).status).toBe(200);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          // The browser reports the wrong key's 401 itself; anything else (a CSP refusal, a script error) is a defect.
          if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        await page.goto(`${gw.url}/usage`);
        await page.getByLabel('Your virtual key').fill('sk-tg-not-a-key');
        await page.getByRole('button', { name: 'Show my usage' }).click();
        await page.getByRole('alert').filter({ hasText: 'Send your Tollgate virtual key' }).waitFor();

        await page.getByLabel('Your virtual key').fill(key.value);
        await page.getByRole('button', { name: 'Show my usage' }).click();
        await page.getByRole('heading', { name: 'alice laptop' }).waitFor();
        const bar = page.getByRole('progressbar', { name: 'virtual key · alice laptop budget' });
        await bar.waitFor();
        expect(await bar.getAttribute('aria-valuenow')).toBe('0');
        expect(await page.getByRole('row').count()).toBe(2); // the header and one request
        expect(await page.getByRole('alert').isHidden()).toBe(true);
        // The key is kept for this tab: a reload shows the usage again without asking.
        await page.reload();
        await page.getByRole('heading', { name: 'alice laptop' }).waitFor();
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
