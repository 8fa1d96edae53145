// Which upstream serves a request, and what happens when it fails. A request goes to one provider and
// key of its plan, then, before any byte reaches the client, to the next if the answer says the
// upstream (not the request) failed:
//   429           → that key cools down for its retry-after; another key of the same pool, else the next provider
//   5xx, 529      → the key's breaker counts a failure; the next provider
//   reset/connect → likewise
//   anything else → it is the answer (400, 401, 403, 404, 413 are never retried; a 401/403 marks the key refused)
// within `max_attempts` attempts and RETRY_WINDOW_MS. When every attempt failed, the client gets the
// last failure as the upstream sent it. Once bytes have streamed, nothing is retried (the relay ends
// the stream with an error event). Every attempt is returned for the log row.
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { ProviderType, RoutingConfig, UpstreamAttempt } from '../../shared/schemas.js';
import { GatewayError } from '../gateway/errors.js';
import type { PoolKey, ProviderRoute } from '../store/providers.js';
import type { ProviderConfig } from '../store/virtual-keys.js';
import type { UpstreamKeyHealth } from './health.js';
import { describeNetworkError, upstreamHeaders } from './wire.js';

/** No new attempt starts this long after the first one did. */
export const RETRY_WINDOW_MS = 60_000;

/** A failure's body is read (to log its error type and, if it is the last, to relay it) up to this size. */
const FAILURE_BODY_LIMIT = 64 * 1024;

/** The request as every upstream gets it. */
export interface UpstreamCall {
  /** Path and query on an Anthropic-shaped API, e.g. `/v1/messages?beta=true`. */
  upstreamPath: string;
  method: 'POST' | 'GET' | 'HEAD';
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The Anthropic model id asked for (after the key's remap), when there is one. */
  model: string | null;
  /** A subscriber's own OAuth sign-in travels as it is, to Anthropic only. */
  oauth: boolean;
  signal: AbortSignal;
}

/** An answer in the Anthropic API's shape, whatever the provider spoke. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Buffer> | Iterable<Buffer>;
}

export interface RoutedAnswer {
  answer: UpstreamAnswer;
  provider: string;
  keyName: string | null;
  attempts: UpstreamAttempt[];
  /** The provider was sent its own id for the model (models_map): price by the Anthropic id asked for. */
  modelMapped: boolean;
}

/** The types this version speaks; a provider of another type is configured but never routed to. */
const AUTH_HEADER: Partial<Record<ProviderType, string>> = {
  anthropic: 'x-api-key',
  // Claude in Microsoft Foundry takes its API key in `api-key`.
  foundry: 'api-key',
  anthropic_compatible: 'x-api-key',
};

export const isRoutable = (type: ProviderType): boolean => AUTH_HEADER[type] !== undefined;

/** The header a provider of this type takes its API key in; undefined for a type this version cannot send to. */
export const authHeaderOf = (type: ProviderType): string | undefined => AUTH_HEADER[type];

/**
 * The providers a request may use, first choice first. A key with provider configs uses those: one by
 * weight, then the others as fallbacks in the gateway's order. A key without uses the gateway's order:
 * `fallback_order` when set, else Anthropic and then every other provider by name.
 */
export function routePlan(
  routes: readonly ProviderRoute[],
  routing: RoutingConfig,
  configs: readonly ProviderConfig[],
  random: () => number = Math.random,
): ProviderRoute[] {
  const usable = routes.filter((route) => route.keys.length > 0 && isRoutable(route.type));
  const rank = (name: string): number => {
    const index = routing.fallback_order.indexOf(name);
    if (index !== -1) return index;
    return routing.fallback_order.length + (name === 'anthropic' ? 0 : 1);
  };
  const ordered = [...usable].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  if (configs.length === 0) {
    return routing.fallback_order.length > 0
      ? ordered.filter((route) => routing.fallback_order.includes(route.name))
      : ordered;
  }
  const allowed = configs.filter((config) => usable.some((route) => route.name === config.provider));
  const first = weightedPick(allowed, (config) => config.weight, random);
  if (!first) return [];
  const names = new Set(allowed.map((config) => config.provider));
  const rest = ordered.filter((route) => names.has(route.name) && route.name !== first.provider);
  const primary = ordered.find((route) => route.name === first.provider);
  return primary ? [primary, ...rest] : rest;
}

export interface RouterDeps {
  health: UpstreamKeyHealth;
  dispatcher: Dispatcher;
  clock: () => number;
  /** Told of each attempt that failed over, and of a key the upstream refused. */
  onFailover?: (from: string, to: string | null) => void;
  onAttempt?: (attempt: UpstreamAttempt) => void;
  onKeyRefused?: (provider: string, keyName: string, status: number) => void;
  random?: () => number;
}

interface Failure {
  answer: { statusCode: number; headers: IncomingHttpHeaders; body: Buffer };
  provider: string;
  keyName: string | null;
}

/** Sends the call along its plan; see the file's head for when it moves on. */
export async function routeCall(
  plan: readonly ProviderRoute[],
  call: UpstreamCall,
  maxAttempts: number,
  deps: RouterDeps,
): Promise<RoutedAnswer> {
  const attempts: UpstreamAttempt[] = [];
  const started = deps.clock();
  let failure: Failure | null = null;
  let unreachable: GatewayError | null = null;
  const skipped: { route: ProviderRoute; key: PoolKey | null }[] = [];
  const candidates = plan.map((route) => ({ route, keys: keysFor(route, call, deps.random ?? Math.random) }));

  const attempt = async (
    route: ProviderRoute,
    key: PoolKey | null,
  ): Promise<RoutedAnswer | 'next_key' | 'next_provider'> => {
    const secret = key?.secret();
    if (key && !secret) return 'next_key';
    const at = performance.now();
    const record = (statusCode: number | null, errorType: string | null): void => {
      const entry: UpstreamAttempt = {
        provider: route.name,
        key_name: key?.name ?? null,
        status_code: statusCode,
        error_type: errorType,
        latency_ms: Math.round(performance.now() - at),
      };
      attempts.push(entry);
      deps.onAttempt?.(entry);
    };
    const mapped = call.model === null ? undefined : route.modelsMap[call.model];
    let answer: Dispatcher.ResponseData;
    try {
      answer = await sendAnthropicShaped(route, key && secret ? secret : null, call, mapped, deps.dispatcher);
    } catch (error) {
      if (call.signal.aborted) throw error;
      const message = `Tollgate could not reach ${providerLabel(route)} at ${new URL(route.baseUrl).origin}: ${describeNetworkError(error)}.`;
      record(null, 'connection_error');
      if (key) deps.health.failed(key.id, message);
      unreachable = new GatewayError(502, 'api_error', message);
      return 'next_provider';
    }
    const status = answer.statusCode;
    if (!isRetryable(status)) {
      // The answer's body goes to the client untouched: its error type is filled in from the row (proxy.ts).
      record(status, null);
      if (key) {
        if (status === 401 || status === 403) {
          deps.health.refused(key.id, `${route.name} refused the key (${status})`);
          deps.onKeyRefused?.(route.name, key.name, status);
        } else if (status < 500) deps.health.succeeded(key.id);
      }
      return { answer, provider: route.name, keyName: key?.name ?? null, attempts, modelMapped: mapped !== undefined };
    }
    const body = await readAtMost(answer.body, FAILURE_BODY_LIMIT);
    const errorType = errorTypeOf(body) ?? `http_${status}`;
    record(status, errorType);
    failure = {
      answer: { statusCode: status, headers: answer.headers, body },
      provider: route.name,
      keyName: key?.name ?? null,
    };
    const message = `${route.name} answered ${status} ${errorType}`;
    if (status === 429) {
      if (key) deps.health.coolDown(key.id, retryAfterMs(answer.headers), message);
      return 'next_key';
    }
    if (key) deps.health.failed(key.id, message);
    return 'next_provider';
  };

  const outOfTime = (): boolean => attempts.length >= maxAttempts || deps.clock() - started > RETRY_WINDOW_MS;
  outer: for (const { route, keys } of candidates) {
    for (const key of keys) {
      if (outOfTime()) break outer;
      const availability = key ? deps.health.availability(key.id) : 'use';
      if (availability === 'skip') {
        skipped.push({ route, key });
        continue;
      }
      if (availability === 'probe' && key) deps.health.startProbe(key.id);
      const outcome = await attempt(route, key);
      if (typeof outcome === 'object') {
        if (attempts.length > 1) deps.onFailover?.(attempts[0]?.provider ?? route.name, route.name);
        return outcome;
      }
      if (outcome === 'next_provider') continue outer;
    }
  }
  // Every key was cooling down or open: rather than refuse, try the first of them.
  const lastResort = skipped[0];
  if (attempts.length === 0 && lastResort) {
    const outcome = await attempt(lastResort.route, lastResort.key);
    if (typeof outcome === 'object') return outcome;
  }
  const failed = failure as Failure | null;
  if (failed) {
    deps.onFailover?.(attempts[0]?.provider ?? failed.provider, null);
    return {
      // The body was read (and may have been cut at the limit): its length is the relay's to say.
      answer: {
        statusCode: failed.answer.statusCode,
        headers: { ...failed.answer.headers, 'content-length': undefined },
        body: [failed.answer.body],
      },
      provider: failed.provider,
      keyName: failed.keyName,
      attempts,
      modelMapped: false,
    };
  }
  const unreached = unreachable as GatewayError | null;
  if (unreached) throw unreached;
  throw noUpstream(call.oauth);
}

/** The keys of a provider that may serve this call, in a weighted random order; [null] for a subscriber's own sign-in. */
function keysFor(route: ProviderRoute, call: UpstreamCall, random: () => number): (PoolKey | null)[] {
  if (call.oauth) return route.type === 'anthropic' ? [null] : [];
  const eligible = route.keys.filter(
    (key) => key.models === null || (call.model !== null && key.models.includes(call.model)),
  );
  const order: PoolKey[] = [];
  const left = [...eligible];
  while (left.length > 0) {
    const picked = weightedPick(left, (key) => key.weight, random);
    if (!picked) break;
    order.push(picked);
    left.splice(left.indexOf(picked), 1);
  }
  return order;
}

function weightedPick<T>(items: readonly T[], weightOf: (item: T) => number, random: () => number): T | undefined {
  const total = items.reduce((sum, item) => sum + weightOf(item), 0);
  let point = random() * total;
  for (const item of items) {
    point -= weightOf(item);
    if (point < 0) return item;
  }
  return items.at(-1);
}

async function sendAnthropicShaped(
  route: ProviderRoute,
  secret: string | null,
  call: UpstreamCall,
  mappedModel: string | undefined,
  dispatcher: Dispatcher,
): Promise<Dispatcher.ResponseData> {
  const base = new URL(route.baseUrl);
  const header = AUTH_HEADER[route.type] ?? 'x-api-key';
  return dispatcher.request({
    origin: base.origin,
    path: base.pathname.replace(/\/$/, '') + call.upstreamPath,
    method: call.method,
    headers: upstreamHeaders(call.headers, secret === null ? null : { header, value: secret }),
    body: call.method === 'POST' ? withModel(call.body, mappedModel) : null,
    signal: call.signal,
  });
}

/** The body with the provider's own id for the model, when its models_map names one. */
function withModel(body: Buffer, model: string | undefined): Buffer {
  if (model === undefined) return body;
  const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...parsed, model }));
}

/** How messages name a provider: the Anthropic API by its name, any other by the admin's. */
export function providerLabel(route: Pick<ProviderRoute, 'name' | 'type'>): string {
  return route.type === 'anthropic' ? 'the Anthropic API' : `the provider "${route.name}"`;
}

/** 429, and the statuses that say the upstream itself is failing (not the request). */
export function isRetryable(status: number): boolean {
  return status === 429 || status === 529 || (status >= 500 && status !== 501);
}

function retryAfterMs(headers: IncomingHttpHeaders): number | null {
  const value = headers['retry-after'] as string | string[] | undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : date - Date.now();
}

async function readAtMost(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) chunks.push(chunk.subarray(0, limit - size));
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}

function errorTypeOf(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { type?: unknown } };
    return typeof parsed.error?.type === 'string' ? parsed.error.type : null;
  } catch {
    return null;
  }
}


function noUpstream(oauth: boolean): GatewayError {
  return new GatewayError(
    500,
    'api_error',
    oauth
      ? 'Tollgate has no Anthropic provider to forward a Claude subscription sign-in to.'
      : 'Tollgate has no provider key to forward with. The admin can add one with POST /api/providers or start the gateway with ANTHROPIC_API_KEY set.',
    { 'x-should-retry': 'false' },
  );
}
