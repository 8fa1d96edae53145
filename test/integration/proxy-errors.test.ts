// Refusals and failures on the proxy path, through real HTTP: what the client is told (always in the
// Anthropic error shape, never a reset connection), what reaches the upstream (nothing, when refused),
// and what the log keeps (exactly one row per request, whatever happened to it).
import { once } from 'node:events';
import { connect } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../electron/gateway/logger.js';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';
import { parseSse } from '../support/sse.js';

const MODEL = 'claude-sonnet-4-6';

let handle: TestGateway;
let key: { id: string; value: string };

beforeEach(async () => {
  handle = await startTestGateway();
  key = await handle.createKey('proxy error tests');
});

afterEach(async () => {
  await handle.close();
});

const requestBody = (text = 'hi', extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra });

function post(
  path: string,
  body: string,
  headers: Record<string, string> = { 'x-api-key': key.value },
): Promise<Response> {
  return fetch(handle.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body,
  });
}

/**
 * Sends a streamed request on a private connection pool and hangs up after the first chunk.
 * The pool is destroyed afterwards because undici opens a fresh, unused connection after an aborted
 * request, and the gateway's shutdown waits for such connections (see the shutdown test below);
 * keeping them out of the shared pool keeps these tests about aborts.
 */
async function hangUpAfterFirstChunk(body: string): Promise<{ requestId: string; firstChunk: string }> {
  const pool = new Agent();
  const controller = new AbortController();
  try {
    const response = await undiciFetch(`${handle.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.value },
      body,
      signal: controller.signal,
      dispatcher: pool,
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-tollgate-request-id');
    if (requestId === null) throw new Error('the streamed answer carries no x-tollgate-request-id');
    const reader = response.body?.getReader();
    if (!reader) throw new Error('a streamed answer has a body');
    const first = await reader.read();
    if (first.done || !(first.value instanceof Uint8Array)) throw new Error('the stream ended before its first chunk');
    controller.abort();
    await reader.read().catch(() => undefined);
    return { requestId, firstChunk: new TextDecoder().decode(first.value) };
  } finally {
    await pool.destroy();
  }
}

/** The id the gateway gave a request: on relayed answers and on its own refusals alike. */
function gatewayRequestId(response: Response): string {
  const id = response.headers.get('x-tollgate-request-id') ?? response.headers.get('request-id');
  if (id === null || !id.startsWith('req_tg_'))
    throw new Error(`response ${response.status} carries no Tollgate request id`);
  return id;
}

async function allLogs(gateway: TestGateway = handle): Promise<LogEntry[]> {
  const { status, body } = await gateway.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000');
  expect(status).toBe(200);
  return body.logs;
}

/** Polls the log until `predicate` picks a row, with a deadline (rows are written in small batches). */
async function waitForLog(
  predicate: (row: LogEntry) => boolean,
  what: string,
  gateway: TestGateway = handle,
): Promise<LogEntry> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = (await allLogs(gateway)).find(predicate);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row ${what} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const logRow = (requestId: string, gateway: TestGateway = handle): Promise<LogEntry> =>
  waitForLog((row) => row.request_id === requestId, `for ${requestId}`, gateway);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an Anthropic error envelope, failing on any other shape. */
async function anthropicError(response: Response): Promise<{ type: string; message: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body: unknown = await response.json();
  if (!isRecord(body) || body['type'] !== 'error' || !isRecord(body['error'])) {
    throw new Error(`not an Anthropic error envelope: ${JSON.stringify(body)}`);
  }
  const { type, message } = body['error'];
  if (typeof type !== 'string' || typeof message !== 'string')
    throw new Error(`malformed error: ${JSON.stringify(body)}`);
  return { type, message };
}

describe('health', () => {
  it('answers HEAD / and GET /health with 200', async () => {
    const head = await fetch(`${handle.url}/`, { method: 'HEAD' });
    const health = await fetch(`${handle.url}/health`);

    expect(head.status).toBe(200);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(handle.upstream.requests).toHaveLength(0);
  });
});

describe('refusing requests without a usable key', () => {
  it('refuses a request with no key as authentication_error, logs it as blocked and sends nothing upstream', async () => {
    const response = await post('/v1/messages', requestBody(), {});

    expect(response.status).toBe(401);
    const error = await anthropicError(response);
    expect(error.type).toBe('authentication_error');
    expect(error.message).toMatch(/virtual key/);
    const row = await logRow(gatewayRequestId(response));
    expect(row).toMatchObject({
      status: 'blocked',
      status_code: 401,
      error_type: 'authentication_error',
      virtual_key_id: null,
    });
    expect(handle.upstream.requests).toHaveLength(0);
  });

  it('refuses an unknown key without echoing it back, and logs the refusal', async () => {
    const unknown = 'sk-tg-thisKeyWasNeverIssuedByThisGateway00';

    const response = await post('/v1/messages', requestBody(), { authorization: `Bearer ${unknown}` });

    expect(response.status).toBe(401);
    const error = await anthropicError(response);
    expect(error.type).toBe('authentication_error');
    expect(error.message).not.toContain(unknown);
    const row = await logRow(gatewayRequestId(response));
    expect(row).toMatchObject({ status: 'blocked', status_code: 401, error_type: 'authentication_error' });
    expect(handle.upstream.requests).toHaveLength(0);
  });

  it('refuses a deleted key on the very next request', async () => {
    const before = await post('/v1/messages', requestBody());
    expect(before.status).toBe(200);
    await before.arrayBuffer();

    const { status } = await handle.admin('DELETE', `/api/governance/virtual-keys/${key.id}`);
    expect(status).toBe(200);
    const after = await post('/v1/messages', requestBody());

    expect(after.status).toBe(401);
    expect((await anthropicError(after)).type).toBe('authentication_error');
    expect(handle.upstream.messageRequests()).toHaveLength(1);
    const row = await logRow(gatewayRequestId(after));
    expect(row).toMatchObject({ status: 'blocked', status_code: 401 });
  });

  it('refuses a disabled key on the very next request, and takes it back when re-enabled', async () => {
    const disabled = await handle.admin('PUT', `/api/governance/virtual-keys/${key.id}`, { is_active: false });
    expect(disabled.status).toBe(200);

    const refused = await post('/v1/messages', requestBody());
    expect(refused.status).toBe(401);
    const error = await anthropicError(refused);
    expect(error.type).toBe('authentication_error');
    expect(error.message).toContain('proxy error tests');
    expect(handle.upstream.requests).toHaveLength(0);

    const enabled = await handle.admin('PUT', `/api/governance/virtual-keys/${key.id}`, { is_active: true });
    expect(enabled.status).toBe(200);
    const accepted = await post('/v1/messages', requestBody());
    expect(accepted.status).toBe(200);
    await accepted.arrayBuffer();
  });

  it('names the refused key in the log row when the key is known but revoked', async () => {
    await handle.admin('PUT', `/api/governance/virtual-keys/${key.id}`, { is_active: false });

    const response = await post('/v1/messages', requestBody());
    expect(response.status).toBe(401);

    const row = await logRow(gatewayRequestId(response));
    expect(row).toMatchObject({ status: 'blocked', virtual_key_id: key.id, virtual_key_name: 'proxy error tests' });
  });
});

describe('refusing malformed requests', () => {
  it('answers malformed JSON with a readable invalid_request_error', async () => {
    const response = await post('/v1/messages', '{"model": "claude-sonnet-4-6", "messages": [');

    expect(response.status).toBe(400);
    const error = await anthropicError(response);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(/not valid JSON/);
    const row = await logRow(gatewayRequestId(response));
    expect(row).toMatchObject({ status: 'blocked', status_code: 400, error_type: 'invalid_request_error' });
    expect(handle.upstream.requests).toHaveLength(0);
  });

  it('answers a request without a model with invalid_request_error naming the field', async () => {
    const response = await post(
      '/v1/messages',
      JSON.stringify({ max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    );

    expect(response.status).toBe(400);
    const error = await anthropicError(response);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(/model/);
    expect(handle.upstream.requests).toHaveLength(0);
  });
});

describe('oversized bodies', () => {
  const LIMIT = 64 * 1024;

  /** Sends a body over the limit to a gateway started with a 64 KB limit; returns what came back. */
  async function sendOversized(
    body: (bytes: Uint8Array) => RequestInit['body'],
  ): Promise<{ status: number; error: { type: string; message: string }; row: LogEntry; upstreamRequests: number }> {
    const small = await startTestGateway({ gateway: { maxBodyBytes: LIMIT } });
    try {
      const smallKey = await small.createKey('small');
      const bytes = new TextEncoder().encode(requestBody('x'.repeat(100 * 1024)));
      const response = await fetch(`${small.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': smallKey.value },
        body: body(bytes),
        duplex: 'half',
      });
      const error = await anthropicError(response);
      const row = await logRow(gatewayRequestId(response), small);
      return { status: response.status, error, row, upstreamRequests: small.upstream.requests.length };
    } finally {
      await small.close();
    }
  }

  it('answers a body over the limit with a 413 request_too_large the client can read, and logs it', async () => {
    const { status, error, row, upstreamRequests } = await sendOversized((bytes) => bytes);

    expect(status).toBe(413);
    expect(error.type).toBe('request_too_large');
    expect(row).toMatchObject({ status: 'blocked', status_code: 413, error_type: 'request_too_large' });
    expect(upstreamRequests).toBe(0);
  });

  it('answers a body over the limit sent chunked, without a content-length, with the same 413', async () => {
    const { status, error, row, upstreamRequests } = await sendOversized(
      (bytes) =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let offset = 0; offset < bytes.length; offset += 16 * 1024) {
              controller.enqueue(bytes.subarray(offset, offset + 16 * 1024));
            }
            controller.close();
          },
        }),
    );

    expect(status).toBe(413);
    expect(error.type).toBe('request_too_large');
    expect(row).toMatchObject({ status: 'blocked', status_code: 413 });
    expect(upstreamRequests).toBe(0);
  });

  it('states the limit in the refusal without rounding it to zero', async () => {
    const { error } = await sendOversized((bytes) => bytes);

    // The limit is 64 KB; "limit of 0 MB" tells nobody how much to cut.
    expect(error.message).not.toMatch(/\b0 MB\b/);
    expect(error.message).toMatch(/64/);
  });
});

describe('a client that hangs up mid-stream', () => {
  it('aborts the upstream request and logs the request as aborted with the input tokens seen', async () => {
    handle.upstream.enqueue({
      kind: 'slow',
      delayMsPerEvent: 200,
      content: [
        { type: 'text', text: 'A long answer that the client will not wait for, delivered one slow event at a time.' },
      ],
      usage: { input_tokens: 4_321 },
    });

    const { requestId, firstChunk } = await hangUpAfterFirstChunk(requestBody('go', { stream: true }));

    expect(parseSse(firstChunk)[0]?.event).toBe('message_start');

    await handle.upstream.waitFor(
      () => handle.upstream.messageRequests()[0]?.abortedByClient === true,
      5_000,
      'the upstream request to be aborted',
    );
    const row = await waitForLog(
      (entry) => entry.request_id === requestId && entry.status === 'aborted',
      'marked aborted',
    );
    expect(row).toMatchObject({ status: 'aborted', stream: true, input_tokens: 4_321 });
  });
});

describe('the log across restarts and request outcomes', () => {
  it('keeps keys and log rows across a restart', async () => {
    const before = await post('/v1/messages', requestBody('before the restart'));
    expect(before.status).toBe(200);
    await before.arrayBuffer();
    const beforeId = gatewayRequestId(before);
    await logRow(beforeId);

    await handle.restart();
    const after = await post('/v1/messages', requestBody('after the restart'));

    expect(after.status).toBe(200);
    await after.arrayBuffer();
    const row = await logRow(beforeId);
    expect(row).toMatchObject({ status: 'success', virtual_key_id: key.id });
    await logRow(gatewayRequestId(after));
  });

  it('leaves exactly one log row per request, refused, failed, aborted or served', async () => {
    const ids: string[] = [];
    const send = async (response: Promise<Response>): Promise<void> => {
      const answered = await response;
      ids.push(gatewayRequestId(answered));
      await answered.arrayBuffer();
    };

    await send(post('/v1/messages', requestBody(), {}));
    await send(post('/v1/messages', requestBody(), { 'x-api-key': 'sk-tg-notARealKeyAtAll0000000000' }));
    await send(post('/v1/messages', '{oops'));
    await send(post('/v1/messages', JSON.stringify({ messages: [] })));
    await send(post('/v1/messages', requestBody('plain')));
    await send(post('/v1/messages', requestBody('streamed', { stream: true })));
    await send(post('/anthropic/v1/messages', requestBody('prefixed')));
    await send(
      post(
        '/v1/messages/count_tokens',
        JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'count' }] }),
      ),
    );
    await send(fetch(`${handle.url}/v1/models`, { headers: { 'x-api-key': key.value } }));
    handle.upstream.enqueue({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Slow down.' });
    await send(post('/v1/messages', requestBody('limited')));
    handle.upstream.enqueue({ kind: 'stream-fail-after', events: 2 });
    await send(post('/v1/messages', requestBody('broken', { stream: true })));

    handle.upstream.enqueue({ kind: 'slow', delayMsPerEvent: 200 });
    ids.push((await hangUpAfterFirstChunk(requestBody('abandoned', { stream: true }))).requestId);
    await waitForLog((row) => row.request_id === ids.at(-1), 'for the aborted request');

    const deadline = Date.now() + 5_000;
    let rows = await allLogs();
    while (rows.length < ids.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      rows = await allLogs();
    }
    expect(rows.map((row) => row.request_id).sort()).toEqual([...ids].sort());
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['blocked', 'success', 'error', 'aborted']));
  });
});

describe('shutting down', () => {
  it('does not wait out the grace period for a connection that never sent a request', async () => {
    const warnings: string[] = [];
    const logger: Logger = { info: () => {}, warn: (message) => warnings.push(message), error: () => {} };
    const gateway = await startTestGateway({ gateway: { logger } });
    // What undici leaves behind after an aborted request, and what Chromium's preconnect opens.
    const idle = connect(gateway.gateway.port, '127.0.0.1');
    try {
      await once(idle, 'connect');

      await gateway.gateway.close(1_000);

      expect(warnings.filter((warning) => warning.includes('still running'))).toEqual([]);
    } finally {
      idle.destroy();
      await gateway.close();
    }
  });
});

describe('with enforcement off', () => {
  it('lets a request without a key through and logs it with no key', async () => {
    const { status } = await handle.admin('PUT', '/api/config', {
      client_config: { enforce_auth_on_inference: false },
    });
    expect(status).toBe(200);

    const response = await post('/v1/messages', requestBody('REPLY WITH: open door'), {});

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: [{ type: 'text', text: 'open door' }] });
    expect(handle.upstream.requests.at(-1)?.headers['x-api-key']).toBe(UPSTREAM_API_KEY);
    const row = await logRow(gatewayRequestId(response));
    expect(row).toMatchObject({ status: 'success', status_code: 200, virtual_key_id: null, virtual_key_name: null });
  });
});
