// `npm run serve`, the headless gateway, as an operator runs it: a real process on a real data
// directory, configured by flags or TOLLGATE_* variables, seeded from ANTHROPIC_API_KEY, stopped with
// Ctrl-C. Only the upstream is a stand-in. Each start costs about half a second, so every test starts
// the gateway as few times as its behaviour needs.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry, Provider, VirtualKey } from '../../shared/schemas.js';
import { UPSTREAM_API_KEY } from '../support/gateway.js';
import { childEnv, runProcess, startProcess, stopAllProcesses, type RunningProcess } from '../support/processes.js';
import { parseSse } from '../support/sse.js';
import { startStandIn, type StandIn } from '../support/upstream.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** `npm run serve --` without npm in between: the script's own command line, so the two cannot drift apart. */
const SERVE = serveCommand();
const MODEL = 'claude-sonnet-4-5-20250929';
const LISTENING = /^Tollgate gateway listening on (http:\/\/\S+)$/;

let upstream: StandIn;
let scratch: string;

beforeEach(async () => {
  upstream = await startStandIn({ apiKey: UPSTREAM_API_KEY });
  scratch = mkdtempSync(join(tmpdir(), 'tollgate-serve-'));
});

afterEach(async () => {
  await stopAllProcesses();
  await upstream.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Served {
  process: RunningProcess;
  url: string;
  adminToken: string;
  adminTokenFile: string;
}

/** Starts the serve script's command (`npm run serve -- …` minus npm) and waits until it is listening. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = startProcess(SERVE.command, [...SERVE.args, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    name: 'tollgate serve',
  });
  return ready(child);
}

function serveCommand(): { command: string; args: string[] } {
  const manifest: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const scripts = typeof manifest === 'object' && manifest !== null && 'scripts' in manifest ? manifest.scripts : null;
  const script = typeof scripts === 'object' && scripts !== null && 'serve' in scripts ? scripts.serve : null;
  if (typeof script !== 'string') throw new Error('package.json has no "serve" script');
  if (/["'`$&|;<>()]/.test(script))
    throw new Error(`the "serve" script needs a shell now; teach this test to run it: ${script}`);
  const [bin, ...args] = script.trim().split(/\s+/);
  if (bin === undefined) throw new Error('the "serve" script is empty');
  // npm runs scripts with node_modules/.bin on the PATH; `node` is the node running these tests.
  return { command: bin === 'node' ? process.execPath : join(ROOT, 'node_modules', '.bin', bin), args };
}

/** Waits for the start-up banner and reads the admin token from the file it names. */
async function ready(child: RunningProcess): Promise<Served> {
  const [, url] = await child.waitForLine(LISTENING);
  const [, adminTokenFile] = await child.waitForLine(/^\s+admin token:\s+(.+?)(?: \(created now\))?$/);
  await child.waitForLine(/^Ready\./);
  if (url === undefined || adminTokenFile === undefined) throw new Error('the start-up banner is incomplete');
  return { process: child, url, adminTokenFile, adminToken: readFileSync(adminTokenFile, 'utf8').trim() };
}

/** The usual flags: any free port, the scratch data directory, the stand-in as upstream. */
const flags = (dataDir: string): string[] => [
  '--port',
  '0',
  '--data-dir',
  dataDir,
  '--anthropic-base-url',
  upstream.url,
];

async function admin<T>(
  served: Served,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(served.url + path, {
    method,
    headers: { authorization: `Bearer ${served.adminToken}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

async function createKey(served: Served, name: string): Promise<{ id: string; value: string }> {
  const { status, body } = await admin<{ virtual_key: { id: string; value: string } }>(
    served,
    'POST',
    '/api/governance/virtual-keys',
    { name },
  );
  expect(status).toBe(201);
  return body.virtual_key;
}

function ask(served: Served, keyValue: string, text: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${served.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': keyValue },
    body: JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: text }], ...extra }),
  });
}

function requestIdOf(response: Response): string {
  const id = response.headers.get('x-tollgate-request-id');
  if (id === null) throw new Error(`the gateway answered ${response.status} without x-tollgate-request-id`);
  return id;
}

async function logs(served: Served): Promise<LogEntry[]> {
  const { status, body } = await admin<{ logs: LogEntry[] }>(served, 'GET', '/api/logs?limit=1000');
  expect(status).toBe(200);
  return body.logs;
}

async function anthropicProvider(served: Served): Promise<Provider | undefined> {
  const { status, body } = await admin<{ providers: Provider[] }>(served, 'GET', '/api/providers');
  expect(status).toBe(200);
  return body.providers.find((provider) => provider.provider === 'anthropic');
}

/** Ctrl-C, then a clean exit: code 0 and the gateway's own word that it stopped cleanly. */
async function stopCleanly(served: Served): Promise<void> {
  served.process.signal('SIGINT');
  await exitedCleanly(served);
}

async function exitedCleanly(served: Served): Promise<void> {
  const exit = await served.process.waitForExit();
  expect(exit, served.process.output).toEqual({ code: 0, signal: null });
  expect(served.process.stderr).toMatch(/stopped cleanly/);
  expect(served.process.stderr).not.toMatch(/forced exit/);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe('npm run serve', () => {
  it('creates a WAL database and an owner-only admin token on an empty data directory, and prints where the token is', async () => {
    const dataDir = join(scratch, 'data'); // does not exist yet
    const served = await serve(flags(dataDir));

    expect(served.process.stdout).toContain(`Tollgate gateway listening on ${served.url}`);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(served.url).not.toMatch(/:0$/);
    expect(served.process.output).not.toMatch(/WARNING/);
    expect(served.adminTokenFile).toBe(join(dataDir, 'admin-token'));
    expect(served.process.stdout).toContain(`admin token:    ${join(dataDir, 'admin-token')} (created now)`);
    expect(statSync(served.adminTokenFile).mode & 0o777).toBe(0o600);
    expect(served.adminToken).toMatch(/^tg-admin-/);
    expect(existsSync(join(dataDir, 'tollgate.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'tollgate.db-wal'))).toBe(true);

    const health = await fetch(`${served.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    // The token in the file is the one the admin API accepts.
    expect((await admin(served, 'GET', '/api/governance/virtual-keys')).status).toBe(200);

    await stopCleanly(served);
    const db = new Database(join(dataDir, 'tollgate.db'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('takes its port, host, data directory and upstream from TOLLGATE_* variables when no flags are given', async () => {
    const dataDir = join(scratch, 'from-env');
    const port = await freePort();
    const served = await serve([], {
      TOLLGATE_PORT: String(port),
      TOLLGATE_HOST: 'localhost',
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_ANTHROPIC_BASE_URL: upstream.url,
      ANTHROPIC_API_KEY: UPSTREAM_API_KEY,
    });

    expect(served.url).toBe(`http://localhost:${port}`);
    expect(served.adminTokenFile).toBe(join(dataDir, 'admin-token'));
    expect(existsSync(join(dataDir, 'tollgate.db'))).toBe(true);
    expect(served.process.stdout).toContain(`upstream:       ${upstream.url}`);

    const key = await createKey(served, 'env-configured');
    const response = await ask(served, key.value, 'REPLY WITH: configured by environment');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: [{ type: 'text', text: 'configured by environment' }] });
    expect(upstream.messageRequests()).toHaveLength(1);

    await stopCleanly(served);
  });

  it('warns when --host puts the local listener beyond loopback, where the admin API answers the network over plain HTTP', async () => {
    const served = await serve(['--host', '0.0.0.0', ...flags(join(scratch, 'data'))]);

    expect(served.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(served.process.stdout).toMatch(
      /^WARNING: the gateway listens on 0\.0\.0\.0, not on loopback: the admin API, the dashboard and \/metrics are reachable from the network over plain HTTP/m,
    );
    expect(served.process.stdout).toMatch(/^WARNING: .*use --lan \(TLS, Host checks and throttling\)/m);
    // It still serves as asked: the flag is public and stays.
    const viaLoopback = { ...served, url: served.url.replace('0.0.0.0', '127.0.0.1') };
    expect((await fetch(`${viaLoopback.url}/health`)).status).toBe(200);
    expect((await admin(viaLoopback, 'GET', '/api/governance/virtual-keys')).status).toBe(200);
    await stopCleanly(served);
  });

  it('seeds the provider key from ANTHROPIC_API_KEY once and keeps it when restarted with a different one', async () => {
    const dataDir = join(scratch, 'data');
    const first = await serve(flags(dataDir), { ANTHROPIC_API_KEY: UPSTREAM_API_KEY });
    expect(first.process.stdout).toContain(`upstream:       ${upstream.url} (1 key)`);

    const seeded = await anthropicProvider(first);
    expect(seeded?.keys).toHaveLength(1);
    const maskedValue = seeded?.keys[0]?.value ?? '';
    expect(maskedValue).not.toBe('');
    expect(maskedValue).not.toContain(UPSTREAM_API_KEY);
    expect(JSON.stringify(seeded)).not.toContain(UPSTREAM_API_KEY);
    const key = await createKey(first, 'seeding');
    await stopCleanly(first);

    const second = await serve(flags(dataDir), { ANTHROPIC_API_KEY: 'sk-ant-api03-a-different-key-entirely' });
    const kept = await anthropicProvider(second);
    expect(kept?.keys).toHaveLength(1);
    expect(kept?.keys[0]?.value).toBe(maskedValue);
    // The stand-in accepts only the first key, so a served request proves the gateway still forwards with it.
    const response = await ask(second, key.value, 'REPLY WITH: still the first key');
    expect(response.status).toBe(200);
    expect(upstream.messageRequests().at(-1)?.headers['x-api-key']).toBe(UPSTREAM_API_KEY);
    await stopCleanly(second);
  });

  it('keeps virtual keys and the request log across a restart', async () => {
    const dataDir = join(scratch, 'data');
    const first = await serve(flags(dataDir), { ANTHROPIC_API_KEY: UPSTREAM_API_KEY });
    const key = await createKey(first, 'survives restarts');
    const before = await ask(first, key.value, 'REPLY WITH: before the restart');
    expect(before.status).toBe(200);
    await before.text();
    const beforeId = requestIdOf(before);
    await stopCleanly(first);

    const second = await serve(flags(dataDir));
    expect(second.process.stdout).not.toContain('(created now)');
    expect(second.adminToken).toBe(first.adminToken);
    const listed = await admin<{ virtual_keys: VirtualKey[] }>(second, 'GET', '/api/governance/virtual-keys');
    expect(listed.body.virtual_keys.map((listedKey) => [listedKey.id, listedKey.name])).toEqual([
      [key.id, 'survives restarts'],
    ]);

    const after = await ask(second, key.value, 'REPLY WITH: after the restart');
    expect(after.status).toBe(200);
    await after.text();
    const rows = await logs(second);
    expect(rows.find((row) => row.request_id === beforeId)).toMatchObject({
      virtual_key_id: key.id,
      status: 'success',
      model: MODEL,
    });
    expect(rows.find((row) => row.request_id === requestIdOf(after))).toMatchObject({
      virtual_key_id: key.id,
      status: 'success',
    });
    await stopCleanly(second);
  });

  it('finishes a streamed request that is in flight when Ctrl-C arrives, exits 0, and its log row survives', async () => {
    const dataDir = join(scratch, 'data');
    const first = await serve(flags(dataDir), { ANTHROPIC_API_KEY: UPSTREAM_API_KEY });
    const key = await createKey(first, 'ctrl-c');
    upstream.enqueue({ kind: 'slow', delayMsPerEvent: 250 });

    const response = await ask(first, key.value, 'REPLY WITH: finished despite Ctrl-C', { stream: true });
    expect(response.status).toBe(200);
    const requestId = requestIdOf(response);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('a streamed answer has a body');
    const decoder = new TextDecoder();
    let received = '';
    /** Reads one chunk into `received`; false at the end of the stream. */
    const readChunk = async (): Promise<boolean> => {
      const chunk = await reader.read();
      if (chunk.done) return false;
      if (!(chunk.value instanceof Uint8Array)) throw new Error('the stream carried something other than bytes');
      received += decoder.decode(chunk.value, { stream: true });
      return true;
    };
    if (!(await readChunk())) throw new Error('the stream ended before its first event');
    const rest = (async () => {
      while (await readChunk());
    })().then(
      () => null,
      (error: unknown) => error,
    );

    first.process.signal('SIGINT'); // to the process group, as Ctrl-C in a terminal
    await first.process.waitForLine(/SIGINT received, finishing in-flight requests/);
    // The point of the test: the shutdown began while the answer was still being streamed.
    expect(received).not.toContain('message_stop');

    const streamError = await rest;
    expect(streamError, `the answer broke off; the gateway said:\n${first.process.output}`).toBeNull();
    const events = parseSse(received);
    expect(events.at(-1)?.event).toBe('message_stop');
    const text = events
      .map((event) => event.data)
      .map((data) => (typeof data === 'object' && data !== null && 'delta' in data ? data.delta : null))
      .map((delta) => (typeof delta === 'object' && delta !== null && 'text' in delta ? delta.text : ''))
      .join('');
    expect(text).toBe('finished despite Ctrl-C');
    await exitedCleanly(first);

    const second = await serve(flags(dataDir));
    const row = (await logs(second)).find((entry) => entry.request_id === requestId);
    expect(row).toMatchObject({
      status: 'success',
      status_code: 200,
      stream: true,
      virtual_key_id: key.id,
      stop_reason: 'end_turn',
    });
    expect(row?.output_tokens).toBeGreaterThan(0);
    await stopCleanly(second);
  });

  it('refuses an unknown flag with exit code 2 and the usage text', async () => {
    const result = await runProcess(SERVE.command, [...SERVE.args, '--no-such-flag'], {
      cwd: ROOT,
      env: childEnv({}),
      timeoutMs: 20_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tollgate: Unknown option '--no-such-flag'/);
    expect(result.stderr).toContain('Usage: npm run serve -- [options]');
    expect(result.stdout).toBe('');
  });

  it('prints the usage text for --help and exits 0', async () => {
    const result = await runProcess(SERVE.command, [...SERVE.args, '--help'], {
      cwd: ROOT,
      env: childEnv({}),
      timeoutMs: 20_000,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run serve -- [options]');
    for (const flag of [
      '--host',
      '--port',
      '--data-dir',
      '--anthropic-base-url',
      'ANTHROPIC_API_KEY',
      '--lan',
      '--lan-address',
      '--lan-port',
      '--no-tls',
      '--remote-admin',
      'TOLLGATE_LAN',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).not.toContain('listening');
  });

  it('runs through the npm script itself and stops on Ctrl-C', async () => {
    const dataDir = join(scratch, 'data');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const started = startProcess(npm, ['run', 'serve', '--', ...flags(dataDir)], {
      cwd: ROOT,
      env: childEnv({ ANTHROPIC_API_KEY: UPSTREAM_API_KEY }),
      name: 'npm run serve',
    });
    const served = await ready(started);
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
    const key = await createKey(served, 'npm');
    expect((await ask(served, key.value, 'REPLY WITH: via npm')).status).toBe(200);

    // npm re-raises the SIGINT its script died of; what matters is that the gateway itself stopped cleanly.
    const exit = await served.process.stop('SIGINT');
    expect(exit.code === 0 || exit.signal === 'SIGINT', served.process.output).toBe(true);
    expect(served.process.stderr).toMatch(/stopped cleanly/);
    expect(served.process.stderr).not.toMatch(/forced exit/);
  });

  it('shares on the LAN with --lan: prints the LAN URL and the CA, and the URL answers over TLS with that CA only', async () => {
    const dataDir = join(scratch, 'data');
    const served = await serve([...flags(dataDir), '--lan', '--lan-address', '127.0.0.2'], {
      ANTHROPIC_API_KEY: UPSTREAM_API_KEY,
    });
    const [, lanUrl] = await served.process.waitForLine(/^\s+LAN URL:\s+(\S+)$/);
    const [, caPath] = await served.process.waitForLine(/^\s+CA certificate:\s+(\S+)$/);
    const [, fingerprint] = await served.process.waitForLine(/^\s+CA fingerprint:\s+SHA256 (\S+)$/);
    if (lanUrl === undefined || caPath === undefined || fingerprint === undefined)
      throw new Error('the LAN lines are incomplete');

    // Without --lan-port the LAN listener takes the gateway's own port.
    expect(lanUrl).toBe(`https://127.0.0.2:${new URL(served.url).port}`);
    expect(caPath).toBe(join(dataDir, 'tls', 'ca.pem'));
    const ca = readFileSync(caPath, 'utf8');
    expect(new X509Certificate(ca).fingerprint256).toBe(fingerprint);
    expect(served.process.stdout).toContain(`download ${lanUrl}/tollgate-ca.pem`);
    expect(served.process.output).not.toMatch(/WARNING/);

    const trusted = new Agent({ connect: { ca } });
    try {
      const health = await undiciFetch(`${lanUrl}/health`, { dispatcher: trusted });
      expect(health.status).toBe(200);
      const key = await createKey(served, 'teammate');
      const answer = await undiciFetch(`${lanUrl}/v1/messages`, {
        dispatcher: trusted,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key.value },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 64,
          messages: [{ role: 'user', content: 'REPLY WITH: over the LAN' }],
        }),
      });
      expect(answer.status).toBe(200);
      const requestId = answer.headers.get('x-tollgate-request-id');
      await answer.text();
      expect((await logs(served)).find((row) => row.request_id === requestId)).toMatchObject({
        virtual_key_id: key.id,
        status: 'success',
      });
      // The admin API stays on loopback.
      expect((await undiciFetch(`${lanUrl}/api/governance/virtual-keys`, { dispatcher: trusted })).status).toBe(404);
    } finally {
      await trusted.close();
    }
    // A client that does not trust the CA does not get past the handshake.
    await expect(fetch(`${lanUrl}/health`)).rejects.toThrow();
    await stopCleanly(served);
  });

  it('shares over plain HTTP from TOLLGATE_LAN* variables with TOLLGATE_NO_TLS, and warns loudly about that and --remote-admin', async () => {
    const dataDir = join(scratch, 'data');
    const lanPort = await freePort();
    const served = await serve([...flags(dataDir), '--remote-admin'], {
      TOLLGATE_LAN: '1',
      TOLLGATE_LAN_ADDRESS: '127.0.0.2',
      TOLLGATE_LAN_PORT: String(lanPort),
      TOLLGATE_NO_TLS: '1',
    });
    await served.process.waitForLine(/^\s+LAN URL:/);

    expect(served.process.stdout).toContain(`LAN URL:        http://127.0.0.2:${lanPort}`);
    expect(served.process.stdout).not.toContain('CA certificate');
    expect(served.process.stdout).toMatch(
      /^WARNING: LAN sharing uses plain HTTP: virtual keys, the admin token, prompts and answers cross the network unencrypted/m,
    );
    expect(served.process.stdout).toMatch(/^WARNING: REMOTE ADMIN IS ON/m);
    const viaLan = await fetch(`http://127.0.0.2:${lanPort}/api/governance/virtual-keys`, {
      headers: { authorization: `Bearer ${served.adminToken}` },
    });
    expect(viaLan.status).toBe(200);
    await stopCleanly(served);
  });

  it('refuses a LAN address that is not one IP address with exit code 2', async () => {
    const result = await runProcess(SERVE.command, [...SERVE.args, '--lan', '--lan-address', '0.0.0.0'], {
      cwd: ROOT,
      env: childEnv({}),
      timeoutMs: 20_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('tollgate: --lan-address must be one IP address of this machine, not "0.0.0.0".');
  });
});
