// Captured content and the log writer on a real SQLite file: a conversation that resends its history
// every turn is stored once per distinct part and reassembled exactly; retention removes old rows and
// only the content nothing newer still uses; rows are written in batches and none is lost on close
// or on a failed write.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../../electron/store/content-store.js';
import { openDatabase, type Db } from '../../electron/store/database.js';
import { RequestLog, type LogRecord } from '../../electron/store/request-log.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

let dir: string;
let file: string;
let db: Db;
let content: ContentStore;
let log: RequestLog;
let flushErrors: unknown[];
let contentErrors: unknown[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-content-'));
  file = join(dir, 'tollgate.db');
  db = openDatabase(file);
  content = new ContentStore(db);
  flushErrors = [];
  contentErrors = [];
  // A flush delay far longer than any test: rows reach the database only when a test flushes.
  log = new RequestLog(db, content, {
    batchSize: 1_000,
    flushDelayMs: 600_000,
    onFlushError: (e) => flushErrors.push(e),
    onContentError: (e) => contentErrors.push(e),
  });
});

afterEach(() => {
  log.close();
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = (table: string): number =>
  db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? Number.NaN;

/** Captured content as the proxy hands it over: the client's bytes and what JSON.parse made of them. */
interface Captured {
  request: unknown;
  response: unknown;
}

function record(partial: Omit<Partial<LogRecord>, 'content'> & { content?: Captured } = {}): LogRecord {
  const { content, ...rest } = partial;
  return {
    ...(content && {
      content: {
        request: { body: Buffer.from(JSON.stringify(content.request)), parsed: content.request },
        response: content.response,
      },
    }),
    ...recordFields(rest),
  };
}

function recordFields(partial: Omit<Partial<LogRecord>, 'content'>): Omit<LogRecord, 'content'> {
  return {
    request_id: `req_${randomBytes(6).toString('hex')}`,
    created_at: NOW,
    virtual_key_id: null,
    virtual_key_name: null,
    session_id: 'session-1',
    client: 'claude-cli/2.1.330 (external, cli)',
    method: 'POST',
    path: '/v1/messages?beta=true',
    endpoint: 'messages',
    model: 'claude-sonnet-5-5',
    provider: 'anthropic',
    status: 'success',
    status_code: 200,
    error_type: null,
    error_message: null,
    stream: true,
    usage: { input_tokens: 12, output_tokens: 34, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    cost_micros: 123,
    cost_estimated: false,
    price_id: null,
    latency_ms: 800,
    ttfb_ms: 200,
    stop_reason: 'end_turn',
    tool_names: [],
    request_bytes: 1_000,
    response_bytes: 2_000,
    upstream_request_id: 'req_011Cupstream',
    user_id: null,
    team_id: null,
    customer_id: null,
    refusal_reason: null,
    requested_model: null,
    removed_tools: [],
    usage_by_model: [],
    ...partial,
  };
}

const SYSTEM = [
  { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
  { type: 'text', text: 'Working directory: /home/dev/project. '.repeat(40), cache_control: { type: 'ephemeral' } },
];
const TOOLS = ['Bash', 'Read', 'Edit', 'Grep'].map((name) => ({
  name,
  description: `${name} tool. `.repeat(30),
  input_schema: { type: 'object', properties: { arg: { type: 'string' } }, required: ['arg'] },
}));

const userTurn = (turn: number) => ({
  role: 'user',
  content: [
    {
      type: 'text',
      text: `Turn ${turn}: please look at file ${turn}.ts and explain it. ${'context '.repeat(turn * 5)}`,
    },
  ],
});
const assistantTurn = (turn: number) => ({
  role: 'assistant',
  content: [
    { type: 'thinking', thinking: `Thinking about turn ${turn}`, signature: `sig-${turn}` },
    { type: 'text', text: `Here is turn ${turn}'s answer. ${'detail '.repeat(turn * 7)}` },
  ],
});
const responseFor = (turn: number) => ({
  id: `msg_01turn${turn}`,
  type: 'message',
  ...assistantTurn(turn),
  model: 'claude-sonnet-5-5',
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 34, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
});

/** Turn n as Claude Code sends it: everything said so far, then the new user message. */
function requestFor(turn: number): Record<string, unknown> {
  const messages: unknown[] = [];
  for (let t = 1; t < turn; t++) messages.push(userTurn(t), assistantTurn(t));
  messages.push(userTurn(turn));
  return {
    model: 'claude-sonnet-5-5',
    max_tokens: 32_000,
    stream: true,
    metadata: { user_id: 'user_abc_account__session_7a1b2c3d-0000-4000-8000-000000000001' },
    thinking: { type: 'enabled', budget_tokens: 8_000 },
    system: SYSTEM,
    tools: TOOLS,
    messages,
  };
}

/** The distinct parts a set of requests and responses is made of, as the store splits them. */
function distinctParts(pairs: readonly { request: Record<string, unknown>; response: unknown }[]): number {
  const parts = new Set<string>();
  for (const { request, response } of pairs) {
    const { system, tools, messages, ...params } = request;
    parts.add(JSON.stringify(params));
    if (system !== undefined) parts.add(JSON.stringify(system));
    if (tools !== undefined) parts.add(JSON.stringify(tools));
    for (const message of messages as unknown[]) parts.add(JSON.stringify(message));
    parts.add(JSON.stringify(response));
  }
  return parts.size;
}

describe('content capture for a conversation', () => {
  const TURNS = 10;
  const pairs = Array.from({ length: TURNS }, (_, i) => ({ request: requestFor(i + 1), response: responseFor(i + 1) }));

  beforeEach(() => {
    for (const pair of pairs) log.appendQuietly(record({ content: pair }));
    log.flush();
  });

  it('stores each message of a resent history once, not once per turn', () => {
    const messagesSent = pairs.reduce((sum, pair) => sum + (pair.request.messages as unknown[]).length, 0);
    expect(messagesSent).toBe(100); // 1 + 3 + 5 + … + 19: what a naive store would keep
    // 10 user messages + 9 assistant messages + 10 responses + params, system and tools.
    expect(distinctParts(pairs)).toBe(32);
    expect(count('content_blobs')).toBe(32);
    expect(count('request_content')).toBe(TURNS);
  });

  it('reassembles every request and response exactly as they were captured', () => {
    const logs = log.query({ limit: 100 }).logs.reverse();
    expect(logs).toHaveLength(TURNS);
    logs.forEach((entry, i) => {
      expect(entry.has_content).toBe(true);
      const detail = log.get(entry.id);
      expect(detail?.request).toEqual(pairs[i]?.request);
      expect(detail?.response).toEqual(pairs[i]?.response);
    });
  });

  it('keeps a request body that is not a JSON object whole', () => {
    log.appendQuietly(record({ content: { request: ['not', 'an', 'object'], response: null } }));
    log.flush();
    const newest = log.query({ limit: 1 }).logs[0];
    expect(newest).toBeDefined();
    expect(log.get(newest?.id ?? -1)).toMatchObject({ request: ['not', 'an', 'object'], response: null });
  });

  it('answers null content for a row captured without content', () => {
    log.appendQuietly(record());
    log.flush();
    const newest = log.query({ limit: 1 }).logs[0];
    expect(newest?.has_content).toBe(false);
    expect(log.get(newest?.id ?? -1)).toMatchObject({ request: null, response: null });
  });
});

describe('retention', () => {
  it('deletes rows older than the window and the content only they used, keeping content newer rows share', () => {
    const old = [1, 2, 3].map((turn) => ({ request: requestFor(turn), response: responseFor(turn) }));
    const recent = [4, 5].map((turn) => ({ request: requestFor(turn), response: responseFor(turn) }));
    for (const pair of old) log.appendQuietly(record({ created_at: NOW - 100 * DAY, content: pair }));
    for (const pair of recent) log.appendQuietly(record({ created_at: NOW - DAY, content: pair }));
    // An old row that used parts nothing else uses.
    const orphan = {
      request: { model: 'claude-haiku-5-5', max_tokens: 5, messages: [{ role: 'user', content: 'only me' }] },
      response: { text: 'mine' },
    };
    log.appendQuietly(record({ created_at: NOW - 95 * DAY, content: orphan }));
    log.flush();
    expect(count('content_blobs')).toBe(distinctParts([...old, ...recent, orphan]));

    const pruned = log.prune(90, NOW);

    expect(pruned.rows).toBe(4);
    expect(count('request_logs')).toBe(2);
    expect(count('request_content')).toBe(2);
    // Turn 4 and 5 resend every message of turns 1-3, and the same system prompt and tools:
    // only the old responses and the orphan's parts go.
    expect(count('content_blobs')).toBe(distinctParts(recent));
    expect(pruned.blobs).toBe(distinctParts([...old, ...recent, orphan]) - distinctParts(recent));
    const kept = log.query({ limit: 10 }).logs.reverse();
    kept.forEach((entry, i) => {
      expect(log.get(entry.id)?.request).toEqual(recent[i]?.request);
      expect(log.get(entry.id)?.response).toEqual(recent[i]?.response);
    });
  });

  it('stores a part again when a later request resends it after it was pruned', () => {
    const first = { request: requestFor(1), response: responseFor(1) };
    log.appendQuietly(record({ created_at: NOW - 100 * DAY, content: first }));
    log.flush();
    log.prune(90, NOW);
    expect(count('content_blobs')).toBe(0);

    log.appendQuietly(record({ created_at: NOW, content: first }));
    log.flush();
    const newest = log.query({ limit: 1 }).logs[0];
    expect(log.get(newest?.id ?? -1)?.request).toEqual(first.request);
  });

  it('keeps everything when retention is 0 (keep forever)', () => {
    log.appendQuietly(
      record({ created_at: NOW - 1_000 * DAY, content: { request: requestFor(1), response: responseFor(1) } }),
    );
    log.flush();
    expect(log.prune(0, NOW)).toEqual({ rows: 0, blobs: 0 });
    expect(count('request_logs')).toBe(1);
  });
});

describe('the log writer', () => {
  it('queues rows and writes them all on flush', () => {
    for (let i = 0; i < 50; i++) log.appendQuietly(record());
    expect(log.pending).toBe(50);
    expect(count('request_logs')).toBe(0);

    log.flush();

    expect(log.pending).toBe(0);
    expect(count('request_logs')).toBe(50);
    expect(log.query({ limit: 1000 }).logs).toHaveLength(50);
  });

  it('writes a full batch as soon as it is full', () => {
    const batched = new RequestLog(db, content, { batchSize: 10, flushDelayMs: 600_000 });
    try {
      for (let i = 0; i < 25; i++) batched.appendQuietly(record());
      expect(count('request_logs')).toBe(20);
      expect(batched.pending).toBe(5);
    } finally {
      batched.close();
    }
    expect(count('request_logs')).toBe(25);
  });

  it('drains its queue on close', () => {
    for (let i = 0; i < 7; i++)
      log.appendQuietly(record({ content: { request: requestFor(1), response: responseFor(1) } }));
    log.close();
    expect(log.pending).toBe(0);
    expect(count('request_logs')).toBe(7);
    expect(count('request_content')).toBe(7);
  });

  it('records the newest use of each key it logs, never moving it backwards', () => {
    db.prepare(
      `INSERT INTO virtual_keys (id, name, key_hash, value_preview, created_at, updated_at) VALUES ('k1', 'alice', 'h', 'sk-tg-…abcd', 0, 0)`,
    ).run();
    log.appendQuietly(record({ virtual_key_id: 'k1', created_at: NOW }));
    log.appendQuietly(record({ virtual_key_id: 'k1', created_at: NOW - DAY }));
    log.flush();
    const lastUsed = (): number | null =>
      db.prepare<[], { last_used_at: number | null }>("SELECT last_used_at FROM virtual_keys WHERE id = 'k1'").get()
        ?.last_used_at ?? null;
    expect(lastUsed()).toBe(NOW);
    log.appendQuietly(record({ virtual_key_id: 'k1', created_at: NOW - 2 * DAY }));
    log.flush();
    expect(lastUsed()).toBe(NOW);
  });

  it('keeps rows queued when the database is locked by another writer, and writes them once it is free', () => {
    db.pragma('busy_timeout = 0'); // fail at once instead of waiting for the lock
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < 5; i++)
        log.appendQuietly(record({ content: { request: requestFor(2), response: responseFor(2) } }));

      log.flush();

      expect(flushErrors).toHaveLength(1);
      expect(String(flushErrors[0])).toMatch(/locked|busy/i);
      expect(log.pending).toBe(5);
      other.exec('COMMIT');
    } finally {
      other.close();
    }

    log.flush();

    expect(log.pending).toBe(0);
    expect(count('request_logs')).toBe(5);
    for (const entry of log.query({ limit: 10 }).logs) {
      expect(log.get(entry.id)?.request).toEqual(requestFor(2));
    }
  });

  it('writes the rows at once when their content does not fit, and the content once the retry succeeds', () => {
    // The disk fills up (simulated with max_page_count): the rows fit, the second row's large response
    // does not, and the content transaction rolls back while the rows and their spend stay written.
    const small = { request: requestFor(1), response: responseFor(1) };
    const large = { request: requestFor(2), response: { text: randomBytes(256 * 1024).toString('base64') } };
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 8}`);
    log.appendQuietly(record({ content: small }));
    log.appendQuietly(record({ content: large }));

    log.flush();

    expect(flushErrors).toHaveLength(0);
    expect(contentErrors).toHaveLength(1);
    expect(String(contentErrors[0])).toMatch(/full/i);
    expect(log.pending).toBe(0);
    expect(count('request_logs')).toBe(2);
    expect(count('request_content')).toBe(0);

    db.pragma('max_page_count = 4294967294'); // space is freed
    log.flush();

    const [second, first] = log.query({ limit: 10 }).logs;
    expect(log.get(first?.id ?? -1)?.request).toEqual(small.request);
    expect(log.get(first?.id ?? -1)?.response).toEqual(small.response);
    expect(log.get(second?.id ?? -1)?.response).toEqual(large.response);
  });
});
