// The accounting rules real Anthropic streams showed (see ../shared/fixtures/anthropic-real/index.json):
// the latest reported figure of each usage field is the one booked, cache writes the 5m/1h split does not
// cover are billed at the 5-minute rate, usage.iterations is billed step by step at each step's model,
// MCP tool calls are named, compaction content is kept, and a request that declares server tools is
// reserved for the loop the API runs on its side. Prices come from the real built-in table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SseTap, mergeUsage, toolNamesOf } from '../../electron/gateway/sse-tap.js';
import { serverLoopOf } from '../../electron/governance/ledger.js';
import { worstCaseMicros } from '../../electron/governance/reservation.js';
import { billRequest } from '../../electron/pricing/bill.js';
import { loadBuiltinCatalog } from '../../electron/pricing/catalog.js';
import { costMicros, emptyUsage, type TokenUsage } from '../../electron/pricing/cost.js';
import { PriceBook } from '../../electron/pricing/price-book.js';
import { openDatabase, type Db } from '../../electron/store/database.js';
import { PriceStore } from '../../electron/store/prices.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const event = (data: Record<string, unknown>): string =>
  `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;

let db: Db;
let book: PriceBook;

beforeEach(() => {
  db = openDatabase(':memory:');
  const store = new PriceStore(db);
  const catalog = loadBuiltinCatalog();
  store.seedBuiltins(catalog.prices, Date.parse('2026-11-01T00:00:00Z'));
  book = new PriceBook(catalog.models, store.versions());
});

afterEach(() => db.close());

const usage = (partial: Partial<TokenUsage>): TokenUsage => ({ ...emptyUsage(), ...partial });
const rates = (model: string) => book.resolve(model, NOW).version.rates;

describe('merging stream usage', () => {
  it('books the latest reported value of each field, whether it grew past message_start or came in lower', () => {
    const booked = emptyUsage();
    mergeUsage(booked, {
      input_tokens: 100,
      cache_read_input_tokens: 55_096,
      output_tokens: 7,
      cache_creation: { ephemeral_5m_input_tokens: 3_068, ephemeral_1h_input_tokens: 0 },
    });
    mergeUsage(booked, { input_tokens: 22_397, cache_read_input_tokens: 0, output_tokens: 8 });
    expect(booked).toMatchObject({ input_tokens: 22_397, cache_read_input_tokens: 0, output_tokens: 8 });
    // The split only ever comes in message_start: a later event that leaves it out keeps it.
    expect(booked.cache_creation_5m_input_tokens).toBe(3_068);
  });

  it('keeps a field an event leaves out, and never adds message_start output to the final count', () => {
    const booked = emptyUsage();
    mergeUsage(booked, { input_tokens: 92, output_tokens: 88 });
    mergeUsage(booked, { output_tokens: 189 });
    expect(booked).toMatchObject({ input_tokens: 92, output_tokens: 189 });
  });

  it('reads server-tool counts and the iterations behind the top-level figures', () => {
    const booked = emptyUsage();
    mergeUsage(booked, {
      input_tokens: 2_411,
      output_tokens: 145,
      server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 },
      iterations: [
        { type: 'message', input_tokens: 1_128, output_tokens: 135 },
        { type: 'advisor_message', model: 'claude-opus-4-8', input_tokens: 2_543, output_tokens: 18 },
      ],
    });
    expect(booked.web_search_requests).toBe(2);
    expect(booked.web_fetch_requests).toBe(1);
    expect(booked.iterations).toEqual([
      {
        type: 'message',
        input_tokens: 1_128,
        output_tokens: 135,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
      {
        type: 'advisor_message',
        model: 'claude-opus-4-8',
        input_tokens: 2_543,
        output_tokens: 18,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    ]);
  });
});

describe('cache writes', () => {
  it('bills writes the 5m/1h split does not cover at the 5-minute rate, never at zero', () => {
    const sonnet = book.resolve('claude-sonnet-4-6', NOW).version;
    const uncovered = usage({
      cache_creation_input_tokens: 3_337,
      cache_creation_5m_input_tokens: 3_068,
      cache_creation_1h_input_tokens: 0,
    });
    expect(costMicros(sonnet, uncovered)).toBe(Math.round((3_337 * sonnet.rates.cache_write_5m) / 1e6));
    const mixed = usage({ cache_creation_input_tokens: 1_000, cache_creation_1h_input_tokens: 600 });
    expect(costMicros(sonnet, mixed)).toBe(
      Math.round((400 * sonnet.rates.cache_write_5m + 600 * sonnet.rates.cache_write_1h) / 1e6),
    );
  });
});

describe('billing usage.iterations', () => {
  it('prices an advisor step at its own model, beside the request model, and says so per model', () => {
    const bill = billRequest(
      book,
      'claude-sonnet-5',
      usage({
        input_tokens: 2_411,
        output_tokens: 145,
        iterations: [
          {
            type: 'message',
            input_tokens: 1_128,
            output_tokens: 135,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
          {
            type: 'advisor_message',
            model: 'claude-opus-4-8',
            input_tokens: 2_543,
            output_tokens: 18,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
          {
            type: 'message',
            input_tokens: 1_283,
            output_tokens: 10,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        ],
      }),
      NOW,
    );
    const sonnet = Math.round((2_411 * rates('claude-sonnet-5').input + 145 * rates('claude-sonnet-5').output) / 1e6);
    const opus = Math.round((2_543 * rates('claude-opus-4-8').input + 18 * rates('claude-opus-4-8').output) / 1e6);
    expect(bill.byModel.map((line) => [line.model, line.input_tokens, line.output_tokens, line.cost_micros])).toEqual([
      ['claude-sonnet-5', 2_411, 145, sonnet],
      ['claude-opus-4-8', 2_543, 18, opus],
    ]);
    expect(bill.byModel[0]?.iteration_types).toEqual(['message', 'message']);
    expect(bill.costMicros).toBe(sonnet + opus);
    expect(bill.estimated).toBe(false);
  });

  it('bills a compaction step whose cache write the top-level usage does not show', () => {
    const top = usage({ input_tokens: 229, output_tokens: 5 });
    const withSteps: TokenUsage = {
      ...top,
      iterations: [
        {
          type: 'compaction',
          input_tokens: 100,
          output_tokens: 131,
          cache_creation_input_tokens: 55_096,
          cache_read_input_tokens: 0,
          cache_creation_5m_input_tokens: 55_096,
          cache_creation_1h_input_tokens: 0,
        },
        {
          type: 'message',
          input_tokens: 229,
          output_tokens: 5,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      ],
    };
    const r = rates('claude-sonnet-4-6');
    const bill = billRequest(book, 'claude-sonnet-4-6', withSteps, NOW);
    expect(bill.costMicros).toBe(Math.round((329 * r.input + 136 * r.output + 55_096 * r.cache_write_5m) / 1e6));
    expect(bill.costMicros).toBeGreaterThan(100 * billRequest(book, 'claude-sonnet-4-6', top, NOW).costMicros);
    expect(bill.byModel).toMatchObject([
      { cache_creation_5m_input_tokens: 55_096, iteration_types: ['compaction', 'message'] },
    ]);
  });

  it('adds web search fees once, on the request model', () => {
    const bill = billRequest(
      book,
      'claude-sonnet-4-6',
      usage({
        web_search_requests: 3,
        iterations: [
          {
            type: 'message',
            input_tokens: 10,
            output_tokens: 1,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        ],
      }),
      NOW,
    );
    const r = rates('claude-sonnet-4-6');
    expect(bill.costMicros).toBe(Math.round((10 * r.input + r.output) / 1e6) + 30_000);
  });
});

describe('what a stream names and keeps', () => {
  it('names MCP tool calls with the client and server tools, and reassembles compaction content', () => {
    const tap = new SseTap(true);
    const stream = [
      event({
        type: 'message_start',
        message: { id: 'msg_1', model: 'claude-sonnet-4-6', usage: { input_tokens: 5, output_tokens: 1 } },
      }),
      event({ type: 'content_block_start', index: 0, content_block: { type: 'compaction', content: null } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'compaction_delta', content: 'Summary so far.' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({
        type: 'content_block_start',
        index: 1,
        content_block: {
          type: 'mcp_tool_use',
          id: 'mcptoolu_1',
          name: 'ask_question',
          input: {},
          server_name: 'deepwiki',
        },
      }),
      event({ type: 'content_block_stop', index: 1 }),
      event({
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
      }),
      event({ type: 'content_block_stop', index: 2 }),
      event({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } }),
      event({ type: 'message_stop' }),
    ].join('');
    tap.push(Buffer.from(stream));
    const summary = tap.summary();
    expect(summary.toolNames).toEqual(['ask_question', 'weather']);
    expect(summary.message?.content).toMatchObject([
      { type: 'compaction', content: 'Summary so far.' },
      { type: 'mcp_tool_use' },
      {},
    ]);
    expect(tap.ended).toBe(true);
    expect(
      toolNamesOf({
        content: [
          { type: 'mcp_tool_use', name: 'ask_question' },
          { type: 'text', text: 'x' },
        ],
      }),
    ).toEqual(['ask_question']);
  });

  it('books an error-ended stream at the usage the API reported, without estimating from streamed text', () => {
    const tap = new SseTap(false);
    tap.push(
      Buffer.from(
        event({
          type: 'message_start',
          message: { model: 'claude-sonnet-4-6', usage: { input_tokens: 43, output_tokens: 1 } },
        }) +
          event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }) +
          event({
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'thinking_delta', thinking: 'x'.repeat(400) },
          }) +
          event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ),
    );
    expect(tap.summary()).toMatchObject({ usage: { input_tokens: 43, output_tokens: 1 }, usageEstimated: false });
    expect(tap.ended).toBe(true);
  });
});

describe('reserving requests that run server tools', () => {
  it('reserves the loop the API runs for a request declaring web search, bounded by max_uses', () => {
    const sonnet = book.resolve('claude-sonnet-4-6', NOW).version;
    const body = 8_000;
    const plain = worstCaseMicros(sonnet, body, 1_024);
    const search = serverLoopOf({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    const capped = serverLoopOf({ tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }] });
    expect(search).toEqual({ steps: 10 });
    expect(capped).toEqual({ steps: 2 });
    // A recorded ten-search request used 404,500 input tokens from a body of about 2,500.
    expect(worstCaseMicros(sonnet, body, 1_024, search)).toBeGreaterThan(
      plain + Math.round((404_500 * sonnet.rates.input) / 1e6),
    );
    expect(worstCaseMicros(sonnet, body, 1_024, capped)).toBeLessThan(worstCaseMicros(sonnet, body, 1_024, search));
  });

  it('treats client tools and clearing edits as no loop, MCP servers as one, and compaction as one more step', () => {
    expect(
      serverLoopOf({
        tools: [
          { name: 'Bash', input_schema: {} },
          { type: 'custom', name: 'x' },
        ],
      }),
    ).toBeNull();
    expect(serverLoopOf({ tools: [{ type: 'bash_20250124', name: 'bash' }] })).toBeNull();
    expect(serverLoopOf({ mcp_servers: [{ type: 'url', url: 'https://example.invalid' }] })).toEqual({ steps: 10 });
    expect(serverLoopOf({ context_management: { edits: [{ type: 'compact_20260112' }] } })).toEqual({ steps: 2 });
    // Claude Code's clearing edits do not loop.
    expect(
      serverLoopOf({
        context_management: { edits: [{ type: 'clear_tool_uses_20250919' }, { type: 'clear_thinking_20251015' }] },
      }),
    ).toBeNull();
  });
});
