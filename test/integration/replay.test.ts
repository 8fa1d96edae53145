// Real Anthropic responses (shared/fixtures/anthropic-real) replayed through Tollgate to the official
// SDK: the client must get the recorded bytes untouched, and the log must book what the API reported —
// the final cumulative usage, steps hidden in usage.iterations at their own models, server-tool counts,
// stop reason and tools — at a cost worked out here from the built-in price table, not by the gateway.
import Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinCatalog } from '../../electron/pricing/catalog.js';
import { ratesFor } from '../../electron/pricing/cost.js';
import { PriceBook } from '../../electron/pricing/price-book.js';
import { openDatabase } from '../../electron/store/database.js';
import { PriceStore } from '../../electron/store/prices.js';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';
import {
  loadRecordings,
  recordedBlock,
  recordingBytes,
  RECORDINGS_DIR,
  REPLAY_HEADER,
  requestModelOf,
  startReplayUpstream,
  type BilledPart,
  type Recording,
  type ReplayUpstream,
} from '../support/recordings.js';

const recordings = loadRecordings();

/** Anthropic's server-side web search: $10 per 1,000 searches. */
const WEB_SEARCH_MICROS = 10_000;
/** Block types whose reassembled content the log's captured response must keep. */
const CAPTURED_BLOCK_TYPES = ['compaction', 'mcp_tool_use'];

let replay: ReplayUpstream;
let handle: TestGateway;
let priceBook: PriceBook;

beforeAll(async () => {
  if (RECORDINGS_DIR === null) return;
  replay = await startReplayUpstream({ apiKey: UPSTREAM_API_KEY });
  handle = await startTestGateway({ gateway: { anthropicBaseUrl: replay.url } });
  priceBook = builtinPriceBook();
});

afterAll(async () => {
  if (RECORDINGS_DIR === null) return;
  await handle.close();
  await replay.close();
});

if (RECORDINGS_DIR === null) {
  console.log(
    'replay test skipped: ../shared/fixtures/anthropic-real is not beside the project (set TOLLGATE_RECORDINGS_DIR to where it is)',
  );
}

describe.skipIf(RECORDINGS_DIR === null)('real recorded Anthropic responses replayed through Tollgate', () => {
  it('finds every recording the index describes, intact', () => {
    expect(recordings).toHaveLength(25);
    for (const recording of recordings) {
      const bytes = recordingBytes(recording);
      expect(bytes.length, recording.file).toBe(recording.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), recording.file).toBe(recording.sha256);
    }
  });

  it.each(recordings.map((recording) => [recording.file, recording] as const))(
    'replays %s byte for byte and books its usage, cost, stop reason and tools',
    async (_file, recording) => {
      const key = await handle.createKey(recording.file);
      const params: Anthropic.Beta.MessageCreateParamsNonStreaming = {
        model: requestModelOf(recording),
        max_tokens: 1024,
        messages: [{ role: 'user', content: `Replay ${recording.file}` }],
      };

      const rawRequestId = await expectRecordedBytes(recording, key.value, params);
      const sdkRequestId = await expectAssembledBySdk(recording, key.value, params);

      const forwarded = replay.replayed.filter((request) => request.file === recording.file);
      expect(forwarded.map((request) => (request.json as { model?: unknown }).model)).toEqual([
        params.model,
        params.model,
      ]);
      const rows = await logRows(key.id, { 'raw request': rawRequestId, 'SDK request': sdkRequestId });
      for (const [label, row] of Object.entries(rows)) {
        expect(bookingOf(row), label).toEqual(expectedBooking(recording, row.created_at_ms));
        if (recording.expected.ends_in_error) {
          // Overloaded after message_start: the row still exists, is an error, and charges the prompt.
          expect(row, label).toMatchObject({ status: 'error', error_type: 'overloaded_error', input_tokens: 43 });
          expect(row.cost_micros, label).toBeGreaterThan(0);
        }
        await expectCapturedBlocks(recording, row, label);
      }
    },
  );
});

// ---- what the client sees -----------------------------------------------------------------------

/** (a) One raw request, so the body can be compared with the file byte for byte; returns its request id. */
async function expectRecordedBytes(
  recording: Recording,
  keyValue: string,
  params: Anthropic.Beta.MessageCreateParamsNonStreaming,
): Promise<string> {
  const stream = recording.format === 'sse';
  const response = await fetch(`${handle.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': keyValue,
      [REPLAY_HEADER]: recording.file,
    },
    body: JSON.stringify({ ...params, stream }),
  });
  const received = Buffer.from(await response.arrayBuffer());
  const recorded = recordingBytes(recording);

  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(stream ? 'text/event-stream' : 'application/json');
  expect(
    firstDifference(received, recorded),
    `offset of the first differing byte (${received.length} bytes received, ${recorded.length} recorded)`,
  ).toBe(-1);
  return requestIdOf(response.headers);
}

/** (b) The SDK, streaming for .sse and not for .json, assembles the recorded message; returns the request id. */
async function expectAssembledBySdk(
  recording: Recording,
  keyValue: string,
  params: Anthropic.Beta.MessageCreateParamsNonStreaming,
): Promise<string> {
  const client = new Anthropic({
    baseURL: handle.url,
    apiKey: keyValue,
    maxRetries: 0,
    defaultHeaders: { [REPLAY_HEADER]: recording.file },
  });
  if (recording.format === 'json') {
    const { data: message, response } = await client.beta.messages.create(params).withResponse();
    expectRecordedMessage(message, recording);
    return requestIdOf(response.headers);
  }

  const stream = client.beta.messages.stream(params);
  if (recording.expected.ends_in_error) {
    const error = await stream.finalMessage().then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe(recording.expected.error_type);
  } else {
    expectRecordedMessage(await stream.finalMessage(), recording);
  }
  const { response } = await stream.withResponse();
  return requestIdOf(response.headers);
}

function expectRecordedMessage(message: Anthropic.Beta.BetaMessage, recording: Recording): void {
  expect({
    id: message.id,
    stop_reason: message.stop_reason,
    block_types: message.content.map((block) => block.type),
  }).toEqual({
    id: recording.message_id,
    stop_reason: recording.expected.stop_reason,
    block_types: recording.expected.content.block_types,
  });
}

function requestIdOf(headers: Headers): string {
  const id = headers.get('x-tollgate-request-id');
  if (id === null) throw new Error('the gateway answered without x-tollgate-request-id');
  return id;
}

function firstDifference(a: Buffer, b: Buffer): number {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : shorter;
}

// ---- what the log books -------------------------------------------------------------------------

/** The row of each labelled request id (the key is this recording's own), polled for with a deadline. */
async function logRows(keyId: string, requestIds: Record<string, string>): Promise<Record<string, LogEntry>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { status, body } = await handle.admin<{ logs: LogEntry[] }>(
      'GET',
      `/api/logs?vk=${encodeURIComponent(keyId)}&limit=10`,
    );
    expect(status).toBe(200);
    const rows: Record<string, LogEntry> = {};
    for (const [label, id] of Object.entries(requestIds)) {
      const row = body.logs.find((entry) => entry.request_id === id);
      if (row) rows[label] = row;
    }
    if (Object.keys(rows).length === Object.keys(requestIds).length) return rows;
    if (Date.now() > deadline) throw new Error(`no log rows for ${Object.values(requestIds).join(', ')} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The fields a booking is judged on, in an order-insensitive form, so one diff shows every mismatch. */
function bookingOf(row: LogEntry) {
  return {
    status: row.status,
    error_type: row.error_type,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cache_creation_input_tokens: row.cache_creation_input_tokens,
    cache_read_input_tokens: row.cache_read_input_tokens,
    web_search_requests: row.web_search_requests,
    web_fetch_requests: row.web_fetch_requests,
    stop_reason: row.stop_reason,
    tool_names: [...row.tool_names].sort(),
    usage_by_model: row.usage_by_model
      .map((part) => ({
        model: part.model,
        input_tokens: part.input_tokens,
        output_tokens: part.output_tokens,
        cache_creation_input_tokens: part.cache_creation_input_tokens,
        cache_read_input_tokens: part.cache_read_input_tokens,
        cache_creation_5m_input_tokens: part.cache_creation_5m_input_tokens,
        cache_creation_1h_input_tokens: part.cache_creation_1h_input_tokens,
        iteration_types: part.iteration_types,
      }))
      .sort(byModel),
    cost_micros: row.cost_micros,
    cost_estimated: row.cost_estimated,
  };
}

/** (c) What the index says the row must hold, with the cost priced here; `at` picks the price in force. */
function expectedBooking(recording: Recording, at: number): ReturnType<typeof bookingOf> {
  const { expected } = recording;
  const parts = billedParts(recording);
  const priced = parts.every((part) => priceBook.catalogModelFor(part.model) !== null);
  return {
    status: expected.ends_in_error ? 'error' : 'success',
    error_type: expected.error_type,
    input_tokens: expected.input_tokens,
    output_tokens: expected.output_tokens,
    cache_creation_input_tokens: expected.cache_creation_input_tokens,
    cache_read_input_tokens: expected.cache_read_input_tokens,
    web_search_requests: expected.web_search_requests,
    web_fetch_requests: expected.web_fetch_requests,
    stop_reason: expected.stop_reason,
    tool_names: [...expected.tool_use_names, ...expected.server_tool_use_names].sort(),
    usage_by_model: (expected.billed_by_iterations ?? [])
      .map((part) => ({
        model: part.model,
        input_tokens: part.input_tokens,
        output_tokens: part.output_tokens,
        cache_creation_input_tokens: part.cache_creation_input_tokens,
        cache_read_input_tokens: part.cache_read_input_tokens,
        cache_creation_5m_input_tokens: part.ephemeral_5m_input_tokens,
        cache_creation_1h_input_tokens: part.ephemeral_1h_input_tokens,
        iteration_types: part.iteration_types,
      }))
      .sort(byModel),
    // A model outside the catalogue is priced by family or worst case: flagged, and not checked to the micro.
    cost_micros: priced ? costMicros(parts, expected.web_search_requests, at) : expect.any(Number),
    cost_estimated: !priced,
  };
}

/** What the request is billed for: each model's sum of usage.iterations when present, else the top-level usage. */
function billedParts(recording: Recording): BilledPart[] {
  const { expected } = recording;
  return (
    expected.billed_by_iterations ?? [
      {
        model: recording.model,
        input_tokens: expected.input_tokens,
        output_tokens: expected.output_tokens,
        cache_creation_input_tokens: expected.cache_creation_input_tokens,
        cache_read_input_tokens: expected.cache_read_input_tokens,
        ephemeral_5m_input_tokens: expected.ephemeral_5m_input_tokens ?? 0,
        ephemeral_1h_input_tokens: expected.ephemeral_1h_input_tokens ?? 0,
        iteration_types: ['message'],
      },
    ]
  );
}

/** Each part at its own model's built-in price (rates are micro-dollars per million tokens), plus search fees. */
function costMicros(parts: BilledPart[], webSearches: number, at: number): number {
  let micros = webSearches * WEB_SEARCH_MICROS;
  for (const part of parts) {
    const model = priceBook.catalogModelFor(part.model);
    const version = model && priceBook.versionAt(model.id, at);
    if (!version) throw new Error(`the built-in table has no price for ${part.model} at ${new Date(at).toISOString()}`);
    const rates = ratesFor(version, part);
    // Cache writes the 5m/1h split does not cover are 5-minute writes, the API's default TTL.
    const write1h = part.ephemeral_1h_input_tokens;
    const write5m = part.cache_creation_input_tokens - write1h;
    const units =
      part.input_tokens * rates.input +
      part.output_tokens * rates.output +
      write5m * rates.cache_write_5m +
      write1h * rates.cache_write_1h +
      part.cache_read_input_tokens * rates.cache_read;
    micros += Math.round(units / 1_000_000);
  }
  return micros;
}

/** (e) The captured response keeps compaction and MCP tool blocks as the recording reassembles them. */
async function expectCapturedBlocks(recording: Recording, row: LogEntry, label: string): Promise<void> {
  const types = CAPTURED_BLOCK_TYPES.filter((type) => recording.expected.content.block_types.includes(type));
  if (types.length === 0) return;
  const { status, body } = await handle.admin<{ response: { content?: unknown[] } | null }>(
    'GET',
    `/api/logs/${row.id}`,
  );
  expect(status).toBe(200);
  for (const type of types) {
    const block = recordedBlock(recording, type);
    expect(block, `${recording.file} has a ${type} block`).toBeDefined();
    expect(body.response?.content, `${label}: captured ${type}`).toContainEqual(expect.objectContaining(block));
  }
}

/** The built-in table as a fresh gateway holds it: the catalogue seeded into a PriceStore. */
function builtinPriceBook(): PriceBook {
  const catalog = loadBuiltinCatalog();
  const db = openDatabase(':memory:');
  try {
    const store = new PriceStore(db);
    store.seedBuiltins(catalog.prices, Date.now());
    return new PriceBook(catalog.models, store.versions());
  } finally {
    db.close();
  }
}

const byModel = (a: { model: string }, b: { model: string }): number => a.model.localeCompare(b.model);
