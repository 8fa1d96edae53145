// Upstream routing over real HTTP on loopback: Anthropic (a stand-in) and an Anthropic-compatible
// backup (a second stand-in), a key pool, and what moves a request on before any byte reaches the
// client: a 529 or 5xx to the next provider, a 429 to the pool's next key (the first cools down for
// its retry-after), a connect failure likewise; never a 400, and never a stream that has begun.
// Each row names the provider and key that served it and every attempt; budgets see one request.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry, Provider } from '../../shared/schemas.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startStandIn, type StandIn } from '../support/upstream.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLAUDE, claudeCodeProcessEnv } from '../support/claude-code.js';
import { runProcess, stopAllProcesses } from '../support/processes.js';

const MODEL = 'claude-sonnet-4-6';
const BACKUP_KEY = 'sk-backup-test-key';

let gw: TestGateway;
let backup: StandIn;

beforeEach(async () => {
  gw = await startTestGateway();
  backup = await startStandIn({ apiKey: BACKUP_KEY, defaultText: 'Hello from the backup.' });
});

afterEach(async () => {
  await stopAllProcesses();
  await gw.close();
  await backup.close();
});

async function addBackup(extra: Record<string, unknown> = {}): Promise<void> {
  const answer = await gw.admin('POST', '/api/providers', {
    provider: 'backup',
    base_url: backup.url,
    keys: [{ name: 'backup-1', value: BACKUP_KEY }],
    ...extra,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
}

async function rowOf(requestId: string | null): Promise<LogEntry> {
  const { body } = await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=100');
  const row = body.logs.find((entry) => entry.request_id === requestId);
  if (!row) throw new Error(`no row ${String(requestId)}`);
  return row;
}

async function ask(
  key: string,
  stream = false,
): Promise<{ status: number; text: string; requestId: string | null; headers: Headers }> {
  const response = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 32,
      stream,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
  return {
    status: response.status,
    text: await response.text(),
    requestId: response.headers.get('x-tollgate-request-id'),
    headers: response.headers,
  };
}

describe('failover between providers', () => {
  it('moves a request Anthropic answers 529 to the backup, and the row shows both attempts and who served it', async () => {
    await addBackup();
    const key = await gw.createKey('ci');
    gw.upstream.always({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });

    const sdk = new Anthropic({ baseURL: gw.url, apiKey: key.value, maxRetries: 0 });
    const message = await sdk.messages.create({
      model: MODEL,
      max_tokens: 32,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from the backup.' }]);

    const [row] = (await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1')).body.logs;
    expect(row).toMatchObject({
      status: 'success',
      status_code: 200,
      provider: 'backup',
      provider_key_name: 'backup-1',
    });
    expect(row?.attempts).toEqual([
      {
        provider: 'anthropic',
        key_name: 'from ANTHROPIC_API_KEY',
        status_code: 529,
        error_type: 'overloaded_error',
        latency_ms: expect.any(Number) as unknown,
      },
      {
        provider: 'backup',
        key_name: 'backup-1',
        status_code: 200,
        error_type: null,
        latency_ms: expect.any(Number) as unknown,
      },
    ]);
    // One request for governance: one row, its cost once.
    expect((await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=10')).body.logs).toHaveLength(1);
    expect(row?.cost).toBeGreaterThan(0);
    // The backup got the model as asked and its own key, never the client's or Anthropic's.
    const sent = backup.messageRequests()[0];
    expect(sent?.headers['x-api-key']).toBe(BACKUP_KEY);
    expect((sent?.json as { model: string }).model).toBe(MODEL);

    const filtered = await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?provider=backup');
    expect(filtered.body.logs.map((entry) => entry.request_id)).toEqual([row?.request_id]);
    expect((await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?provider=anthropic')).body.logs).toEqual([]);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/tollgate_upstream_attempts_total\{provider="anthropic",outcome="server_error"\} 1/);
    expect(metrics).toMatch(/tollgate_upstream_attempts_total\{provider="backup",outcome="success"\} 1/);
    expect(metrics).toMatch(/tollgate_upstream_failovers_total\{from="anthropic",to="backup"\} 1/);
  });

  it('moves on from an upstream it cannot reach, and gives the client the last failure when every attempt fails', async () => {
    await addBackup();
    const key = await gw.createKey('ci');
    await gw.admin('PUT', '/api/providers/anthropic', { base_url: 'http://127.0.0.1:9' });
    const served = await ask(key.value);
    expect(served.status).toBe(200);
    expect(
      (await rowOf(served.requestId)).attempts.map((entry) => [entry.provider, entry.status_code, entry.error_type]),
    ).toEqual([
      ['anthropic', null, 'connection_error'],
      ['backup', 200, null],
    ]);

    backup.always({ kind: 'error', status: 503, type: 'api_error', message: 'Backup down' });
    const failed = await ask(key.value);
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.text)).toMatchObject({
      type: 'error',
      error: { type: 'api_error', message: 'Backup down' },
    });
    const row = await rowOf(failed.requestId);
    expect(row).toMatchObject({ status: 'error', status_code: 503, provider: 'backup' });
    expect(row.attempts.map((entry) => entry.status_code)).toEqual([null, 503]);
  });

  it('never retries a 400, nor a stream that failed after its first event', async () => {
    await addBackup();
    const key = await gw.createKey('ci');
    gw.upstream.enqueue({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'prompt is too long: 300000 tokens > 200000 maximum',
    });
    const refused = await ask(key.value);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { message: 'prompt is too long: 300000 tokens > 200000 maximum' },
    });
    expect((await rowOf(refused.requestId)).attempts).toMatchObject([
      { provider: 'anthropic', status_code: 400, error_type: 'invalid_request_error' },
    ]);

    gw.upstream.enqueue({ kind: 'stream-fail-after', events: 2 });
    const broken = await ask(key.value, true);
    expect(broken.status).toBe(200);
    expect(broken.text).toMatch(/event: message_start/);
    expect(broken.text).toMatch(/event: error/);
    const row = await rowOf(broken.requestId);
    expect(row).toMatchObject({ status: 'error', provider: 'anthropic' });
    expect(row.attempts).toHaveLength(1);
    expect(backup.messageRequests()).toHaveLength(0);
  });

  it('keeps to one provider when max_attempts is 1, and follows the gateway’s fallback_order', async () => {
    await addBackup();
    const key = await gw.createKey('ci');
    const config = await gw.admin<{ routing: { fallback_order: string[]; max_attempts: number } }>(
      'GET',
      '/api/config',
    );
    expect(config.body.routing).toEqual({ fallback_order: [], max_attempts: 3 });

    expect((await gw.admin('PUT', '/api/config', { routing: { max_attempts: 1 } })).status).toBe(200);
    gw.upstream.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const once = await ask(key.value);
    expect(once.status).toBe(529);
    expect((await rowOf(once.requestId)).attempts).toHaveLength(1);

    const reordered = await gw.admin<{ routing: unknown }>('PUT', '/api/config', {
      routing: { fallback_order: ['backup', 'anthropic'], max_attempts: 3 },
    });
    expect(reordered.body.routing).toEqual({ fallback_order: ['backup', 'anthropic'], max_attempts: 3 });
    const first = await ask(key.value);
    expect((await rowOf(first.requestId)).provider).toBe('backup');
    expect((await gw.admin('PUT', '/api/config', { routing: { max_attempts: 0 } })).status).toBe(400);
  });

  it('sends a key with provider configs only to those providers', async () => {
    await addBackup();
    const key = await gw.createKey('backup-only', { provider_configs: [{ provider: 'backup', weight: 1 }] });
    const served = await ask(key.value);
    expect(served.status).toBe(200);
    expect(await rowOf(served.requestId)).toMatchObject({ provider: 'backup', attempts: [{ provider: 'backup' }] });
    expect(gw.upstream.messageRequests()).toHaveLength(0);
  });
});

describe('a key pool', () => {
  it('moves a 429 to the next key, cools the first down for its retry-after, and skips it meanwhile', async () => {
    const pooled = await startTestGateway({
      upstream: { apiKeys: ['sk-ant-key-a', 'sk-ant-key-b'] },
      seedProviderKey: false,
    });
    try {
      const set = await pooled.admin<Provider>('POST', '/api/providers', {
        provider: 'anthropic',
        keys: [
          { name: 'key-a', value: 'sk-ant-key-a', weight: 1000 },
          { name: 'key-b', value: 'sk-ant-key-b', weight: 0.001 },
        ],
      });
      expect(set.status).toBe(201);
      const key = await pooled.createKey('ci');
      pooled.upstream.enqueue({
        kind: 'error',
        status: 429,
        type: 'rate_limit_error',
        message: 'Slow down',
        retryAfter: 30,
      });
      const response = await fetch(`${pooled.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key.value, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      const requests = pooled.upstream.messageRequests();
      expect(requests.map((request) => request.headers['x-api-key'])).toEqual(['sk-ant-key-a', 'sk-ant-key-b']);
      const [row] = (await pooled.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1')).body.logs;
      expect(row).toMatchObject({ provider: 'anthropic', provider_key_name: 'key-b' });
      expect(row?.attempts.map((entry) => [entry.key_name, entry.status_code])).toEqual([
        ['key-a', 429],
        ['key-b', 200],
      ]);

      const provider = (await pooled.admin<Provider>('GET', '/api/providers/anthropic')).body;
      const cooling = provider.keys.find((entry) => entry.name === 'key-a')?.health.cooling_until;
      expect(Date.parse(cooling ?? '') - Date.now()).toBeGreaterThan(20_000);
      expect(provider.keys.find((entry) => entry.name === 'key-b')?.health).toMatchObject({
        breaker: 'closed',
        cooling_until: null,
      });

      // While key-a cools down, requests go straight to key-b.
      await fetch(`${pooled.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key.value, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(pooled.upstream.messageRequests().map((request) => request.headers['x-api-key'])).toEqual([
        'sk-ant-key-a',
        'sk-ant-key-b',
        'sk-ant-key-b',
      ]);
    } finally {
      await pooled.close();
    }
  });
});

describe('the real Claude Code CLI', () => {
  it('completes a prompt while Anthropic answers 529 to everything: the backup answers, the row shows both attempts', async () => {
    await addBackup();
    const key = await gw.createKey('claude code');
    gw.upstream.always({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const home = mkdtempSync(join(tmpdir(), 'tollgate-failover-home-'));
    try {
      const run = await runProcess(CLAUDE, ['-p', 'REPLY WITH: failover-ok'], {
        cwd: home,
        env: claudeCodeProcessEnv(home, { ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: key.value }),
        name: 'claude',
        timeoutMs: 45_000,
      });
      expect(run.code, run.output).toBe(0);
      expect(run.stdout.trim()).toBe('failover-ok');
      expect(backup.messageRequests().length).toBeGreaterThan(0);
    } finally {
      rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    }
    const rows = (await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=20')).body.logs;
    const served = rows.find((row) => row.endpoint === 'messages' && row.status === 'success');
    expect(served).toMatchObject({ provider: 'backup', provider_key_name: 'backup-1' });
    expect(served?.attempts.map((entry) => [entry.provider, entry.status_code])).toEqual([
      ['anthropic', 529],
      ['backup', 200],
    ]);
  }, 60_000);
});
