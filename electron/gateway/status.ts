// The gateway at a glance, for the tray and the dashboard: paused or not, where it listens, today's
// spend and its three biggest spenders, budgets at 80 % or more, and how the upstream is answering.
// The tray asks every few seconds, so the figures from the log are kept until something changes (a
// request settles, an admin edits something) or for two seconds at most; the cheap parts (pause,
// LAN, upstream) are read fresh on every call.
import type { GatewayStatus } from '../../shared/schemas.js';
import { microsToUsd, usdToMicros } from '../pricing/cost.js';
import { isoOrNull } from '../store/time.js';
import { budgetHealth, groupName, localPeriod, NO_GROUP_ID, totalsByGroup } from './admin-dashboard.js';
import type { GatewayContext } from './context.js';

/** A budget this full or fuller is a warning. */
export const BUDGET_WARNING_FRACTION = 0.8;
const TOP_SPENDERS = 3;
const FIGURES_MAX_AGE_MS = 2_000;

type Figures = Pick<GatewayStatus, 'today' | 'budget_warnings'>;

export class StatusReporter {
  private figures: { value: Figures; at: number } | null = null;

  /** `context` is a getter because the context holds this reporter: it is built after it. */
  constructor(
    private readonly context: () => GatewayContext,
    private readonly localUrl: () => string,
  ) {}

  current(): GatewayStatus {
    const ctx = this.context();
    const pause = ctx.settings.pause();
    const upstream = ctx.upstream.snapshot();
    return {
      paused: pause.paused,
      paused_at: isoOrNull(pause.pausedAt),
      local_url: this.localUrl(),
      lan: ctx.lan.status(),
      ...this.cachedFigures(),
      upstream: {
        consecutive_failures: upstream.consecutiveFailures,
        last_error: upstream.lastError,
        last_error_at: isoOrNull(upstream.lastErrorAt),
      },
    };
  }

  /** Something the figures depend on changed: the next call reads them again. */
  invalidate(): void {
    this.figures = null;
  }

  private cachedFigures(): Figures {
    const ctx = this.context();
    const at = ctx.clock();
    // A clock moved backwards (tests do it) counts as stale too.
    if (this.figures && at >= this.figures.at && at - this.figures.at < FIGURES_MAX_AGE_MS) return this.figures.value;
    const value = readFigures(ctx, at);
    this.figures = { value, at };
    return value;
  }
}

function readFigures(ctx: GatewayContext, at: number): Figures {
  const zone = ctx.settings.config.budget_time_zone;
  const day = localPeriod('1d', zone, at).start;
  const to = at + 1;
  const totals = ctx.requestLog.periodTotals({ day, week: day, month: day, to });
  const spenders = totalsByGroup(ctx.requestLog.spendBySlot('key', day, to))
    .filter((total) => total.id !== NO_GROUP_ID)
    .slice(0, TOP_SPENDERS);
  return {
    today: {
      time_zone: zone,
      spend: microsToUsd(totals.cost.day),
      requests: totals.requests.day,
      top_spenders: spenders.map((total) => ({
        virtual_key_id: total.id,
        name: groupName(ctx, 'key', total.id, total.name),
        spend: microsToUsd(total.micros),
      })),
    },
    budget_warnings: budgetHealth(ctx, at)
      .filter((budget) => budget.used_fraction >= BUDGET_WARNING_FRACTION)
      .map((budget) => ({
        budget_id: budget.id,
        level: budget.level,
        owner_name: budget.owner_name,
        used_fraction: budget.used_fraction,
        current_usage: budget.current_usage,
        // What used_fraction is a fraction of: the limit plus any increase granted for now.
        max_limit: microsToUsd(usdToMicros(budget.max_limit) + usdToMicros(budget.granted)),
      })),
  };
}
