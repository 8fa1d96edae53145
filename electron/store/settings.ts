// Gateway-wide settings, kept as JSON values under a name, with defaults for a fresh install.
import type { ClientConfig } from '../../shared/schemas.js';
import type { Db } from './database.js';

const defaults: ClientConfig = {
  enforce_auth_on_inference: true,
  capture_content: true,
  retention_days: 90,
  budget_time_zone: 'UTC',
};

export class SettingsStore {
  private readonly read;
  private readonly write;
  private cached: ClientConfig | null = null;

  constructor(private readonly db: Db) {
    this.read = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
    this.write = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Read on every request, so it is cached and refreshed on write. */
  get config(): ClientConfig {
    if (!this.cached) {
      // Other rows (the demo marker, for one) live in the same table but are not client settings.
      const stored = Object.fromEntries(
        this.read
          .all()
          .filter((row) => row.key in defaults)
          .map((row) => [row.key, JSON.parse(row.value) as unknown]),
      );
      this.cached = { ...defaults, ...(stored as Partial<ClientConfig>) };
    }
    return this.cached;
  }

  update(patch: Partial<ClientConfig>): ClientConfig {
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) this.write.run(key, JSON.stringify(value));
      }
    })();
    this.cached = null;
    return this.config;
  }
}
