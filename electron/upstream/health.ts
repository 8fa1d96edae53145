// How each provider key stands with the router: a circuit breaker (after repeated failures the key is
// skipped for a cool-down, then one request probes it), the cool-down an upstream 429 asks for, and
// the mark a 401 or 403 leaves (the upstream refuses the key itself). In memory: a restart starts
// every key afresh, which is what an admin who just fixed a key wants anyway.
import type { ProviderKeyHealth } from '../../shared/schemas.js';

export const BREAKER = {
  /** Consecutive failures (5xx, 529, resets) that open a key's breaker. */
  failuresToOpen: 3,
  /** How long an open breaker skips the key before one probe. */
  openMs: 30_000,
  /** A key the upstream refused (401/403) is skipped this long, then tried again (its env var may have been fixed). */
  unhealthyMs: 5 * 60_000,
  /** The longest cool-down a 429's retry-after is taken for; a missing one cools for the default. */
  maxCoolingMs: 120_000,
  defaultCoolingMs: 5_000,
} as const;

interface KeyState {
  breaker: 'closed' | 'open' | 'half_open';
  consecutiveFailures: number;
  /** When an open breaker lets a probe through. */
  retryAt: number;
  coolingUntil: number;
  unhealthyUntil: number;
  lastError: string | null;
  lastErrorAt: number | null;
}

/** What the router may do with a key now. */
export type KeyAvailability = 'use' | 'probe' | 'skip';

export class UpstreamKeyHealth {
  private readonly states = new Map<string, KeyState>();

  constructor(private readonly clock: () => number) {}

  /** Whether a request may go to this key now; 'probe' when it is the one request an open breaker lets through. */
  availability(keyId: string): KeyAvailability {
    const state = this.states.get(keyId);
    if (!state) return 'use';
    const now = this.clock();
    if (now < state.unhealthyUntil || now < state.coolingUntil) return 'skip';
    if (state.breaker === 'closed') return 'use';
    if (state.breaker === 'half_open') return 'skip';
    return now >= state.retryAt ? 'probe' : 'skip';
  }

  /** Marks the probe an open breaker lets through as in flight: no other request gets the key meanwhile. */
  startProbe(keyId: string): void {
    const state = this.state(keyId);
    if (state.breaker === 'open') state.breaker = 'half_open';
  }

  succeeded(keyId: string): void {
    const state = this.states.get(keyId);
    if (!state) return;
    state.breaker = 'closed';
    state.consecutiveFailures = 0;
    state.unhealthyUntil = 0;
  }

  /** A failure that says nothing against the request: a 5xx, a 529, a reset, a connect failure. */
  failed(keyId: string, message: string): void {
    const state = this.state(keyId);
    const now = this.clock();
    state.consecutiveFailures++;
    this.noteError(state, message, now);
    if (state.breaker === 'half_open' || state.consecutiveFailures >= BREAKER.failuresToOpen) {
      state.breaker = 'open';
      state.retryAt = now + BREAKER.openMs;
    }
  }

  /** An upstream 429: not used again before `retryAfterMs` (bounded), with no mark against its breaker. */
  coolDown(keyId: string, retryAfterMs: number | null, message: string): void {
    const state = this.state(keyId);
    const now = this.clock();
    const wait = Math.min(Math.max(retryAfterMs ?? BREAKER.defaultCoolingMs, 0), BREAKER.maxCoolingMs);
    state.coolingUntil = now + wait;
    if (state.breaker === 'half_open') state.breaker = 'open';
    this.noteError(state, message, now);
  }

  /** The upstream refused the key itself (401, 403). */
  refused(keyId: string, message: string): void {
    const state = this.state(keyId);
    const now = this.clock();
    state.unhealthyUntil = now + BREAKER.unhealthyMs;
    if (state.breaker === 'half_open') state.breaker = 'open';
    this.noteError(state, message, now);
  }

  view(keyId: string): ProviderKeyHealth {
    const state = this.states.get(keyId);
    const now = this.clock();
    if (!state) {
      return {
        breaker: 'closed',
        cooling_until: null,
        unhealthy: false,
        last_error: null,
        last_error_at: null,
        consecutive_failures: 0,
      };
    }
    return {
      breaker: state.breaker,
      cooling_until: state.coolingUntil > now ? new Date(state.coolingUntil).toISOString() : null,
      unhealthy: state.unhealthyUntil > now,
      last_error: state.lastError,
      last_error_at: state.lastErrorAt === null ? null : new Date(state.lastErrorAt).toISOString(),
      consecutive_failures: state.consecutiveFailures,
    };
  }

  /** Whether the key is fit to serve now: not skipped, and its breaker not open. */
  healthy(keyId: string): boolean {
    const state = this.states.get(keyId);
    return !state || (state.breaker === 'closed' && this.availability(keyId) === 'use');
  }

  /** Forgets keys that no longer exist (a provider's keys were replaced). */
  keepOnly(keyIds: ReadonlySet<string>): void {
    for (const id of this.states.keys()) if (!keyIds.has(id)) this.states.delete(id);
  }

  private state(keyId: string): KeyState {
    let state = this.states.get(keyId);
    if (!state) {
      state = {
        breaker: 'closed',
        consecutiveFailures: 0,
        retryAt: 0,
        coolingUntil: 0,
        unhealthyUntil: 0,
        lastError: null,
        lastErrorAt: null,
      };
      this.states.set(keyId, state);
    }
    return state;
  }

  private noteError(state: KeyState, message: string, now: number): void {
    state.lastError = message.slice(0, 500);
    state.lastErrorAt = now;
  }
}
