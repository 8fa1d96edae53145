// GET /v1/tollgate/usage: a key's own standing, authenticated by the key itself, so a teammate (or a
// tray widget) can see their budgets up the chain and their rate-limit state without admin rights.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from './context.js';
import { GatewayError, sendError } from './errors.js';
import { presentedKey } from './proxy.js';

export function handleUsage(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  try {
    const presented = presentedKey(req.headers);
    const key = presented === null ? null : ctx.keys.identify(presented);
    if (!key || !key.active) {
      throw new GatewayError(
        401,
        'authentication_error',
        'Send your Tollgate virtual key (Authorization: Bearer sk-tg-…) to see its usage.',
      );
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
    const body = JSON.stringify({
      virtual_key: { id: key.id, name: key.name, expires_at: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString() },
      user: attribution.user && { id: attribution.user.id, name: attribution.user.name },
      team: attribution.team && { id: attribution.team.id, name: attribution.team.name },
      customer: attribution.customer && { id: attribution.customer.id, name: attribution.customer.name },
      budgets,
      rate_limits: rateLimits,
      in_flight: ctx.ledger.inFlight(key.id),
      max_concurrent_requests: key.policy.max_concurrent_requests ?? null,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  } catch (error) {
    sendError(res, error instanceof GatewayError ? error : new GatewayError(500, 'api_error', 'Tollgate could not read this key’s usage.'));
  }
}
