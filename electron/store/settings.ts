// Gateway-wide settings, kept as JSON values under a name, with defaults for a fresh install: the
// client settings of the admin API, and the desktop's own state (pause, LAN sharing, notification
// switches, first-run onboarding), each read often and so cached until written.
import type { z } from 'zod';
import {
  lanSettingsSchema,
  notificationSettingsSchema,
  routingConfigSchema,
  type RoutingConfig,
  type ClientConfig,
  type LanSettings,
  type NotificationSettings,
} from '../../shared/schemas.js';
import type { Db } from './database.js';

const defaults: ClientConfig = {
  enforce_auth_on_inference: true,
  capture_content: true,
  retention_days: 90,
  audit_retention_days: 365,
  budget_time_zone: 'UTC',
  sign_in_key_template: {},
  managed_settings_hint_headers: false,
  telemetry_forward_url: null,
};

export const DEFAULT_NOTIFICATIONS: NotificationSettings = {
  budget_thresholds: true,
  key_refusals: true,
  upstream_failures: true,
  sign_ins: true,
};

/** Anthropic first, then every other configured provider by name; three attempts at most. */
export const DEFAULT_ROUTING: RoutingConfig = { fallback_order: [], max_attempts: 3 };

/** Sharing is off until the admin turns it on; when on, TLS unless the admin says otherwise. */
export const DEFAULT_LAN: LanSettings = { enabled: false, tls: true, remote_admin: false, address: null, port: null };

export interface PauseState {
  paused: boolean;
  /** Epoch milliseconds of the pause; null while running. */
  pausedAt: number | null;
}

const RUNNING: PauseState = { paused: false, pausedAt: null };

/** Row names of the desktop state; none of them is a client setting. */
const NOTIFICATIONS = 'notifications';
const LAN = 'lan';
const PAUSE = 'pause';
const ROUTING = 'routing';
const ONBOARDING_COMPLETED_AT = 'onboarding_completed_at';

export class SettingsStore {
  private readonly read;
  private readonly readOne;
  private readonly write;
  private cached: ClientConfig | null = null;
  private readonly values = new Map<string, unknown>();

  constructor(private readonly db: Db) {
    this.read = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
    this.readOne = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.write = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Read on every request, so it is cached and refreshed on write. */
  get config(): ClientConfig {
    if (!this.cached) {
      // Other rows (the demo marker, the desktop state) live in the same table but are not client settings.
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

  /** Which desktop notifications are on; every switch defaults to on. */
  notifications(): NotificationSettings {
    return this.object(NOTIFICATIONS, notificationSettingsSchema, DEFAULT_NOTIFICATIONS);
  }

  updateNotifications(patch: Partial<NotificationSettings>): NotificationSettings {
    return this.store(NOTIFICATIONS, { ...this.notifications(), ...definedOnly(patch) });
  }

  /** The order providers are tried in and how many attempts a request gets (read by every inference request). */
  routing(): RoutingConfig {
    return this.object(ROUTING, routingConfigSchema, DEFAULT_ROUTING);
  }

  updateRouting(patch: Partial<RoutingConfig>): RoutingConfig {
    return this.store(ROUTING, { ...this.routing(), ...definedOnly(patch) });
  }

  /** The stored LAN sharing settings (a run's command-line overrides are applied by the LAN module). */
  lan(): LanSettings {
    return this.object(LAN, lanSettingsSchema, DEFAULT_LAN);
  }

  /** `change` holds only the fields to change: the LAN module drops undefined ones, as it must for its overrides. */
  updateLan(change: Partial<LanSettings>): LanSettings {
    return this.store(LAN, { ...this.lan(), ...change });
  }

  /** Read by every inference request. */
  pause(): PauseState {
    const cached = this.values.get(PAUSE) as PauseState | undefined;
    if (cached) return cached;
    const stored = this.parsed(PAUSE);
    const state: PauseState =
      typeof stored === 'object' && stored !== null && 'paused' in stored && stored.paused === true
        ? {
            paused: true,
            pausedAt: 'pausedAt' in stored && typeof stored.pausedAt === 'number' ? stored.pausedAt : null,
          }
        : RUNNING;
    this.values.set(PAUSE, state);
    return state;
  }

  /** Pausing an already paused gateway keeps the time of the first pause; answers whether anything changed. */
  setPaused(paused: boolean, at: number): boolean {
    if (this.pause().paused === paused) return false;
    this.store(PAUSE, paused ? { paused: true, pausedAt: at } : { paused: false, pausedAt: null });
    return true;
  }

  /** When the admin finished or skipped the first-run steps; null until then. */
  onboardingCompletedAt(): number | null {
    const stored = this.parsed(ONBOARDING_COMPLETED_AT);
    return typeof stored === 'number' ? stored : null;
  }

  /** Idempotent: the first completion is the one remembered. */
  completeOnboarding(at: number): number {
    return this.onboardingCompletedAt() ?? this.store(ONBOARDING_COMPLETED_AT, at);
  }

  /** A stored object merged over its defaults, so a switch added later starts at its default. */
  private object<T extends object>(key: string, schema: z.ZodType<T>, fallback: T): T {
    const cached = this.values.get(key) as T | undefined;
    if (cached) return cached;
    const stored = this.parsed(key);
    const merged = schema.safeParse({ ...fallback, ...(typeof stored === 'object' && stored !== null ? stored : {}) });
    // A row this version cannot read (written by hand, or by a newer Tollgate) falls back to the defaults.
    const value = merged.success ? merged.data : fallback;
    this.values.set(key, value);
    return value;
  }

  private parsed(key: string): unknown {
    const row = this.readOne.get(key);
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return undefined;
    }
  }

  private store<T>(key: string, value: T): T {
    this.write.run(key, JSON.stringify(value));
    this.values.set(key, value);
    return value;
  }
}

/** A patch without its undefined fields, so spreading it over stored settings keeps what it leaves out. */
export function definedOnly<T extends object>(patch: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
