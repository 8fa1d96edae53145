// GET /v1/tollgate/usage: a key's own standing, authenticated by the key itself, so a teammate (or a
// tray widget, or the /usage page) can see without admin rights what the key spent today and this
// month, its budgets up the chain, its rate-limit state and its latest requests. On the LAN listener a
// wrong key counts as a failed attempt like it does on the proxy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { microsToUsd } from '../pricing/cost.js';
import { SPEND_SLOT_MS } from '../store/request-log.js';
import { localPeriod } from './admin-dashboard.js';
import type { GatewayContext } from './context.js';
import { GatewayError, sendError } from './errors.js';
import { noteKeyFailure, refuseThrottledAddress } from './lan-guard.js';
import { presentedKey } from './proxy.js';
import type { ListenerPolicy } from './server.js';

/** Enough to see what just happened; the admin's log viewer has the rest. */
const RECENT_REQUESTS = 20;

export function handleUsage(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse, listener: ListenerPolicy): void {
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
        attribution.providerConfig && ctx.budgets.rateLimitFor('provider_config', String(attribution.providerConfig.id)),
      ] as const,
    ].flatMap(([level, rule]) => (rule ? [{ level, ...ctx.ledger.describeRateLimit(rule, at) }] : []));

    const zone = ctx.settings.config.budget_time_zone;
    const day = localPeriod('1d', zone, at).start;
    const month = localPeriod('1M', zone, at).start;
    ctx.requestLog.flush(); // the request the teammate just made must be in the figures
    let todayMicros = 0;
    let monthMicros = 0;
    for (const slot of ctx.requestLog.spendBySlot('key', month, at + 1)) {
      if (slot.group_id !== key.id) continue;
      monthMicros += slot.cost_micros;
      // Local days start on slot boundaries, so a slot is wholly inside today or wholly before it.
      if (slot.slot * SPEND_SLOT_MS >= day) todayMicros += slot.cost_micros;
    }
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
      virtual_key: { id: key.id, name: key.name, expires_at: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString() },
      user: attribution.user && { id: attribution.user.id, name: attribution.user.name },
      team: attribution.team && { id: attribution.team.id, name: attribution.team.name },
      customer: attribution.customer && { id: attribution.customer.id, name: attribution.customer.name },
      spend: { time_zone: zone, today: microsToUsd(todayMicros), month: microsToUsd(monthMicros) },
      budgets,
      rate_limits: rateLimits,
      in_flight: ctx.ledger.inFlight(key.id),
      max_concurrent_requests: key.policy.max_concurrent_requests ?? null,
      recent_requests: recent,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    sendError(res, error instanceof GatewayError ? error : new GatewayError(500, 'api_error', 'Tollgate could not read this key’s usage.'));
  }
}
