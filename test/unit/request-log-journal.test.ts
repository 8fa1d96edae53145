// The request log as the journal of spend: a row and the charges of its cost to its budgets commit
// together (group-committed, each caller told when its own write is on disk); a failing store keeps
// everything queued, says so and writes it all once it can; what it still holds at exit is held over
// for the next start; and admission traces left by a crash become `interrupted` rows charged to their
// budgets. A real SQLite file in a temporary directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../../electron/store/content-store.js';
import { openDatabase, type Db } from '../../electron/store/database.js';
import { RequestLog, type LogRecord, type PriceUsage } from '../../electron/store/request-log.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const PERIOD = Date.parse('2026-12-01T00:00:00Z');

let dir: string;
let db: Db;
let log: RequestLog;
let failures: unknown[];
let recoveries: number[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-journal-'));
  db = openDatabase(join(dir, 'tollgate.db'));
  failures = [];
  recoveries = [];
  log = new RequestLog(db, new ContentStore(db), {
    retryDelayMs: 60_000, // the tests retry by hand
    onFlushError: (error) => failures.push(error),
    onRecovered: (written) => recoveries.push(written),
  });
  for (const id of ['key-budget', 'team-budget']) {
    db.prepare(
      `INSERT INTO budgets (id, owner_type, owner_id, max_limit_micros, reset_duration, anchor_at, created_at, updated_at)
       VALUES (?, 'virtual_key', 'k1', 10000000, '1M', ?, ?, ?)`,
    ).run(id, PERIOD, PERIOD, PERIOD);
  }
});

afterEach(() => {
  log.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const charges = [
  { budgetId: 'key-budget', periodStart: PERIOD },
  { budgetId: 'team-budget', periodStart: PERIOD },
];

const spent = (budgetId: string): number =>
  db
    .prepare<[string], { spent_micros: number }>('SELECT spent_micros FROM budget_spend WHERE budget_id = ?')
    .get(budgetId)?.spent_micros ?? 0;
const count = (table: string): number =>
  db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? Number.NaN;

/** Makes every write fail, as a full disk does, until the returned function is called. */
function failWrites(): () => void {
  db.exec(
    `CREATE TRIGGER full_disk BEFORE INSERT ON request_logs BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
  );
  db.exec(
    `CREATE TRIGGER full_disk_traces BEFORE INSERT ON admissions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
  );
  return () => db.exec('DROP TRIGGER full_disk; DROP TRIGGER full_disk_traces');
}

function record(partial: Partial<LogRecord> = {}): LogRecord {
  return {
    request_id: `req_${randomBytes(6).toString('hex')}`,
    created_at: NOW,
    virtual_key_id: 'k1',
    virtual_key_name: 'alice',
    user_id: null,
    team_id: null,
    customer_id: null,
    session_id: null,
    client: null,
    method: 'POST',
    path: '/v1/messages',
    endpoint: 'messages',
    model: 'claude-sonnet-4-6',
    provider: 'anthropic',
    status: 'success',
    status_code: 200,
    error_type: null,
    error_message: null,
    stream: true,
    usage: { input_tokens: 100, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    cost_micros: 450,
    cost_estimated: false,
    price_id: null,
    latency_ms: 5,
    ttfb_ms: 1,
    stop_reason: 'end_turn',
    tool_names: [],
    request_bytes: 10,
    response_bytes: 10,
    upstream_request_id: null,
    refusal_reason: null,
    requested_model: null,
    removed_tools: [],
    usage_by_model: [],
    ...partial,
  };
}

const price: PriceUsage = (_model, usage) => ({
  costMicros: usage.input_tokens * 3 + usage.output_tokens * 15,
  priceId: null,
  byModel: [],
});

describe('settling a request', () => {
  it('commits the row and its cost on every budget together, and tells the caller once it is on disk', async () => {
    const row = record();
    const pending = log.append(row, charges);
    expect(count('request_logs')).toBe(0); // group commit: written at the end of this turn of the event loop
    expect(await pending).toBe(true);
    expect(count('request_logs')).toBe(1);
    expect(spent('key-budget')).toBe(450);
    expect(spent('team-budget')).toBe(450);
    expect(db.prepare('SELECT budget_id, request_id, micros FROM budget_charges ORDER BY budget_id').all()).toEqual([
      { budget_id: 'key-budget', request_id: row.request_id, micros: 450 },
      { budget_id: 'team-budget', request_id: row.request_id, micros: 450 },
    ]);
  });

  it('shares one commit among the requests that finish in the same turn', async () => {
    const transaction = db.transaction.bind(db);
    let transactions = 0;
    db.transaction = ((work: () => unknown) => {
      transactions++;
      return transaction(work);
    }) as typeof db.transaction;
    const journal = new RequestLog(db, new ContentStore(db));
    const results = await Promise.all(Array.from({ length: 20 }, () => journal.append(record(), charges)));
    expect(results.every(Boolean)).toBe(true);
    expect(transactions).toBe(1);
    expect(count('request_logs')).toBe(20);
    expect(spent('key-budget')).toBe(20 * 450);
  });
});

describe('a store that cannot write', () => {
  it('keeps the row and its spend queued, says so, and writes both once it can', async () => {
    const allowWrites = failWrites();
    expect(await log.append(record(), charges)).toBe(false);
    expect(log.health()).toMatchObject({ writable: false, pending: 1 });
    expect(log.health().error).toContain('database or disk is full');
    expect(failures).toHaveLength(1);
    // Later writes are told at once that they are not on disk, and queue behind.
    expect(await log.append(record(), charges)).toBe(false);
    expect(failures).toHaveLength(1);

    allowWrites();
    log.flush();
    expect(log.health()).toMatchObject({ writable: true, error: null, pending: 0 });
    expect(recoveries).toEqual([2]);
    expect(count('request_logs')).toBe(2);
    expect(spent('key-budget')).toBe(900);
  });

  it('holds over what it could not write at exit, for the next start to write', () => {
    const allowWrites = failWrites();
    const served = record();
    void log.trace({ record: record({ request_id: 'req_in_flight' }), charges, estimateMicros: 7_000 });
    void log.append(served, charges);
    expect(log.close()).toBe(2);
    const heldOver = log.holdOver();
    expect(log.pending).toBe(0);
    allowWrites();

    const next = new RequestLog(db, new ContentStore(db));
    expect(next.takeBack(heldOver)).toEqual({ written: 2, skipped: 0 });
    expect(next.recoverInterrupted(price, NOW + 1_000)).toBe(1);
    next.close();
    expect(db.prepare('SELECT request_id, status FROM request_logs ORDER BY id').all()).toEqual([
      { request_id: served.request_id, status: 'success' },
      { request_id: 'req_in_flight', status: 'interrupted' },
    ]);
    expect(spent('key-budget')).toBe(450 + 7_000);
  });
});

describe('an entry the store refuses', () => {
  it('leaves out only that entry, writes every other one and keeps the store writable', async () => {
    const rejected: string[] = [];
    const journal = new RequestLog(db, new ContentStore(db), { onRejected: (line) => rejected.push(line) });
    // A cost that is not a whole number of micro-dollars: the STRICT table refuses that row alone.
    const poison = record({ request_id: 'req_poison', cost_micros: 0.5 });
    const results = await Promise.all([
      journal.append(record(), charges),
      journal.append(poison),
      journal.append(record(), charges),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(journal.health()).toMatchObject({ writable: true, pending: 0 });
    expect(count('request_logs')).toBe(2);
    expect(spent('key-budget')).toBe(900);
    expect(rejected).toHaveLength(1);
    expect(JSON.parse(rejected[0] ?? '{}')).toMatchObject({ kind: 'row', record: { request_id: 'req_poison' } });
    journal.close();
  });

  it('writes held-over writes once, however often the file is replayed, and skips lines that are not entries', () => {
    const allowWrites = failWrites();
    void log.append(record({ request_id: 'req_held' }), charges);
    log.close();
    const heldOver = log.holdOver();
    allowWrites();
    const next = new RequestLog(db, new ContentStore(db));
    expect(next.takeBack(heldOver + 'not json\n{"kind":"row"}\n')).toEqual({ written: 1, skipped: 2 });
    expect(next.takeBack(heldOver)).toEqual({ written: 1, skipped: 0 });
    next.close();
    expect(count('request_logs')).toBe(1);
    expect(spent('key-budget')).toBe(450);
  });
});

describe('a crash mid-request', () => {
  it('books a traced request that never settled as interrupted, at the usage its stream had reported', async () => {
    const inFlight = record({ request_id: 'req_streaming', cost_micros: 0 });
    expect(await log.trace({ record: inFlight, charges, estimateMicros: 90_000 })).toBe(true);
    log.noteUsage('req_streaming', {
      input_tokens: 2_000,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    log.flush();
    expect(count('admissions')).toBe(1);

    // The next start, on the same file.
    const next = new RequestLog(db, new ContentStore(db));
    expect(next.recoverInterrupted(price, NOW + 60_000)).toBe(1);
    expect(count('admissions')).toBe(0);
    const row = db
      .prepare('SELECT status, cost_micros, cost_estimated, input_tokens, latency_ms FROM request_logs')
      .get();
    expect(row).toEqual({
      status: 'interrupted',
      cost_micros: 6_000,
      cost_estimated: 1,
      input_tokens: 2_000,
      latency_ms: 60_000,
    });
    expect(spent('key-budget')).toBe(6_000);
    expect(spent('team-budget')).toBe(6_000);
    next.close();
  });

  it('books one whose stream reported nothing at its reservation, and forgets traces whose rows were written', async () => {
    await log.trace({ record: record({ request_id: 'req_silent' }), charges, estimateMicros: 90_000 });
    const settled = record({ request_id: 'req_done' });
    await log.trace({ record: settled, charges, estimateMicros: 90_000 });
    await log.append(settled, charges, true);
    expect(count('admissions')).toBe(1);

    expect(log.recoverInterrupted(price, NOW)).toBe(1);
    expect(
      db.prepare("SELECT cost_micros, cost_estimated FROM request_logs WHERE request_id = 'req_silent'").get(),
    ).toEqual({ cost_micros: 90_000, cost_estimated: 1 });
    expect(spent('key-budget')).toBe(450 + 90_000);
  });
});
