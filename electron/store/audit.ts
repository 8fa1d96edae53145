// The audit trail: every admin change and every failed admin sign-in, append-only (triggers refuse
// UPDATE, and DELETE of anything not archived) and hash-chained: each entry carries the SHA-256 of the
// one before, so an entry altered behind Tollgate's back breaks the chain at that row, and verify()
// says where. Retention archives the oldest entries to a JSON Lines file and removes them behind a
// checkpoint (migration 0006): the rest of the chain is verified from the checkpoint's hash, and the
// archive, holding the entries whole, verifies on its own up to that hash (verifyArchive).
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Db } from './database.js';
import { iso } from './time.js';

export interface AuditInput {
  actor: string;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  address?: string | null;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: string | null;
  after: string | null;
  address: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
  address: string | null;
  hash: string;
}

/** Where the remaining chain starts: the last entry retention archived, and the file it went to. */
export interface AuditCheckpoint {
  at: string;
  /** The archived entries were ids first_id to through_id. */
  first_id: number;
  through_id: number;
  /** The hash of entry through_id: the first remaining entry links to it. */
  through_hash: string;
  entries: number;
  /** The archive's file name, in the data directory's audit-archive folder. */
  archive_file: string;
  archive_sha256: string;
}

export type AuditVerification =
  | { ok: true; entries: number; head: string; checkpoint: AuditCheckpoint | null }
  | { ok: false; entries: number; broken_at: number; reason: string; checkpoint: AuditCheckpoint | null };

export interface AuditArchive {
  /** Entries archived and removed; 0 when none was past retention. */
  archived: number;
  /** The checkpoint recorded for them; null when nothing was archived. */
  checkpoint: AuditCheckpoint | null;
}

interface CheckpointRow {
  at: number;
  first_id: number;
  through_id: number;
  through_hash: string;
  entries: number;
  archive_file: string;
  archive_sha256: string;
}

const GENESIS = '0'.repeat(64);

/** Where retention writes audit archives. */
export const auditArchiveDir = (dataDir: string): string => join(dataDir, 'audit-archive');
const DAY_MS = 86_400_000;
/** Entries archived per file at most, so that one file stays a size a text editor opens. */
const ARCHIVE_BATCH = 100_000;

export class AuditLog {
  private readonly insert;
  private readonly last;
  private readonly page;
  private readonly everything;
  private readonly latestCheckpoint;
  private readonly firstRemaining;
  private readonly range;
  private readonly insertCheckpoint;
  private readonly deleteThrough;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after, address, prev_hash, hash)
       VALUES (@at, @actor, @action, @target_type, @target_id, @before, @after, @address, @prev_hash, @hash)`,
    );
    this.last = db.prepare<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.page = db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?');
    this.everything = db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY id');
    this.latestCheckpoint = db.prepare<[], CheckpointRow>(
      'SELECT at, first_id, through_id, through_hash, entries, archive_file, archive_sha256 FROM audit_checkpoints ORDER BY id DESC LIMIT 1',
    );
    this.firstRemaining = db.prepare<[], { id: number }>('SELECT id FROM audit_log ORDER BY id LIMIT 1');
    // The prefix of the chain recorded before the cutoff; an entry with an earlier time after a later one
    // (the clock was set back) stays until everything before it may go too.
    this.range = db.prepare<[number, number], AuditRow>(
      `SELECT * FROM audit_log
       WHERE id < COALESCE((SELECT MIN(id) FROM audit_log WHERE at >= ?), 9223372036854775807)
       ORDER BY id LIMIT ?`,
    );
    this.insertCheckpoint = db.prepare(
      `INSERT INTO audit_checkpoints (at, first_id, through_id, through_hash, entries, archive_file, archive_sha256)
       VALUES (@at, @first_id, @through_id, @through_hash, @entries, @archive_file, @archive_sha256)`,
    );
    this.deleteThrough = db.prepare<[number]>('DELETE FROM audit_log WHERE id <= ?');
  }

  record(input: AuditInput, at: number): void {
    this.db
      .transaction(() => {
        const row = {
          at,
          actor: input.actor,
          action: input.action,
          target_type: input.targetType ?? null,
          target_id: input.targetId ?? null,
          before:
            input.before === undefined || input.before === null ? null : JSON.stringify(withoutSecrets(input.before)),
          after: input.after === undefined || input.after === null ? null : JSON.stringify(withoutSecrets(input.after)),
          address: input.address ?? null,
          prev_hash: this.last.get()?.hash ?? this.latestCheckpoint.get()?.through_hash ?? GENESIS,
        };
        this.insert.run({ ...row, hash: chainHash(row) });
      })
      .immediate();
  }

  list(limit: number, cursor?: number): { entries: AuditEntry[]; next_cursor: string | null } {
    const rows = this.page.all(cursor ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const entries = rows.slice(0, limit).map((row) => ({
      id: row.id,
      at: iso(row.at),
      actor: row.actor,
      action: row.action,
      target_type: row.target_type,
      target_id: row.target_id,
      before: row.before === null ? null : (JSON.parse(row.before) as unknown),
      after: row.after === null ? null : (JSON.parse(row.after) as unknown),
      address: row.address,
      hash: row.hash,
    }));
    const last = entries.at(-1);
    return { entries, next_cursor: rows.length > limit && last ? String(last.id) : null };
  }

  /**
   * Walks the chain from the first entry (or, after retention, from the latest checkpoint's hash);
   * reports the first row whose link or content does not hold.
   */
  verify(): AuditVerification {
    const stored = this.latestCheckpoint.get();
    const checkpoint = stored ? checkpointOf(stored) : null;
    if (checkpoint) {
      // Entries are only removed from the front, through a checkpoint, and the archive's own entry
      // follows it: an empty trail, or anything else missing, is a gap.
      const first = this.firstRemaining.get();
      if (!first || first.id !== checkpoint.through_id + 1) {
        const from = checkpoint.through_id + 1;
        const missing = !first
          ? 'every entry is'
          : first.id - 1 === from
            ? `entry ${from} is`
            : `entries ${from} to ${first.id - 1} are`;
        return {
          ok: false,
          entries: 0,
          broken_at: first?.id ?? checkpoint.through_id + 1,
          reason: `${missing} missing after the checkpoint: removed without being archived`,
          checkpoint,
        };
      }
    }
    const result = walkChain(this.everything.iterate(), checkpoint?.through_hash ?? GENESIS);
    return { ...result, checkpoint };
  }

  /**
   * Archives the entries recorded more than `retentionDays` before `now` (0 keeps everything): writes
   * them whole to a JSON Lines file in `archiveDir` (synced before anything is removed), then, in one
   * transaction, records a checkpoint, an `audit.archived` entry naming it, and removes them.
   */
  archiveOlderThan(retentionDays: number, now: number, archiveDir: string): AuditArchive {
    if (retentionDays <= 0) return { archived: 0, checkpoint: null };
    let archived = 0;
    let checkpoint: AuditCheckpoint | null = null;
    for (;;) {
      const rows = this.range.all(now - retentionDays * DAY_MS, ARCHIVE_BATCH);
      const first = rows[0];
      const last = rows.at(-1);
      if (!first || !last) break;
      const { file, sha256 } = writeArchive(archiveDir, rows, now);
      const row: CheckpointRow = {
        at: now,
        first_id: first.id,
        through_id: last.id,
        through_hash: last.hash,
        entries: rows.length,
        archive_file: file,
        archive_sha256: sha256,
      };
      this.db
        .transaction(() => {
          this.insertCheckpoint.run(row);
          // Recorded before the removal, so the chain never runs empty and ids never start again.
          this.record(
            {
              actor: 'system',
              action: 'audit.archived',
              targetType: 'audit',
              targetId: file,
              after: { ...checkpointOf(row), retention_days: retentionDays },
            },
            now,
          );
          this.deleteThrough.run(last.id);
        })
        .immediate();
      archived += rows.length;
      checkpoint = checkpointOf(row);
      if (rows.length < ARCHIVE_BATCH) break;
    }
    return { archived, checkpoint };
  }
}

/**
 * Verifies an archive file on its own: its entries' hashes and links, from `startHash` (the previous
 * archive's last hash, or the chain's start for the first archive). `head` is the last entry's hash,
 * which the checkpoint recorded for the archive must name.
 */
export function verifyArchive(path: string, startHash: string = GENESIS): AuditVerification {
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditRow);
  return { ...walkChain(rows, startHash), checkpoint: null };
}

function walkChain(
  rows: Iterable<AuditRow>,
  start: string,
): { ok: true; entries: number; head: string } | { ok: false; entries: number; broken_at: number; reason: string } {
  let previous = start;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.prev_hash !== previous) {
      return {
        ok: false,
        entries: count,
        broken_at: row.id,
        reason: 'its link to the previous entry does not match: an entry before it was changed or removed',
      };
    }
    if (chainHash(row) !== row.hash) {
      return {
        ok: false,
        entries: count,
        broken_at: row.id,
        reason: 'its content does not match its hash: this entry was changed',
      };
    }
    previous = row.hash;
  }
  return { ok: true, entries: count, head: previous };
}

/** Writes the entries as they are stored, one JSON object a line, to a new file; returns its name and SHA-256. */
function writeArchive(dir: string, rows: readonly AuditRow[], now: number): { file: string; sha256: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const first = rows[0]?.id ?? 0;
  const last = rows.at(-1)?.id ?? 0;
  const file = `audit-${iso(now).slice(0, 10)}-${first}-${last}.jsonl`;
  const path = join(dir, file);
  const partial = `${path}.partial`;
  const digest = createHash('sha256');
  const fd = openSync(partial, 'w', 0o600);
  try {
    for (const row of rows) {
      const line = `${JSON.stringify(row)}\n`;
      digest.update(line);
      writeSync(fd, line);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
  syncDirectory(dir);
  return { file: basename(path), sha256: digest.digest('hex') };
}

/** Makes the rename durable before the entries are removed; not every platform can open a directory. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; NTFS journals the rename.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function checkpointOf(row: CheckpointRow): AuditCheckpoint {
  return { ...row, at: iso(row.at) };
}

function chainHash(row: Omit<AuditRow, 'id' | 'hash'>): string {
  const content = JSON.stringify([
    row.at,
    row.actor,
    row.action,
    row.target_type,
    row.target_id,
    row.before,
    row.after,
    row.address,
  ]);
  return createHash('sha256').update(row.prev_hash).update('\n').update(content).digest('hex');
}

/** Fields that carry a credential wherever they appear: an invite's code (and the link holding it), tokens. */
const SECRET_FIELDS = new Set(['code', 'invite_url', 'device_code', 'access_token', 'refresh_token']);

/**
 * Audit entries never hold a secret: a key's one-time value, literal provider keys, invite codes and
 * tokens are dropped.
 */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(
        ([name, field]) =>
          !SECRET_FIELDS.has(name) &&
          !(name === 'value' && typeof field === 'string' && /^sk-(tg|ant)-/.test(field) && !field.includes('…')),
      )
      .map(([name, field]) => [name, withoutSecrets(field)]),
  );
}
