// The demo data directory: `npm run serve -- --demo` keeps its generated month of traffic apart from real
// data. A demo database carries a `demo` settings row; a directory whose database lacks it is refused,
// so demo rows can never be mixed into a real gateway's log. Demo data is regenerated when it is stale
// (its month ends more than a few hours ago) or was left half-written, and reused otherwise so what
// someone changed while exploring survives a restart.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../store/database.js';
import { generateDemoData, type DemoSummary } from './generate.js';

export const DATABASE_FILE = 'tollgate.db';
/** Holds the secret of the demo-playground key, so the demo gateway can be tried with Claude Code. */
export const DEMO_KEY_FILE = 'demo-key';
const DEMO_SETTING = 'demo';
const GENERATED_AT_SETTING = 'demo_generated_at';
const REFRESH_AFTER_MS = 12 * 3_600_000;

export class NotDemoDataError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `${dataDir} already holds a Tollgate database that is not demo data, so --demo will not write into it. ` +
        'Run with --demo alone (it uses a separate demo directory), or point --data-dir at an empty folder.',
    );
  }
}

export interface DemoDataDir {
  dataDir: string;
  /** True when this start generated the data; false when it reused data generated earlier. */
  generated: boolean;
  generatedAt: number;
  /** Present when generated now. */
  summary: DemoSummary | null;
  keyFile: string;
  elapsedMs: number;
}

/** What a database file says about itself, read without migrating or otherwise changing it. */
export function inspectDatabase(file: string): { demo: boolean; generatedAt: number | null } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const settings = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").get();
    if (!settings) return { demo: false, generatedAt: null };
    const read = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    const demo = read.get(DEMO_SETTING)?.value === 'true';
    const generated = read.get(GENERATED_AT_SETTING)?.value;
    return { demo, generatedAt: generated === undefined ? null : Number(JSON.parse(generated)) };
  } finally {
    db.close();
  }
}

/**
 * Makes `dataDir` hold current demo data: generates it into an empty directory, reuses it when it is
 * fresh, regenerates it when stale. Throws NotDemoDataError for a directory with a real database.
 */
export function prepareDemoDataDir(
  dataDir: string,
  options: { now: number; seed?: number; days?: number },
): DemoDataDir {
  const started = performance.now();
  const file = join(dataDir, DATABASE_FILE);
  const keyFile = join(dataDir, DEMO_KEY_FILE);
  if (existsSync(file)) {
    const found = inspectDatabase(file);
    if (!found.demo) throw new NotDemoDataError(dataDir);
    if (
      found.generatedAt !== null &&
      options.now - found.generatedAt < REFRESH_AFTER_MS &&
      options.now >= found.generatedAt
    ) {
      return {
        dataDir,
        generated: false,
        generatedAt: found.generatedAt,
        summary: null,
        keyFile,
        elapsedMs: performance.now() - started,
      };
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(file);
  try {
    const mark = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    // Marked first: a generation cut short leaves a demo database (regenerated next time), never an unmarked one.
    mark.run(DEMO_SETTING, 'true');
    const summary = generateDemoData(db, {
      now: options.now,
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.days !== undefined && { days: options.days }),
    });
    mark.run(GENERATED_AT_SETTING, JSON.stringify(options.now));
    writeFileSync(keyFile, `${summary.playgroundKey}\n`, { mode: 0o600 });
    return {
      dataDir,
      generated: true,
      generatedAt: options.now,
      summary,
      keyFile,
      elapsedMs: performance.now() - started,
    };
  } finally {
    db.close();
  }
}
