// Wire fidelity: the gateway must be invisible on the wire. Each test here is a bug another gateway
// shipped — dropped beta headers, re-serialised bodies, lost query strings, mangled thinking
// signatures, rewritten streams, zeroed usage, swallowed errors — checked through real HTTP.
import Anthropic from '@anthropic-ai/sdk';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseSse, type ParsedSseEvent } from '../support/sse.js';

const MODEL = 'claude-sonnet-4-6';

let handle: TestGateway;
let key: { id: string; value: string };

beforeEach(async () => {
  handle = await startTestGateway();
  key = await handle.createKey('fidelity tests');
});

afterEach(async () => {
  await handle.close();
});

/** A raw request with the virtual key in x-api-key, as Claude Code sends it. */
function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(handle.url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': key.value,
      ...headers,
    },
    body,
  });
}

const requestBody = (text: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: MODEL, max_tokens: 512, messages: [{ role: 'user', content: text }], ...extra });

/** The log row of one request, polled for with a deadline (rows are written in small batches). */
async function logRow(requestId: string | null): Promise<LogEntry> {
  if (requestId === null) throw new Error('the gateway answered without x-tollgate-request-id');
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { body } = await handle.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000');
    const row = body.logs.find((entry) => entry.request_id === requestId);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for ${requestId} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `error` object of an Anthropic error envelope or SSE error event. */
function errorOf(data: unknown): Record<string, unknown> {
  if (!isRecord(data) || data['type'] !== 'error' || !isRecord(data['error'])) {
    throw new Error(`not an Anthropic error envelope: ${JSON.stringify(data)}`);
  }
  return data['error'];
}

/**
 * A transparent recorder between the gateway and the stand-in: forwards every request and keeps the
 * exact (de-chunked) response bytes the stand-in produced, so a test can compare them with what the
 * gateway's client received.
 */
interface Recorder {
  url: string;
  responses: Buffer[];
  close(): Promise<void>;
}

async function startRecorder(target: string): Promise<Recorder> {
  const responses: Buffer[] = [];
  const server: Server = createServer((req, res) => {
    const outbound = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      const chunks: Buffer[] = [];
      upstream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        res.write(chunk);
      });
      upstream.on('end', () => {
        responses.push(Buffer.concat(chunks));
        res.end();
      });
      upstream.on('error', () => res.destroy());
    });
    outbound.on('error', () => res.destroy());
    req.pipe(outbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('headers and bodies reach the upstream untouched', () => {
  it('forwards anthropic-version and anthropic-beta exactly as sent, unknown and multiple betas included', async () => {
    const betas = [
      'future-feature-2099-01-01',
      'interleaved-thinking-2025-05-14,context-1m-2025-08-07,future-feature-2099-01-01',
      'fine-grained-tool-streaming-2025-05-14, token-efficient-tools-2025-02-19',
    ];
    for (const beta of betas) {
      const response = await post('/v1/messages', requestBody('hi'), {
        'anthropic-version': '2023-06-01',
        'anthropic-beta': beta,
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      const seen = handle.upstream.requests.at(-1);
      expect(seen?.headers['anthropic-beta']).toBe(beta);
      expect(seen?.headers['anthropic-version']).toBe('2023-06-01');
    }
    expect(handle.upstream.requests).toHaveLength(betas.length);
  });

  it('forwards the request body byte for byte, unknown fields and odd formatting included', async () => {
    // Key order, whitespace, escapes and number spellings that a parse-and-reserialise would change.
    const body = [
      '{\n  "max_tokens" :  512,',
      '\t"messages":[{"role":"user","content":"caf\\u00e9 \\ud83d\\ude00 \\"quoted\\" REPLY WITH: ok"}],',
      '  "model":   "claude-sonnet-4-6",',
      '  "tools": [{"name":"search","description":"Find things","input_schema":{"type":"object"},"defer_loading":true}],',
      '  "system": [{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral","ttl":"1h"}}],',
      '  "x_future_top_level_field": {"nested": [1, 2.50, 1e3, -0.0], "flag": null}',
      '}\n',
    ].join('\n');

    for (const stream of [false, true]) {
      const bytes = stream ? body.replace('"max_tokens" :', '"stream" :true ,  "max_tokens" :') : body;
      const response = await post('/v1/messages', bytes);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      const seen = handle.upstream.messageRequests().at(-1);
      expect(seen?.rawBody.toString('utf8')).toBe(bytes);
      expect(seen?.rawBody.equals(Buffer.from(bytes, 'utf8'))).toBe(true);
    }
  });

  it('keeps the query string on the way upstream', async () => {
    const paths = ['/v1/messages?beta=true', '/anthropic/v1/messages?beta=true', '/v1/messages/count_tokens?beta=true'];
    for (const path of paths) {
      const response = await post(path, requestBody('hi'));
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    expect(handle.upstream.requests.map((seen) => seen.path)).toEqual([
      '/v1/messages?beta=true',
      '/v1/messages?beta=true',
      '/v1/messages/count_tokens?beta=true',
    ]);
  });
});

describe('thinking and streams', () => {
  it('round-trips thinking blocks and their signatures byte for byte across a tool-use turn', async () => {
    const thinking =
      'Step 1: the user said "weather" \\ so call get_weather.\nLine two — with an em dash, 🤔 and tabs\t.';
    const signature = 'ErUBCkYIBxgCIkB/+9z0Q1w2e3r4t5y6u7i8o9p0a+s/d=f1g2h3j4k5l6z7x8c9v0b1n2m3Q4W5E6R7T8Y9U0I1O2P3==';
    const redacted = 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB8URj';
    const sent: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      if (typeof init?.body === 'string') sent.push(init.body);
      return fetch(input, init);
    };
    const sdk = new Anthropic({ baseURL: handle.url, authToken: key.value, maxRetries: 0, fetch: recordingFetch });
    const tools = [
      { name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
    ];
    const question = { role: 'user' as const, content: 'Weather in Paris?' };

    handle.upstream.enqueue({
      kind: 'message',
      content: [
        { type: 'thinking', thinking, signature },
        { type: 'redacted_thinking', data: redacted },
        { type: 'tool_use', id: 'toolu_01RoundTripTest0000000001', name: 'get_weather', input: { city: 'Paris' } },
      ],
    });
    const turn1 = await sdk.messages
      .stream({
        model: MODEL,
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools,
        messages: [question],
      })
      .finalMessage();
    const turn2 = await sdk.messages.create({
      model: MODEL,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools,
      messages: [
        question,
        { role: 'assistant', content: turn1.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_01RoundTripTest0000000001', content: '18°C, clear' }],
        },
      ],
    });

    expect(turn2.content.length).toBeGreaterThan(0);
    expect(sent).toHaveLength(2);
    const upstreamTurn2 = handle.upstream.messageRequests()[1];
    expect(upstreamTurn2?.rawBody.toString('utf8')).toBe(sent[1]);
    const json = upstreamTurn2?.json;
    if (!isRecord(json) || !Array.isArray(json['messages']))
      throw new Error('turn 2 did not reach the upstream as JSON');
    const assistant: unknown = json['messages'][1];
    expect(assistant).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking, signature },
        { type: 'redacted_thinking', data: redacted },
        { type: 'tool_use', id: 'toolu_01RoundTripTest0000000001', name: 'get_weather', input: { city: 'Paris' } },
      ],
    });
    expect(upstreamTurn2?.rawBody.toString('utf8')).toContain(JSON.stringify(signature));
  });

  it("relays the upstream's stream to the client byte for byte", async () => {
    const recorder = await startRecorder(handle.upstream.url);
    try {
      const { status } = await handle.admin('PUT', '/api/providers/anthropic', { base_url: recorder.url });
      expect(status).toBe(200);
      handle.upstream.enqueue({
        kind: 'message',
        content: [
          { type: 'thinking', thinking: 'Thinking about it, carefully and at some length.' },
          {
            type: 'text',
            text: 'Here is a reply long enough to arrive in several deltas — with ünïcödé and emoji 🎉.',
          },
          { type: 'tool_use', name: 'lookup', input: { query: 'a "quoted" value', depth: 3 } },
        ],
      });

      const response = await post('/v1/messages', requestBody('go', { stream: true }));
      const received = Buffer.from(await response.arrayBuffer());

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(recorder.responses).toHaveLength(1);
      const original = recorder.responses[0] ?? Buffer.alloc(0);
      expect(parseSse(original.toString('utf8')).length).toBeGreaterThan(10);
      expect(received.toString('utf8')).toBe(original.toString('utf8'));
      expect(received.equals(original)).toBe(true);
    } finally {
      await recorder.close();
    }
  });

  it('ends a stream the upstream broke off with a well-formed error event, and logs the usage seen so far', async () => {
    handle.upstream.enqueue({
      kind: 'stream-fail-after',
      events: 4,
      content: [{ type: 'text', text: 'This answer will never be finished because the connection drops halfway.' }],
      usage: { input_tokens: 777 },
    });

    const response = await post('/v1/messages', requestBody('go', { stream: true }));
    const events: ParsedSseEvent[] = parseSse(await response.text());

    expect(response.status).toBe(200);
    expect(events[0]?.event).toBe('message_start');
    const last = events.at(-1);
    expect(last?.event).toBe('error');
    expect(errorOf(last?.data)['type']).toBe('api_error');
    expect(events.some((event) => event.event === 'message_stop')).toBe(false);

    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({ status: 'error', error_type: 'api_error', stream: true, input_tokens: 777 });
  });

  it("relays the upstream's in-stream error event and logs it with its type", async () => {
    handle.upstream.enqueue({ kind: 'stream-error-after', events: 3, type: 'overloaded_error', message: 'Overloaded' });

    const response = await post('/v1/messages', requestBody('go', { stream: true }));
    const events = parseSse(await response.text());

    expect(response.status).toBe(200);
    expect(events.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'error']);
    expect(errorOf(events.at(-1)?.data)).toEqual({ type: 'overloaded_error', message: 'Overloaded' });

    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({
      status: 'error',
      error_type: 'overloaded_error',
      error_message: 'Overloaded',
      stream: true,
    });
    expect(row.input_tokens).toBeGreaterThan(0);
  });
});

describe('usage and the prompt cache', () => {
  it('keeps the usage of message_start, with the cache-write split, and the output tokens of message_delta', async () => {
    handle.upstream.enqueue({
      kind: 'message',
      content: [{ type: 'text', text: 'cached answer' }],
      usage: {
        input_tokens: 42,
        output_tokens: 321,
        cache_read_input_tokens: 5_000,
        cache_creation: { ephemeral_5m_input_tokens: 700, ephemeral_1h_input_tokens: 300 },
      },
    });

    const response = await post('/v1/messages', requestBody('go', { stream: true }));
    await response.arrayBuffer();

    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({
      stream: true,
      input_tokens: 42,
      output_tokens: 321,
      cache_read_input_tokens: 5_000,
      cache_creation_input_tokens: 1_000,
      cache_creation_5m_input_tokens: 700,
      cache_creation_1h_input_tokens: 300,
      cost_estimated: false,
    });
    // Sonnet 4.6 per million tokens: $3 input, $15 output, $0.30 cache read, $3.75 5-minute and $6 1-hour writes.
    expect(row.cost_micros).toBe(42 * 3 + 321 * 15 + 5_000 * 0.3 + 700 * 3.75 + 300 * 6);
  });

  it('lets prompt-cache hits through: the second request of a session reads the cached prefix', async () => {
    const session = 'session-prompt-cache';
    const system = [
      { type: 'text', text: 'You are a meticulous reviewer. '.repeat(200), cache_control: { type: 'ephemeral' } },
    ];

    const first = await post('/v1/messages', requestBody('first question', { system, stream: true }), {
      'x-claude-code-session-id': session,
    });
    await first.arrayBuffer();
    const second = await post('/v1/messages', requestBody('second question', { system, stream: true }), {
      'x-claude-code-session-id': session,
    });
    await second.arrayBuffer();

    const firstRow = await logRow(first.headers.get('x-tollgate-request-id'));
    const secondRow = await logRow(second.headers.get('x-tollgate-request-id'));
    expect(firstRow.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(firstRow.cache_read_input_tokens).toBe(0);
    expect(secondRow.cache_read_input_tokens).toBeGreaterThan(0);
    expect(secondRow.cache_read_input_tokens).toBe(firstRow.cache_creation_input_tokens);

    const { status, body } = await handle.admin<{ requests: number; cache_read_share: number }>(
      'GET',
      `/api/sessions/${session}`,
    );
    expect(status).toBe(200);
    expect(body.requests).toBe(2);
    expect(body.cache_read_share).toBeGreaterThan(0);
  });
});

describe('upstream error statuses', () => {
  it('relays a 429 with its body and retry-after, and logs its error type', async () => {
    handle.upstream.enqueue({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Slow down.',
      retryAfter: 17,
    });

    const response = await post('/v1/messages', requestBody('hi'));
    const body: unknown = await response.json();

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('17');
    expect(errorOf(body)).toEqual({ type: 'rate_limit_error', message: 'Slow down.' });
    // The upstream's own request id, in its header and its body, shows the answer was not re-rendered.
    expect(isRecord(body) && body['request_id']).toBe(response.headers.get('request-id'));

    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({
      status: 'error',
      status_code: 429,
      error_type: 'rate_limit_error',
      error_message: 'Slow down.',
    });
  });

  it('relays a 529 overloaded_error and logs it', async () => {
    handle.upstream.enqueue({
      kind: 'error',
      status: 529,
      type: 'overloaded_error',
      message: 'Overloaded',
      retryAfter: 3,
    });

    const response = await post('/v1/messages', requestBody('hi', { stream: true }));
    const body: unknown = await response.json();

    expect(response.status).toBe(529);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(errorOf(body)).toEqual({ type: 'overloaded_error', message: 'Overloaded' });

    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({ status: 'error', status_code: 529, error_type: 'overloaded_error' });
  });

  it('lets the SDK recognise the relayed errors as what they are', async () => {
    handle.upstream.enqueue({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Slow down.',
      retryAfter: 0,
    });
    const sdk = new Anthropic({ baseURL: handle.url, authToken: key.value, maxRetries: 0 });

    const failure: unknown = await sdk.messages
      .create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => null,
        (error: unknown) => error,
      );

    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    expect(failure instanceof Anthropic.APIError && failure.status).toBe(429);
  });
});
