// A hostile or careless client on the proxy path, through real HTTP: whatever it sends as a model id
// or a header, /metrics and the log viewer stay small and nothing echoes it whole; only a request a
// key admitted has its content kept (so a LAN host or a web page cannot plant conversations in the log
// search); and a body over the limit gets its 413 read by the client instead of a reset connection.
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const MODEL = 'claude-sonnet-4-6';
const MiB = 1024 * 1024;

let handle: TestGateway;
let key: { id: string; value: string };

beforeEach(async () => {
  handle = await startTestGateway();
  key = await handle.createKey('hostile proxy tests');
});

afterEach(async () => {
  await handle.close();
});

const requestBody = (model: string, text = 'hi', extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: text }], ...extra });

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${handle.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body,
  });
}

/** Fetches a path and returns its status and the size and text of its answer. */
async function fetchText(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; bytes: number; text: string }> {
  const response = await fetch(handle.url + path, init);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes: bytes.length, text: bytes.toString('utf8') };
}

const adminHeaders = (): Record<string, string> => ({ authorization: `Bearer ${handle.gateway.adminToken}` });

async function logs(query = 'limit=1000'): Promise<LogEntry[]> {
  const { status, body } = await handle.admin<{ logs: LogEntry[] }>('GET', `/api/logs?${query}`);
  expect(status).toBe(200);
  return body.logs;
}

/** The log row of a request, by the id the gateway answered with; its row is on disk before that. */
async function logRow(response: Response): Promise<LogEntry> {
  const requestId = response.headers.get('x-tollgate-request-id');
  const row = (await logs()).find((entry) => entry.request_id === requestId);
  if (!row) throw new Error(`no log row for ${requestId ?? 'an answer without a request id'}`);
  return row;
}

/** The distinct values of one label across the request counter's series. */
function labelValues(metrics: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('tollgate_requests_total{')) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1];
    if (value !== undefined) values.add(value);
  }
  return values;
}

const seriesOf = (metrics: string, name: string): number =>
  metrics.split('\n').filter((line) => line.startsWith(`${name}{`)).length;

describe('a model id a client chooses', () => {
  it('keeps /metrics and the log page small after keyless and keyed requests with a 31 MiB model id', async () => {
    const huge = `claude-opus-${'x'.repeat(31 * MiB)}`;

    for (let i = 0; i < 2; i += 1) {
      const keyless = await post(requestBody(huge));
      expect(keyless.status).toBe(401);
      expect((await keyless.arrayBuffer()).byteLength).toBeLessThan(4096);
    }
    const keyed = await post(requestBody(huge), { 'x-api-key': key.value });
    expect(keyed.status).toBe(200); // the upstream's own answer, relayed as it is
    await keyed.arrayBuffer();

    const metrics = await fetchText('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.bytes).toBeLessThan(64 * 1024);
    expect(labelValues(metrics.text, 'model')).toEqual(new Set(['claude-opus']));
    expect(labelValues(metrics.text, 'key')).toEqual(new Set(['none', key.id]));

    const page = await fetchText('/api/logs?limit=100', { headers: adminHeaders() });
    expect(page.status).toBe(200);
    expect(page.bytes).toBeLessThan(64 * 1024);
    const rows = (JSON.parse(page.text) as { logs: LogEntry[] }).logs;
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.model?.length).toBeLessThanOrEqual(200);
      expect(row.model).toMatch(/^claude-opus-x+…$/);
    }
  });

  it('quotes a clipped model id when a policy refuses it', async () => {
    const sonnetOnly = await handle.createKey('sonnet only', { allowed_models: ['claude-sonnet-*'] });
    const huge = `claude-opus-${'y'.repeat(8 * MiB)}`;

    const response = await post(requestBody(huge), { 'x-api-key': sonnetOnly.value });

    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text.length).toBeLessThan(4096);
    const { error } = JSON.parse(text) as { error: { type: string; message: string } };
    expect(error.message).toMatch(/^Model "claude-opus-y+…" is not allowed/);
    expect(error.message).toMatch(/allowed models: "claude-sonnet-\*"/);
    const row = await logRow(response);
    expect(row.refusal_reason).toBe('model_denied');
    expect(row.error_message).toBe(error.message);
  });

  it('leaves a bounded set of model labels after 2,000 distinct junk model ids', async () => {
    const junk = Array.from({ length: 2_000 }, (_, i) =>
      i % 4 === 0 ? `claude-haiku-junk-${i}` : `junk-model-${i}-${Math.random().toString(36).slice(2)}`,
    );
    for (let start = 0; start < junk.length; start += 50) {
      await Promise.all(
        junk.slice(start, start + 50).map(async (model) => {
          const response = await post(requestBody(model));
          expect(response.status).toBe(401);
          await response.arrayBuffer();
        }),
      );
    }
    const known = await post(requestBody(`${MODEL}-20260101`), { 'x-api-key': key.value });
    expect(known.status).toBe(200);
    await known.arrayBuffer();

    const metrics = await fetchText('/metrics');
    expect(metrics.status).toBe(200);
    expect(labelValues(metrics.text, 'model')).toEqual(new Set(['other', 'claude-haiku', MODEL]));
    expect(seriesOf(metrics.text, 'tollgate_requests_total')).toBeLessThanOrEqual(5);
    expect(metrics.bytes).toBeLessThan(64 * 1024);
  });
});

describe('other values a client chooses', () => {
  it('keeps a clipped user agent and session id in the row', async () => {
    const response = await post(
      requestBody(MODEL, 'hi', { metadata: { user_id: `user_abc_account__session_${'s'.repeat(MiB)}` } }),
      { 'x-api-key': key.value, 'user-agent': `curl/${'u'.repeat(8 * 1024)}` },
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    const row = await logRow(response);
    expect(row.client).toMatch(/^curl\/u+…$/);
    expect(row.client?.length).toBe(500);
    expect(row.session_id).toMatch(/^s+…$/);
    expect(row.session_id?.length).toBe(200);
  });

  it('never quotes a long x-tollgate-user name whole in its refusal', async () => {
    const response = await post(requestBody(MODEL), {
      'x-api-key': key.value,
      'x-tollgate-user': `mallory-${'m'.repeat(8 * 1024)}`,
    });

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message.length).toBeLessThanOrEqual(2_000);
    expect(error.message).not.toContain('m'.repeat(200));
    expect((await logRow(response)).error_message).toBe(error.message);
  });
});

describe('content capture', () => {
  /** A page's `fetch(url, { method: 'POST', mode: 'no-cors', body })`: text/plain, no credentials. */
  function noCorsPost(text: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${handle.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
      body: requestBody(MODEL, text),
    });
  }

  async function searchFinds(word: string): Promise<boolean> {
    return (await logs(`q=${word}&limit=100`)).length > 0;
  }

  it('keeps only metadata for a keyless text/plain POST, so its words are not searchable', async () => {
    const response = await noCorsPost('plant zanzibarquokka in the log viewer');

    expect(response.status).toBe(401);
    const row = await logRow(response);
    expect(row).toMatchObject({ status: 'blocked', refusal_reason: 'key_missing', has_content: false });
    expect(await searchFinds('zanzibarquokka')).toBe(false);
  });

  it('keeps only metadata for a request refused for a bad key', async () => {
    const response = await noCorsPost('plant vermilionpangolin', { 'x-api-key': 'sk-tg-not-a-real-key-at-all' });

    expect(response.status).toBe(401);
    const row = await logRow(response);
    expect(row).toMatchObject({ refusal_reason: 'key_unknown', has_content: false });
    expect(await searchFinds('vermilionpangolin')).toBe(false);
  });

  it('keeps only metadata for a request a key presented but policy or a pause refused', async () => {
    const haikuOnly = await handle.createKey('haiku only', { allowed_models: ['claude-haiku-*'] });
    const denied = await noCorsPost('plant cobaltaxolotl', { 'x-api-key': haikuOnly.value });
    expect(denied.status).toBe(400);
    expect(await logRow(denied)).toMatchObject({ refusal_reason: 'model_denied', has_content: false });

    expect((await handle.admin('POST', '/api/gateway/pause')).status).toBe(200);
    const paused = await noCorsPost('plant saffronnarwhal', { 'x-api-key': key.value });
    expect(paused.status).toBe(503);
    expect(await logRow(paused)).toMatchObject({ refusal_reason: 'paused', has_content: false });

    expect(await searchFinds('cobaltaxolotl')).toBe(false);
    expect(await searchFinds('saffronnarwhal')).toBe(false);
  });

  it('forwards a keyless request in open mode but does not capture it', async () => {
    const { status } = await handle.admin('PUT', '/api/config', {
      client_config: { enforce_auth_on_inference: false },
    });
    expect(status).toBe(200);

    const response = await noCorsPost('REPLY WITH: ochreokapi');

    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const row = await logRow(response);
    expect(row).toMatchObject({ status: 'success', virtual_key_id: null, has_content: false });
    expect(await searchFinds('ochreokapi')).toBe(false);
  });

  it('captures and indexes a request a key admitted, as before', async () => {
    const response = await post(requestBody(MODEL, 'REPLY WITH: tangerinetapir'), { 'x-api-key': key.value });

    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await logRow(response)).toMatchObject({ status: 'success', virtual_key_id: key.id, has_content: true });
    expect(await searchFinds('tangerinetapir')).toBe(true);
  });
});

describe('a body over the limit', () => {
  const LIMIT = 1024 * 1024;
  let small: TestGateway;
  let smallKey: { id: string; value: string };

  beforeEach(async () => {
    small = await startTestGateway({ gateway: { maxBodyBytes: LIMIT } });
    smallKey = await small.createKey('small limit');
  });

  afterEach(async () => {
    await small.close();
  });

  /** A body of about `bytes` bytes: one message padded out. */
  const oversized = (bytes: number): Buffer => Buffer.from(requestBody(MODEL, 'x'.repeat(bytes)));

  /**
   * Uploads on a connection of its own with node:http, 64 KiB at a time with a pause between writes
   * (a link slower than loopback, where the kernel would otherwise take the whole body at once), and
   * resolves with the answer once the connection closed with the whole upload sent. A gateway that
   * closes the connection under the upload cuts it short: that, a reset or a broken pipe rejects.
   * `declare: false` sends it chunked.
   */
  function upload(body: Buffer, declare: boolean): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${small.url}/v1/messages`, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'x-api-key': smallKey.value,
          ...(declare && { 'content-length': String(body.length) }),
        },
      });
      let answer: { status: number; body: string } | null = null;
      let failure: Error | null = null;
      req.on('error', (error) => (failure = error));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => (answer = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('socket', (socket) => {
        socket.on('close', () => {
          if (failure) reject(failure);
          else if (!answer) reject(new Error('the connection closed without an answer'));
          else if (socket.bytesWritten < body.length)
            reject(new Error(`the connection closed ${body.length - socket.bytesWritten} bytes short of the upload`));
          else resolve(answer);
        });
      });
      void (async () => {
        for (let offset = 0; offset < body.length && !req.destroyed; offset += 64 * 1024) {
          req.write(body.subarray(offset, offset + 64 * 1024));
          await new Promise((next) => setTimeout(next, 1));
        }
        req.end();
      })();
    });
  }

  function expectTooLarge(answer: { status: number; body: string }): void {
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
  }

  it('lets the client read the 413 on each of ten uploads with a content-length', async () => {
    for (let i = 0; i < 10; i += 1) expectTooLarge(await upload(oversized(1.5 * LIMIT), true));

    expect(small.upstream.requests).toHaveLength(0);
    const { body } = await small.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=100');
    expect(body.logs).toHaveLength(10);
    expect(body.logs.every((row) => row.status_code === 413 && row.refusal_reason === 'too_large')).toBe(true);
  });

  it('lets the client read the 413 on an upload sent chunked, without a content-length', async () => {
    for (let i = 0; i < 3; i += 1) expectTooLarge(await upload(oversized(1.5 * LIMIT), false));
  });

  it('lets the SDK read the 413 on its first try', async () => {
    const client = new Anthropic({ baseURL: small.url, authToken: smallKey.value, maxRetries: 0 });
    for (let i = 0; i < 10; i += 1) {
      const failure: unknown = await client.messages
        .create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'x'.repeat(1.5 * LIMIT) }] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Anthropic.APIError);
      expect(failure).not.toBeInstanceOf(Anthropic.APIConnectionError);
      expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    }
  });

  it('answers at once, without reading it, a body declared larger than twice the limit', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${small.url}/v1/messages`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(100 * LIMIT) },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          req.destroy();
        });
      });
      req.flushHeaders(); // the headers only: the 100 MB never follow
    });

    expectTooLarge(answer);
  });
});
