// Opens the SQLite store (WAL, foreign keys on) and brings its schema up to date. A database written
// by a newer Tollgate is refused rather than touched, so a downgrade can never corrupt it.
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { migrations, type Migration } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for the running runtime (Electron needs its own ABI). */
  nativeBinding?: string;
}

export class NewerDatabaseError extends Error {
  constructor(file: string, found: number, known: number) {
    super(
      `${file} was written by a newer Tollgate (schema ${found}, this version knows ${known}). ` +
        'Upgrade Tollgate, or point --data-dir at another folder.',
    );
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  // The log holds prompts: create the file owner-only (SQLite gives -wal and -shm the same mode).
  if (file !== ':memory:') closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    // Refuse a newer schema before any pragma that writes to the file.
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > migrations.length) throw new NewerDatabaseError(file, found, migrations.length);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function migrate(db: Db, list: readonly Migration[], label = 'database'): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > list.length) throw new NewerDatabaseError(label, current, list.length);
  if (current === list.length) return;
  db.transaction(() => {
    for (const migration of list.slice(current)) db.exec(migration.sql);
    db.pragma(`user_version = ${list.length}`);
  }).immediate();
}
