// The stream tap: bytes go to the client untouched and only whole events at a time, however the
// upstream's TCP chunks fall; what the log needs (usage, stop reason, tools, the message) is read on
// the way past.
import { describe, expect, it } from 'vitest';
import { SseTap } from '../../electron/gateway/sse-tap.js';

const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const THINKING = ['The user wants ', 'the weather — ', 'call the tool. ☂'];
const TEXT = ['Checking the ', 'forecast for ', 'Zürich, 東京 and you 🙂'];
const TOOL_INPUT = { city: 'Zürich', days: 3, units: ['metric'] };
const TOOL_JSON = JSON.stringify(TOOL_INPUT);
const SIGNATURE = 'EqQBCkYIBxgCKkCZ2sig==';

const MESSAGE_START = {
  id: 'msg_01TAPTESTxxxxxxxxxxxxxxx',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-5-5',
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: {
    input_tokens: 1_200,
    cache_creation_input_tokens: 300,
    cache_read_input_tokens: 5_000,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    output_tokens: 1,
    service_tier: 'standard',
  },
};

/** A complete stream as the Messages API sends it: thinking, text, a tool call, then the final usage. */
function fullStream(): string {
  const parts = [
    event('message_start', { type: 'message_start', message: MESSAGE_START }),
    event('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    }),
    event('ping', { type: 'ping' }),
    ...THINKING.map((thinking) =>
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking },
      }),
    ),
    event('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'signature_delta', signature: SIGNATURE },
    }),
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
    ...TEXT.map((text) =>
      event('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text } }),
    ),
    event('content_block_stop', { type: 'content_block_stop', index: 1 }),
    event('content_block_start', {
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'toolu_01WEATHER', name: 'get_weather', input: {} },
    }),
    event('content_block_delta', {
      type: 'content_block_delta',
      index: 2,
      delta: { type: 'input_json_delta', partial_json: '' },
    }),
    ...[TOOL_JSON.slice(0, 7), TOOL_JSON.slice(7, 20), TOOL_JSON.slice(20)].map((partial_json) =>
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 2,
        delta: { type: 'input_json_delta', partial_json },
      }),
    ),
    event('content_block_stop', { type: 'content_block_stop', index: 2 }),
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 87 },
    }),
    event('message_stop', { type: 'message_stop' }),
  ];
  return parts.join('');
}

/** Deterministic chunk sizes, so a failure can be replayed. */
function* randomSizes(seed: number, max: number): Generator<number, never> {
  let state = seed >>> 0;
  for (;;) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    yield 1 + (state % max);
  }
}

function chunksOf(bytes: Buffer, sizes: Iterator<number, never>): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const size = sizes.next().value;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Feeds chunks through a tap as the proxy does; returns each forwarded piece and the summary. */
function runTap(chunks: readonly Buffer[], reassemble = true) {
  const tap = new SseTap(reassemble);
  const forwarded: Buffer[] = [];
  for (const chunk of chunks) {
    const out = tap.push(chunk);
    if (out.length) forwarded.push(Buffer.from(out));
  }
  const remainder = tap.takeRemainder();
  return { forwarded, remainder: Buffer.from(remainder), summary: tap.summary(), tap };
}

describe('SseTap forwarding', () => {
  const input = Buffer.from(fullStream(), 'utf8');
  const whole = runTap([input]);

  it('forwards a stream pushed one byte at a time byte for byte, in whole events only', () => {
    const bytewise = runTap([...input].map((byte) => Buffer.from([byte])));
    expect(Buffer.concat([...bytewise.forwarded, bytewise.remainder]).equals(input)).toBe(true);
    expect(bytewise.remainder.length).toBe(0);
    for (const piece of bytewise.forwarded) expect(piece.subarray(-2).toString()).toBe('\n\n');
    // One forward per event: nothing is held back once an event is complete.
    expect(bytewise.forwarded).toHaveLength(fullStream().split('\n\n').length - 1);
    expect(bytewise.summary).toEqual(whole.summary);
  });

  it.each([1, 2, 3, 5, 8, 13])(
    'forwards a stream cut into random chunks (seed %d) unchanged, in whole events only',
    (seed) => {
      const chunks = chunksOf(input, randomSizes(seed, 97));
      const result = runTap(chunks);
      expect(Buffer.concat([...result.forwarded, result.remainder]).equals(input)).toBe(true);
      for (const piece of result.forwarded) expect(piece.subarray(-2).toString()).toBe('\n\n');
      expect(result.summary).toEqual(whole.summary);
    },
  );

  it('holds back an unfinished event until its blank line arrives', () => {
    const tap = new SseTap(false);
    const first = 'event: ping\ndata: {"type":"ping"}\n\n';
    const partial = 'event: ping\ndata: {"type":"pi';
    expect(tap.push(Buffer.from(first + partial)).toString()).toBe(first);
    expect(tap.atEventBoundary).toBe(false);
    expect(tap.push(Buffer.from('ng"}\n')).length).toBe(0);
    expect(tap.push(Buffer.from('\n')).toString()).toBe(`${partial}ng"}\n\n`);
    expect(tap.atEventBoundary).toBe(true);
  });

  it('forwards CRLF-framed events and reads them like LF-framed ones', () => {
    const crlf = Buffer.from(fullStream().replaceAll('\n', '\r\n'), 'utf8');
    for (const seed of [1, 7, 42]) {
      const result = runTap(chunksOf(crlf, randomSizes(seed, 61)));
      expect(Buffer.concat([...result.forwarded, result.remainder]).equals(crlf)).toBe(true);
      for (const piece of result.forwarded) expect(piece.subarray(-4).toString()).toBe('\r\n\r\n');
      expect(result.summary).toEqual(whole.summary);
    }
  });
});

describe('SseTap summary', () => {
  const { summary } = runTap([Buffer.from(fullStream(), 'utf8')]);

  it('takes input and cache counts from message_start and the cumulative output count from message_delta', () => {
    expect(summary.usage).toEqual({
      input_tokens: 1_200,
      output_tokens: 87,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 5_000,
      cache_creation_5m_input_tokens: 100,
      cache_creation_1h_input_tokens: 200,
    });
    expect(summary.usageEstimated).toBe(false);
    expect(summary.completed).toBe(true);
    expect(summary.model).toBe('claude-sonnet-5-5');
  });

  it('reads the stop reason and the names of the tools called', () => {
    expect(summary.stopReason).toBe('tool_use');
    expect(summary.toolNames).toEqual(['get_weather']);
  });

  it('reassembles the message: thinking with its signature, text, and tool input from partial JSON', () => {
    expect(summary.message).toEqual({
      ...MESSAGE_START,
      content: [
        { type: 'thinking', thinking: THINKING.join(''), signature: SIGNATURE },
        { type: 'text', text: TEXT.join('') },
        { type: 'tool_use', id: 'toolu_01WEATHER', name: 'get_weather', input: TOOL_INPUT },
      ],
      stop_reason: 'tool_use',
      usage: {
        input_tokens: 1_200,
        output_tokens: 87,
        cache_creation_input_tokens: 300,
        cache_read_input_tokens: 5_000,
      },
    });
  });

  it('does not reassemble the message when content capture is off, but still reads usage and tools', () => {
    const { summary: bare } = runTap([Buffer.from(fullStream(), 'utf8')], false);
    expect(bare.message).toBeNull();
    expect(bare.usage).toEqual(summary.usage);
    expect(bare.toolNames).toEqual(['get_weather']);
  });

  it('treats message_delta counts as running totals, never adding them up', () => {
    const stream =
      event('message_start', {
        type: 'message_start',
        message: { ...MESSAGE_START, usage: { input_tokens: 50, cache_read_input_tokens: 10, output_tokens: 1 } },
      }) +
      event('message_delta', { type: 'message_delta', delta: {}, usage: { output_tokens: 10 } }) +
      event('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { input_tokens: 50, cache_read_input_tokens: 10, output_tokens: 25 },
      }) +
      event('message_stop', { type: 'message_stop' });
    const { summary: repeated } = runTap([Buffer.from(stream)]);
    expect(repeated.usage).toMatchObject({ input_tokens: 50, cache_read_input_tokens: 10, output_tokens: 25 });
    expect(repeated.stopReason).toBe('end_turn');
  });

  it('counts server-side web searches and names server tools', () => {
    const stream =
      event('message_start', {
        type: 'message_start',
        message: { ...MESSAGE_START, usage: { input_tokens: 10, output_tokens: 1 } },
      }) +
      event('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: {} },
      }) +
      event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      event('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 40, server_tool_use: { web_search_requests: 2 } },
      }) +
      event('message_stop', { type: 'message_stop' });
    const { summary: searched } = runTap([Buffer.from(stream)]);
    expect(searched.toolNames).toEqual(['web_search']);
    expect(searched.usage.web_search_requests).toBe(2);
  });

  it('keeps the stop sequence that ended the message in the reassembled message', () => {
    const stream =
      event('message_start', { type: 'message_start', message: MESSAGE_START }) +
      event('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }) +
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'one two' },
      }) +
      event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      event('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'stop_sequence', stop_sequence: '###' },
        usage: { output_tokens: 3 },
      }) +
      event('message_stop', { type: 'message_stop' });
    const { summary: stopped } = runTap([Buffer.from(stream)]);
    expect(stopped.message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '###' });
  });

  it('reports an error event sent inside the stream', () => {
    const stream =
      event('message_start', { type: 'message_start', message: MESSAGE_START }) +
      event('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const { summary: failed } = runTap([Buffer.from(stream)]);
    expect(failed.streamError).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(failed.completed).toBe(false);
  });
});

describe('SseTap on a stream cut short', () => {
  /** Everything up to (not including) the message_delta: the final usage never arrives. */
  const cut = (): string => fullStream().split('event: message_delta')[0] ?? '';

  it('estimates output tokens from the streamed text and flags the usage as estimated', () => {
    const streamedChars = THINKING.join('').length + TEXT.join('').length + TOOL_JSON.length;
    const { summary } = runTap([Buffer.from(cut(), 'utf8')]);
    expect(summary.completed).toBe(false);
    expect(summary.usageEstimated).toBe(true);
    expect(summary.usage.output_tokens).toBe(Math.ceil(streamedChars / 4));
    expect(summary.usage.input_tokens).toBe(1_200);
    expect(summary.stopReason).toBeNull();
  });

  it('hands back an unfinished last event as the remainder, so no byte is lost', () => {
    const truncated = Buffer.from(cut() + 'event: content_block_delta\ndata: {"type":"content_bl', 'utf8');
    const result = runTap(chunksOf(truncated, randomSizes(3, 40)));
    expect(result.remainder.toString()).toBe('event: content_block_delta\ndata: {"type":"content_bl');
    expect(Buffer.concat([...result.forwarded, result.remainder]).equals(truncated)).toBe(true);
    expect(result.tap.atEventBoundary).toBe(true);
    expect(result.summary.usageEstimated).toBe(true);
  });
});
