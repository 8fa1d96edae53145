// The official Anthropic TypeScript SDK as the gateway's client: what a developer's own code sees when
// it points baseURL at Tollgate and uses a virtual key as its credential, and what the log records.
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';

const MODEL = 'claude-sonnet-4-6';
const SIGNATURE = 'EqQBCkYIBRgCKkBq4Yx+/Zr9c3Qm0lJ8n2Lw1sT5vXy6Ab7Cd8Ef9Gh0Ij1Kl2Mn3Op4Qr5St6Uv7Wx8Yz9==';
const TOOL_USE_ID = 'toolu_01A09q90qw90lq917835lq9';

let handle: TestGateway;
let key: { id: string; value: string };

beforeEach(async () => {
  handle = await startTestGateway();
  key = await handle.createKey('sdk tests');
});

afterEach(async () => {
  await handle.close();
});

/** An SDK client aimed at the gateway; retries off so every call is exactly one request. */
function client(options: ConstructorParameters<typeof Anthropic>[0] = {}): Anthropic {
  return new Anthropic({ baseURL: handle.url, authToken: key.value, maxRetries: 0, ...options });
}

/** The log row of one request, polled for with a deadline (rows are written in small batches). */
async function logRow(requestId: string | null): Promise<LogEntry> {
  if (requestId === null) throw new Error('the gateway answered without x-tollgate-request-id');
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { status, body } = await handle.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000');
    expect(status).toBe(200);
    const row = body.logs.find((entry) => entry.request_id === requestId);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for ${requestId} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ask = (text: string): Anthropic.MessageCreateParamsNonStreaming => ({
  model: MODEL,
  max_tokens: 256,
  messages: [{ role: 'user', content: text }],
});

describe('the official SDK through the gateway', () => {
  it('lists only the models a key may use, and a model it may not use is not found', async () => {
    const open = await client().models.list();
    expect(open.data.length).toBeGreaterThan(2);
    const limited = await handle.createKey('sonnet only', { allowed_models: ['claude-sonnet-4-5*'] });
    const sdk = client({ authToken: limited.value });
    const listed = await sdk.models.list();
    expect(listed.data.map((model) => model.id)).toEqual(['claude-sonnet-4-5-20250929']);
    expect(listed.data[0]).toMatchObject({ display_name: 'Claude Sonnet 4.5' });
    expect((await sdk.models.retrieve('claude-sonnet-4-5-20250929')).id).toBe('claude-sonnet-4-5-20250929');
    await expect(sdk.models.retrieve('claude-opus-4-8')).rejects.toMatchObject({ status: 404 });
  });

  it('records which Claude Code agent sent a request and which agent started it, clipped', async () => {
    const sdk = client({
      defaultHeaders: {
        'x-claude-code-session-id': 'session-agents',
        'x-claude-code-agent-id': 'agent-explore-7',
        'x-claude-code-parent-agent-id': 'x'.repeat(5000),
      },
    });
    const { response } = await sdk.messages.create(ask('REPLY WITH: from a subagent')).withResponse();
    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({ session_id: 'session-agents', agent_id: 'agent-explore-7' });
    expect(row.parent_agent_id).toBe(`${'x'.repeat(199)}…`);
    const plain = await client().messages.create(ask('REPLY WITH: main agent')).withResponse();
    expect(await logRow(plain.response.headers.get('x-tollgate-request-id'))).toMatchObject({
      agent_id: null,
      parent_agent_id: null,
    });
  });

  it('gets a non-streamed answer, and the log row carries tokens, cost, session and status', async () => {
    const sdk = client({ defaultHeaders: { 'x-claude-code-session-id': 'session-sdk-1' } });

    const { data: message, response } = await sdk.messages.create(ask('REPLY WITH: pong')).withResponse();

    expect(message.content).toEqual([{ type: 'text', text: 'pong' }]);
    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({
      status: 'success',
      status_code: 200,
      stream: false,
      endpoint: 'messages',
      session_id: 'session-sdk-1',
      virtual_key_id: key.id,
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
    });
    expect(row.input_tokens).toBeGreaterThan(0);
    expect(row.output_tokens).toBeGreaterThan(0);
    expect(row.cost_micros).toBeGreaterThan(0);
    expect(row.cost).toBeGreaterThan(0);
  });

  it('streams thinking, text and tool use that the SDK reassembles, priced the same as the unstreamed request', async () => {
    const thinking = 'The user wants the weather; I should call the tool.';
    const text = 'Let me look that up for you.';
    const content = [
      { type: 'thinking' as const, thinking, signature: SIGNATURE },
      { type: 'text' as const, text },
      { type: 'tool_use' as const, id: TOOL_USE_ID, name: 'get_weather', input: { city: 'Paris', units: 'celsius' } },
    ];
    const usage = { input_tokens: 1_234, output_tokens: 87 };
    const params = {
      ...ask('What is the weather in Paris?'),
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather for a city',
          input_schema: {
            type: 'object' as const,
            properties: { city: { type: 'string' }, units: { type: 'string' } },
          },
        },
      ],
    };
    const sdk = client();

    handle.upstream.enqueue({ kind: 'message', content, usage });
    const stream = sdk.messages.stream(params);
    const streamed = await stream.finalMessage();
    const { response: streamedResponse } = await stream.withResponse();

    handle.upstream.enqueue({ kind: 'message', content, usage });
    const { data: unstreamed, response: unstreamedResponse } = await sdk.messages.create(params).withResponse();

    expect(streamed.content).toEqual([
      { type: 'thinking', thinking, signature: SIGNATURE },
      { type: 'text', text },
      { type: 'tool_use', id: TOOL_USE_ID, name: 'get_weather', input: { city: 'Paris', units: 'celsius' } },
    ]);
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.usage).toMatchObject(usage);
    expect(unstreamed.usage).toMatchObject(usage);

    const streamedRow = await logRow(streamedResponse.headers.get('x-tollgate-request-id'));
    const unstreamedRow = await logRow(unstreamedResponse.headers.get('x-tollgate-request-id'));
    expect(streamedRow).toMatchObject({
      status: 'success',
      status_code: 200,
      stream: true,
      tool_names: ['get_weather'],
      stop_reason: 'tool_use',
      input_tokens: 1_234,
      output_tokens: 87,
      cost_estimated: false,
    });
    expect(unstreamedRow).toMatchObject({
      stream: false,
      tool_names: ['get_weather'],
      input_tokens: 1_234,
      output_tokens: 87,
    });
    expect(streamedRow.cost_micros).toBeGreaterThan(0);
    expect(streamedRow.cost_micros).toBe(unstreamedRow.cost_micros);
  });

  it('counts tokens, and logs the count as free', async () => {
    const { data: counted, response } = await client()
      .messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'How many tokens is this?' }] })
      .withResponse();

    expect(counted.input_tokens).toBeGreaterThan(0);
    const row = await logRow(response.headers.get('x-tollgate-request-id'));
    expect(row).toMatchObject({ endpoint: 'count_tokens', status: 'success', status_code: 200, cost_micros: 0 });
    expect(handle.upstream.requests.at(-1)?.path).toBe('/v1/messages/count_tokens');
  });

  it('lists the upstream models', async () => {
    const page = await client().models.list();

    expect(page.data.map((model) => model.id)).toEqual([
      'claude-opus-4-8',
      'claude-sonnet-4-5-20250929',
      'claude-haiku-4-5-20251001',
    ]);
    expect(handle.upstream.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('answers under the /anthropic prefix as well', async () => {
    const sdk = client({ baseURL: `${handle.url}/anthropic` });

    const message = await sdk.messages.create(ask('REPLY WITH: prefixed'));
    const page = await sdk.models.list();

    expect(message.content).toEqual([{ type: 'text', text: 'prefixed' }]);
    expect(page.data.length).toBeGreaterThan(0);
    expect(handle.upstream.requests.map((request) => request.path)).toEqual(['/v1/messages', '/v1/models']);
  });
});

describe('presenting the virtual key', () => {
  it("accepts it through the SDK's authToken option (Authorization: Bearer)", async () => {
    const message = await client({ authToken: key.value }).messages.create(ask('REPLY WITH: via authToken'));
    expect(message.content).toEqual([{ type: 'text', text: 'via authToken' }]);
  });

  it("accepts it through the SDK's apiKey option", async () => {
    const sdk = new Anthropic({ baseURL: handle.url, apiKey: key.value, maxRetries: 0 });
    const message = await sdk.messages.create(ask('REPLY WITH: via apiKey'));
    expect(message.content).toEqual([{ type: 'text', text: 'via apiKey' }]);
  });

  it('accepts it in x-api-key, x-tollgate-key and x-bf-vk headers', async () => {
    for (const header of ['x-api-key', 'x-tollgate-key', 'x-bf-vk']) {
      const response = await fetch(`${handle.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', [header]: key.value },
        body: JSON.stringify(ask(`REPLY WITH: via ${header}`)),
      });
      expect(response.status, header).toBe(200);
      const body = (await response.json()) as Anthropic.Message;
      expect(body.content).toEqual([{ type: 'text', text: `via ${header}` }]);
      const row = await logRow(response.headers.get('x-tollgate-request-id'));
      expect(row.virtual_key_id, header).toBe(key.id);
    }
  });

  it('never reaches the upstream: only the provider key does, as x-api-key', async () => {
    await client({ authToken: key.value }).messages.create(ask('one'));
    await new Anthropic({ baseURL: handle.url, apiKey: key.value, maxRetries: 0 }).messages.create(ask('two'));
    await client({ authToken: key.value }).messages.stream(ask('three')).finalMessage();
    for (const header of ['x-api-key', 'x-tollgate-key', 'x-bf-vk']) {
      const response = await fetch(`${handle.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [header]: key.value },
        body: JSON.stringify(ask(header)),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }

    const seen = handle.upstream.requests;
    expect(seen).toHaveLength(6);
    for (const request of seen) {
      expect(request.headers['x-api-key']).toBe(UPSTREAM_API_KEY);
      expect(request.headers['authorization']).toBeUndefined();
      expect(request.headers['x-tollgate-key']).toBeUndefined();
      expect(request.headers['x-bf-vk']).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain(key.value);
      expect(request.rawBody.toString('utf8')).not.toContain(key.value);
    }
  });
});
