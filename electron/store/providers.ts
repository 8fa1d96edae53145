// Provider configuration: each upstream's type, base URL, model map and price multiplier, and the pool
// of real keys Tollgate presents to it. Literal keys are sealed by the SecretBox before storage;
// `env.VAR_NAME` references are stored as names and read from the environment on each use, so
// rotating the variable needs no restart. Which key serves a request is the router's choice
// (electron/upstream/router.ts); this store says what there is.
import { randomUUID } from 'node:crypto';
import {
  providerTypeOf,
  type Provider,
  type ProviderKeyHealth,
  type ProviderName,
  type ProviderType,
  type ProviderUpsert,
} from '../../shared/schemas.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Db } from './database.js';
import { iso } from './time.js';

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

interface ProviderRow {
  provider: ProviderName;
  type: ProviderType;
  base_url: string | null;
  models_map: string;
  price_multiplier: number;
  created_at: number;
  updated_at: number;
}

interface ProviderKeyRow {
  id: string;
  provider: ProviderName;
  name: string;
  sealed: string | null;
  env_var: string | null;
  preview: string;
  weight: number;
  position: number;
  models: string | null;
}

/** A configured provider as the router sees it. */
export interface ProviderRoute {
  name: ProviderName;
  type: ProviderType;
  baseUrl: string;
  modelsMap: Readonly<Record<string, string>>;
  priceMultiplier: number;
  keys: PoolKey[];
}

/** One key of a provider's pool; its secret is read when used (an env var may be unset). */
export interface PoolKey {
  id: string;
  name: string;
  weight: number;
  /** Only these models go to the key; null serves every model. */
  models: readonly string[] | null;
  secret(): string | undefined;
}

/** Base URLs of the built-in providers that have one fixed by the vendor. */
const DEFAULT_BASE_URLS: Partial<Record<ProviderType, string>> = {};

const ENV_PREFIX = 'env.';

export class ProviderStore {
  private readonly getRow;
  private readonly listRows;
  private readonly keysOf;
  private readonly upsertRow;
  private readonly deleteKeys;
  private readonly insertKey;
  private readonly deleteRow;
  private readonly openedKeys = new Map<string, string>();
  /** The hot path's view of each provider, read once and dropped whenever the configuration changes. */
  private readonly routing = new Map<ProviderName, { row: ProviderRow | undefined; keys: ProviderKeyRow[] }>();
  private routeCache: ProviderRoute[] | null = null;

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    /** Base URL for providers that do not set their own (from --anthropic-base-url). */
    private readonly defaultBaseUrl: string = DEFAULT_ANTHROPIC_BASE_URL,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.getRow = db.prepare<[string], ProviderRow>('SELECT * FROM providers WHERE provider = ?');
    this.listRows = db.prepare<[], ProviderRow>('SELECT * FROM providers ORDER BY provider');
    this.keysOf = db.prepare<[string], ProviderKeyRow>('SELECT * FROM provider_keys WHERE provider = ? ORDER BY position');
    this.upsertRow = db.prepare(
      `INSERT INTO providers (provider, type, base_url, models_map, price_multiplier, created_at, updated_at)
       VALUES (@provider, @type, @base_url, @models_map, @price_multiplier, @now, @now)
       ON CONFLICT (provider) DO UPDATE SET base_url = @base_url, models_map = @models_map,
         price_multiplier = @price_multiplier, updated_at = @now`,
    );
    this.deleteKeys = db.prepare('DELETE FROM provider_keys WHERE provider = ?');
    this.insertKey = db.prepare(
      `INSERT INTO provider_keys (id, provider, name, sealed, env_var, preview, weight, position, models)
       VALUES (@id, @provider, @name, @sealed, @env_var, @preview, @weight, @position, @models)`,
    );
    this.deleteRow = db.prepare('DELETE FROM providers WHERE provider = ?');
  }

  /** Creates or replaces a provider's configuration; keys and the model map only when given. */
  upsert(input: ProviderUpsert, now: number): Provider {
    const existing = this.getRow.get(input.provider);
    const baseUrl = input.base_url === undefined ? (existing?.base_url ?? null) : input.base_url;
    this.db.transaction(() => {
      this.upsertRow.run({
        provider: input.provider,
        type: existing?.type ?? input.type ?? providerTypeOf(input.provider),
        base_url: baseUrl?.replace(/\/+$/, '') ?? null,
        models_map: input.models_map ? JSON.stringify(input.models_map) : (existing?.models_map ?? '{}'),
        price_multiplier: existing?.price_multiplier ?? 1,
        now,
      });
      if (input.keys) {
        this.deleteKeys.run(input.provider);
        input.keys.forEach((key, position) => {
          const value = key.value ?? '';
          const envVar = value.startsWith(ENV_PREFIX) ? value.slice(ENV_PREFIX.length) : null;
          this.insertKey.run({
            id: randomUUID(),
            provider: input.provider,
            name: key.name ?? `key-${position + 1}`,
            sealed: envVar === null ? this.secrets.seal(value) : null,
            env_var: envVar,
            preview: envVar === null ? mask(value) : value,
            weight: key.weight ?? 1,
            position,
            models: key.models ? JSON.stringify(key.models) : null,
          });
        });
      }
    })();
    this.forgetCached();
    return this.describe(input.provider) as Provider;
  }

  remove(provider: ProviderName): boolean {
    this.forgetCached();
    return this.deleteRow.run(provider).changes > 0;
  }

  private forgetCached(): void {
    this.openedKeys.clear();
    this.routing.clear();
    this.routeCache = null;
  }

  private routingFor(provider: ProviderName): { row: ProviderRow | undefined; keys: ProviderKeyRow[] } {
    let entry = this.routing.get(provider);
    if (!entry) {
      entry = { row: this.getRow.get(provider), keys: this.keysOf.all(provider) };
      this.routing.set(provider, entry);
    }
    return entry;
  }

  describe(provider: ProviderName, health?: (keyId: string) => ProviderKeyHealth): Provider | null {
    const row = this.getRow.get(provider);
    return row ? this.toApi(row, health) : null;
  }

  all(health?: (keyId: string) => ProviderKeyHealth): Provider[] {
    return this.listRows.all().map((row) => this.toApi(row, health));
  }

  hasKeys(provider: ProviderName): boolean {
    return this.keysOf.all(provider).length > 0;
  }

  /** Every configured provider with its pool, by name; read once and kept until the configuration changes. */
  routes(): ProviderRoute[] {
    this.routeCache ??= this.listRows.all().map((row) => {
      const { keys } = this.routingFor(row.provider);
      return {
        name: row.provider,
        type: row.type,
        baseUrl: this.baseUrlOf(row),
        modelsMap: parseRecord(row.models_map),
        priceMultiplier: row.price_multiplier,
        keys: keys.map((key) => ({
          id: key.id,
          name: key.name,
          weight: key.weight,
          models: key.models === null ? null : (JSON.parse(key.models) as string[]),
          secret: () => this.reveal(key),
        })),
      };
    });
    return this.routeCache;
  }

  /** The ids of every pool key there is now (health of keys no longer here is forgotten). */
  keyIds(): Set<string> {
    return new Set(this.routes().flatMap((route) => route.keys.map((key) => key.id)));
  }

  /** Where a provider is reached, configured or not (Anthropic unconfigured: the gateway's default). */
  baseUrl(provider: ProviderName): string {
    const { row } = this.routingFor(provider);
    return row ? this.baseUrlOf(row) : this.defaultBaseUrl;
  }

  /** A provider's base URL: its own, else its vendor's, else (Anthropic and stand-ins) the gateway's default. */
  private baseUrlOf(row: ProviderRow): string {
    return row.base_url ?? DEFAULT_BASE_URLS[row.type] ?? this.defaultBaseUrl;
  }

  private reveal(key: ProviderKeyRow): string | undefined {
    if (key.env_var !== null) return this.env[key.env_var] || undefined;
    let opened = this.openedKeys.get(key.id);
    if (opened === undefined && key.sealed !== null) {
      opened = this.secrets.open(key.sealed);
      this.openedKeys.set(key.id, opened);
    }
    return opened;
  }

  private toApi(row: ProviderRow, health?: (keyId: string) => ProviderKeyHealth): Provider {
    return {
      provider: row.provider,
      type: row.type,
      base_url: row.base_url,
      effective_base_url: this.baseUrlOf(row),
      keys: this.keysOf.all(row.provider).map((key) => ({
        id: key.id,
        name: key.name,
        value: key.preview,
        weight: key.weight,
        source: key.env_var === null ? ('literal' as const) : ('env' as const),
        models: key.models === null ? null : (JSON.parse(key.models) as string[]),
        health: health?.(key.id) ?? FRESH_KEY,
      })),
      models_map: parseRecord(row.models_map),
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    };
  }
}

const FRESH_KEY: ProviderKeyHealth = {
  breaker: 'closed',
  cooling_until: null,
  unhealthy: false,
  last_error: null,
  last_error_at: null,
  consecutive_failures: 0,
};

function parseRecord(text: string): Record<string, string> {
  const value = JSON.parse(text) as unknown;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

/** Enough of a secret to recognise it, never enough to use it. */
export function mask(secret: string): string {
  if (secret.length <= 12) return '…' + secret.slice(-2);
  return `${secret.slice(0, 7)}…${secret.slice(-4)}`;
}
