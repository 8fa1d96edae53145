// GET /v1/tollgate/usage: a key's own standing, authenticated by the key itself, so a teammate (or a
// tray widget, or the /usage page) can see without admin rights what the key spent today and this
// month, its budgets up the chain, its rate-limit state and its latest requests. On the LAN listener a
// wrong key counts as a failed attempt like it does on the proxy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { microsToUsd } from '../pricing/cost.js';
import { localPeriod, totalsByGroup } from './admin-dashboard.js';
import type { GatewayContext } from './context.js';
import { GatewayError, sendError } from './errors.js';
import { noteKeyFailure, refuseThrottledAddress } from './lan-guard.js';
import { presentedKey } from './proxy.js';
import type { ListenerPolicy } from './server.js';

/** Enough to see what just happened; the admin's log viewer has the rest. */
const RECENT_REQUESTS = 20;

/**
 * Every key's spend from the start of the month to the start of today, per time zone. Those rows no
 * longer change, and summing a month of a busy gateway's log takes most of a second, so it is done
 * once a day; today's part is summed fresh on each call (tens of milliseconds at 34,000 rows a day).
 */
const earlierThisMonth = new WeakMap<
  GatewayContext,
  { zone: string; month: number; day: number; byKey: Map<string, number> }
>();

function keySpend(ctx: GatewayContext, keyId: string, zone: string, at: number): { today: number; month: number } {
  const day = localPeriod('1d', zone, at).start;
  const month = localPeriod('1M', zone, at).start;
  const cached = earlierThisMonth.get(ctx);
  const earlier =
    cached && cached.zone === zone && cached.month === month && cached.day === day
      ? cached
      : { zone, month, day, byKey: sumByKey(ctx, month, day) };
  earlierThisMonth.set(ctx, earlier);
  const today = sumByKey(ctx, day, at + 1).get(keyId) ?? 0;
  return { today, month: (earlier.byKey.get(keyId) ?? 0) + today };
}

/** spendBySlot writes the queued rows first, so the request the teammate just made is in the figures. */
function sumByKey(ctx: GatewayContext, from: number, to: number): Map<string, number> {
  return new Map(totalsByGroup(ctx.requestLog.spendBySlot('key', from, to)).map(({ id, micros }) => [id, micros]));
}

export function handleUsage(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  listener: ListenerPolicy,
): void {
  try {
    refuseThrottledAddress(ctx, listener, req);
    const presented = presentedKey(req.headers);
    const key = presented === null ? null : ctx.keys.identify(presented);
    if (!key || !key.active) {
      const refusal = new GatewayError(
        401,
        'authentication_error',
        key
          ? `The Tollgate virtual key "${key.name}" has been revoked or disabled. Ask your Tollgate admin for a new key.`
          : 'Send your Tollgate virtual key (Authorization: Bearer sk-tg-…) to see its usage.',
        {},
        presented === null ? 'key_missing' : key ? 'key_revoked' : 'key_unknown',
      );
      noteKeyFailure(ctx, listener, req, refusal);
      throw refusal;
    }
    const at = ctx.clock();
    const attribution = ctx.ledger.attribute(key, null);
    const budgets = ctx.ledger.budgetChain(key, attribution).map(({ rule, level, ownerName }) => ({
      level,
      owner_name: ownerName,
      ...ctx.ledger.describeBudget(rule, at),
    }));
    const rateLimits = [
      ['virtual key', ctx.budgets.rateLimitFor('virtual_key', key.id)] as const,
      [
        'provider config',
        attribution.providerConfig &&
          ctx.budgets.rateLimitFor('provider_config', String(attribution.providerConfig.id)),
      ] as const,
    ].flatMap(([level, rule]) => (rule ? [{ level, ...ctx.ledger.describeRateLimit(rule, at) }] : []));

    const zone = ctx.settings.config.budget_time_zone;
    const spend = keySpend(ctx, key.id, zone, at);
    const recent = ctx.requestLog.query({ vk: key.id, limit: RECENT_REQUESTS }).logs.map((entry) => ({
      at: entry.timestamp,
      endpoint: entry.endpoint,
      model: entry.model,
      status: entry.status,
      status_code: entry.status_code,
      input_tokens: entry.input_tokens,
      output_tokens: entry.output_tokens,
      cache_read_input_tokens: entry.cache_read_input_tokens,
      cache_creation_input_tokens: entry.cache_creation_input_tokens,
      cost: entry.cost,
      cost_estimated: entry.cost_estimated,
      refusal_reason: entry.refusal_reason,
      error_message: entry.error_message,
      session_id: entry.session_id,
    }));

    const body = JSON.stringify({
      virtual_key: {
        id: key.id,
        name: key.name,
        expires_at: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString(),
      },
      user: attribution.user && { id: attribution.user.id, name: attribution.user.name },
      team: attribution.team && { id: attribution.team.id, name: attribution.team.name },
      customer: attribution.customer && { id: attribution.customer.id, name: attribution.customer.name },
      spend: { time_zone: zone, today: microsToUsd(spend.today), month: microsToUsd(spend.month) },
      budgets,
      rate_limits: rateLimits,
      in_flight: ctx.ledger.inFlight(key.id),
      max_concurrent_requests: key.policy.max_concurrent_requests ?? null,
      recent_requests: recent,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    sendError(
      res,
      error instanceof GatewayError
        ? error
        : new GatewayError(500, 'api_error', 'Tollgate could not read this key’s usage.'),
    );
  }
}
