// A signed-in Claude Code's budget standing, in the shapes it shows in its own UI (the gateway
// protocol's "Usage-limit headers" and GET /api/oauth/usage): on every successful answer the fullest
// budget over the request as `anthropic-ratelimit-unified-*` headers (the client's "You've used NN%"
// notice past 75 % and 95 %), at the cap a 429 billing_error it prints as it is, and the dollars. A
// client using a pasted key keeps Tollgate's own 402 and the upstream's headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BudgetStanding } from '../governance/ledger.js';
import { parseResetDuration } from '../governance/periods.js';
import type { Attribution } from '../governance/ledger.js';
import type { KeyIdentity } from '../store/virtual-keys.js';
import { ACCESS_TOKEN_PREFIX } from '../store/sign-ins.js';
import type { GatewayContext } from './context.js';
import { GatewayError, sendError } from './errors.js';
import { bearerCredential } from './proxy.js';

export const OAUTH_USAGE_PATH = '/api/oauth/usage';
const UNIFIED = 'anthropic-ratelimit-unified';

/** Whether a request comes from a Claude Code signed in with /login (its bearer is a Tollgate token). */
export const isSignedIn = (presented: string | null): boolean => presented?.startsWith(ACCESS_TOKEN_PREFIX) === true;

/** The upstream's own rate-limit headers describe the organisation's quota, not this person's: never relayed to them. */
export const isUpstreamRateLimitHeader = (name: string): boolean => name.startsWith('anthropic-ratelimit-');

interface Standing {
  utilization: number;
  resetSeconds: number;
  period: 'daily' | 'weekly' | 'monthly';
  /** A budget the whole team or customer shares, not the person's own. */
  groupPool: boolean;
  standing: BudgetStanding;
}

function standingOf(budget: BudgetStanding): Standing {
  const utilization = budget.capMicros > 0 ? budget.spentMicros / budget.capMicros : 1;
  const groupPool = budget.rule.ownerType === 'team' || budget.rule.ownerType === 'customer';
  return {
    utilization,
    resetSeconds: Math.ceil(budget.periodEnd / 1000),
    period: groupPool ? 'monthly' : periodName(budget.rule.resetDuration),
    groupPool,
    standing: budget,
  };
}

/** The protocol names three periods; a budget's own duration is told as the nearest that covers it. */
function periodName(resetDuration: string): Standing['period'] {
  const parsed = parseResetDuration(resetDuration);
  if (!parsed) return 'monthly';
  const days = { s: 1 / 86_400, m: 1 / 1440, h: 1 / 24, d: 1, w: 7, M: 31, Y: 366 }[parsed.unit] * parsed.count;
  return days <= 1 ? 'daily' : days <= 7 ? 'weekly' : 'monthly';
}

/** The budget the headers describe: the fullest, and of equally full ones the one that resets last. */
function fullest(standings: readonly Standing[]): Standing | null {
  let best: Standing | null = null;
  for (const candidate of standings) {
    if (
      !best ||
      candidate.utilization > best.utilization ||
      (candidate.utilization === best.utilization && candidate.resetSeconds > best.resetSeconds)
    )
      best = candidate;
  }
  return best;
}

function standings(ctx: GatewayContext, key: KeyIdentity, attribution: Attribution, at: number): Standing[] {
  return ctx.ledger.standings(key, attribution, at).map(standingOf);
}

/** The headers of a successful answer; none when no budget applies. */
export function usageHeaders(
  ctx: GatewayContext,
  key: KeyIdentity,
  attribution: Attribution,
  at: number,
): Record<string, string> {
  const top = fullest(standings(ctx, key, attribution, at));
  if (!top) return {};
  const status = top.utilization >= 0.75 ? 'allowed_warning' : 'allowed';
  // Kept below 1 while the request is allowed: 1 means rejected to the client.
  const utilization = Math.min(Math.floor(top.utilization * 100) / 100, 0.99);
  const threshold = top.utilization >= 0.95 ? '0.95' : top.utilization >= 0.75 ? '0.75' : null;
  return {
    [`${UNIFIED}-status`]: status,
    [`${UNIFIED}-representative-claim`]: 'overage',
    [`${UNIFIED}-overage-status`]: status,
    [`${UNIFIED}-overage-utilization`]: utilization.toFixed(2),
    ...(threshold && { [`${UNIFIED}-overage-surpassed-threshold`]: threshold }),
    [`${UNIFIED}-reset`]: String(top.resetSeconds),
    [`${UNIFIED}-overage-reset`]: String(top.resetSeconds),
    ...(top.groupPool && { [`${UNIFIED}-overage-scope`]: 'group_pool' }),
  };
}

/**
 * A budget refusal as a signed-in Claude Code reads it: 429 billing_error, before anything is sent
 * upstream, with one sentence saying when the budget resets and what to do (the client prints it as
 * it is because representative-claim and overage-status are left off). A store that cannot record
 * spend fails closed with `fetch_error`. Any other refusal is returned unchanged.
 */
export function signedInRefusal(
  ctx: GatewayContext,
  error: unknown,
  key: KeyIdentity,
  attribution: Attribution,
  at: number,
): unknown {
  if (!(error instanceof GatewayError)) return error;
  if (error.reason === 'store_unwritable') {
    return new GatewayError(
      429,
      'billing_error',
      'Tollgate cannot record spend right now, so budgeted requests are paused · try again in a minute · tell your Tollgate admin if it lasts.',
      { 'x-should-retry': 'false', [`${UNIFIED}-overage-disabled-reason`]: 'fetch_error' },
      error.reason,
    );
  }
  if (error.reason !== 'budget_exhausted' && error.reason !== 'budget_reserved') return error;
  const all = standings(ctx, key, attribution, at);
  // Once blocked, the budget described is the one that resets last of those that are full.
  const full = all.filter((standing) => standing.utilization >= 1);
  const blocking = full.length
    ? full.reduce((last, standing) => (standing.resetSeconds > last.resetSeconds ? standing : last))
    : fullest(all);
  if (!blocking) return error;
  const resets = new Date(blocking.resetSeconds * 1000).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: ctx.settings.config.budget_time_zone,
  });
  const whose = blocking.groupPool
    ? `the ${blocking.standing.rule.ownerType} budget "${blocking.standing.ownerName}" you share is used up`
    : 'your Tollgate spend limit is reached';
  const message =
    error.reason === 'budget_exhausted'
      ? `${capitalise(whose)} · resets ${resets} · ask your Tollgate admin for an increase to continue now.`
      : `Your Tollgate budget is nearly used up by requests still running · try again when they finish · it resets ${resets}.`;
  return new GatewayError(
    429,
    'billing_error',
    message,
    {
      'retry-after': String(Math.max(1, blocking.resetSeconds - Math.floor(at / 1000))),
      'x-should-retry': 'false',
      [`${UNIFIED}-status`]: 'rejected',
      [`${UNIFIED}-reset`]: String(blocking.resetSeconds),
      [`${UNIFIED}-overage-reset`]: String(blocking.resetSeconds),
      [`${UNIFIED}-overage-utilization`]: '1',
      [`${UNIFIED}-overage-surpassed-threshold`]: '1',
      [`${UNIFIED}-overage-period`]: blocking.period,
      [`${UNIFIED}-overage-disabled-reason`]: 'org_spend_cap_reached',
      ...(blocking.groupPool && { [`${UNIFIED}-overage-scope`]: 'group_pool' }),
    },
    error.reason,
  );
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const cents = (micros: number): number => Math.round(micros / 10_000);
const percent = (fraction: number): number => Math.round(fraction * 100);

/**
 * GET /api/oauth/usage for a signed-in bearer: the dollars beside the percent, in cents. The cap the
 * headers describe is `extra_usage`, one `limits` row per budget; with no budget, this month's, today's
 * and this week's spend (UTC, the week from Monday) with null limits.
 */
export function handleOAuthUsage(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  const at = ctx.clock();
  const credential = bearerCredential(ctx, req, at);
  if ('refusal' in credential) return sendError(res, credential.refusal);
  const { key, presented } = credential;
  if (!key || !isSignedIn(presented)) {
    return sendError(
      res,
      new GatewayError(401, 'authentication_error', 'Usage is for a Claude Code signed in to Tollgate with /login.', {
        'x-should-retry': 'false',
      }),
    );
  }
  const all = standings(ctx, key, ctx.ledger.attribute(key, null), at);
  const top = fullest(all);
  const body = top
    ? {
        extra_usage: {
          is_enabled: true,
          monthly_limit: cents(top.standing.capMicros),
          used_credits: cents(top.standing.spentMicros),
          utilization: percent(top.utilization),
          currency: 'USD',
        },
        limits: all.map((standing) => ({
          kind: 'spend',
          group: standing.period,
          percent: percent(standing.utilization),
          resets_at: new Date(standing.resetSeconds * 1000).toISOString(),
          severity: standing.utilization >= 1 ? 'critical' : standing.utilization >= 0.75 ? 'warning' : 'normal',
          is_active: standing === top,
        })),
      }
    : { extra_usage: { is_enabled: true, ...uncappedSpend(ctx, key.id, at) }, limits: [] };
  const payload = JSON.stringify(body);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

function uncappedSpend(ctx: GatewayContext, keyId: string, at: number) {
  const now = new Date(at);
  const month = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const week = day - ((now.getUTCDay() + 6) % 7) * 86_400_000;
  const spent = (from: number): number =>
    cents(
      ctx.requestLog
        .spendBySlot('key', from, at + 1)
        .filter((slot) => slot.group_id === keyId)
        .reduce((sum, slot) => sum + slot.cost_micros, 0),
    );
  return {
    monthly_limit: null,
    used_credits: spent(month),
    utilization: null,
    currency: 'USD',
    daily: { limit: null, used_credits: spent(day), utilization: null },
    weekly: { limit: null, used_credits: spent(week), utilization: null },
  };
}
