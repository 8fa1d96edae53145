// The schema and how it is opened: each migration applies on top of the one before and records its
// version; a database from a newer Tollgate is refused and left as it was; the log viewer's queries
// are served by the indexes designed for them (checked with EXPLAIN QUERY PLAN).
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogQuery } from '../../shared/schemas.js';
import { ContentStore } from '../../electron/store/content-store.js';
import { migrate, NewerDatabaseError, openDatabase, type Db } from '../../electron/store/database.js';
import { migrations } from '../../electron/store/migrations/index.js';
import { RequestLog, type LogRecord } from '../../electron/store/request-log.js';

const userVersion = (db: Database.Database): number => db.pragma('user_version', { simple: true }) as number;

const schemaObjects = (db: Database.Database): { type: string; name: string }[] =>
  db
    .prepare<[], { type: string; name: string }>(
      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )
    .all();

let dirs: string[] = [];
const tempFile = (name = 'tollgate.db'): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-migrations-'));
  dirs.push(dir);
  return join(dir, name);
};

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe('migrations', () => {
  it.each(migrations.map((migration, index) => [migration.name, index] as const))(
    '%s applies on an in-memory database on top of the migrations before it and records its version',
    (_name, index) => {
      const db = new Database(':memory:');
      try {
        db.pragma('foreign_keys = ON');
        migrate(db, migrations.slice(0, index));
        expect(userVersion(db)).toBe(index);
        const before = schemaObjects(db).length;

        migrate(db, migrations.slice(0, index + 1));

        expect(userVersion(db)).toBe(index + 1);
        expect(schemaObjects(db).length).toBeGreaterThan(before);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);
      } finally {
        db.close();
      }
    },
  );

  it('0001-initial creates the tables and the log indexes, every table STRICT', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, migrations.slice(0, 1));
      const objects = schemaObjects(db);
      const tables = objects.filter((o) => o.type === 'table').map((o) => o.name);
      expect(tables).toEqual([
        'content_blobs',
        'prices',
        'provider_keys',
        'providers',
        'request_content',
        'request_logs',
        'settings',
        'virtual_keys',
      ]);
      const indexes = objects.filter((o) => o.type === 'index').map((o) => o.name);
      expect(indexes).toEqual(
        expect.arrayContaining([
          'prices_by_model',
          'request_logs_by_key',
          'request_logs_by_model',
          'request_logs_by_outcome',
          'request_logs_by_session',
          'request_logs_by_status',
          'request_logs_by_time',
        ]),
      );
      const strict = db
        .prepare<[], { name: string; strict: number }>(
          "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
        )
        .all();
      for (const table of strict) expect(table.strict, table.name).toBe(1);
    } finally {
      db.close();
    }
  });

  it('0001-initial refuses a provider key that is both a sealed secret and an environment variable', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, migrations.slice(0, 1));
      db.prepare("INSERT INTO providers (provider, created_at, updated_at) VALUES ('anthropic', 0, 0)").run();
      const insert = db.prepare(
        "INSERT INTO provider_keys (id, provider, name, sealed, env_var, preview, position) VALUES (?, 'anthropic', 'k', ?, ?, 'p', 0)",
      );
      expect(() => insert.run('both', 'v1:sealed', 'MY_KEY')).toThrow(/CHECK constraint/);
      expect(() => insert.run('neither', null, null)).toThrow(/CHECK constraint/);
      expect(insert.run('sealed', 'v1:sealed', null).changes).toBe(1);
    } finally {
      db.close();
    }
  });

  it('0005-durable-settlement carries spend recorded before it over as one charge per budget period', () => {
    const db = new Database(':memory:');
    try {
      db.pragma('foreign_keys = ON');
      const index = migrations.findIndex((migration) => migration.name === '0005-durable-settlement');
      migrate(db, migrations.slice(0, index));
      db.prepare(
        `INSERT INTO budgets (id, owner_type, owner_id, max_limit_micros, reset_duration, anchor_at, created_at, updated_at)
         VALUES ('b1', 'virtual_key', 'k1', 5000000, '1M', 0, 0, 0)`,
      ).run();
      db.prepare('INSERT INTO budget_spend (budget_id, period_start, spent_micros) VALUES (?, ?, ?)').run(
        'b1',
        100,
        1234,
      );
      db.prepare('INSERT INTO budget_spend (budget_id, period_start, spent_micros) VALUES (?, ?, ?)').run('b1', 200, 0);

      migrate(db, migrations.slice(0, index + 1));

      expect(db.prepare('SELECT budget_id, period_start, request_id, micros FROM budget_charges').all()).toEqual([
        { budget_id: 'b1', period_start: 100, request_id: 'carried-over', micros: 1234 },
      ]);
      expect(db.prepare('SELECT count(*) AS n FROM admissions').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('does nothing when the database is already at the current version', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, migrations);
      const objects = schemaObjects(db);
      migrate(db, migrations);
      expect(userVersion(db)).toBe(migrations.length);
      expect(schemaObjects(db)).toEqual(objects);
    } finally {
      db.close();
    }
  });
});

describe('openDatabase', () => {
  it('opens a file database in WAL mode with foreign keys enforced and synchronous=NORMAL', () => {
    const db = openDatabase(tempFile());
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(userVersion(db)).toBe(migrations.length);
    } finally {
      db.close();
    }
  });

  /** A database as a later Tollgate would leave it: one schema version ahead, with a table we do not know. */
  function newerDatabase(journalMode: 'wal' | 'delete'): string {
    const file = tempFile();
    const raw = new Database(file);
    raw.pragma(`journal_mode = ${journalMode}`);
    raw.exec('CREATE TABLE from_the_future (id INTEGER PRIMARY KEY) STRICT');
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    return file;
  }

  it('refuses a database written by a newer Tollgate with NewerDatabaseError and adds nothing to it', () => {
    const file = newerDatabase('wal');
    const before = readFileSync(file);

    expect(() => openDatabase(file)).toThrow(NewerDatabaseError);

    expect(readFileSync(file).equals(before)).toBe(true);
    const raw = new Database(file, { readonly: true });
    try {
      expect(userVersion(raw)).toBe(migrations.length + 1);
      expect(schemaObjects(raw)).toEqual([{ type: 'table', name: 'from_the_future' }]);
    } finally {
      raw.close();
    }
  });

  it('tells the operator which file is too new and what to do', () => {
    const file = newerDatabase('wal');
    expect(() => openDatabase(file)).toThrow(/newer Tollgate.*Upgrade Tollgate/s);
  });

  it('leaves a newer database in rollback-journal mode byte for byte as it was', () => {
    const file = newerDatabase('delete');
    const before = readFileSync(file);

    expect(() => openDatabase(file)).toThrow(NewerDatabaseError);

    // Switching the refused file to WAL rewrites its header: the refusal must come before any write.
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe("indexes for the log viewer's queries", () => {
  let db: Db;
  let log: RequestLog;
  /** SQL and parameters of every statement RequestLog.query ran. */
  let captured: { sql: string; params: unknown[] }[];

  const record = (i: number): LogRecord => ({
    request_id: `req_${i}`,
    created_at: Date.parse('2026-11-01T00:00:00Z') + i * 60_000,
    virtual_key_id: `key-${i % 3}`,
    virtual_key_name: `key ${i % 3}`,
    session_id: `session-${i % 5}`,
    client: 'claude-cli/2.1.330',
    method: 'POST',
    path: '/v1/messages',
    endpoint: 'messages',
    model: i % 2 ? 'claude-sonnet-5-5' : 'claude-haiku-5-5',
    provider: 'anthropic',
    status: i % 7 === 0 ? 'error' : 'success',
    status_code: i % 7 === 0 ? 529 : 200,
    error_type: null,
    error_message: null,
    stream: true,
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    cost_micros: 100,
    cost_estimated: false,
    price_id: null,
    latency_ms: 50,
    ttfb_ms: 10,
    stop_reason: 'end_turn',
    tool_names: [],
    request_bytes: 100,
    response_bytes: 200,
    upstream_request_id: null,
    user_id: null,
    team_id: null,
    customer_id: null,
    refusal_reason: i % 11 === 0 ? 'budget_exhausted' : null,
    requested_model: null,
    removed_tools: [],
    usage_by_model: [],
  });

  beforeEach(() => {
    db = openDatabase(tempFile());
    log = new RequestLog(db, new ContentStore(db), { flushDelayMs: 60_000 });
    for (let i = 0; i < 200; i++) log.appendQuietly(record(i));
    log.flush();
    captured = [];
    const prepare = db.prepare.bind(db);
    vi.spyOn(db, 'prepare').mockImplementation((sql: string) => {
      const statement = prepare(sql);
      const all = statement.all.bind(statement);
      vi.spyOn(statement, 'all').mockImplementation((...params: unknown[]) => {
        captured.push({ sql, params });
        return all(...params);
      });
      return statement;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    log.close();
    db.close();
  });

  /** Runs a log query and returns the query plan SQLite chose for its SQL. */
  function planOf(query: Partial<LogQuery>): { plan: string[]; ids: number[] } {
    const page = log.query({ limit: 50, ...query });
    const last = captured.at(-1);
    if (!last) throw new Error('RequestLog.query ran no statement');
    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${last.sql}`)
      .all(...last.params)
      .map((row) => row.detail);
    return { plan, ids: page.logs.map((entry) => entry.id) };
  }

  const newestFirst = (ids: number[]): void => {
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  };

  /** The keyset cursor the API hands out for the row with this id (rows are a minute apart). */
  const cursorOf = (id: number): string => `${Date.parse('2026-11-01T00:00:00Z') + (id - 1) * 60_000}.${id}`;

  it('pages newest first without a filter by walking the time index backwards, with no sort', () => {
    const { plan, ids } = planOf({});
    expect(plan).toContain('SCAN l USING INDEX request_logs_by_time');
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    newestFirst(ids);
  });

  it('follows a cursor through the time index, with no sort', () => {
    const { plan, ids } = planOf({ cursor: cursorOf(120) });
    expect(plan.join('\n')).toMatch(/SEARCH l USING INDEX request_logs_by_time \(created_at<\?\)/);
    expect(ids[0]).toBe(119);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it.each([
    ['virtual key', { vk: 'key-1' }, 'request_logs_by_key'],
    ['session', { session: 'session-2' }, 'request_logs_by_session'],
    ['model', { model: 'claude-haiku-5-5' }, 'request_logs_by_model'],
    ['status code', { status: 529 }, 'request_logs_by_status'],
    ['virtual key and cursor', { vk: 'key-1', cursor: cursorOf(150) }, 'request_logs_by_key'],
    ['outcome', { status: 'error' }, 'request_logs_by_outcome'],
    ['refusal reason', { reason: 'budget_exhausted' }, 'request_logs_by_reason'],
  ] as const)('filters by %s through %s, newest first with no sort', (_what, filter, index) => {
    const { plan, ids } = planOf(filter);
    expect(plan.join('\n')).toMatch(new RegExp(`SEARCH l USING (COVERING )?INDEX ${index} `));
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    newestFirst(ids);
  });

  it('filters by a time window newest first with no sort', () => {
    const { plan, ids } = planOf({
      start: Date.parse('2026-11-01T01:00:00Z'),
      end: Date.parse('2026-11-01T02:00:00Z'),
    });
    newestFirst(ids);
    expect(ids).toHaveLength(50);
    // Pages are ordered by (created_at, id), which request_logs_by_time serves in order.
    expect(plan.join('\n')).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });
});
