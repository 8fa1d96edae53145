// Claude Code managed settings as the admin edits them: one JSON object per layer, global, per team,
// per user and per virtual key. The store keeps the layers as they were saved (validated by the admin
// API's schema); merging them for a key, and what the key's own policy adds, is
// electron/gateway/managed-settings.ts.
import { createHmac } from 'node:crypto';
import type { ManagedSettingsScope } from '../../shared/schemas.js';
import type { Db } from './database.js';

export type { ManagedSettingsScope };

export interface StoredLayer {
  scope: ManagedSettingsScope;
  /** The team, user or key id; null for the global layer. */
  ownerId: string | null;
  settings: Record<string, unknown>;
  updatedAt: number;
}

interface LayerRow {
  scope: ManagedSettingsScope;
  owner_id: string;
  settings: string;
  updated_at: number;
}

/** Layers in the order they apply: later ones win. */
export const LAYER_ORDER: readonly ManagedSettingsScope[] = ['global', 'team', 'user', 'virtual_key'];

export class ManagedSettingsStore {
  private readonly statements;
  private key: Buffer | null = null;

  constructor(db: Db) {
    this.statements = {
      all: db.prepare<[], LayerRow>(
        `SELECT scope, owner_id, settings, updated_at FROM managed_settings
         ORDER BY CASE scope WHEN 'global' THEN 0 WHEN 'team' THEN 1 WHEN 'user' THEN 2 ELSE 3 END, owner_id`,
      ),
      get: db.prepare<[string, string], LayerRow>(
        'SELECT scope, owner_id, settings, updated_at FROM managed_settings WHERE scope = ? AND owner_id = ?',
      ),
      put: db.prepare(
        `INSERT INTO managed_settings (scope, owner_id, settings, updated_at) VALUES (@scope, @owner_id, @settings, @now)
         ON CONFLICT (scope, owner_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
      ),
      remove: db.prepare<[string, string]>('DELETE FROM managed_settings WHERE scope = ? AND owner_id = ?'),
      served: db.prepare(
        `INSERT INTO managed_settings_served (virtual_key_id, checksum, last_served_at) VALUES (?, ?, ?)
         ON CONFLICT (virtual_key_id, checksum) DO UPDATE SET last_served_at = excluded.last_served_at`,
      ),
      secret: db.prepare<[], { key: Buffer }>('SELECT key FROM managed_settings_secret WHERE id = 1'),
      accept: db.prepare(
        `INSERT INTO managed_settings_accepted (served_checksum, reported_fingerprint, accepted_at) VALUES (?, ?, ?)
         ON CONFLICT DO UPDATE SET accepted_at = excluded.accepted_at`,
      ),
      accepted: db.prepare<[string, string], { found: number }>(
        'SELECT 1 AS found FROM managed_settings_accepted WHERE served_checksum = ? AND reported_fingerprint = ?',
      ),
      servedSince: db.prepare<[string, string, number], { found: number }>(
        'SELECT 1 AS found FROM managed_settings_served WHERE virtual_key_id = ? AND checksum = ? AND last_served_at >= ?',
      ),
    };
  }

  /** Notes that a key's client was given (or confirmed, with a 304) the settings with this checksum. */
  noteServed(keyId: string, checksum: string, now: number): void {
    this.statements.served.run(keyId, checksum, now);
  }

  /**
   * A reported checksum as it may be kept and shown: a keyed fingerprint (16 hex digits of an HMAC
   * under this store's own key), which tells values apart without letting anyone test guesses at them.
   */
  fingerprint(reportedChecksum: string): string {
    this.key ??= this.statements.secret.get()?.key ?? null;
    if (!this.key) throw new Error('the managed settings fingerprint key is missing');
    return createHmac('sha256', this.key).update(reportedChecksum).digest('hex').slice(0, 16);
  }

  /** Accepts what machines served `servedChecksum` report as `reportedFingerprint`: they count as current. */
  accept(servedChecksum: string, reportedFingerprint: string, now: number): void {
    this.statements.accept.run(servedChecksum, reportedFingerprint, now);
  }

  isAccepted(servedChecksum: string, reportedFingerprint: string): boolean {
    return this.statements.accepted.get(servedChecksum, reportedFingerprint) !== undefined;
  }

  /** Whether this checksum was served to the key at `since` or later. */
  servedSince(keyId: string, checksum: string, since: number): boolean {
    return this.statements.servedSince.get(keyId, checksum, since) !== undefined;
  }

  all(): StoredLayer[] {
    return this.statements.all.all().map(toLayer);
  }

  get(scope: ManagedSettingsScope, ownerId: string | null): StoredLayer | null {
    const row = this.statements.get.get(scope, ownerKey(scope, ownerId));
    return row ? toLayer(row) : null;
  }

  put(
    scope: ManagedSettingsScope,
    ownerId: string | null,
    settings: Record<string, unknown>,
    now: number,
  ): StoredLayer {
    this.statements.put.run({ scope, owner_id: ownerKey(scope, ownerId), settings: JSON.stringify(settings), now });
    const saved = this.get(scope, ownerId);
    if (!saved) throw new Error(`the ${scope} managed settings layer vanished as it was saved`);
    return saved;
  }

  /** Whether there was a layer to remove. */
  remove(scope: ManagedSettingsScope, ownerId: string | null): boolean {
    return this.statements.remove.run(scope, ownerKey(scope, ownerId)).changes > 0;
  }
}

function ownerKey(scope: ManagedSettingsScope, ownerId: string | null): string {
  if ((scope === 'global') !== (ownerId === null))
    throw new Error(`a ${scope} layer ${ownerId === null ? 'needs' : 'takes no'} owner id`);
  return ownerId ?? '';
}

function toLayer(row: LayerRow): StoredLayer {
  return {
    scope: row.scope,
    ownerId: row.scope === 'global' ? null : row.owner_id,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    updatedAt: row.updated_at,
  };
}
