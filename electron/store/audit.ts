// The audit trail: every admin change and every failed admin sign-in, append-only (triggers refuse
// UPDATE and DELETE) and hash-chained: each entry carries the SHA-256 of the one before, so an entry
// altered behind Tollgate's back breaks the chain at that row, and verify() says where.
import { createHash } from 'node:crypto';
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

export type AuditVerification =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; broken_at: number; reason: string };

const GENESIS = '0'.repeat(64);

export class AuditLog {
  private readonly insert;
  private readonly last;
  private readonly page;
  private readonly everything;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after, address, prev_hash, hash)
       VALUES (@at, @actor, @action, @target_type, @target_id, @before, @after, @address, @prev_hash, @hash)`,
    );
    this.last = db.prepare<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.page = db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?');
    this.everything = db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY id');
  }

  record(input: AuditInput, at: number): void {
    this.db.transaction(() => {
      const row = {
        at,
        actor: input.actor,
        action: input.action,
        target_type: input.targetType ?? null,
        target_id: input.targetId ?? null,
        before: input.before === undefined || input.before === null ? null : JSON.stringify(withoutSecrets(input.before)),
        after: input.after === undefined || input.after === null ? null : JSON.stringify(withoutSecrets(input.after)),
        address: input.address ?? null,
        prev_hash: this.last.get()?.hash ?? GENESIS,
      };
      this.insert.run({ ...row, hash: chainHash(row) });
    }).immediate();
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

  /** Walks the chain from the first entry; reports the first row whose link or content does not hold. */
  verify(): AuditVerification {
    let previous = GENESIS;
    let count = 0;
    for (const row of this.everything.iterate()) {
      count++;
      if (row.prev_hash !== previous) {
        return { ok: false, entries: count, broken_at: row.id, reason: 'its link to the previous entry does not match: an entry before it was changed or removed' };
      }
      if (chainHash(row) !== row.hash) {
        return { ok: false, entries: count, broken_at: row.id, reason: 'its content does not match its hash: this entry was changed' };
      }
      previous = row.hash;
    }
    return { ok: true, entries: count, head: previous };
  }
}

function chainHash(row: Omit<AuditRow, 'id' | 'hash'>): string {
  const content = JSON.stringify([row.at, row.actor, row.action, row.target_type, row.target_id, row.before, row.after, row.address]);
  return createHash('sha256').update(row.prev_hash).update('\n').update(content).digest('hex');
}

/** Audit entries never hold a secret: a key's one-time value and literal provider keys are dropped. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name, field]) => !(name === 'value' && typeof field === 'string' && /^sk-(tg|ant)-/.test(field) && !field.includes('…')))
      .map(([name, field]) => [name, withoutSecrets(field)]),
  );
}
