// One gateway per data directory. Two gateways on one store would each book the other's requests in
// flight as interrupted when they start, and settle the same budgets from two sets of holds; the desktop
// app and `npm run serve` share the default directory, so this is easy to do by accident. The lock is a
// file naming the owner's process: a start that finds it names a live process and stops; one whose owner
// has died (kill -9, a crash) takes it over. `npm run doctor` reads it to tell admissions in flight on a
// running gateway from ones a dead gateway left.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const lockFile = (dataDir: string): string => join(dataDir, 'gateway.lock');

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `Another Tollgate (process ${pid}) is using ${dataDir}. Stop it first (Quit in the tray, or Ctrl-C), or ` +
        `point --data-dir at another folder. If no Tollgate is running, delete ${lockFile(dataDir)}.`,
    );
  }
}

export interface DataDirLock {
  release(): void;
}

/** The process that holds the lock, when it is alive. */
export function lockHolder(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number((JSON.parse(readFileSync(lockFile(dataDir), 'utf8')) as { pid?: unknown }).pid);
  } catch {
    return null;
  }
  return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/** Takes the data directory for this process, or throws DataDirInUseError naming the process that has it. */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = lockFile(dataDir);
  const content = JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }) + '\n';
  let owned = false;
  for (let attempt = 0; attempt < 2 && !owned; attempt++) {
    try {
      writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
      owned = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(dataDir);
      if (holder !== null) throw new DataDirInUseError(dataDir, holder);
      rmSync(file, { force: true }); // its owner is gone: take it over
    }
  }
  if (!owned) throw new DataDirInUseError(dataDir, lockHolder(dataDir) ?? 0);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      try {
        if (readFileSync(file, 'utf8') === content) rmSync(file);
      } catch {
        // already gone
      }
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
