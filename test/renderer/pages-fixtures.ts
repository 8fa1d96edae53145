// Renderer test helpers: a stand-in admin API behind a stubbed fetch, and log rows to fill it with.
// The stand-in answers by method and path and records every call, so tests can assert on what the
// stores asked for (filters, cursors, since_id) as well as on what the page shows.
import { screen } from '@testing-library/react';
import { vi } from 'vitest';
import type { LogRow } from '../../renderer/src/stores/logs';
import type { RouteResponse } from '../../shared/contract';
import type {
  ClientConfig,
  GatewayStatus,
  LanStatus,
  NotificationSettings,
  SignInView,
  VirtualKey,
} from '../../shared/schemas';

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Reply = { status?: number; body: unknown } | Promise<{ status?: number; body: unknown }>;
type Handler = (call: RecordedCall) => Reply;

export const CONNECTION = { apiBase: 'http://127.0.0.1:4141', adminToken: 'test-admin-token' };

/** The client settings of a fresh install, as GET /api/config answers them. */
export const CLIENT_CONFIG: ClientConfig = {
  enforce_auth_on_inference: true,
  capture_content: true,
  retention_days: 90,
  audit_retention_days: 365,
  budget_time_zone: 'UTC',
  sign_in_key_template: {},
  managed_settings_hint_headers: false,
  telemetry_forward_url: null,
};

/** Installs a fetch that routes `METHOD /path` to handlers; unknown routes answer 404 like the gateway. */
export function standInApi(routes: Record<string, Handler>): { calls: RecordedCall[]; restore: () => void } {
  const calls: RecordedCall[] = [];
  const fetchStub = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? 'GET';
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const call: RecordedCall = { method, path: url.pathname, query: url.searchParams, body };
    calls.push(call);
    const exact = routes[`${method} ${url.pathname}`];
    const pattern = Object.entries(routes).find(([key]) => {
      const [routeMethod, routePath] = key.split(' ');
      if (routeMethod !== method || !routePath?.includes(':')) return false;
      return new RegExp(`^${routePath.replace(/:[a-z_]+/g, '[^/]+')}$`).test(url.pathname);
    })?.[1];
    const handler = exact ?? pattern;
    if (!handler) {
      return json(404, {
        type: 'error',
        error: { type: 'not_found_error', message: `No stand-in for ${method} ${url.pathname}` },
      });
    }
    const reply = await handler(call);
    return json(reply.status ?? 200, reply.body);
  });
  vi.stubGlobal('fetch', fetchStub);
  return { calls, restore: () => vi.unstubAllGlobals() };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function refusal(status: number, message: string): { status: number; body: unknown } {
  return { status, body: { type: 'error', error: { type: 'invalid_request_error', message } } };
}

const BASE_TIME = Date.parse('2026-11-23T10:00:00Z');

export function logRow(id: number, overrides: Partial<LogRow> = {}): LogRow {
  const created = BASE_TIME + id * 1000;
  return {
    id,
    request_id: `req_${id}`,
    timestamp: new Date(created).toISOString(),
    created_at_ms: created,
    virtual_key_id: 'vk_1',
    virtual_key_name: 'alice-laptop',
    session_id: 'sess-0001',
    agent_id: null,
    parent_agent_id: null,
    managed_settings: null,
    managed_settings_fingerprint: null,
    client: 'claude-code',
    method: 'POST',
    path: '/v1/messages',
    endpoint: 'messages',
    model: 'claude-fable-5-2',
    provider: 'anthropic',
    provider_key_name: 'default',
    attempts: [],
    status: 'success',
    status_code: 200,
    error_type: null,
    error_message: null,
    stream: true,
    input_tokens: 1200,
    output_tokens: 340,
    cache_creation_input_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 45_000,
    web_search_requests: 0,
    web_fetch_requests: 0,
    usage_by_model: [],
    cost: 0.0321,
    cost_micros: 32_100,
    cost_estimated: false,
    price_version: 'claude-fable-5-2@2026-11-09',
    latency_ms: 2400,
    ttfb_ms: 610,
    stop_reason: 'end_turn',
    tool_names: [],
    request_bytes: 90_000,
    response_bytes: 4_000,
    upstream_request_id: `msg_${id}`,
    client_cost: null,
    client_cost_differs: false,
    user_id: null,
    team_id: null,
    customer_id: null,
    refusal_reason: null,
    requested_model: null,
    removed_tools: [],
    has_content: true,
    ...overrides,
  };
}

/** Rows `from` down to `to` (ids descending), the order the API pages in. */
export function rowsDescending(from: number, to: number, overrides: Partial<LogRow> = {}): LogRow[] {
  const rows: LogRow[] = [];
  for (let id = from; id >= to; id--) rows.push(logRow(id, overrides));
  return rows;
}

/** jsdom lays nothing out; give scroll containers a size so the virtualiser has rows to render. */
export function giveElementsASize(height = 800, width = 1200): () => void {
  const descriptors = {
    clientHeight: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight'),
    clientWidth: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientWidth'),
    offsetHeight: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetHeight'),
  };
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => height });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => width });
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => 40 });
  return () => {
    for (const [name, descriptor] of Object.entries(descriptors)) {
      if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
      else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
    }
  };
}

/** Every interactive control on screen has an accessible name (a label, text, or aria-label). */
export function unnamedControls(): string[] {
  const roles = [
    'button',
    'textbox',
    'searchbox',
    'spinbutton',
    'combobox',
    'checkbox',
    'switch',
    'link',
    'radio',
  ] as const;
  return roles.flatMap((role) => {
    const named = new Set(screen.queryAllByRole(role, { name: /\S/ }));
    return screen
      .queryAllByRole(role)
      .filter((element) => !named.has(element))
      .map((element) => `${role}: ${element.outerHTML.slice(0, 120)}`);
  });
}

/** A virtual key as the admin API lists it, with the fields a test cares about overridden. */
export function makeKey(overrides: Partial<VirtualKey> = {}): VirtualKey {
  return {
    id: 'vk-1',
    name: 'alice-laptop',
    description: '',
    is_active: true,
    capture_content: false,
    value_preview: 'tg-abc',
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    last_used_at: null,
    team_id: null,
    customer_id: null,
    user_id: null,
    expires_at: null,
    budgets: [],
    budget: null,
    rate_limit: null,
    provider_configs: [],
    allowed_models: [],
    denied_models: [],
    model_remap: {},
    tool_policy: null,
    max_concurrent_requests: null,
    ...overrides,
  };
}

/** LAN sharing as GET /api/lan answers it: off by default, TLS on, two addresses on this machine. */
export function lanStatus(
  overrides: Partial<LanStatus> = {},
  settings: Partial<LanStatus['settings']> = {},
): LanStatus {
  return {
    settings: { enabled: false, tls: true, remote_admin: false, address: null, port: null, ...settings },
    listening: false,
    urls: [],
    available_addresses: ['192.168.1.20', '10.0.0.7'],
    ca_certificate_url: null,
    ca_certificate_path: null,
    ca_fingerprint_sha256: null,
    server_fingerprint_sha256: null,
    server_certificate_covers: [],
    sign_ins_pinned_to_old_certificate: 0,
    error: null,
    warning: null,
    ...overrides,
  };
}

/** LAN sharing on and listening with Tollgate's own TLS on 192.168.1.20. */
export function sharingLan(
  overrides: Partial<LanStatus> = {},
  settings: Partial<LanStatus['settings']> = {},
): LanStatus {
  return lanStatus(
    {
      listening: true,
      urls: ['https://192.168.1.20:4141'],
      ca_certificate_url: '/tollgate-ca.pem',
      ca_certificate_path: '/home/alice/.config/Tollgate/tls/ca.pem',
      ca_fingerprint_sha256: 'AB:CD:EF:01:23:45:67:89',
      ...overrides,
    },
    { enabled: true, ...settings },
  );
}

/** GET /api/gateway/status for a running gateway on CONNECTION's address. */
export function gatewayStatus(overrides: Partial<GatewayStatus> = {}): GatewayStatus {
  return {
    paused: false,
    paused_at: null,
    local_url: CONNECTION.apiBase,
    lan: lanStatus(),
    today: { time_zone: 'UTC', spend: 0, requests: 0, top_spenders: [] },
    budget_warnings: [],
    store: { writable: true, error: null, since: null, pending: 0 },
    upstream: { consecutive_failures: 0, last_error: null, last_error_at: null },
    pending_sign_ins: [],
    ...overrides,
  };
}

export const NOTIFICATIONS: NotificationSettings = {
  budget_thresholds: true,
  key_refusals: true,
  upstream_failures: true,
  sign_ins: true,
};

/** The routes the settings page's LAN and notification sections read, for tests about other sections. */
export function desktopSettingsRoutes(status: GatewayStatus = gatewayStatus()): Record<string, Handler> {
  return {
    'GET /api/gateway/status': () => ({ body: status }),
    'GET /api/notifications': () => ({ body: NOTIFICATIONS }),
  };
}

/** An overview with nothing spent and nothing to report, as a fresh gateway answers it. */
export function quietOverview(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time_zone: 'UTC',
    spend: { today: 0, week: 0, month: 0 },
    requests: { today: 0, week: 0, month: 0 },
    budget_health: [],
    top_sessions: [],
    cache: { read_share: 0, saved: 0 },
    refusals: [],
    errors: [],
    people: [],
    ...overrides,
  };
}

/**
 * A sign-in as GET /api/sign-ins lists it: Priya's Claude Code, waiting, its code good for ten more
 * minutes from the real clock (the page counts down against it).
 */
export function makeSignIn(overrides: Partial<SignInView> = {}): SignInView {
  const now = Date.now();
  return {
    id: 'si-1',
    user_code: 'WDJB-MJHT',
    name: 'Priya Raman',
    email: 'priya@example.com',
    surface: 'claude_code',
    status: 'pending',
    created_at: new Date(now - 5 * 60_000).toISOString(),
    expires_at: new Date(now + 10 * 60_000).toISOString(),
    decided_at: null,
    user_id: null,
    virtual_key_id: null,
    address: '192.168.1.34',
    user_agent: 'claude-cli/2.1.330 (external, cli)',
    pinned_certificate_sha256: null,
    must_sign_in_again: false,
    ...overrides,
  };
}

/** A user as the governance API lists them. */
export function makeUser(overrides: { id: string; name: string; email?: string | null; team_id?: string | null }) {
  return {
    description: '',
    budgets: [],
    budget: null,
    created_at: '2026-11-01T00:00:00.000Z',
    updated_at: '2026-11-01T00:00:00.000Z',
    email: null,
    team_id: null,
    ...overrides,
  };
}

/** A machine as GET /api/managed-settings/machines lists it: alice-laptop's Claude Code, current a minute ago. */
export function makeMachine(
  overrides: Partial<RouteResponse<'listManagedSettingsMachines'>['machines'][number]> = {},
): RouteResponse<'listManagedSettingsMachines'>['machines'][number] {
  return {
    virtual_key_id: 'vk-1',
    key_name: 'alice-laptop',
    user_id: null,
    email: null,
    sign_in_id: 'si-1',
    state: 'current',
    last_seen_at: new Date(Date.now() - 60_000).toISOString(),
    reported_fingerprint: '3f9a1c0d5b7e2a64',
    served_checksum: 'sha256:4be0c1d2e3f40516273849a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    ...overrides,
  };
}
