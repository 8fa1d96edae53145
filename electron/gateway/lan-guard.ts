// Failed key attempts on the LAN listener: each one is audited (with the address, never the key
// text), and an address that keeps failing is refused for a while (electron/lan/throttle.ts keeps
// the count). Loopback clients are this machine's own and are not throttled.
import type { IncomingMessage } from 'node:http';
import { iso } from '../store/time.js';
import { KEY_FAILURE_LIMIT, KEY_FAILURE_WINDOW_MS } from '../lan/throttle.js';
import type { GatewayContext } from './context.js';
import { GatewayError } from './errors.js';
import type { ListenerPolicy } from './server.js';

/** Refusal reasons that mean "this is not a working key". */
const KEY_FAILURES = new Set(['key_missing', 'key_unknown', 'key_revoked']);

const addressOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

/** Throws a 429 when the request's address is throttled for failed key attempts. */
export function refuseThrottledAddress(ctx: GatewayContext, listener: ListenerPolicy, req: IncomingMessage): void {
  if (listener.role !== 'lan') return;
  const waitMs = ctx.keyFailures.retryAfterMs(addressOf(req), ctx.clock());
  if (waitMs <= 0) return;
  const seconds = Math.ceil(waitMs / 1000);
  const minutes = Math.ceil(seconds / 60);
  throw new GatewayError(
    429,
    'rate_limit_error',
    `Too many requests from ${addressOf(req)} had a missing or wrong Tollgate key (${KEY_FAILURE_LIMIT} within ${KEY_FAILURE_WINDOW_MS / 60_000} minutes). ` +
      `This address may try again in ${minutes} minute${minutes === 1 ? '' : 's'}; check ANTHROPIC_AUTH_TOKEN holds the sk-tg-… key your Tollgate admin gave you.`,
    // Retrying within minutes cannot help: tell Claude Code and the SDKs to stop now.
    { 'retry-after': String(seconds), 'x-should-retry': 'false' },
    'address_throttled',
  );
}

/** Counts and audits a refusal on the LAN when it was for a missing, unknown or revoked key. */
export function noteKeyFailure(
  ctx: GatewayContext,
  listener: ListenerPolicy,
  req: IncomingMessage,
  refusal: unknown,
): void {
  if (listener.role !== 'lan' || !(refusal instanceof GatewayError) || refusal.reason === null) return;
  if (!KEY_FAILURES.has(refusal.reason)) return;
  const address = addressOf(req);
  const at = ctx.clock();
  const outcome = ctx.keyFailures.fail(address, at);
  const route = `${req.method ?? ''} ${new URL(req.url ?? '/', 'http://gateway.invalid').pathname}`;
  ctx.audit.record(
    {
      actor: 'unknown',
      action: 'auth.key_failed',
      targetType: 'route',
      targetId: route,
      after: { reason: refusal.reason, failures_in_window: outcome.failures },
      address,
    },
    at,
  );
  if (outcome.throttledNow && outcome.throttledUntil !== null) {
    ctx.logger.warn(
      `${address} sent ${outcome.failures} wrong or missing keys; refusing it until ${iso(outcome.throttledUntil)}`,
    );
    ctx.audit.record(
      {
        actor: 'system',
        action: 'auth.address_throttled',
        targetType: 'address',
        targetId: address,
        after: {
          failures: outcome.failures,
          window_minutes: KEY_FAILURE_WINDOW_MS / 60_000,
          until: iso(outcome.throttledUntil),
        },
        address,
      },
      at,
    );
  }
}
