// Failed credential attempts from the network: a missing, unknown or revoked virtual key, or a wrong
// admin token. Each one from a guarded address is audited (with the address, never the secret) and
// counted per address (electron/lan/throttle.ts keeps the count), and an address that keeps failing
// is refused for a while, on the proxy, the usage endpoint and the admin side alike, without further
// audit rows: a LAN machine can neither guess at full speed nor grow the audit table without bound.
// The router screens a throttled address before routing its request (screenAddress), so that wrong
// paths and methods are refused as early, and counted instead of logged one row each.
// Which addresses are guarded is the listener's call (ListenerPolicy.throttles): every client of the
// LAN listener, and clients of the local listener that reach it from another machine.
import type { IncomingMessage } from 'node:http';
import { iso } from '../store/time.js';
import { KEY_FAILURE_LIMIT, KEY_FAILURE_WINDOW_MS, type FailureOutcome } from '../lan/throttle.js';
import type { GatewayContext } from './context.js';
import { GatewayError } from './errors.js';
import { SIGN_IN_PATH_CHARS } from './failed-sign-ins.js';
import { clip } from './clip.js';
import type { ListenerPolicy } from './server.js';

/** Refusal reasons that mean "this is not a working key". */
const KEY_FAILURES = new Set(['key_missing', 'key_unknown', 'key_revoked']);

/** What the refused client was presenting, for the hint in the 429. */
export type Credential = 'key' | 'admin token';

const HINTS: Record<Credential, string> = {
  key: 'check ANTHROPIC_AUTH_TOKEN holds the sk-tg-… key your Tollgate admin gave you.',
  'admin token': "check the admin token: it is in the admin-token file in the gateway's data directory.",
};

const addressOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';
/** The route a failure is audited under; a client's path is clipped, so an entry stays small. */
const routeOf = (req: IncomingMessage): string =>
  clip(`${req.method ?? ''} ${new URL(req.url ?? '/', 'http://gateway.invalid').pathname}`, SIGN_IN_PATH_CHARS);

/** Throws a 429 when the request's address is throttled for failed key or admin-token attempts. */
export function refuseThrottledAddress(
  ctx: GatewayContext,
  listener: ListenerPolicy,
  req: IncomingMessage,
  credential: Credential = 'key',
): void {
  const refusal = throttledRefusal(ctx, listener, req, credential);
  if (refusal) throw refusal;
}

/**
 * The router's first step: a request from a throttled address is refused before it is routed, so a
 * wrong path or method (404, 405) is no way around the throttle and, like every other refusal of that
 * address, is counted (FailedKeyAttempts.refusedWhileThrottled) instead of logged one row each. Null
 * when the request may go on. `logged` is true for the one refusal per throttle that leaves a log row,
 * so the log viewer shows whose client was turned away: the first that asked for a row (`wantsRow`,
 * the router asks for requests to an inference route).
 */
export function screenAddress(
  ctx: GatewayContext,
  listener: ListenerPolicy,
  req: IncomingMessage,
  credential: Credential,
  wantsRow: boolean,
): { refusal: GatewayError; logged: boolean } | null {
  const refusal = throttledRefusal(ctx, listener, req, credential);
  if (!refusal) return null;
  return { refusal, logged: ctx.keyFailures.noteRefused(addressOf(req), ctx.clock(), wantsRow) };
}

function throttledRefusal(
  ctx: GatewayContext,
  listener: ListenerPolicy,
  req: IncomingMessage,
  credential: Credential,
): GatewayError | null {
  const address = addressOf(req);
  if (!listener.throttles(address)) return null;
  const waitMs = ctx.keyFailures.retryAfterMs(address, ctx.clock());
  if (waitMs <= 0) return null;
  const seconds = Math.ceil(waitMs / 1000);
  const minutes = Math.ceil(seconds / 60);
  return new GatewayError(
    429,
    'rate_limit_error',
    `Too many requests from ${address} had a missing or wrong Tollgate key or admin token (${KEY_FAILURE_LIMIT} within ${KEY_FAILURE_WINDOW_MS / 60_000} minutes). ` +
      `This address may try again in ${minutes} minute${minutes === 1 ? '' : 's'}; ${HINTS[credential]}`,
    // Retrying within minutes cannot help: tell Claude Code and the SDKs to stop now.
    { 'retry-after': String(seconds), 'x-should-retry': 'false' },
    'address_throttled',
  );
}

/** Counts and audits a refusal from a guarded address when it was for a missing, unknown or revoked key. */
export function noteKeyFailure(
  ctx: GatewayContext,
  listener: ListenerPolicy,
  req: IncomingMessage,
  refusal: unknown,
): void {
  if (!(refusal instanceof GatewayError) || refusal.reason === null || !KEY_FAILURES.has(refusal.reason)) return;
  const address = addressOf(req);
  if (!listener.throttles(address)) return;
  const at = ctx.clock();
  const outcome = ctx.keyFailures.fail(address, at);
  ctx.audit.record(
    {
      actor: 'unknown',
      action: 'auth.key_failed',
      targetType: 'route',
      targetId: routeOf(req),
      after: { reason: refusal.reason, failures_in_window: outcome.failures },
      address,
    },
    at,
  );
  noteThrottled(ctx, address, outcome, at);
}

/**
 * Audits a request refused for a missing or wrong admin token (on every listener, as before), and
 * from a guarded address counts it toward the same per-address throttle as failed keys.
 */
export function noteAdminFailure(
  ctx: GatewayContext,
  listener: ListenerPolicy,
  req: IncomingMessage,
  reason: 'admin_token_missing' | 'admin_token_wrong',
): void {
  const address = addressOf(req);
  const at = ctx.clock();
  const outcome = listener.throttles(address) ? ctx.keyFailures.fail(address, at) : null;
  ctx.failedSignIns.fail(
    { address, route: routeOf(req), reason, ...(outcome && { failuresInWindow: outcome.failures }) },
    at,
  );
  if (outcome) noteThrottled(ctx, address, outcome, at);
}

/** The failure that tips an address over the limit is announced once, in the log and the audit trail. */
function noteThrottled(ctx: GatewayContext, address: string, outcome: FailureOutcome, at: number): void {
  if (!outcome.throttledNow || outcome.throttledUntil === null) return;
  ctx.logger.warn(
    `${address} sent ${outcome.failures} wrong or missing keys or admin tokens; refusing it until ${iso(outcome.throttledUntil)}`,
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
