// Test stand-in for the Anthropic API (Messages, count_tokens, Models).
// Owns: the wire formats a gateway must relay untouched (JSON bodies, byte-exact
// SSE framing, error envelopes, request-id headers), a queue of scripted
// behaviours for failure-path tests, a record of every request received, and
// a crude but stateful prompt-cache model so cost accounting sees realistic
// cache_creation / cache_read numbers. Built on node:http alone so that what the
// gateway talks to is a plain HTTP/1.1 peer, as the real upstream is.

import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------
// Public types

export interface RecordedRequest {
  method: string;
  /** Including the query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Parsed body, or undefined when it was empty or not JSON. */
  json: unknown;
  /**
   * True once the peer hung up before the response was complete — lets tests
   * prove that a client abort at the gateway propagates upstream.
   */
  abortedByClient: boolean;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  service_tier: 'standard' | 'priority' | 'batch';
}

/** Blocks a scripted reply may contain; ids and signatures are invented when omitted. */
export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

interface MessageShape {
  /** Defaults to the same content the default reply would have produced. */
  content?: ContentBlock[];
  /** Overrides individual fields of the usage derived from the request. */
  usage?: Partial<Usage>;
  /** Defaults to `tool_use` when the content has a tool_use block, else `end_turn`. */
  stop_reason?: string;
  /** Defaults to echoing the request's model. */
  model?: string;
}

export type ScriptedReply =
  /** A normal reply: JSON for stream:false/absent, SSE for stream:true. */
  | ({ kind: 'message' } & MessageShape)
  /**
   * An Anthropic error envelope with this HTTP status. `retryAfter` (seconds)
   * sets `retry-after`; a 429 gets `retry-after: 0` unless told otherwise, so
   * SDK-driven tests that retry do not stall.
   */
  | {
      kind: 'error';
      status: number;
      type: string;
      message: string;
      retryAfter?: number;
      headers?: Record<string, string>;
    }
  /**
   * Starts a normal SSE stream and kills the connection after `events` events
   * (0 = right after the 200 headers). A non-streamed request gets the
   * connection closed with no response at all.
   */
  | ({ kind: 'stream-fail-after'; events: number } & MessageShape)
  /**
   * A well-formed stream that, after `events` events, carries an in-band
   * `event: error` (as the real API does for overload mid-stream) and ends.
   */
  | { kind: 'stream-error-after'; events: number; type: string; message: string; model?: string }
  /**
   * Streams with `delayMsPerEvent` between events (first event immediately);
   * a non-streamed request waits `delayMsPerEvent` once before answering.
   */
  | ({ kind: 'slow'; delayMsPerEvent: number } & MessageShape);

export interface ModelEntry {
  id: string;
  display_name: string;
  created_at: string;
  line?: 'haiku' | 'sonnet' | 'opus';
  max_input_tokens?: number;
  max_tokens?: number;
}

export interface StandInOptions {
  /** When set, every /v1/* request must present exactly this key (`x-api-key` or `Authorization: Bearer`). */
  apiKey?: string;
  /** Or any one of these (a key pool); `authHeader` names the header to read it from (Foundry's `api-key`). */
  apiKeys?: readonly string[];
  authHeader?: string;
  /** Text of the default reply; `Hello from the stand-in.` if omitted. */
  defaultText?: string;
  /** Catalogue served by /v1/models; a small current-looking list if omitted. */
  models?: ModelEntry[];
}

export interface StandIn {
  /** e.g. `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Every request received, in order of arrival of its complete body. */
  requests: RecordedRequest[];
  /** Only the POST /v1/messages requests (a filtered view of `requests`). */
  messageRequests(): RecordedRequest[];
  /** Queue a scripted behaviour for the next /v1/messages request(s); when the queue is empty a default reply is produced. */
  enqueue(reply: ScriptedReply): void;
  /** The reply every /v1/messages request gets while the queue is empty (null: the default reply), e.g. a 529 for all. */
  always(reply: ScriptedReply | null): void;
  /** Resolves when requests.length >= n; rejects after timeoutMs (default 5000). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves when `predicate` holds (re-checked on every request / abort); rejects after timeoutMs. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Forgets everything seen so far: requests, the queue and the prompt cache. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Wire helpers

const DEFAULT_TEXT = 'Hello from the stand-in.';
const DEFAULT_MODEL = 'claude-sonnet-4-5-20250929';

const DEFAULT_MODELS: ModelEntry[] = [
  {
    id: 'claude-opus-4-8',
    display_name: 'Claude Opus 4.8',
    created_at: '2026-04-14T00:00:00Z',
    line: 'opus',
    max_input_tokens: 1_000_000,
    max_tokens: 128_000,
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    display_name: 'Claude Sonnet 4.5',
    created_at: '2025-09-29T00:00:00Z',
    line: 'sonnet',
    max_input_tokens: 200_000,
    max_tokens: 64_000,
  },
  {
    id: 'claude-haiku-4-5-20251001',
    display_name: 'Claude Haiku 4.5',
    created_at: '2025-10-01T00:00:00Z',
    line: 'haiku',
    max_input_tokens: 200_000,
    max_tokens: 64_000,
  },
];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE62[b % 62] ?? '0';
  return out;
}

// Same prefixes and rough lengths as the real API so log/UI code that
// validates or truncates ids is exercised realistically.
const newRequestId = (): string => `req_011C${base62(20)}`;
const newMessageId = (): string => `msg_01${base62(22)}`;
const newToolUseId = (): string => `toolu_01${base62(22)}`;
const newSignature = (): string => randomBytes(96).toString('base64');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

interface SseEvent {
  event: string;
  data: unknown;
}

function formatSse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

function errorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}

/** The organisation-wide quota the real API reports on every answer; a gateway must not pass it off as a person's own. */
const ORGANISATION_RATE_LIMITS = {
  'anthropic-ratelimit-requests-limit': '4000',
  'anthropic-ratelimit-requests-remaining': '3999',
  'anthropic-ratelimit-input-tokens-limit': '2000000',
};

function sendJson(res: ServerResponse, status: number, body: string, requestId: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': requestId,
    ...ORGANISATION_RATE_LIMITS,
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, type: string, message: string, extra: Record<string, string> = {}): void {
  const requestId = newRequestId();
  sendJson(res, status, errorBody(type, message, requestId), requestId, extra);
}

// ---------------------------------------------------------------------------
// Request inspection

/** Text of the last user turn, for the `REPLY WITH:` convention. */
function lastUserText(body: Record<string, unknown>): string {
  const messages = body['messages'];
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m: unknown = messages[i];
    if (!isRecord(m) || m['role'] !== 'user') continue;
    const content = m['content'];
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return '';
    return content
      .map((b: unknown) => (isRecord(b) && b['type'] === 'text' && typeof b['text'] === 'string' ? b['text'] : ''))
      .join('\n');
  }
  return '';
}

function defaultContent(body: Record<string, unknown>, fallback: string): ContentBlock[] {
  // Last occurrence wins: harnesses such as Claude Code prepend reminders
  // that could themselves quote the phrase.
  const matches = [...lastUserText(body).matchAll(/REPLY WITH: ([^\r\n]*)/g)];
  const wanted = matches.at(-1)?.[1];
  return [{ type: 'text', text: wanted !== undefined ? wanted.trim() : fallback }];
}

interface CacheItem {
  key: string;
  tokens: number;
  ttl: '5m' | '1h' | null;
}

/**
 * Flattens the cacheable prefix in the API's order (tools, system, messages)
 * into blocks; `cache_control` is stripped from the keys because moving a
 * breakpoint must not change the identity of the content before it.
 */
function cacheItems(body: Record<string, unknown>): CacheItem[] {
  const items: CacheItem[] = [];
  const push = (section: string, role: string | null, block: unknown): void => {
    let ttl: CacheItem['ttl'] = null;
    let stripped: unknown = block;
    if (isRecord(block)) {
      const { cache_control: cc, ...rest } = block;
      if (isRecord(cc)) ttl = cc['ttl'] === '1h' ? '1h' : '5m';
      stripped = rest;
    }
    const key = JSON.stringify([section, role, stripped]);
    items.push({ key, tokens: estimateTokens(key.length), ttl });
  };
  const tools = body['tools'];
  if (Array.isArray(tools)) for (const t of tools) push('tools', null, t);
  const system = body['system'];
  if (typeof system === 'string') push('system', null, { type: 'text', text: system });
  else if (Array.isArray(system)) for (const b of system) push('system', null, b);
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (!isRecord(m)) continue;
      const role = typeof m['role'] === 'string' ? m['role'] : null;
      const content = m['content'];
      if (typeof content === 'string') push('messages', role, { type: 'text', text: content });
      else if (Array.isArray(content)) for (const b of content) push('messages', role, b);
    }
  }
  return items;
}

interface CacheOutcome {
  read: number;
  create5m: number;
  create1h: number;
}

/**
 * Entries are written at breakpoints; a read is the longest previously written
 * prefix found at any block boundary up to the last breakpoint (the real API
 * looks back up to 20 blocks — unbounded here, which is close enough).
 */
function applyPromptCache(seen: Set<string>, model: string, items: CacheItem[]): CacheOutcome {
  const outcome: CacheOutcome = { read: 0, create5m: 0, create1h: 0 };
  let last = -1;
  items.forEach((item, i) => {
    if (item.ttl !== null) last = i;
  });
  if (last < 0) return outcome;

  const hashes: string[] = [];
  const running: Hash = createHash('sha256').update(`${model}\u0000`);
  for (let i = 0; i <= last; i++) {
    running.update(`${items[i]?.key ?? ''}\u0000`);
    hashes.push(running.copy().digest('hex'));
  }
  let hit = -1;
  for (let i = last; i >= 0; i--) {
    if (seen.has(hashes[i] ?? '')) {
      hit = i;
      break;
    }
  }
  // Each written segment takes the TTL of the breakpoint that closes it.
  let pendingTtl: CacheItem['ttl'] = null;
  for (let i = last; i >= 0; i--) {
    const item = items[i];
    if (item === undefined) continue;
    if (item.ttl !== null) pendingTtl = item.ttl;
    if (i <= hit) outcome.read += item.tokens;
    else if (pendingTtl === '1h') outcome.create1h += item.tokens;
    else outcome.create5m += item.tokens;
  }
  items.forEach((item, i) => {
    if (item.ttl !== null && i <= last) seen.add(hashes[i] ?? '');
  });
  return outcome;
}

// ---------------------------------------------------------------------------
// Reply construction

type WireBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

interface BuiltMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: WireBlock[];
  stop_reason: string;
  stop_sequence: null;
  stop_details: null;
  usage: Usage;
}

function toWire(block: ContentBlock): WireBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature ?? newSignature() };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id ?? newToolUseId(), name: block.name, input: block.input };
  }
}

function outputChars(blocks: WireBlock[]): number {
  let n = 0;
  for (const b of blocks) {
    if (b.type === 'text') n += b.text.length;
    else if (b.type === 'thinking') n += b.thinking.length;
    else if (b.type === 'redacted_thinking') n += b.data.length;
    else n += b.name.length + JSON.stringify(b.input).length;
  }
  return n;
}

function mergeUsage(base: Usage, override: Partial<Usage> | undefined): Usage {
  if (override === undefined) return base;
  const merged: Usage = { ...base, ...override };
  // Keep the breakdown consistent with the total when a test sets only one.
  if (override.cache_creation_input_tokens !== undefined && override.cache_creation === undefined) {
    merged.cache_creation = { ephemeral_5m_input_tokens: override.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 };
  } else if (override.cache_creation !== undefined && override.cache_creation_input_tokens === undefined) {
    merged.cache_creation_input_tokens =
      override.cache_creation.ephemeral_5m_input_tokens + override.cache_creation.ephemeral_1h_input_tokens;
  }
  return merged;
}

/** Splits into >= 2 pieces where possible so relays are tested on reassembly, not on one lucky chunk. */
function chunkText(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += 2) chunks.push(words.slice(i, i + 2).join(''));
  if (chunks.length === 1) {
    const chars = Array.from(text);
    if (chars.length >= 2) {
      const mid = Math.ceil(chars.length / 2);
      return [chars.slice(0, mid).join(''), chars.slice(mid).join('')];
    }
  }
  return chunks;
}

function chunkJson(json: string): string[] {
  const chars = Array.from(json);
  const size = Math.max(1, Math.ceil(chars.length / 3));
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(''));
  return chunks;
}

/** Event sequence in the order the real API emits it (ping follows the first content_block_start). */
function streamEvents(msg: BuiltMessage): SseEvent[] {
  const events: SseEvent[] = [];
  events.push({
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        id: msg.id,
        type: 'message',
        role: 'assistant',
        model: msg.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        usage: { ...msg.usage, output_tokens: 1 },
      },
    },
  });
  const ping: SseEvent = { event: 'ping', data: { type: 'ping' } };
  if (msg.content.length === 0) events.push(ping);
  msg.content.forEach((block, index) => {
    const delta = (d: Record<string, unknown>): void => {
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: d } });
    };
    let start: WireBlock;
    switch (block.type) {
      case 'text':
        start = { type: 'text', text: '' };
        break;
      case 'thinking':
        start = { type: 'thinking', thinking: '', signature: '' };
        break;
      case 'redacted_thinking':
        start = block; // arrives whole; there is no delta type for it
        break;
      case 'tool_use':
        start = { type: 'tool_use', id: block.id, name: block.name, input: {} };
        break;
    }
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: start } });
    if (index === 0) events.push(ping);
    if (block.type === 'text') {
      for (const t of chunkText(block.text)) delta({ type: 'text_delta', text: t });
    } else if (block.type === 'thinking') {
      for (const t of chunkText(block.thinking)) delta({ type: 'thinking_delta', thinking: t });
      delta({ type: 'signature_delta', signature: block.signature });
    } else if (block.type === 'tool_use') {
      // The real API opens with an empty partial_json before the first fragment.
      delta({ type: 'input_json_delta', partial_json: '' });
      for (const j of chunkJson(JSON.stringify(block.input))) delta({ type: 'input_json_delta', partial_json: j });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: msg.stop_reason, stop_sequence: null, stop_details: null },
      // Cumulative totals, as the API sends them; clients overwrite, never add.
      usage: {
        input_tokens: msg.usage.input_tokens,
        cache_creation_input_tokens: msg.usage.cache_creation_input_tokens,
        cache_read_input_tokens: msg.usage.cache_read_input_tokens,
        output_tokens: msg.usage.output_tokens,
      },
    },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

/**
 * The key a client presented. SDK 1.x sends API keys as `Authorization: Bearer`
 * while Claude Code sends `x-api-key`; the real API accepts both, so must we.
 */
function headerText(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text : null;
}

function presentedKey(req: IncomingMessage): string | null {
  const xApiKey = req.headers['x-api-key'];
  if (typeof xApiKey === 'string' && xApiKey !== '') return xApiKey;
  const auth = req.headers.authorization;
  const bearer = auth !== undefined ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return bearer?.[1] ?? null;
}

function validationError(body: unknown, needMaxTokens: boolean): string | null {
  if (!isRecord(body)) return 'There was an issue with your request body: expected a JSON object';
  if (typeof body['model'] !== 'string') return 'model: Field required';
  if (!Array.isArray(body['messages'])) return 'messages: Field required';
  if (needMaxTokens && typeof body['max_tokens'] !== 'number') return 'max_tokens: Field required';
  return null;
}

// ---------------------------------------------------------------------------
// Server

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  let standing: ScriptedReply | null = null;
  const seenPrefixes = new Set<string>();
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const models = options.models ?? DEFAULT_MODELS;

  const notify = (): void => {
    for (const w of [...waiters]) w();
  };

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  const modelInfo = (m: ModelEntry): Record<string, unknown> => ({
    type: 'model',
    id: m.id,
    display_name: m.display_name,
    created_at: m.created_at,
    capabilities: null,
    deprecated_at: null,
    lifecycle: 'active',
    line: m.line ?? null,
    max_input_tokens: m.max_input_tokens ?? null,
    max_tokens: m.max_tokens ?? null,
    retires_at: null,
  });

  function buildMessage(record: RecordedRequest, body: Record<string, unknown>, shape: MessageShape): BuiltMessage {
    const requestModel = typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL;
    const model = shape.model ?? requestModel;
    const content = (shape.content ?? defaultContent(body, options.defaultText ?? DEFAULT_TEXT)).map(toWire);
    // Cache identity follows the requested model: a scripted model override
    // models a misbehaving upstream, not a different cache.
    const cache = applyPromptCache(seenPrefixes, requestModel, cacheItems(body));
    const total = estimateTokens(record.rawBody.length);
    const base: Usage = {
      input_tokens: Math.max(1, total - cache.read - cache.create5m - cache.create1h),
      cache_creation_input_tokens: cache.create5m + cache.create1h,
      cache_read_input_tokens: cache.read,
      cache_creation: { ephemeral_5m_input_tokens: cache.create5m, ephemeral_1h_input_tokens: cache.create1h },
      output_tokens: Math.max(1, estimateTokens(outputChars(content))),
      service_tier: 'standard',
    };
    return {
      id: newMessageId(),
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: shape.stop_reason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      stop_details: null,
      usage: mergeUsage(base, shape.usage),
    };
  }

  /**
   * Writes `events` (optionally spaced by `delayMs`), then ends normally,
   * or — with `killAfter` — drops the connection without the final chunk.
   */
  function writeStream(res: ServerResponse, events: SseEvent[], delayMs: number, killAfter: number | null, kill: () => void): void {
    const requestId = newRequestId();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
      ...ORGANISATION_RATE_LIMITS,
    });
    res.flushHeaders();
    const limit = killAfter === null ? events.length : Math.min(killAfter, events.length);
    const finish = (): void => {
      if (killAfter === null) {
        res.end();
        return;
      }
      kill();
      // end() flushes what was written before the FIN; destroy() alone could
      // drop queued events and make the failure point nondeterministic.
      const socket = res.socket;
      if (socket === null) return;
      socket.end(() => socket.destroy());
    };
    let i = 0;
    let pending: NodeJS.Timeout | null = null;
    if (delayMs > 0) {
      // A client that hangs up mid-stream must stop the clock, as upstream generation would.
      res.once('close', () => {
        if (pending === null) return;
        clearTimeout(pending);
        timers.delete(pending);
      });
    }
    const step = (): void => {
      pending = null;
      if (res.destroyed) return;
      while (i < limit) {
        const e = events[i];
        i++;
        if (e !== undefined) res.write(formatSse(e));
        if (delayMs > 0 && i < limit) {
          pending = later(delayMs, step);
          return;
        }
      }
      finish();
    };
    step();
  }

  function handleMessages(record: RecordedRequest, res: ServerResponse, kill: () => void): void {
    const invalid = validationError(record.json, true);
    if (invalid !== null || !isRecord(record.json)) {
      sendError(res, 400, 'invalid_request_error', invalid ?? 'invalid request');
      return;
    }
    const body = record.json;
    const streamed = body['stream'] === true;
    const reply: ScriptedReply = queue.shift() ?? standing ?? { kind: 'message' };

    switch (reply.kind) {
      case 'error': {
        const extra: Record<string, string> = { ...reply.headers };
        if (reply.retryAfter !== undefined) extra['retry-after'] = String(reply.retryAfter);
        else if (reply.status === 429 && extra['retry-after'] === undefined) extra['retry-after'] = '0';
        sendError(res, reply.status, reply.type, reply.message, extra);
        return;
      }
      case 'message': {
        const msg = buildMessage(record, body, reply);
        if (streamed) writeStream(res, streamEvents(msg), 0, null, kill);
        else sendJson(res, 200, JSON.stringify(msg), newRequestId());
        return;
      }
      case 'slow': {
        const msg = buildMessage(record, body, reply);
        if (streamed) {
          writeStream(res, streamEvents(msg), reply.delayMsPerEvent, null, kill);
        } else {
          const t = later(reply.delayMsPerEvent, () => {
            if (!res.destroyed) sendJson(res, 200, JSON.stringify(msg), newRequestId());
          });
          res.once('close', () => {
            clearTimeout(t);
            timers.delete(t);
          });
        }
        return;
      }
      case 'stream-fail-after': {
        const msg = buildMessage(record, body, reply);
        if (streamed) {
          writeStream(res, streamEvents(msg), 0, reply.events, kill);
        } else {
          kill();
          res.socket?.destroy();
        }
        return;
      }
      case 'stream-error-after': {
        const msg = buildMessage(record, body, reply.model !== undefined ? { model: reply.model } : {});
        if (!streamed) {
          // Outside a stream the same condition surfaces as a plain HTTP error.
          sendError(res, reply.type === 'overloaded_error' ? 529 : 500, reply.type, reply.message);
          return;
        }
        const events = streamEvents(msg).slice(0, Math.max(0, reply.events));
        events.push({
          event: 'error',
          data: { type: 'error', error: { type: reply.type, message: reply.message }, request_id: newRequestId() },
        });
        writeStream(res, events, 0, null, kill);
        return;
      }
    }
  }

  function route(record: RecordedRequest, req: IncomingMessage, res: ServerResponse, kill: () => void): void {
    const pathname = new URL(record.path, 'http://stand-in').pathname;
    const method = record.method;

    if (pathname === '/' && (method === 'HEAD' || method === 'GET')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(method === 'HEAD' ? undefined : 'ok');
      return;
    }

    const accepted = options.apiKeys ?? (options.apiKey === undefined ? undefined : [options.apiKey]);
    if (pathname.startsWith('/v1/') && accepted !== undefined) {
      const key = options.authHeader ? headerText(req.headers[options.authHeader]) : presentedKey(req);
      if (key === null) {
        sendError(res, 401, 'authentication_error', `${options.authHeader ?? 'x-api-key'} header is required`);
        return;
      }
      if (!accepted.includes(key)) {
        sendError(res, 401, 'authentication_error', 'invalid x-api-key');
        return;
      }
    }

    if (method === 'POST' && pathname === '/v1/messages') {
      handleMessages(record, res, kill);
      return;
    }
    if (method === 'POST' && pathname === '/v1/messages/count_tokens') {
      const invalid = validationError(record.json, false);
      if (invalid !== null) {
        sendError(res, 400, 'invalid_request_error', invalid);
        return;
      }
      sendJson(res, 200, JSON.stringify({ input_tokens: estimateTokens(record.rawBody.length) }), newRequestId());
      return;
    }
    if (method === 'GET' && pathname === '/v1/models') {
      const data = models.map(modelInfo);
      const body = {
        data,
        has_more: false,
        first_id: models[0]?.id ?? null,
        last_id: models.at(-1)?.id ?? null,
      };
      sendJson(res, 200, JSON.stringify(body), newRequestId());
      return;
    }
    const modelMatch = /^\/v1\/models\/([^/]+)$/.exec(pathname);
    if (method === 'GET' && modelMatch !== null) {
      const id = decodeURIComponent(modelMatch[1] ?? '');
      const found = models.find((m) => m.id === id);
      if (found === undefined) sendError(res, 404, 'not_found_error', `model: ${id}`);
      else sendJson(res, 200, JSON.stringify(modelInfo(found)), newRequestId());
      return;
    }
    sendError(res, 404, 'not_found_error', 'Not Found');
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let json: unknown = undefined;
      if (rawBody.length > 0) {
        try {
          json = JSON.parse(rawBody.toString('utf8'));
        } catch {
          json = undefined;
        }
      }
      const headers: Record<string, string | string[] | undefined> = { ...req.headers };
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        rawBody,
        json,
        abortedByClient: false,
      };
      let killedByUs = false;
      const kill = (): void => {
        killedByUs = true;
      };
      res.on('close', () => {
        if (!res.writableFinished && !killedByUs) {
          record.abortedByClient = true;
          notify();
        }
      });
      requests.push(record);
      notify();
      try {
        route(record, req, res, kill);
      } catch (err: unknown) {
        const message = err instanceof Error ? err.message : String(err);
        if (!res.headersSent) sendError(res, 500, 'api_error', `stand-in bug: ${message}`);
        else res.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const waitFor = (predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> => {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const deadline = setTimeout(() => {
        cleanup();
        reject(new Error(`stand-in: timed out after ${timeoutMs}ms waiting for ${what} (${requests.length} request(s) seen)`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(deadline);
        waiters.delete(check);
      };
      waiters.add(check);
    });
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messageRequests: () =>
      requests.filter((r) => r.method === 'POST' && new URL(r.path, 'http://stand-in').pathname === '/v1/messages'),
    enqueue: (reply) => {
      queue.push(reply);
    },
    always: (reply) => {
      standing = reply;
    },
    waitForRequests: (n, timeoutMs = 5000) => waitFor(() => requests.length >= n, timeoutMs, `${n} request(s)`),
    waitFor,
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      standing = null;
      seenPrefixes.clear();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets (and streams parked by `slow`) would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}
