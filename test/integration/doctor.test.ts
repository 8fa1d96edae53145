// `npm run doctor` as an operator runs it: the real CLI in a child process on a real SQLite store in a
// temporary data directory. Stores are built with openDatabase (every migration applied) and filled with
// plain SQL, so each test states exactly which rows hold and which disagree.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../electron/store/audit.js';
import { lockDataDir } from '../../electron/store/data-dir-lock.js';
import { migrate, openDatabase, type Db } from '../../electron/store/database.js';
import { migrations } from '../../electron/store/migrations/index.js';
import { childEnv, runProcess, stopAllProcesses, type FinishedProcess } from '../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCTOR = doctorCommand();
const DECEMBER = Date.UTC(2026, 11, 1);
const NOVEMBER = Date.UTC(2026, 10, 1);
const NOW = Date.UTC(2026, 11, 4, 12);

let scratch: string;
let dataDir: string;
const storeFile = (): string => join(dataDir, 'tollgate.db');

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tollgate-doctor-'));
  dataDir = join(scratch, 'data');
  mkdirSync(dataDir);
});

afterEach(async () => {
  await stopAllProcesses();
  rmSync(scratch, { recursive: true, force: true });
});

/** The doctor script's own command line (`npm run doctor --` minus npm), so the two cannot drift apart. */
function doctorCommand(): { command: string; args: string[] } {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = manifest.scripts?.doctor;
  if (script === undefined) throw new Error('package.json has no "doctor" script');
  const [bin, ...args] = script.trim().split(/\s+/);
  if (bin !== 'node')
    throw new Error(`the "doctor" script no longer starts with node; teach this test to run it: ${script}`);
  return { command: process.execPath, args };
}

function doctor(args: string[], env: Record<string, string> = {}): Promise<FinishedProcess> {
  return runProcess(DOCTOR.command, [...DOCTOR.args, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    name: 'tollgate doctor',
  });
}

/** Opens the store as the gateway does (migrating it), lets `fill` write rows, and closes it. */
function store(fill: (db: Db) => void = () => undefined): void {
  const db = openDatabase(storeFile());
  try {
    fill(db);
  } finally {
    db.close();
  }
}

function read<T>(query: (db: Database.Database) => T): T {
  const db = new Database(storeFile(), { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

const fingerprint = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

// ---- Rows, with only the columns the schema requires ----------------------------------------------

function key(db: Db, id: string, name: string): void {
  db.prepare(
    `INSERT INTO virtual_keys (id, name, key_hash, value_preview, created_at, updated_at) VALUES (?, ?, ?, 'sk-tg-…', ?, ?)`,
  ).run(id, name, `hash-${id}`, NOW, NOW);
}

function team(db: Db, id: string, name: string): void {
  db.prepare('INSERT INTO teams (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, name, NOW, NOW);
}

function budget(db: Db, id: string, ownerType: string, ownerId: string): void {
  db.prepare(
    `INSERT INTO budgets (id, owner_type, owner_id, max_limit_micros, reset_duration, calendar_aligned, anchor_at, created_at, updated_at)
     VALUES (?, ?, ?, 100000000, '1M', 1, ?, ?, ?)`,
  ).run(id, ownerType, ownerId, NOW, NOW, NOW);
}

function usage(db: Db, budgetId: string, periodStart: number, micros: number): void {
  db.prepare('INSERT INTO budget_spend (budget_id, period_start, spent_micros) VALUES (?, ?, ?)').run(
    budgetId,
    periodStart,
    micros,
  );
}

function charge(db: Db, budgetId: string, periodStart: number, requestId: string, micros: number): void {
  db.prepare('INSERT INTO budget_charges (budget_id, period_start, request_id, micros) VALUES (?, ?, ?, ?)').run(
    budgetId,
    periodStart,
    requestId,
    micros,
  );
}

function logRow(db: Db, requestId: string, costMicros: number): void {
  db.prepare(
    `INSERT INTO request_logs (request_id, created_at, method, path, endpoint, status, status_code, latency_ms, cost_micros)
     VALUES (?, ?, 'POST', '/v1/messages', 'messages', 'success', 200, 120, ?)`,
  ).run(requestId, NOW, costMicros);
}

/** A request settled as the gateway settles it: one log row, one charge per budget, usage added up. */
function settled(db: Db, requestId: string, costMicros: number, budgetIds: string[], periodStart = DECEMBER): void {
  logRow(db, requestId, costMicros);
  for (const budgetId of budgetIds) {
    charge(db, budgetId, periodStart, requestId, costMicros);
    db.prepare(
      `INSERT INTO budget_spend (budget_id, period_start, spent_micros) VALUES (?, ?, ?)
       ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_micros = spent_micros + excluded.spent_micros`,
    ).run(budgetId, periodStart, costMicros);
  }
}

/** alice's key and the platform team, each with a monthly budget, and two requests settled on both. */
function consistentStore(db: Db): void {
  team(db, 'team-platform', 'platform');
  key(db, 'key-alice', 'alice');
  budget(db, 'budget-team', 'team', 'team-platform');
  budget(db, 'budget-alice', 'virtual_key', 'key-alice');
  settled(db, 'req_tg_1', 1_250_000, ['budget-team', 'budget-alice']);
  settled(db, 'req_tg_2', 750_000, ['budget-team', 'budget-alice']);
}

describe('npm run doctor', () => {
  it('finds a consistent store healthy, exits 0 and leaves the database file as it was', async () => {
    store((db) => {
      consistentStore(db);
      // Spend from before migration 0005, and a request whose log row retention has removed.
      usage(db, 'budget-team', NOVEMBER, 3_000_000);
      charge(db, 'budget-team', NOVEMBER, 'carried-over', 2_000_000);
      charge(db, 'budget-team', NOVEMBER, 'req_tg_pruned', 1_000_000);
      new AuditLog(db).record({ actor: 'admin', action: 'createVirtualKey', targetType: 'virtual_key' }, NOW);
    });
    const before = fingerprint(storeFile());

    const result = await doctor(['--data-dir', dataDir]);

    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain(`Tollgate store ${storeFile()} (read-only check)`);
    expect(result.stdout).toMatch(/^schema: +ok \(version \d+\)$/m);
    expect(result.stdout).toMatch(/^integrity: +ok$/m);
    expect(result.stdout).toMatch(
      /^budgets: +ok \(3 budget periods; 1 carried-over charge; 1 charge whose log row retention removed\)$/m,
    );
    expect(result.stdout).toMatch(/^audit chain: +ok \(1 entry\)$/m);
    expect(result.stdout).toMatch(/^admissions: +ok/m);
    expect(result.stdout).toMatch(/^Every check holds\.$/m);
    expect(fingerprint(storeFile())).toBe(before);
  });

  it('names a budget whose usage disagrees with its charges, with its owner, period and difference, and exits 1', async () => {
    store((db) => {
      consistentStore(db);
      // The team's usage says $2.50 where its charges add up to $2.00.
      db.prepare('UPDATE budget_spend SET spent_micros = 2500000 WHERE budget_id = ?').run('budget-team');
      // November has a charge on alice's budget but no usage row at all.
      charge(db, 'budget-alice', NOVEMBER, 'req_tg_old', 400_000);
    });

    const result = await doctor(['--data-dir', dataDir]);

    expect(result.code, result.output).toBe(1);
    expect(result.stdout).toMatch(/^budgets: +2 of 3 budget periods disagree with their charges$/m);
    expect(result.stdout).toContain(
      'team "platform" (team-platform), budget budget-team, period from 2026-12-01T00:00:00.000Z: ' +
        'usage $2.50, charges $2.00 (2 charges), difference +$0.50',
    );
    expect(result.stdout).toContain(
      'virtual key "alice" (key-alice), budget budget-alice, period from 2026-11-01T00:00:00.000Z: ' +
        'no usage recorded, charges $0.40 (1 charge), difference -$0.40',
    );
    expect(result.stdout).toContain('npm run doctor -- --repair');
    expect(result.stdout).toMatch(/^1 check does not hold\.$/m);
  });

  it('prints the same findings as JSON with --json, in micro-dollars and ISO times', async () => {
    store((db) => {
      consistentStore(db);
      db.prepare('UPDATE budget_spend SET spent_micros = 2000001 WHERE budget_id = ?').run('budget-team');
    });

    const result = await doctor(['--data-dir', dataDir, '--json']);

    expect(result.code, result.output).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      database: storeFile(),
      ok: false,
      schema: { ok: true, version: migrations.length, known: migrations.length },
      integrity: { ok: true, problems: [] },
      budgets: {
        ok: false,
        periods: 2,
        disagreements: [
          {
            budget_id: 'budget-team',
            owner: { type: 'team', id: 'team-platform', name: 'platform' },
            period_start: '2026-12-01T00:00:00.000Z',
            recorded_micros: 2_000_001,
            charged_micros: 2_000_000,
            charges: 2,
            difference_micros: 1,
          },
        ],
        charge_mismatches: { count: 0, first: [] },
      },
      audit: { ok: true, entries: 0 },
      admissions: { ok: true, count: 0, oldest_created_at: null, request_ids: [] },
      repair: null,
    });
  });

  it('reports a charge that differs from the cost on its log row, which --repair does not rewrite', async () => {
    store((db) => {
      key(db, 'key-alice', 'alice');
      budget(db, 'budget-alice', 'virtual_key', 'key-alice');
      logRow(db, 'req_tg_1', 2_100_000);
      charge(db, 'budget-alice', DECEMBER, 'req_tg_1', 2_000_000);
      usage(db, 'budget-alice', DECEMBER, 2_000_000);
    });

    const result = await doctor(['--data-dir', dataDir]);

    expect(result.code, result.output).toBe(1);
    expect(result.stdout).toMatch(/^budgets: +1 charge differs from the cost on the request's log row$/m);
    expect(result.stdout).toContain(
      'request req_tg_1 on budget budget-alice, period from 2026-12-01T00:00:00.000Z: charged $2.00, logged $2.10',
    );
    const repaired = await doctor(['--data-dir', dataDir, '--repair']);
    expect(repaired.code, repaired.output).toBe(1);
    expect(repaired.stdout).toMatch(/^repaired: +nothing to repair/m);
    expect(read((db) => db.prepare('SELECT micros FROM budget_charges').pluck().get())).toBe(2_000_000);
  });

  it('repairs budget usage from the charges, audits each period it changed, and then checks clean', async () => {
    store((db) => {
      consistentStore(db);
      db.prepare('UPDATE budget_spend SET spent_micros = 2500000 WHERE budget_id = ?').run('budget-team');
      charge(db, 'budget-alice', NOVEMBER, 'req_tg_old', 400_000);
      // A usage row for a period nothing was ever charged to.
      usage(db, 'budget-team', NOVEMBER, 900_000);
    });
    const untouched = (db: Database.Database): unknown => ({
      charges: db.prepare('SELECT * FROM budget_charges ORDER BY budget_id, period_start, request_id').all(),
      logs: db.prepare('SELECT * FROM request_logs ORDER BY id').all(),
    });
    const before = read(untouched);

    const repair = await doctor(['--data-dir', dataDir, '--repair']);

    expect(repair.code, repair.output).toBe(0);
    expect(repair.stdout).toContain(`Tollgate store ${storeFile()} (repair, then check)`);
    expect(repair.stdout).toMatch(/^repaired: +3 budget periods set to the sum of their charges/m);
    expect(repair.stdout).toContain(
      'team "platform" (team-platform), budget budget-team, period from 2026-12-01T00:00:00.000Z: $2.50 -> $2.00',
    );
    expect(repair.stdout).toContain(
      'virtual key "alice" (key-alice), budget budget-alice, period from 2026-11-01T00:00:00.000Z: no usage recorded -> $0.40',
    );
    expect(repair.stdout).toContain(
      'team "platform" (team-platform), budget budget-team, period from 2026-11-01T00:00:00.000Z: $0.90 -> usage row removed (no charges)',
    );
    expect(repair.stdout).toMatch(/^Every check holds\.$/m);

    expect(read((db) => db.prepare('SELECT * FROM budget_spend ORDER BY budget_id, period_start').all())).toEqual([
      { budget_id: 'budget-alice', period_start: NOVEMBER, spent_micros: 400_000 },
      { budget_id: 'budget-alice', period_start: DECEMBER, spent_micros: 2_000_000 },
      { budget_id: 'budget-team', period_start: DECEMBER, spent_micros: 2_000_000 },
    ]);
    expect(read(untouched)).toEqual(before);

    const audit = read((db) => new AuditLog(db).list(10).entries);
    expect(audit).toHaveLength(3);
    for (const entry of audit) {
      expect(entry).toMatchObject({ actor: 'npm run doctor', action: 'repairBudgetUsage', target_type: 'budget' });
    }
    expect(audit).toContainEqual(
      expect.objectContaining({
        target_id: 'budget-team',
        before: { period_start: '2026-12-01T00:00:00.000Z', spent_micros: 2_500_000 },
        after: { period_start: '2026-12-01T00:00:00.000Z', spent_micros: 2_000_000 },
      }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        target_id: 'budget-team',
        before: { period_start: '2026-11-01T00:00:00.000Z', spent_micros: 900_000 },
        after: { period_start: '2026-11-01T00:00:00.000Z', spent_micros: null },
      }),
    );

    const check = await doctor(['--data-dir', dataDir]);
    expect(check.code, check.output).toBe(0);
    expect(check.stdout).toMatch(/^audit chain: +ok \(3 entries\)$/m);
  });

  it('reports requests left in flight by a stopped gateway, oldest first and at most 20 by id, and exits 1', async () => {
    store((db) => {
      consistentStore(db);
      const admit = db.prepare("INSERT INTO admissions (request_id, created_at, record) VALUES (?, ?, '{}')");
      for (let i = 0; i < 25; i++) admit.run(`req_tg_flight_${String(i).padStart(2, '0')}`, NOW + i * 1000);
    });

    const result = await doctor(['--data-dir', dataDir]);

    expect(result.code, result.output).toBe(1);
    expect(result.stdout).toMatch(
      /^admissions: +25 requests admitted but never logged, the oldest from 2026-12-04T12:00:00\.000Z$/m,
    );
    const named = /req_tg_flight_\d+/g;
    expect(result.stdout.match(named)).toEqual(
      Array.from({ length: 20 }, (_, i) => `req_tg_flight_${String(i).padStart(2, '0')}`),
    );
    expect(result.stdout).toContain('(the first 20)');
    expect(result.stdout).toContain('start the gateway to settle them');
  });

  it('counts admissions of a gateway that is running on the store as in flight, not left over', async () => {
    store((db) => {
      consistentStore(db);
      db.prepare("INSERT INTO admissions (request_id, created_at, record) VALUES ('req_tg_running', ?, '{}')").run(NOW);
    });
    // The lock a running gateway holds, naming a live process (this test's own).
    const lock = lockDataDir(dataDir);
    try {
      const result = await doctor(['--data-dir', dataDir]);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`^admissions: +ok \\(1 request in flight on the running gateway, process ${process.pid}\\)$`, 'm'),
      );
    } finally {
      lock.release();
    }
  });

  it('reports an audit entry altered behind its back, naming where the chain breaks', async () => {
    store((db) => {
      const audit = new AuditLog(db);
      for (const name of ['first', 'second', 'third']) {
        audit.record({ actor: 'admin', action: 'createVirtualKey', targetType: 'virtual_key', after: { name } }, NOW);
      }
      // Someone with the database file: drop the guard trigger, rewrite history.
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare('UPDATE audit_log SET after = ? WHERE id = 2').run(JSON.stringify({ name: 'someone else' }));
    });

    const result = await doctor(['--data-dir', dataDir]);

    expect(result.code, result.output).toBe(1);
    expect(result.stdout).toMatch(/^audit chain: +broken at entry 2: its content does not match its hash/m);
  });

  it('reports the damage SQLite finds and will not repair a damaged file', async () => {
    store(consistentStore);
    // Overwrite one index's root page with garbage, as a failing disk might.
    const { pageSize, rootPage } = read((db) => ({
      pageSize: db.pragma('page_size', { simple: true }) as number,
      rootPage: db
        .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'request_logs_by_model'")
        .pluck()
        .get() as number,
    }));
    const file = openSync(storeFile(), 'r+');
    writeSync(file, Buffer.alloc(pageSize, 0xff), 0, pageSize, (rootPage - 1) * pageSize);
    closeSync(file);
    const before = fingerprint(storeFile());

    const result = await doctor(['--data-dir', dataDir, '--repair']);

    expect(result.code, result.output).toBe(1);
    expect(result.stdout).toMatch(/^integrity: +SQLite reports damage:$/m);
    expect(result.stdout).toMatch(/^repaired: +nothing: the database file is damaged/m);
    expect(fingerprint(storeFile())).toBe(before);
  });

  it('says an older store needs the gateway started once, and --repair brings it up to date', async () => {
    const db = new Database(storeFile());
    migrate(db, migrations.slice(0, migrations.length - 1));
    db.close();

    const check = await doctor(['--data-dir', dataDir]);
    expect(check.code, check.output).toBe(1);
    expect(check.stdout).toContain(
      `version ${migrations.length - 1}, this Tollgate's is ${migrations.length}: start the gateway once`,
    );
    expect(check.stdout).toMatch(/^budgets: +skipped until the schema is up to date$/m);
    expect(read((raw) => raw.pragma('user_version', { simple: true }))).toBe(migrations.length - 1);

    const repair = await doctor(['--data-dir', dataDir, '--repair']);
    expect(repair.code, repair.output).toBe(0);
    expect(repair.stdout).toMatch(
      new RegExp(`^migrated: +schema ${migrations.length - 1} brought up to ${migrations.length}$`, 'm'),
    );
  });

  it('refuses a store written by a newer Tollgate with exit 2 and leaves it untouched', async () => {
    store();
    const db = new Database(storeFile());
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    const before = fingerprint(storeFile());

    for (const args of [[], ['--repair']]) {
      const result = await doctor(['--data-dir', dataDir, ...args]);
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toContain('was written by a newer Tollgate');
    }
    expect(fingerprint(storeFile())).toBe(before);
  });

  it('exits 2 for a missing data directory, a directory without a store, and an unknown flag', async () => {
    const missing = await doctor(['--data-dir', join(scratch, 'nowhere')]);
    expect(missing.code, missing.output).toBe(2);
    expect(missing.stderr).toContain(`no data directory at ${join(scratch, 'nowhere')}`);

    const empty = await doctor(['--data-dir', dataDir]);
    expect(empty.code, empty.output).toBe(2);
    expect(empty.stderr).toContain('holds no Tollgate store (tollgate.db)');

    const unknown = await doctor(['--data-dir', dataDir, '--fix-everything']);
    expect(unknown.code, unknown.output).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--fix-everything'");
    expect(unknown.stderr).toContain('Usage: npm run doctor');
  });

  it('finds the store through TOLLGATE_DATA_DIR, as npm run serve does', async () => {
    store(consistentStore);

    const result = await doctor([], { TOLLGATE_DATA_DIR: dataDir });

    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain(`Tollgate store ${storeFile()} (read-only check)`);
  });

  it.skipIf(process.platform !== 'linux')('defaults to the per-user data directory the gateway uses', async () => {
    dataDir = join(scratch, 'Tollgate');
    mkdirSync(dataDir);
    store(consistentStore);

    const result = await doctor([], { XDG_CONFIG_HOME: scratch });

    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain(`Tollgate store ${storeFile()} (read-only check)`);
  });
});
