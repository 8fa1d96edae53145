// Virtual keys: the secrets teammates put in ANTHROPIC_AUTH_TOKEN. Only a SHA-256 hash is stored; the
// value exists once, in the response that created it. Deleting keeps the row (soft delete) so the
// request log can still name the key it refused. A key also carries its place in the hierarchy, its
// model and tool policy, and its provider configs; budgets and rate limits are in BudgetStore.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { VirtualKeyCreate, VirtualKeyUpdate } from '../../shared/schemas.js';
import type { Db } from './database.js';

export const VIRTUAL_KEY_PREFIX = 'sk-tg-';

export interface KeyPolicy {
  allowed_models?: string[];
  denied_models?: string[];
  model_remap?: Record<string, string>;
  tool_policy?: { allow?: string[]; deny?: string[] } | null;
  max_concurrent_requests?: number | null;
}

export interface ProviderConfig {
  id: number;
  provider: string;
  weight: number;
  allowedModels: string[];
  deniedModels: string[];
}

/** A key as the governance layer and the admin API see it. */
export interface KeyRecord {
  id: string;
  name: string;
  description: string;
  valuePreview: string;
  active: boolean;
  captureContent: boolean;
  teamId: string | null;
  customerId: string | null;
  userId: string | null;
  expiresAt: number | null;
  policy: KeyPolicy;
  providerConfigs: ProviderConfig[];
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  deleted: boolean;
}

/** What the proxy needs to know about the key a request presented. */
export type KeyIdentity = KeyRecord;

interface KeyRow {
  id: string;
  name: string;
  description: string;
  value_preview: string;
  is_active: number;
  capture_content: number;
  team_id: string | null;
  customer_id: string | null;
  user_id: string | null;
  expires_at: number | null;
  policy: string;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
  deleted_at: number | null;
}

interface ProviderConfigRow {
  id: number;
  provider: string;
  weight: number;
  allowed_models: string;
  denied_models: string;
}

export const hashKey = (value: string): string => createHash('sha256').update(value).digest('hex');

const POLICY_FIELDS = ['allowed_models', 'denied_models', 'model_remap', 'tool_policy', 'max_concurrent_requests'] as const;

export class VirtualKeyStore {
  private readonly insert;
  private readonly byId;
  private readonly byHash;
  private readonly list;
  private readonly update;
  private readonly softDelete;
  private readonly replaceSecret;
  private readonly configsOf;
  private readonly deleteConfigs;
  private readonly configById;
  private readonly insertConfig;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO virtual_keys (id, name, description, key_hash, value_preview, is_active, capture_content,
         team_id, customer_id, user_id, expires_at, policy, created_at, updated_at)
       VALUES (@id, @name, @description, @key_hash, @value_preview, @is_active, @capture_content,
         @team_id, @customer_id, @user_id, @expires_at, @policy, @now, @now)`,
    );
    this.byId = db.prepare<[string], KeyRow>('SELECT * FROM virtual_keys WHERE id = ? AND deleted_at IS NULL');
    this.byHash = db.prepare<[string], KeyRow>('SELECT * FROM virtual_keys WHERE key_hash = ?');
    this.list = db.prepare<[], KeyRow>('SELECT * FROM virtual_keys WHERE deleted_at IS NULL ORDER BY created_at, id');
    this.update = db.prepare(
      `UPDATE virtual_keys SET name = @name, description = @description, is_active = @is_active,
         capture_content = @capture_content, team_id = @team_id, customer_id = @customer_id, user_id = @user_id,
         expires_at = @expires_at, policy = @policy, updated_at = @now
       WHERE id = @id AND deleted_at IS NULL`,
    );
    this.softDelete = db.prepare(
      'UPDATE virtual_keys SET deleted_at = @now, is_active = 0, updated_at = @now WHERE id = @id AND deleted_at IS NULL',
    );
    this.replaceSecret = db.prepare(
      `UPDATE virtual_keys SET key_hash = @key_hash, value_preview = @value_preview, updated_at = @now
       WHERE id = @id AND deleted_at IS NULL`,
    );
    this.configsOf = db.prepare<[string], ProviderConfigRow>(
      'SELECT id, provider, weight, allowed_models, denied_models FROM provider_configs WHERE virtual_key_id = ? ORDER BY id',
    );
    this.deleteConfigs = db.prepare('DELETE FROM provider_configs WHERE virtual_key_id = ?');
    this.configById = db.prepare<[number], { keyId: string; provider: string }>(
      'SELECT virtual_key_id AS keyId, provider FROM provider_configs WHERE id = ?',
    );
    this.insertConfig = db.prepare(
      `INSERT INTO provider_configs (virtual_key_id, provider, weight, allowed_models, denied_models)
       VALUES (@virtual_key_id, @provider, @weight, @allowed_models, @denied_models)`,
    );
  }

  /** Inserts the key and its provider configs; returns the id and the secret (shown once). */
  create(input: VirtualKeyCreate, now: number): { id: string; value: string } {
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
      team_id: input.team_id ?? null,
      customer_id: input.customer_id ?? null,
      user_id: input.user_id ?? null,
      expires_at: input.expires_at ? Date.parse(input.expires_at) : null,
      policy: JSON.stringify(mergePolicy({}, input)),
      now,
    });
    return { id, value };
  }

  /** Replaces the key's provider configs; returns their new ids in input order. */
  replaceProviderConfigs(
    keyId: string,
    configs: readonly { provider: string; weight?: number | undefined; allowed_models?: string[] | undefined; denied_models?: string[] | undefined }[],
  ): number[] {
    this.deleteConfigs.run(keyId);
    return configs.map((config) =>
      Number(
        this.insertConfig.run({
          virtual_key_id: keyId,
          provider: config.provider,
          weight: config.weight ?? 1,
          allowed_models: JSON.stringify(config.allowed_models ?? []),
          denied_models: JSON.stringify(config.denied_models ?? []),
        }).lastInsertRowid,
      ),
    );
  }

  /** A provider config and the key it belongs to. */
  providerConfig(id: number): { keyId: string; provider: string } | null {
    return this.configById.get(id) ?? null;
  }

  get(id: string): KeyRecord | null {
    const row = this.byId.get(id);
    return row ? this.toRecord(row) : null;
  }

  all(): KeyRecord[] {
    return this.list.all().map((row) => this.toRecord(row));
  }

  modify(id: string, patch: VirtualKeyUpdate, now: number): KeyRecord | null {
    const row = this.byId.get(id);
    if (!row) return null;
    const pick = <T>(next: T | undefined, current: T): T => (next === undefined ? current : next);
    this.update.run({
      id,
      name: patch.name ?? row.name,
      description: patch.description ?? row.description,
      is_active: patch.is_active === undefined ? row.is_active : Number(patch.is_active),
      capture_content: patch.capture_content === undefined ? row.capture_content : Number(patch.capture_content),
      team_id: pick(patch.team_id, row.team_id),
      customer_id: pick(patch.customer_id, row.customer_id),
      user_id: pick(patch.user_id, row.user_id),
      expires_at:
        patch.expires_at === undefined ? row.expires_at : patch.expires_at === null ? null : Date.parse(patch.expires_at),
      policy: JSON.stringify(mergePolicy(JSON.parse(row.policy) as KeyPolicy, patch)),
      now,
    });
    return this.get(id);
  }

  /**
   * Gives the key a new secret and forgets the old one: the next request with the old secret is
   * refused as unknown. The id, budgets, limits and policy stay. Returns the new secret (shown once),
   * or null when there is no such key.
   */
  rotate(id: string, now: number): { id: string; value: string } | null {
    const value = VIRTUAL_KEY_PREFIX + randomBytes(24).toString('base64url');
    const changed = this.replaceSecret.run({
      id,
      key_hash: hashKey(value),
      value_preview: `${VIRTUAL_KEY_PREFIX}…${value.slice(-4)}`,
      now,
    }).changes;
    return changed > 0 ? { id, value } : null;
  }

  remove(id: string, now: number): boolean {
    return this.softDelete.run({ id, now }).changes > 0;
  }

  /** Looks a presented secret up by its hash; a deleted key answers as inactive. */
  identify(value: string): KeyIdentity | null {
    const row = this.byHash.get(hashKey(value));
    return row ? this.toRecord(row) : null;
  }

  private toRecord(row: KeyRow): KeyRecord {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      valuePreview: row.value_preview,
      active: row.is_active === 1 && row.deleted_at === null,
      captureContent: row.capture_content === 1,
      teamId: row.team_id,
      customerId: row.customer_id,
      userId: row.user_id,
      expiresAt: row.expires_at,
      policy: JSON.parse(row.policy) as KeyPolicy,
      providerConfigs: this.configsOf.all(row.id).map((config) => ({
        id: config.id,
        provider: config.provider,
        weight: config.weight,
        allowedModels: JSON.parse(config.allowed_models) as string[],
        deniedModels: JSON.parse(config.denied_models) as string[],
      })),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      lastUsedAt: row.last_used_at,
      deleted: row.deleted_at !== null,
    };
  }
}

function mergePolicy(current: KeyPolicy, input: Partial<Record<(typeof POLICY_FIELDS)[number], unknown>>): KeyPolicy {
  const next: Record<string, unknown> = { ...current };
  for (const field of POLICY_FIELDS) {
    if (input[field] !== undefined) next[field] = input[field];
  }
  return next;
}
