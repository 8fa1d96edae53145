// Provider configuration: the upstream base URL and the real API keys Tollgate presents upstream.
// Literal keys are sealed by the SecretBox before storage; `env.VAR_NAME` references are stored as
// names and read from the environment on each use, so rotating the variable needs no restart.
import { randomUUID } from 'node:crypto';
import type { Provider, ProviderName, ProviderUpsert } from '../../shared/schemas.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Db } from './database.js';
import { iso } from './time.js';

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

interface ProviderRow {
  provider: ProviderName;
  base_url: string | null;
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
}

/** What the proxy needs to reach a provider: where, and with which secret. */
export interface UpstreamTarget {
  baseUrl: string;
  apiKey: string | null;
  keyId: string | null;
}

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
      `INSERT INTO providers (provider, base_url, created_at, updated_at) VALUES (@provider, @base_url, @now, @now)
       ON CONFLICT (provider) DO UPDATE SET base_url = @base_url, updated_at = @now`,
    );
    this.deleteKeys = db.prepare('DELETE FROM provider_keys WHERE provider = ?');
    this.insertKey = db.prepare(
      `INSERT INTO provider_keys (id, provider, name, sealed, env_var, preview, weight, position)
       VALUES (@id, @provider, @name, @sealed, @env_var, @preview, @weight, @position)`,
    );
    this.deleteRow = db.prepare('DELETE FROM providers WHERE provider = ?');
  }

  /** Creates or replaces a provider's configuration; keys are replaced only when given. */
  upsert(input: ProviderUpsert, now: number): Provider {
    const existing = this.getRow.get(input.provider);
    const baseUrl = input.base_url === undefined ? (existing?.base_url ?? null) : input.base_url;
    this.db.transaction(() => {
      this.upsertRow.run({ provider: input.provider, base_url: baseUrl?.replace(/\/+$/, '') ?? null, now });
      if (input.keys) {
        this.deleteKeys.run(input.provider);
        input.keys.forEach((key, position) => {
          const envVar = key.value.startsWith(ENV_PREFIX) ? key.value.slice(ENV_PREFIX.length) : null;
          this.insertKey.run({
            id: randomUUID(),
            provider: input.provider,
            name: key.name ?? `key-${position + 1}`,
            sealed: envVar === null ? this.secrets.seal(key.value) : null,
            env_var: envVar,
            preview: envVar === null ? mask(key.value) : key.value,
            weight: key.weight ?? 1,
            position,
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
  }

  private routingFor(provider: ProviderName): { row: ProviderRow | undefined; keys: ProviderKeyRow[] } {
    let entry = this.routing.get(provider);
    if (!entry) {
      entry = { row: this.getRow.get(provider), keys: this.keysOf.all(provider) };
      this.routing.set(provider, entry);
    }
    return entry;
  }

  describe(provider: ProviderName): Provider | null {
    const row = this.getRow.get(provider);
    return row ? this.toApi(row) : null;
  }

  all(): Provider[] {
    return this.listRows.all().map((row) => this.toApi(row));
  }

  hasKeys(provider: ProviderName): boolean {
    return this.keysOf.all(provider).length > 0;
  }

  /** Picks a usable key by weight. A key whose environment variable is unset is skipped. */
  target(provider: ProviderName, random: () => number = Math.random): UpstreamTarget {
    const { row, keys } = this.routingFor(provider);
    const baseUrl = row?.base_url ?? this.defaultBaseUrl;
    const usable = keys
      .map((key) => ({ key, value: this.reveal(key) }))
      .filter((entry): entry is { key: ProviderKeyRow; value: string } => Boolean(entry.value));
    const total = usable.reduce((sum, entry) => sum + entry.key.weight, 0);
    let point = random() * total;
    for (const entry of usable) {
      point -= entry.key.weight;
      if (point < 0) return { baseUrl, apiKey: entry.value, keyId: entry.key.id };
    }
    const last = usable.at(-1);
    return { baseUrl, apiKey: last?.value ?? null, keyId: last?.key.id ?? null };
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

  private toApi(row: ProviderRow): Provider {
    return {
      provider: row.provider,
      base_url: row.base_url,
      effective_base_url: row.base_url ?? this.defaultBaseUrl,
      keys: this.keysOf.all(row.provider).map((key) => ({
        id: key.id,
        name: key.name,
        value: key.preview,
        weight: key.weight,
        source: key.env_var === null ? ('literal' as const) : ('env' as const),
      })),
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    };
  }
}

/** Enough of a secret to recognise it, never enough to use it. */
export function mask(secret: string): string {
  if (secret.length <= 12) return '…' + secret.slice(-2);
  return `${secret.slice(0, 7)}…${secret.slice(-4)}`;
}
