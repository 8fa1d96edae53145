// The router's view of each provider key, on an injected clock: the breaker opens after repeated
// failures, skips the key, lets exactly one probe through after its cool-down, and closes on the
// probe's success (or opens again on its failure); a 429 cools a key for its retry-after, bounded;
// a 401/403 keeps it out for a while. And the plan: which providers a request may use, in what order.
import { describe, expect, it } from 'vitest';
import { BREAKER, UpstreamKeyHealth } from '../../electron/upstream/health.js';
import { routePlan } from '../../electron/upstream/router.js';
import type { ProviderRoute } from '../../electron/store/providers.js';

function clock(start = 1_000_000) {
  let now = start;
  return { read: () => now, advance: (ms: number) => void (now += ms) };
}

describe('a provider key’s breaker', () => {
  it('opens after repeated failures, skips the key, probes once after its cool-down, and closes on success', () => {
    const time = clock();
    const health = new UpstreamKeyHealth(time.read);
    for (let failure = 1; failure < BREAKER.failuresToOpen; failure++) {
      health.failed('k', 'answered 529');
      expect(health.availability('k')).toBe('use');
    }
    health.failed('k', 'answered 529');
    expect(health.view('k')).toMatchObject({ breaker: 'open', consecutive_failures: BREAKER.failuresToOpen });
    expect(health.availability('k')).toBe('skip');

    time.advance(BREAKER.openMs - 1);
    expect(health.availability('k')).toBe('skip');
    time.advance(1);
    expect(health.availability('k')).toBe('probe');
    health.startProbe('k');
    // One probe at a time: the next request skips the key while it is out.
    expect(health.view('k').breaker).toBe('half_open');
    expect(health.availability('k')).toBe('skip');

    health.succeeded('k');
    expect(health.view('k')).toMatchObject({ breaker: 'closed', consecutive_failures: 0 });
    expect(health.availability('k')).toBe('use');
    expect(health.healthy('k')).toBe(true);
  });

  it('opens again at once when the probe fails', () => {
    const time = clock();
    const health = new UpstreamKeyHealth(time.read);
    for (let failure = 0; failure < BREAKER.failuresToOpen; failure++) health.failed('k', 'reset');
    time.advance(BREAKER.openMs);
    health.startProbe('k');
    health.failed('k', 'reset again');
    expect(health.view('k')).toMatchObject({ breaker: 'open', last_error: 'reset again' });
    expect(health.availability('k')).toBe('skip');
    time.advance(BREAKER.openMs);
    expect(health.availability('k')).toBe('probe');
  });

  it('cools a key down for its retry-after, at most the bound, without counting it against the breaker', () => {
    const time = clock();
    const health = new UpstreamKeyHealth(time.read);
    health.coolDown('k', 30_000, 'answered 429');
    expect(health.availability('k')).toBe('skip');
    expect(health.view('k')).toMatchObject({ breaker: 'closed', consecutive_failures: 0 });
    expect(Date.parse(health.view('k').cooling_until ?? '')).toBe(time.read() + 30_000);
    time.advance(30_000);
    expect(health.availability('k')).toBe('use');

    health.coolDown('k', 24 * 3600_000, 'answered 429');
    expect(Date.parse(health.view('k').cooling_until ?? '')).toBe(time.read() + BREAKER.maxCoolingMs);
    health.coolDown('other', null, 'answered 429');
    expect(Date.parse(health.view('other').cooling_until ?? '')).toBe(time.read() + BREAKER.defaultCoolingMs);
  });

  it('keeps a key the upstream refused out for a while, then tries it again', () => {
    const time = clock();
    const health = new UpstreamKeyHealth(time.read);
    health.refused('k', 'refused the key (401)');
    expect(health.view('k')).toMatchObject({ unhealthy: true, last_error: 'refused the key (401)' });
    expect(health.availability('k')).toBe('skip');
    time.advance(BREAKER.unhealthyMs);
    expect(health.availability('k')).toBe('use');
    expect(health.view('k').unhealthy).toBe(false);
  });

  it('forgets keys that no longer exist', () => {
    const health = new UpstreamKeyHealth(clock().read);
    health.refused('gone', 'refused');
    health.keepOnly(new Set(['kept']));
    expect(health.view('gone').unhealthy).toBe(false);
  });
});

const route = (name: string, type: ProviderRoute['type'] = 'anthropic_compatible'): ProviderRoute => ({
  name,
  type,
  baseUrl: 'http://127.0.0.1:1',
  modelsMap: {},
  priceMultiplier: 1,
  keys: [{ id: `${name}-key`, name: `${name}-key`, weight: 1, models: null, secret: () => 'secret' }],
});

describe('the route plan', () => {
  const routes = [route('zeta'), route('anthropic', 'anthropic'), route('backup'), { ...route('empty'), keys: [] }];

  it('tries Anthropic first, then the other providers by name, and never one without keys', () => {
    const plan = routePlan(routes, { fallback_order: [], max_attempts: 3 }, []);
    expect(plan.map((entry) => entry.name)).toEqual(['anthropic', 'backup', 'zeta']);
  });

  it('follows fallback_order when it is set, and uses only the providers it names', () => {
    const plan = routePlan(routes, { fallback_order: ['zeta', 'anthropic'], max_attempts: 3 }, []);
    expect(plan.map((entry) => entry.name)).toEqual(['zeta', 'anthropic']);
  });

  it('picks a key’s first provider by the weights of its provider configs, the others after it in the gateway order', () => {
    const configs = [
      { id: 1, provider: 'anthropic', weight: 1, allowedModels: [], deniedModels: [] },
      { id: 2, provider: 'zeta', weight: 3, allowedModels: [], deniedModels: [] },
      { id: 3, provider: 'nowhere', weight: 100, allowedModels: [], deniedModels: [] },
    ];
    const order = { fallback_order: [], max_attempts: 3 };
    // The weights count only for providers that exist: 1 for anthropic, 3 for zeta.
    expect(routePlan(routes, order, configs, () => 0.2).map((entry) => entry.name)).toEqual(['anthropic', 'zeta']);
    expect(routePlan(routes, order, configs, () => 0.3).map((entry) => entry.name)).toEqual(['zeta', 'anthropic']);
    expect(routePlan(routes, order, [configs[2] ?? configs[0]!], () => 0.5)).toEqual([]);
  });
});
