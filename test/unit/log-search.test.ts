// Full-text search over captured content and the live tail, on a real SQLite file: migration 0003
// builds the FTS5 index; each row indexes the text it added to its conversation (new messages and
// its response); a search combines with the other filters, survives text that is not FTS5 syntax,
// is served by the FTS index, and retention removes what it indexed. `since_id` returns the rows
// written after a given one, by walking the rowid range.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogQuery } from '../../shared/schemas.js';
import { ContentStore } from '../../electron/store/content-store.js';
import { migrate, openDatabase, type Db } from '../../electron/store/database.js';
import { migrations } from '../../electron/store/migrations/index.js';
import { RequestLog, type LogRecord } from '../../electron/store/request-log.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

let dir: string;
let db: Db;
let log: RequestLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-search-'));
  db = openDatabase(join(dir, 'tollgate.db'));
  log = new RequestLog(db, new ContentStore(db), { batchSize: 1_000, flushDelayMs: 600_000 });
});

afterEach(() => {
  vi.restoreAllMocks();
  log.close();
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

type Message = { role: 'user' | 'assistant'; content: string | Record<string, unknown>[] };

/** A log row as the proxy hands it over, with the client's request body and the response message. */
function record(
  fields: Partial<Omit<LogRecord, 'content'>>,
  messages: Message[] | null,
  response: unknown = null,
): LogRecord {
  const body = messages && { model: 'claude-sonnet-5-5', max_tokens: 1024, messages };
  return {
    request_id: `req_${randomBytes(6).toString('hex')}`,
    created_at: NOW,
    virtual_key_id: 'key-1',
    virtual_key_name: 'alice laptop',
    user_id: null,
    team_id: null,
    customer_id: null,
    session_id: 'session-1',
    client: 'claude-cli/2.1.330 (external, cli)',
    method: 'POST',
    path: '/v1/messages',
    endpoint: 'messages',
    model: 'claude-sonnet-5-5',
    provider: 'anthropic',
    status: 'success',
    status_code: 200,
    error_type: null,
    error_message: null,
    stream: true,
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    cost_micros: 100,
    cost_estimated: false,
    price_id: null,
    latency_ms: 300,
    ttfb_ms: 100,
    stop_reason: 'end_turn',
    tool_names: [],
    request_bytes: 100,
    response_bytes: 100,
    upstream_request_id: null,
    refusal_reason: null,
    requested_model: null,
    removed_tools: [],
    usage_by_model: [],
    ...fields,
    ...(body && { content: { request: { body: Buffer.from(JSON.stringify(body)), parsed: body }, response } }),
  };
}

const answer = (text: string) => ({
  id: `msg_${randomBytes(4).toString('hex')}`,
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-5-5',
  content: [{ type: 'text', text }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 10, output_tokens: 5 },
});

/** Writes rows and returns their ids in order. */
function write(...records: LogRecord[]): number[] {
  for (const entry of records) log.appendQuietly(entry);
  log.flush();
  const ids = db
    .prepare<[], { id: number }>('SELECT id FROM request_logs ORDER BY id')
    .all()
    .map((row) => row.id);
  return ids.slice(-records.length);
}

const search = (q: string, filters: Partial<LogQuery> = {}): number[] =>
  log
    .query({ limit: 100, q, ...filters })
    .logs.map((entry) => entry.id)
    .sort((a, b) => a - b);

describe('migration 0003-log-search', () => {
  it('creates a contentless FTS5 table and a trigger that forgets a deleted row', () => {
    const memory = new Database(':memory:');
    try {
      migrate(memory, migrations.slice(0, 3));
      const objects = memory
        .prepare<[], { type: string; name: string; sql: string | null }>(
          "SELECT type, name, sql FROM sqlite_master WHERE name IN ('request_search', 'request_logs_forget_search')",
        )
        .all();
      expect(objects.map((o) => [o.type, o.name])).toEqual([
        ['table', 'request_search'],
        ['trigger', 'request_logs_forget_search'],
      ]);
      expect(objects[0]?.sql).toMatch(/USING fts5\(.*content = ''.*contentless_delete = 1/s);
    } finally {
      memory.close();
    }
  });
});

describe('full-text search in captured content', () => {
  it('finds words in user text, tool calls, tool results, thinking and the response, but not in signatures', () => {
    const messages: Message[] = [
      { role: 'user', content: 'Why does the zebrafish importer crash?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Maybe the quokka cache is stale.', signature: 'sigmarmotsecret' },
          { type: 'tool_use', id: 'toolu_1', name: 'Grep', input: { pattern: 'narwhalConfig' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'src/axolotl.ts:12' }] },
        ],
      },
    ];
    const [id] = write(record({}, messages, answer('The platypus parser drops the header.')));

    for (const word of ['zebrafish', 'quokka', 'Grep', 'narwhalConfig', 'axolotl', 'platypus']) {
      expect(search(word), word).toEqual([id]);
    }
    expect(search('sigmarmotsecret')).toEqual([]);
    expect(search('pelican')).toEqual([]);
  });

  it('indexes a resent message once per session, on the row that sent it first; responses on every row', () => {
    const first: Message = { role: 'user', content: 'Refactor the wombat module' };
    const reply: Message = { role: 'assistant', content: [{ type: 'text', text: 'Done with the wombat module.' }] };
    const second: Message = { role: 'user', content: 'Now add tests for the lemur helper' };
    const [turn1, turn2, otherSession] = write(
      record({}, [first], answer('Done with the wombat module.')),
      record({}, [first, reply, second], answer('Lemur tests added.')),
      record({ session_id: 'session-2' }, [first], answer('Which wombat module?')),
    );

    // Turn 2 resent the first message; only turn 1 indexed it. Another session indexes its own copy.
    expect(search('refactor')).toEqual([turn1, otherSession]);
    expect(search('lemur')).toEqual([turn2]);
    // Turn 2 is the first to send the assistant's reply as a message of the conversation.
    expect(search('"wombat module"')).toEqual([turn1, turn2, otherSession]);
  });

  it('combines a search with the other filters', () => {
    const [aliceOld, aliceNew, bob] = write(
      record({ created_at: NOW - DAY }, [{ role: 'user', content: 'deploy the capybara service' }]),
      record({ created_at: NOW, session_id: 'session-3' }, [{ role: 'user', content: 'capybara rollback please' }]),
      record({ virtual_key_id: 'key-2', virtual_key_name: 'bob', session_id: 'session-4', model: 'claude-haiku-5-5' }, [
        { role: 'user', content: 'capybara logs' },
      ]),
    );

    expect(search('capybara')).toEqual([aliceOld, aliceNew, bob]);
    expect(search('capybara', { vk: 'key-1' })).toEqual([aliceOld, aliceNew]);
    expect(search('capybara', { model: 'claude-haiku-5-5' })).toEqual([bob]);
    expect(search('capybara', { start: NOW - DAY / 2 })).toEqual([aliceNew, bob]);
    expect(search('capybara', { session: 'session-3' })).toEqual([aliceNew]);
    expect(search('capybara rollback')).toEqual([aliceNew]);
    expect(search('capybara NOT rollback')).toEqual([aliceOld, bob]);
  });

  it('searches text that is not FTS5 syntax as plain words instead of failing', () => {
    const [id] = write(
      record({}, [{ role: 'user', content: 'open src/main.ts and fix the off-by-one in foo-bar (line 3)' }]),
    );

    expect(search('src/main.ts')).toEqual([id]);
    expect(search('foo-bar')).toEqual([id]);
    expect(search('(line')).toEqual([id]);
    expect(search('"unterminated')).toEqual([]);
    expect(search('src/other.ts')).toEqual([]);
  });

  it('pages search results newest first with the keyset cursor', () => {
    const ids = write(
      ...Array.from({ length: 5 }, (_, i) =>
        record({ created_at: NOW + i * 1_000, session_id: `s-${i}` }, [{ role: 'user', content: `gecko number ${i}` }]),
      ),
    );
    const first = log.query({ limit: 2, q: 'gecko' });
    const second = log.query({ limit: 2, q: 'gecko', cursor: first.next_cursor ?? '' });
    const third = log.query({ limit: 2, q: 'gecko', cursor: second.next_cursor ?? '' });

    expect([...first.logs, ...second.logs, ...third.logs].map((entry) => entry.id)).toEqual([...ids].reverse());
    expect(third.has_more).toBe(false);
  });

  it('uses the FTS index to find the matching rows', () => {
    write(record({}, [{ role: 'user', content: 'iguana' }]));
    const captured: string[] = [];
    const prepare = db.prepare.bind(db);
    vi.spyOn(db, 'prepare').mockImplementation((sql: string) => {
      captured.push(sql);
      return prepare(sql);
    });
    log.query({ limit: 50, q: 'iguana', vk: 'key-1' });
    const sql = captured.at(-1) ?? '';

    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all('key-1', 'iguana', 51)
      .map((row) => row.detail)
      .join('\n');

    expect(plan).toMatch(/SCAN request_search VIRTUAL TABLE INDEX \d+:M/);
    expect(plan).not.toMatch(/SCAN l\b(?! USING)/);
  });

  it('forgets the text of rows that retention removes, and lets the next turn index the message again', () => {
    const message: Message = { role: 'user', content: 'the okapi migration plan' };
    const [old] = write(record({ created_at: NOW - 40 * DAY }, [message]));
    expect(search('okapi')).toEqual([old]);
    const documents = (): number =>
      db.prepare<[], { n: number }>('SELECT count(*) AS n FROM request_search_docsize').get()?.n ?? Number.NaN;
    expect(documents()).toBe(1);

    expect(log.prune(30, NOW).rows).toBe(1);

    expect(documents()).toBe(0);
    expect(search('okapi')).toEqual([]);
    const [later] = write(record({ created_at: NOW }, [message, { role: 'user', content: 'continue' }]));
    expect(search('okapi')).toEqual([later]);
  });

  it('indexes nothing for a row whose content was not captured', () => {
    write(record({}, null));
    expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM request_search_docsize').get()?.n).toBe(0);
  });
});

describe('the live tail (since_id)', () => {
  it('returns only rows written after the given id, newest first, within the limit', () => {
    const ids = write(...Array.from({ length: 6 }, (_, i) => record({ created_at: NOW + i * 1_000 }, null)));
    const seen = ids[2] ?? 0;

    const tail = log.query({ limit: 100, since_id: seen });
    expect(tail.logs.map((entry) => entry.id)).toEqual(ids.slice(3).reverse());
    expect(tail.has_more).toBe(false);

    const capped = log.query({ limit: 2, since_id: seen });
    expect(capped.logs.map((entry) => entry.id)).toEqual(ids.slice(4).reverse());
    expect(capped.has_more).toBe(true);
    const rest = log.query({ limit: 2, since_id: seen, cursor: capped.next_cursor ?? '' });
    expect(rest.logs.map((entry) => entry.id)).toEqual([ids[3]]);

    expect(log.query({ limit: 100, since_id: ids.at(-1) ?? 0 }).logs).toEqual([]);
  });

  it('walks the rowid range even when another filter has an index', () => {
    write(...Array.from({ length: 20 }, (_, i) => record({ created_at: NOW + i }, null)));
    const captured: string[] = [];
    const prepare = db.prepare.bind(db);
    vi.spyOn(db, 'prepare').mockImplementation((sql: string) => {
      captured.push(sql);
      return prepare(sql);
    });
    log.query({ limit: 50, since_id: 15, vk: 'key-1' });
    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${captured.at(-1) ?? ''}`)
      .all('key-1', 15, 51)
      .map((row) => row.detail)
      .join('\n');

    expect(plan).toMatch(/SEARCH l USING INTEGER PRIMARY KEY \(rowid>\?\)/);
  });
});
