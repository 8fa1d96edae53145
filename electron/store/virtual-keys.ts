// Virtual keys: the secrets teammates put in ANTHROPIC_AUTH_TOKEN. Only a SHA-256 hash is stored; the
// value exists once, in the response that created it. Deleting keeps the row (soft delete) so the
// request log can still name the key it refused.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { VirtualKey, VirtualKeyCreate, VirtualKeyUpdate } from '../../shared/schemas.js';
import type { Db } from './database.js';
import { iso, isoOrNull } from './time.js';

export const VIRTUAL_KEY_PREFIX = 'sk-tg-';

interface KeyRow {
  id: string;
  name: string;
  description: string;
  value_preview: string;
  is_active: number;
  capture_content: number;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
  deleted_at: number | null;
}

/** What the proxy needs to know about the key a request presented. */
export interface KeyIdentity {
  id: string;
  name: string;
  active: boolean;
  captureContent: boolean;
}

export const hashKey = (value: string): string => createHash('sha256').update(value).digest('hex');

export class VirtualKeyStore {
  private readonly insert;
  private readonly byId;
  private readonly byHash;
  private readonly list;
  private readonly update;
  private readonly softDelete;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO virtual_keys (id, name, description, key_hash, value_preview, is_active, capture_content, created_at, updated_at)
       VALUES (@id, @name, @description, @key_hash, @value_preview, @is_active, @capture_content, @now, @now)`,
    );
    this.byId = db.prepare<[string], KeyRow>('SELECT * FROM virtual_keys WHERE id = ? AND deleted_at IS NULL');
    this.byHash = db.prepare<[string], KeyRow>('SELECT * FROM virtual_keys WHERE key_hash = ?');
    this.list = db.prepare<[], KeyRow>('SELECT * FROM virtual_keys WHERE deleted_at IS NULL ORDER BY created_at, id');
    this.update = db.prepare(
      `UPDATE virtual_keys SET name = @name, description = @description, is_active = @is_active,
         capture_content = @capture_content, updated_at = @now WHERE id = @id AND deleted_at IS NULL`,
    );
    this.softDelete = db.prepare(
      'UPDATE virtual_keys SET deleted_at = @now, is_active = 0, updated_at = @now WHERE id = @id AND deleted_at IS NULL',
    );
  }

  create(input: VirtualKeyCreate, now: number): VirtualKey & { value: string } {
    const value = VIRTUAL_KEY_PREFIX + randomBytes(24).toString('base64url');
    const id = randomUUID();
    this.insert.run({
      id,
      name: input.name,
      description: input.description ?? '',
      key_hash: hashKey(value),
      value_preview: `${VIRTUAL_KEY_PREFIX}…${value.slice(-4)}`,
      is_active: input.is_active === false ? 0 : 1,
      capture_content: input.capture_content === false ? 0 : 1,
      now,
    });
    const created = this.get(id);
    if (!created) throw new Error('virtual key vanished after insert');
    return { ...created, value };
  }

  get(id: string): VirtualKey | null {
    const row = this.byId.get(id);
    return row ? toApi(row) : null;
  }

  all(): VirtualKey[] {
    return this.list.all().map(toApi);
  }

  modify(id: string, patch: VirtualKeyUpdate, now: number): VirtualKey | null {
    const row = this.byId.get(id);
    if (!row) return null;
    this.update.run({
      id,
      name: patch.name ?? row.name,
      description: patch.description ?? row.description,
      is_active: patch.is_active === undefined ? row.is_active : Number(patch.is_active),
      capture_content: patch.capture_content === undefined ? row.capture_content : Number(patch.capture_content),
      now,
    });
    return this.get(id);
  }

  remove(id: string, now: number): boolean {
    return this.softDelete.run({ id, now }).changes > 0;
  }

  /** Looks a presented secret up by its hash; deleted keys answer as inactive. */
  identify(value: string): KeyIdentity | null {
    const row = this.byHash.get(hashKey(value));
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      active: row.is_active === 1 && row.deleted_at === null,
      captureContent: row.capture_content === 1,
    };
  }
}

function toApi(row: KeyRow): VirtualKey {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    is_active: row.is_active === 1,
    capture_content: row.capture_content === 1,
    value_preview: row.value_preview,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    last_used_at: isoOrNull(row.last_used_at),
  };
}
