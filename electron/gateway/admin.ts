// The admin API: one handler per route of the contract in shared/contract.ts, behind the admin token.
// Bodies and queries are validated with the contract's zod schemas before a handler sees them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  adminApi,
  type RouteBody,
  type RouteName,
  type RouteParams,
  type RouteQuery,
  type RouteResponse,
} from '../../shared/contract.js';
import type { GatewayContext } from './context.js';
import { asGatewayError, badRequest, GatewayError, notFound, sendError } from './errors.js';
import { dashboardHandlers } from './admin-dashboard.js';
import { parseModelId } from '../pricing/model-id.js';
import { signInHandlers } from './admin-sign-ins.js';
import { telemetryHandlers } from './admin-telemetry.js';
import { managedSettingsHandlers } from './admin-managed-settings.js';
import { governanceHandlers } from './admin-governance.js';
import { desktopHandlers } from './admin-desktop.js';
import { providerHandlers } from './admin-providers.js';
import { readBody } from './proxy.js';
import { noteAdminFailure, refuseThrottledAddress } from './lan-guard.js';
import type { ListenerPolicy } from './server.js';

interface HandlerInput<N extends RouteName> {
  params: RouteParams<N>;
  query: RouteQuery<N>;
  body: RouteBody<N>;
}
// A handler that must wait on the network (a provider connection test) returns a promise.
type Handler<N extends RouteName> = (input: HandlerInput<N>) => RouteResponse<N> | Promise<RouteResponse<N>>;
type Handlers = { [N in RouteName]: Handler<N> };

const ADMIN_BODY_LIMIT = 1024 * 1024;

export function adminHandlers(ctx: GatewayContext): Handlers {
  const now = (): number => ctx.clock();
  const governance = governanceHandlers(ctx);
  return {
    ...governance,
    ...signInHandlers(ctx, governance),
    ...telemetryHandlers(ctx),
    ...managedSettingsHandlers(ctx),
    ...dashboardHandlers(ctx),
    ...desktopHandlers(ctx),

...providerHandlers(ctx),

    getPricing: () => pricingTable(ctx),
    setPriceOverride: ({ params, body }) => {
      ctx.prices.setOverride(params.model, body, now());
      ctx.reloadPricing();
      return { message: `Requests for ${params.model} are priced with the override from now on.` };
    },
    deletePriceOverride: ({ params }) => {
      if (!ctx.prices.clearOverride(params.model, now())) {
        throw notFound(`There is no price override for ${params.model}.`);
      }
      ctx.reloadPricing();
      return { message: `The override for ${params.model} is retired; the built-in price applies again.` };
    },

    listLogs: ({ query }) => {
      ctx.requestLog.flush(); // a row the caller just caused must be visible
      return ctx.requestLog.query(query);
    },
    getLog: ({ params }) => {
      const id = Number(params.id);
      ctx.requestLog.flush();
      const detail = Number.isSafeInteger(id) ? ctx.requestLog.get(id) : null;
      if (!detail) throw notFound(`No log entry with id ${params.id}.`);
      return detail;
    },
    getSession: ({ params }) => {
      ctx.requestLog.flush();
      const summary = ctx.requestLog.session(params.id);
      if (!summary) throw notFound(`No requests were logged for session ${params.id}.`);
      return summary;
    },

    getConfig: () => ({ client_config: ctx.settings.config, routing: ctx.settings.routing() }),
    updateConfig: ({ body }) => ({
      client_config: body.client_config ? ctx.settings.update(body.client_config) : ctx.settings.config,
      routing: body.routing ? ctx.settings.updateRouting(body.routing) : ctx.settings.routing(),
    }),
  };
}

function pricingTable(ctx: GatewayContext): RouteResponse<'getPricing'> {
  const book = ctx.pricing();
  const at = ctx.clock();
  const toApi = (version: ReturnType<typeof book.history>[number]) =>
    ({
      id: version.id,
      model: version.model,
      source: version.source,
      effective_from: new Date(version.effective_from).toISOString(),
      ...Object.fromEntries(Object.entries(version.rates).map(([name, micros]) => [name, micros / 1_000_000])),
      bands: version.bands.map((band) => ({
        above_prompt_tokens: band.above_prompt_tokens,
        input: band.input / 1_000_000,
        output: band.output / 1_000_000,
        cache_write_5m: band.cache_write_5m / 1_000_000,
        cache_write_1h: band.cache_write_1h / 1_000_000,
        cache_read: band.cache_read / 1_000_000,
      })),
      note: version.note,
      retired_at: version.retired_at === null ? null : new Date(version.retired_at).toISOString(),
    }) as z.input<typeof adminApi.getPricing.response>['models'][number]['current'];
  const models = book.catalog.flatMap((model): RouteResponse<'getPricing'>['models'] => {
    const current = book.resolve(model.id, at).version;
    return [
      {
        model: model.id,
        family: model.family,
        display_name: model.display_name,
        aliases: model.aliases,
        current: toApi(current),
        history: book.history(model.id).map(toApi),
      },
    ];
  });
  // Overrides may price models the catalogue does not know yet; list them too so they can be edited.
  const catalogued = new Set(book.catalog.map((model) => model.id));
  for (const id of book.pricedModels()) {
    if (catalogued.has(id) || book.catalogModelFor(id)) continue;
    const current = book.versionAt(id, at);
    if (!current) continue;
    models.push({
      model: id,
      family: parseModelId(id).family ?? 'unknown',
      display_name: id,
      aliases: [],
      current: toApi(current),
      history: book.history(id).map(toApi),
    });
  }
  return { table_version: ctx.tableVersion, models };
}

// ---- routing ---------------------------------------------------------------------------------------

interface CompiledRoute {
  name: RouteName;
  method: string;
  pattern: RegExp;
  paramNames: string[];
}

const compiledRoutes: CompiledRoute[] = (Object.keys(adminApi) as RouteName[]).map((name) => {
  const spec = adminApi[name];
  const paramNames: string[] = [];
  const source = spec.path.replace(/:([a-z_]+)/g, (_match, param: string) => {
    paramNames.push(param);
    return '([^/]+)';
  });
  return { name, method: spec.method, pattern: new RegExp(`^${source}/?$`), paramNames };
});

/**
 * Refuses a request without the admin token, and audits the refusal. From an address the listener
 * throttles (lan-guard.ts) the failure also counts toward that address's limit, and an address past
 * it is refused with a 429 before its token is even looked at, so it cannot go on guessing.
 */
export function requireAdmin(ctx: GatewayContext, req: IncomingMessage, listener: ListenerPolicy): void {
  refuseThrottledAddress(ctx, listener, req, 'admin token');
  if (isAuthorisedAdmin(req, ctx.adminToken)) return;
  noteAdminFailure(
    ctx,
    listener,
    req,
    req.headers.authorization === undefined ? 'admin_token_missing' : 'admin_token_wrong',
  );
  throw new GatewayError(
    401,
    'authentication_error',
    'The admin API needs Authorization: Bearer <admin token>. The token is in the admin-token file in the gateway data directory.',
  );
}

export function isAuthorisedAdmin(req: IncomingMessage, adminToken: string): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
  if (!presented) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(adminToken));
}

export async function handleAdmin(
  ctx: GatewayContext,
  handlers: Handlers,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  listener: ListenerPolicy,
): Promise<void> {
  try {
    requireAdmin(ctx, req, listener);
    const matches = compiledRoutes.filter((route) => route.pattern.test(url.pathname));
    const route = matches.find((candidate) => candidate.method === req.method);
    if (!route) {
      if (matches.length) {
        throw new GatewayError(
          405,
          'invalid_request_error',
          `${req.method ?? ''} is not supported on ${url.pathname}.`,
          {
            allow: matches.map((match) => match.method).join(', '),
          },
        );
      }
      throw notFound(`No admin route ${req.method ?? ''} ${url.pathname}.`);
    }
    const spec = adminApi[route.name] as { query?: z.ZodType; body?: z.ZodType; status?: number };
    const values = route.pattern.exec(url.pathname)?.slice(1) ?? [];
    const params = Object.fromEntries(route.paramNames.map((name, i) => [name, decodeParam(name, values[i] ?? '')]));
    const query = spec.query ? validate(spec.query, Object.fromEntries(url.searchParams), 'query') : undefined;
    const body = spec.body ? validate(spec.body, await readJsonBody(req), 'body') : undefined;
    const handler = handlers[route.name] as (input: { params: unknown; query: unknown; body: unknown }) => unknown;
    const before = route.method === 'GET' ? undefined : currentState(handlers, route, params);
    const result = await handler({ params, query, body });
    if (route.method !== 'GET') {
      ctx.status.invalidate(); // budgets, keys or the time zone may have changed what the status shows
      ctx.audit.record(
        {
          actor: 'admin',
          action: route.name,
          targetType: targetTypeOf(adminApi[route.name].path),
          targetId: Object.values(params)[0] ?? idOf(result),
          before: before ?? null,
          after: route.method === 'DELETE' ? null : result,
          address: req.socket.remoteAddress ?? null,
        },
        ctx.clock(),
      );
    }
    const payload = JSON.stringify(result);
    res.writeHead(spec.status ?? 200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'cache-control': 'no-store',
    });
    res.end(payload);
  } catch (error) {
    if (error instanceof RangeError) return sendError(res, badRequest(error.message));
    const refusal = asGatewayError(error);
    if (!(error instanceof GatewayError)) ctx.logger.error(`admin ${req.method ?? ''} ${url.pathname} failed`, error);
    sendError(res, refusal);
  }
}

/** A path parameter, percent-decoded; a broken escape (`%E0%A4%A`) is the caller's mistake, not a 500. */
function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(
      `The path parameter ${name} "${raw}" is not valid percent-encoded UTF-8; encode it with encodeURIComponent.`,
    );
  }
}

/** What a change is about to replace: the answer of the GET route at the same path, if there is one. */
function currentState(handlers: Handlers, route: CompiledRoute, params: Record<string, string>): unknown {
  const reader = compiledRoutes.find(
    (candidate) => candidate.method === 'GET' && candidate.pattern.source === route.pattern.source,
  );
  if (!reader || route.paramNames.length === 0) return undefined;
  try {
    return (handlers[reader.name] as (input: { params: unknown; query: unknown; body: unknown }) => unknown)({
      params,
      query: undefined,
      body: undefined,
    });
  } catch {
    return undefined;
  }
}

/** `virtual-keys` for /api/governance/virtual-keys/:id, `budgets` for /api/governance/budgets/:id/grants. */
function targetTypeOf(path: string): string | null {
  return path.split('/').find((segment) => segment && segment !== 'api' && segment !== 'governance') ?? null;
}

/** The id of what a create returned (`{"virtual_key": {"id": …}}`), for the audit entry. */
function idOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  for (const value of Object.values(result)) {
    if (typeof value === 'object' && value !== null && 'id' in value) return String((value as { id: unknown }).id);
  }
  return null;
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req, ADMIN_BODY_LIMIT);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

function validate(schema: z.ZodType, value: unknown, where: string): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw badRequest(`Invalid ${where}: ${problems.join('; ')}`);
}
