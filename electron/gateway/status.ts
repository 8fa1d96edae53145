// The gateway at a glance, for the tray and the dashboard: paused or not, where it listens, today's
// spend and its three biggest spenders, budgets at 80 % or more, how the upstream is answering, and
// the sign-ins waiting for the admin. The tray and the notifier ask every few seconds. Today's figures
// are sums over the day's log rows (about 30 ms at 34,000 rows a day, a million a month), so they are
// reused for up to two seconds of real time, or until an admin changes something; everything else,
// budget warnings included (the notifier reacts to them), is read fresh on every call and costs well
// under a millisecond.
import { performance } from 'node:perf_hooks';
import { STATUS_PENDING_SIGN_INS_MAX, type GatewayStatus } from '../../shared/schemas.js';
import { microsToUsd, usdToMicros } from '../pricing/cost.js';
import type { SignIn } from '../store/sign-ins.js';
import { iso, isoOrNull } from '../store/time.js';
import { budgetHealth, groupName, localPeriod, NO_GROUP_ID, totalsByGroup } from './admin-dashboard.js';
import type { GatewayContext } from './context.js';

/** A budget this full or fuller is a warning. */
export const BUDGET_WARNING_FRACTION = 0.8;
const TOP_SPENDERS = 3;
const TODAY_MAX_AGE_MS = 2_000;

type Today = GatewayStatus['today'];
type PendingSignIn = GatewayStatus['pending_sign_ins'][number];

export class StatusReporter {
  private today: { value: Today; clock: number; computedAt: number } | null = null;

  /** `context` is a getter because the context holds this reporter: it is built after it. */
  constructor(
    private readonly context: () => GatewayContext,
    private readonly localUrl: () => string,
  ) {}

  current(): GatewayStatus {
    const ctx = this.context();
    const pause = ctx.settings.pause();
    const upstream = ctx.upstream.snapshot();
    const store = ctx.requestLog.health();
    return {
      paused: pause.paused,
      paused_at: isoOrNull(pause.pausedAt),
      local_url: this.localUrl(),
      lan: ctx.lan.status(),
      today: this.cachedToday(ctx),
      budget_warnings: budgetWarnings(ctx),
      store: { writable: store.writable, error: store.error, since: isoOrNull(store.since), pending: store.pending },
      upstream: {
        consecutive_failures: upstream.consecutiveFailures,
        last_error: upstream.lastError,
        last_error_at: isoOrNull(upstream.lastErrorAt),
      },
      pending_sign_ins: ctx.signIns.livePending(ctx.clock(), STATUS_PENDING_SIGN_INS_MAX).map(pendingView),
    };
  }

  /** Something today's figures depend on changed (the time zone, a key's name): the next call reads them again. */
  invalidate(): void {
    this.today = null;
  }

  private cachedToday(ctx: GatewayContext): Today {
    const clock = ctx.clock();
    const cached = this.today;
    // Real time bounds the age; a gateway clock that jumped (tests move it) makes the figures stale too.
    if (
      cached &&
      performance.now() - cached.computedAt < TODAY_MAX_AGE_MS &&
      Math.abs(clock - cached.clock) < TODAY_MAX_AGE_MS
    ) {
      return cached.value;
    }
    const value = readToday(ctx, clock);
    this.today = { value, clock, computedAt: performance.now() };
    return value;
  }
}

function readToday(ctx: GatewayContext, at: number): Today {
  const zone = ctx.settings.config.budget_time_zone;
  const day = localPeriod('1d', zone, at).start;
  const to = at + 1;
  const totals = ctx.requestLog.periodTotals({ day, week: day, month: day, to });
  const spenders = totalsByGroup(ctx.requestLog.spendBySlot('key', day, to))
    .filter((total) => total.id !== NO_GROUP_ID)
    .slice(0, TOP_SPENDERS);
  return {
    time_zone: zone,
    spend: microsToUsd(totals.cost.day),
    requests: totals.requests.day,
    top_spenders: spenders.map((total) => ({
      virtual_key_id: total.id,
      name: groupName(ctx, 'key', total.id, total.name),
      spend: microsToUsd(total.micros),
    })),
  };
}

function budgetWarnings(ctx: GatewayContext): GatewayStatus['budget_warnings'] {
  return budgetHealth(ctx, ctx.clock())
    .filter((budget) => budget.used_fraction >= BUDGET_WARNING_FRACTION)
    .map((budget) => ({
      budget_id: budget.id,
      level: budget.level,
      owner_name: budget.owner_name,
      used_fraction: budget.used_fraction,
      current_usage: budget.current_usage,
      // What used_fraction is a fraction of: the limit plus any increase granted for now.
      max_limit: microsToUsd(usdToMicros(budget.max_limit) + usdToMicros(budget.granted)),
      period_start: budget.period_start,
    }));
}

function pendingView(signIn: SignIn): PendingSignIn {
  return {
    id: signIn.id,
    name: signIn.name,
    email: signIn.email,
    user_code: signIn.userCode,
    created_at: iso(signIn.createdAt),
    expires_at: iso(signIn.expiresAt),
  };
}
