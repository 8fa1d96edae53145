// Watches an Anthropic SSE stream on its way to the client. It hands bytes on as soon as an event is
// complete (so a failure mid-stream can still be closed with a well-formed error event), and reads
// from the events what the log needs: usage, stop reason, tool names and the reassembled message.
import type { IterationUsage, TokenUsage } from '../pricing/cost.js';
import { emptyUsage } from '../pricing/cost.js';
import { isRecord } from '../store/content-store.js';

export interface TapSummary {
  usage: TokenUsage;
  /** True when output tokens were estimated from streamed text because the final usage never came. */
  usageEstimated: boolean;
  stopReason: string | null;
  toolNames: string[];
  model: string | null;
  /** The message the events describe, as a non-streaming response would have returned it. */
  message: Record<string, unknown> | null;
  /** An `error` event the upstream sent inside the stream. */
  streamError: { type: string; message: string } | null;
  completed: boolean;
}

const CHARS_PER_TOKEN_ESTIMATE = 4;

export class SseTap {
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoder = new TextDecoder();
  private readonly usage: TokenUsage = emptyUsage();
  private sawFinalUsage = false;
  private streamedChars = 0;
  private stopReason: string | null = null;
  private readonly toolNames: string[] = [];
  private model: string | null = null;
  private message: Record<string, unknown> | null = null;
  private readonly blocks: Record<string, unknown>[] = [];
  private readonly partialJson = new Map<number, string>();
  private streamError: TapSummary['streamError'] = null;
  private completed = false;

  constructor(
    private readonly reassemble: boolean,
    /** Told the usage so far each time an event reports it, so an interrupted request's spend is known. */
    private readonly onUsage: (usage: TokenUsage) => void = () => {},
  ) {}

  /** True once the stream's last event (message_stop, or an error) has been read. */
  get ended(): boolean {
    return this.completed || this.streamError !== null;
  }

  /** Takes upstream bytes; returns the bytes of every event now complete, to forward to the client. */
  push(chunk: Buffer): Buffer {
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const end = lastEventEnd(data);
    if (end === 0) {
      this.pending = data;
      return EMPTY;
    }
    this.pending = end === data.length ? EMPTY : data.subarray(end);
    const complete = data.subarray(0, end);
    this.readEvents(this.decoder.decode(complete, { stream: true }));
    return complete;
  }

  /** Bytes of an unfinished event at the end of the stream. */
  takeRemainder(): Buffer {
    const rest = this.pending;
    this.pending = EMPTY;
    if (rest.length) this.readEvents(this.decoder.decode(rest) + '\n\n');
    return rest;
  }

  /** Whether the last forwarded byte ended an event, i.e. a new event can be appended cleanly. */
  get atEventBoundary(): boolean {
    return this.pending.length === 0;
  }

  summary(): TapSummary {
    const usage = { ...this.usage };
    let usageEstimated = false;
    // A stream cut off (client gone, connection broken) is billed for what it streamed; one the API ended
    // with an error event carries the API's own final word on usage.
    if (!this.sawFinalUsage && this.streamError === null && this.streamedChars > 0) {
      usage.output_tokens = Math.max(usage.output_tokens, Math.ceil(this.streamedChars / CHARS_PER_TOKEN_ESTIMATE));
      usageEstimated = true;
    }
    return {
      usage,
      usageEstimated,
      stopReason: this.stopReason,
      toolNames: [...this.toolNames],
      model: this.model,
      message: this.message && {
        ...this.message,
        content: this.blocks,
        stop_reason: this.stopReason,
        usage: toApiUsage(usage),
      },
      streamError: this.streamError,
      completed: this.completed,
    };
  }

  private readEvents(text: string): void {
    for (const raw of text.split(/\r?\n\r?\n/)) {
      if (!raw) continue;
      let data = '';
      for (const line of raw.split(/\r?\n/)) {
        if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line[5] === ' ' ? 6 : 5);
      }
      if (!data) continue;
      let event: unknown;
      try {
        event = JSON.parse(data);
      } catch {
        continue; // not ours to judge: the client gets the bytes as sent
      }
      if (isRecord(event)) this.onEvent(event);
    }
  }

  private onEvent(event: Record<string, unknown>): void {
    switch (event.type) {
      case 'message_start': {
        const message = event.message;
        if (!isRecord(message)) return;
        if (typeof message.model === 'string') this.model = message.model;
        if (isRecord(message.usage)) {
          mergeUsage(this.usage, message.usage);
          this.onUsage(this.usage);
        }
        if (this.reassemble) this.message = { ...message };
        return;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (!isRecord(block)) return;
        if (isToolCall(block)) this.toolNames.push(block.name);
        if (this.reassemble && typeof event.index === 'number') this.blocks[event.index] = { ...block };
        return;
      }
      case 'content_block_delta':
        this.onDelta(event);
        return;
      case 'content_block_stop': {
        if (!this.reassemble || typeof event.index !== 'number') return;
        const json = this.partialJson.get(event.index);
        const block = this.blocks[event.index];
        if (json !== undefined && block) {
          try {
            block.input = JSON.parse(json || '{}') as unknown;
          } catch {
            block.input = json;
          }
          this.partialJson.delete(event.index);
        }
        return;
      }
      case 'message_delta': {
        const delta = event.delta;
        if (isRecord(delta) && typeof delta.stop_reason === 'string') this.stopReason = delta.stop_reason;
        if (this.message && isRecord(delta) && delta.stop_sequence !== undefined) {
          this.message.stop_sequence = delta.stop_sequence;
        }
        if (isRecord(event.usage)) {
          mergeUsage(this.usage, event.usage);
          this.sawFinalUsage = true;
          this.onUsage(this.usage);
        }
        return;
      }
      case 'message_stop':
        this.completed = true;
        return;
      case 'error': {
        const error = event.error;
        if (isRecord(error)) {
          this.streamError = {
            type: typeof error.type === 'string' ? error.type : 'api_error',
            message: typeof error.message === 'string' ? error.message : '',
          };
        }
        return;
      }
    }
  }

  private onDelta(event: Record<string, unknown>): void {
    const delta = event.delta;
    if (!isRecord(delta) || typeof event.index !== 'number') return;
    const piece =
      typeof delta.text === 'string'
        ? delta.text
        : typeof delta.thinking === 'string'
          ? delta.thinking
          : typeof delta.partial_json === 'string'
            ? delta.partial_json
            : delta.type === 'compaction_delta' && typeof delta.content === 'string'
              ? delta.content
              : '';
    this.streamedChars += piece.length;
    if (!this.reassemble) return;
    const block = this.blocks[event.index];
    if (!block) return;
    switch (delta.type) {
      case 'text_delta':
        block.text = textOf(block.text) + piece;
        return;
      case 'thinking_delta':
        block.thinking = textOf(block.thinking) + piece;
        return;
      case 'signature_delta':
        block.signature = delta.signature;
        return;
      case 'input_json_delta':
        this.partialJson.set(event.index, (this.partialJson.get(event.index) ?? '') + piece);
        return;
      case 'compaction_delta':
        block.content = textOf(block.content) + piece;
        return;
      case 'citations_delta':
        block.citations = [...(Array.isArray(block.citations) ? (block.citations as unknown[]) : []), delta.citation];
        return;
    }
  }
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

const EMPTY = Buffer.alloc(0);
const LF_LF = Buffer.from('\n\n');
const CRLF_CRLF = Buffer.from('\r\n\r\n');

function lastEventEnd(data: Buffer): number {
  const lf = data.lastIndexOf(LF_LF);
  const crlf = data.lastIndexOf(CRLF_CRLF);
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4);
}

/** More tokens than any request could use: a figure above it is not believed (and would not fit the store). */
const MAX_TOKEN_COUNT = 1_000_000_000;
/** Sampling steps kept from usage.iterations; the API runs at most a few dozen. */
const MAX_ITERATIONS = 256;

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TOKEN_COUNT
    ? Math.floor(value)
    : undefined;

/**
 * Folds an API `usage` object into ours. Every figure the API reports is a running total for the whole
 * request (message_delta repeats input and cache counts, which grow past message_start's when server
 * tools run, and may also come in lower), so the latest value of each field wins; a field an event
 * leaves out keeps the value reported before. message_start's output count is a running count too,
 * replaced by the final one, never added to it.
 */
export function mergeUsage(target: TokenUsage, usage: Record<string, unknown>): void {
  target.input_tokens = count(usage.input_tokens) ?? target.input_tokens;
  target.output_tokens = count(usage.output_tokens) ?? target.output_tokens;
  target.cache_creation_input_tokens = count(usage.cache_creation_input_tokens) ?? target.cache_creation_input_tokens;
  target.cache_read_input_tokens = count(usage.cache_read_input_tokens) ?? target.cache_read_input_tokens;
  const split = cacheSplitOf(usage);
  if (split.fiveMinute !== undefined) target.cache_creation_5m_input_tokens = split.fiveMinute;
  if (split.oneHour !== undefined) target.cache_creation_1h_input_tokens = split.oneHour;
  const serverTools = usage.server_tool_use;
  if (isRecord(serverTools)) {
    const searches = count(serverTools.web_search_requests);
    const fetches = count(serverTools.web_fetch_requests);
    if (searches !== undefined) target.web_search_requests = searches;
    if (fetches !== undefined) target.web_fetch_requests = fetches;
  }
  if (Array.isArray(usage.iterations))
    target.iterations = usage.iterations.slice(0, MAX_ITERATIONS).flatMap(iterationOf);
}

function cacheSplitOf(usage: Record<string, unknown>): { fiveMinute?: number; oneHour?: number } {
  const split = usage.cache_creation;
  if (!isRecord(split)) return {};
  return { fiveMinute: count(split.ephemeral_5m_input_tokens), oneHour: count(split.ephemeral_1h_input_tokens) };
}

function iterationOf(value: unknown): IterationUsage[] {
  if (!isRecord(value)) return [];
  const split = cacheSplitOf(value);
  return [
    {
      type: typeof value.type === 'string' ? value.type.slice(0, 64) : 'message',
      ...(typeof value.model === 'string' && value.model && { model: value.model.slice(0, 200) }),
      input_tokens: count(value.input_tokens) ?? 0,
      output_tokens: count(value.output_tokens) ?? 0,
      cache_creation_input_tokens: count(value.cache_creation_input_tokens) ?? 0,
      cache_read_input_tokens: count(value.cache_read_input_tokens) ?? 0,
      ...(split.fiveMinute !== undefined && { cache_creation_5m_input_tokens: split.fiveMinute }),
      ...(split.oneHour !== undefined && { cache_creation_1h_input_tokens: split.oneHour }),
    },
  ];
}

export function usageFromMessage(message: unknown): TokenUsage {
  const usage = emptyUsage();
  if (isRecord(message) && isRecord(message.usage)) mergeUsage(usage, message.usage);
  return usage;
}

function toApiUsage(usage: TokenUsage): Record<string, unknown> {
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    ...(usage.iterations && { iterations: usage.iterations }),
  };
}

/** Tool names from a non-streaming response's content blocks. */
export function toolNamesOf(message: unknown): string[] {
  if (!isRecord(message) || !Array.isArray(message.content)) return [];
  return message.content.flatMap((block: unknown) => (isRecord(block) && isToolCall(block) ? [block.name] : []));
}

/** Client tools, server tools (web search, code execution, advisor…) and tools of MCP servers the API called. */
function isToolCall(block: Record<string, unknown>): block is Record<string, unknown> & { name: string } {
  return (
    (block.type === 'tool_use' || block.type === 'server_tool_use' || block.type === 'mcp_tool_use') &&
    typeof block.name === 'string'
  );
}
