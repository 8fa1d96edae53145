// The governance ledger: admits or refuses each request against every rule up the hierarchy, holds
// what in-flight requests may still spend, and settles their actual cost in one transaction.
// Decisions come from the pure modules beside it (periods, policy, rate windows, reservation); this
// class owns the state they are applied to. Node runs admission synchronously, so check-and-reserve is
// atomic: that is what keeps budgets from overshooting under concurrency.
import type { Budget } from '../../shared/schemas.js';
import { GatewayError } from '../gateway/errors.js';
import type { PriceVersion } from '../pricing/cost.js';
import { microsToUsd } from '../pricing/cost.js';
import type { BudgetStore } from '../store/budgets.js';
import type { Db } from '../store/database.js';
import type { OrganisationStore, OrgEntity } from '../store/organisation.js';
import { iso } from '../store/time.js';
import type { KeyRecord, ProviderConfig } from '../store/virtual-keys.js';
import { durationMsUpperBound, parseResetDuration, periodAt } from './periods.js';
import { applyToolPolicy, decideModel, remapModel, type ModelDecision } from './policy.js';
import { SlidingWindow } from './rate-window.js';
import { admitBudget, worstCaseMicros } from './reservation.js';
import type { BudgetRule, OwnerType, RateLimitRule } from './types.js';

export interface Attribution {
  user: OrgEntity | null;
  team: OrgEntity | null;
  customer: OrgEntity | null;
  providerConfig: ProviderConfig | null;
}

export interface AdmissionRequest {
  key: KeyRecord;
  endpoint: 'messages' | 'count_tokens' | 'models' | 'other';
  model: string | null;
  maxTokens: number | undefined;
  bodyBytes: number;
  body: Record<string, unknown> | null;
  sessionId: string | null;
  at: number;
  /** Resolves the price a model would be charged at now, for the worst-case reservation. */
  priceOf: (model: string) => PriceVersion;
  /**
   * Whether the store takes writes. While it does not, a request on a key with a budget is refused:
   * its spend could not be recorded durably, and a budget whose spend is not recorded does not hold.
   */
  storeWritable: boolean;
  /** Why the store does not take writes, for the refusal. */
  storeError?: string | null;
}

interface Hold {
  budgetId: string;
  periodStart: number;
  micros: number;
}

export interface Admission {
  keyId: string;
  attribution: Attribution;
  /** The model to forward: the requested one, or its remap. */
  model: string | null;
  /** A replacement body when the tool policy removed tools; null to forward the client's bytes. */
  body: Record<string, unknown> | null;
  removedTools: string[];
  holds: Hold[];
  /** The request's worst case before calibration: booked if it is interrupted before any usage is seen. */
  estimateMicros: number;
  rateLimits: RateLimitRule[];
  counted: boolean;
}

/**
 * Holds are the worst case times a per-key factor learned from how far actual costs have gone past
 * their worst case (server tools, compaction and advisor steps use more input than a body shows): 1
 * until a settled request shows the estimates fall short, then the largest recent ratio with a margin.
 * Requests run side by side on a budget only while what is left covers CONCURRENCY_MARGIN times their
 * holds; nearer the limit they run one at a time (a request held out waits for those ahead to settle,
 * see the proxy's admitWhenRoom). So an estimate up to that many times too low, on a key nothing has
 * been learned about yet, still overshoots the limit by at most the one request running alone.
 */
const CONCURRENCY_MARGIN = 8;
const CALIBRATION_MARGIN = 1.25;
const MAX_HOLD_FACTOR = 64;
const CALIBRATION_WINDOW_MS = 24 * 60 * 60_000;
const CALIBRATION_SAMPLES = 32;

/** Claude Code retries a 429 for about 100 s; a limit freeing later than this should stop it at once. */
const RETRY_WORTHWHILE_SECONDS = 60;

/** One budget's standing: settled spend against its cap (grants included) in the period containing now. */
export interface BudgetStanding {
  rule: BudgetRule;
  ownerName: string;
  capMicros: number;
  spentMicros: number;
  /** Epoch ms at which the period resets. */
  periodEnd: number;
}

export class GovernanceLedger {
  /** Worst-case micros held per budget id and period start, by in-flight requests. */
  private readonly held = new Map<string, { periodStart: number; micros: number; count: number }>();
  private readonly inFlightByKey = new Map<string, number>();
  private readonly requestWindows = new Map<string, SlidingWindow>();
  private readonly tokenWindows = new Map<string, SlidingWindow>();
  /** Requests waiting for room that in-flight requests hold: told at every settlement. */
  private readonly settlementWaiters = new Set<() => void>();
  /** Per key, recent settled cost ÷ worst case, newest last. */
  private readonly calibration = new Map<string, { at: number; ratio: number }[]>();

  constructor(
    private readonly db: Db,
    private readonly budgets: BudgetStore,
    private readonly organisation: OrganisationStore,
    /** Requests a rule already counted since `since` (from the log), so a restart does not reset a window. */
    private readonly history: (rule: RateLimitRule, since: number) => { at: number; tokens: number }[] = () => [],
  ) {}

  // ---- admission ------------------------------------------------------------------------------

  /**
   * Admits or refuses a request. `attribution` comes from attribute(), called first by the proxy so
   * that a refused request's log row still names its user, team and customer.
   */
  admit(request: AdmissionRequest, attribution: Attribution): Admission {
    try {
      return this.decide(request, attribution);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw governanceUnavailable();
    }
  }

  private decide(request: AdmissionRequest, attribution: Attribution): Admission {
    const { key, at } = request;
    if (key.expiresAt !== null && key.expiresAt <= at) {
      throw new GatewayError(
        401,
        'authentication_error',
        `The Tollgate virtual key "${key.name}" expired at ${iso(key.expiresAt)}. Ask your Tollgate admin to extend it or for a new key.`,
        {},
        'key_expired',
      );
    }
    const budgetRules = this.budgetChain(key, attribution);
    const rateLimits = [
      this.budgets.rateLimitFor('virtual_key', key.id),
      attribution.providerConfig && this.budgets.rateLimitFor('provider_config', String(attribution.providerConfig.id)),
    ].filter((rule): rule is RateLimitRule => Boolean(rule));

    // Model policy: remap first (a downgrade instead of a refusal), then allow and deny lists.
    let model = request.model;
    if (model !== null) {
      model = remapModel(model, key.policy.model_remap) ?? model;
      const decision = this.decideModel(key, attribution, model);
      if (!decision.allowed) throw new GatewayError(400, 'invalid_request_error', decision.reason, {}, 'model_denied');
    }

    let body: Record<string, unknown> | null = null;
    let removedTools: string[] = [];
    if (request.body && request.endpoint !== 'models') {
      const withModel = model !== request.model ? { ...request.body, model } : request.body;
      const filtered = applyToolPolicy(withModel, key.policy.tool_policy ?? undefined);
      body = filtered ? filtered.body : withModel !== request.body ? withModel : null;
      removedTools = filtered?.removed ?? [];
      if (filtered && filtered.body.tools === undefined && conversationUsesTools(filtered.body)) {
        // The API refuses tool_use history without tools; say why in the policy's words instead.
        throw new GatewayError(
          400,
          'invalid_request_error',
          `The tool policy of key "${key.name}" removes every tool this request offers (${removedTools.join(', ')}), ` +
            'but the conversation already contains tool calls, so it cannot continue without tools. Ask your Tollgate admin to allow the tools you need.',
          {},
          'tool_denied',
        );
      }
    }

    const base = { keyId: key.id, attribution, model, body, removedTools, rateLimits };
    // count_tokens is free and frequent: it never counts against limits or budgets.
    if (request.endpoint !== 'messages') return { ...base, holds: [], estimateMicros: 0, counted: false };

    if (budgetRules.length > 0 && !request.storeWritable) throw storeUnwritable(request.storeError ?? null);
    this.checkConcurrency(key);
    this.checkRateLimits(rateLimits, at);

    const estimateMicros =
      model === null
        ? 0
        : worstCaseMicros(
            request.priceOf(model),
            request.bodyBytes,
            request.maxTokens,
            serverLoopOf(body ?? request.body),
          );
    const worstCase = Math.ceil(estimateMicros * this.holdFactor(key.id, at));
    const holds: Hold[] = [];
    for (const { rule, level: noun, ownerName } of budgetRules) {
      const level = `${noun} "${ownerName}"`;
      const period = periodAt(rule, at);
      const state = this.budgetState(rule, period.start, at, request.sessionId);
      const verdict = admitBudget({
        limitMicros: rule.maxLimitMicros,
        grantsMicros: state.grantsMicros,
        spentMicros: state.spentMicros,
        reservedMicros: state.heldMicros,
        worstCaseMicros: worstCase,
        inFlight: state.inFlight,
        concurrencyMargin: CONCURRENCY_MARGIN,
      });
      if (verdict.admit) {
        holds.push({ budgetId: rule.id, periodStart: period.start, micros: worstCase });
        continue;
      }
      if (verdict.kind === 'exhausted') {
        throw new GatewayError(
          402,
          'billing_error',
          `Tollgate budget reached: the ${level} budget of ${usd(rule.maxLimitMicros + state.grantsMicros)} per ${describeDuration(rule)} ` +
            `has ${usd(state.spentMicros)} spent. It resets at ${iso(period.end)}. Ask your Tollgate admin for a temporary increase if you need to continue now.`,
          {},
          'budget_exhausted',
        );
      }
      // Refused with the budget error, as a spent budget is: admitting it could overshoot the limit.
      throw new GatewayError(
        402,
        'billing_error',
        `Tollgate budget nearly reached: the ${level} budget of ${usd(rule.maxLimitMicros + state.grantsMicros)} per ${describeDuration(rule)} ` +
          `has ${usd(Math.max(0, rule.maxLimitMicros + state.grantsMicros - state.spentMicros))} left, and ${state.inFlight} running ` +
          `request${state.inFlight === 1 ? '' : 's'} may still use up to ${usd(state.heldMicros)} of it; this one could cost up to ${usd(worstCase)}. ` +
          `Try again when they finish; the budget resets at ${iso(period.end)}.`,
        {},
        'budget_reserved',
      );
    }

    // Admitted: take the holds and count the request, all before any await.
    for (const hold of holds) this.hold(hold);
    for (const rule of rateLimits) this.requestWindow(rule)?.add(at, 1);
    this.inFlightByKey.set(key.id, (this.inFlightByKey.get(key.id) ?? 0) + 1);
    return { ...base, holds, estimateMicros, counted: true };
  }

  /**
   * Releases an admission's holds once its cost is in the store (the request log writes the cost and
   * its charges to every budget with the row, in one transaction), counts its tokens against rate
   * limits and learns from its actual cost. Call exactly once per admission, whatever happened to it.
   */
  settle(admission: Admission, costMicros: number, tokens: number, at: number): void {
    if (!admission.counted) return;
    for (const hold of admission.holds) this.release(hold);
    const current = this.inFlightByKey.get(admission.keyId) ?? 1;
    if (current <= 1) this.inFlightByKey.delete(admission.keyId);
    else this.inFlightByKey.set(admission.keyId, current - 1);
    for (const rule of admission.rateLimits) this.tokenWindow(rule)?.add(at, tokens);
    if (admission.estimateMicros > 0 && costMicros > 0)
      this.learn(admission.keyId, costMicros / admission.estimateMicros, at);
    const waiters = [...this.settlementWaiters];
    this.settlementWaiters.clear();
    for (const wake of waiters) wake();
  }

  /**
   * Resolves at the next settlement: a request refused because in-flight requests hold the room it
   * needs (budget_reserved) can try again then, so near a limit requests run one after another.
   */
  nextSettlement(): Promise<void> {
    return new Promise((resolve) => this.settlementWaiters.add(resolve));
  }

  // ---- views ----------------------------------------------------------------------------------

  /** A budget as the admin API and the usage endpoint show it, for the period containing `at`. */
  describeBudget(rule: BudgetRule, at: number): Budget {
    const period = periodAt(rule, at);
    const state = this.budgetState(rule, period.start, at, null);
    const grants = this.budgets.activeGrants(rule.id, at);
    const cap = rule.maxLimitMicros + state.grantsMicros;
    return {
      id: rule.id,
      owner_type: rule.ownerType,
      owner_id: rule.ownerId,
      max_limit: microsToUsd(rule.maxLimitMicros),
      reset_duration: rule.resetDuration,
      calendar_aligned: rule.calendarAligned,
      time_zone: rule.timeZone,
      current_usage: microsToUsd(state.spentMicros),
      reserved: microsToUsd(state.heldMicros),
      granted: microsToUsd(state.grantsMicros),
      remaining: microsToUsd(Math.max(0, cap - state.spentMicros - state.heldMicros)),
      period_start: iso(period.start),
      reset_at: iso(period.end),
      grants: grants.map((grant) => ({
        id: grant.id,
        amount: microsToUsd(grant.amountMicros),
        expires_at: iso(grant.expiresAt),
        session_id: grant.sessionId,
        reason: grant.reason,
        created_by: grant.createdBy,
        created_at: iso(grant.createdAt),
      })),
    };
  }

  describeRateLimit(rule: RateLimitRule, at: number) {
    return {
      id: rule.id,
      request_max_limit: rule.requestMaxLimit,
      request_reset_duration: rule.requestResetDuration,
      request_current_usage: this.requestWindow(rule)?.total(at) ?? 0,
      token_max_limit: rule.tokenMaxLimit,
      token_reset_duration: rule.tokenResetDuration,
      token_current_usage: this.tokenWindow(rule)?.total(at) ?? 0,
    };
  }

  /** Whether a key may use a model: its own allow and deny lists, then its provider config's. */
  decideModel(key: KeyRecord, attribution: Attribution, model: string): ModelDecision {
    return decideModel(model, [
      {
        label: `virtual key "${key.name}"`,
        policy: { allowed: key.policy.allowed_models, denied: key.policy.denied_models },
      },
      ...(attribution.providerConfig
        ? [
            {
              label: `the ${attribution.providerConfig.provider} provider config of key "${key.name}"`,
              policy: {
                allowed: attribution.providerConfig.allowedModels,
                denied: attribution.providerConfig.deniedModels,
              },
            },
          ]
        : []),
    ]);
  }

  /**
   * Each budget over a key's requests with its spend against its cap now, outermost level first:
   * what a signed-in Claude Code is told of its standing (electron/gateway/usage-limits.ts).
   */
  standings(key: KeyRecord, attribution: Attribution, at: number): BudgetStanding[] {
    return this.budgetChain(key, attribution).map(({ rule, ownerName }) => {
      const period = periodAt(rule, at);
      const state = this.budgetState(rule, period.start, at, null);
      return {
        rule,
        ownerName,
        capMicros: rule.maxLimitMicros + state.grantsMicros,
        spentMicros: state.spentMicros,
        periodEnd: period.end,
      };
    });
  }

  inFlight(keyId: string): number {
    return this.inFlightByKey.get(keyId) ?? 0;
  }

  /** Every budget that applies to a key's requests, outermost level first. */
  budgetChain(key: KeyRecord, attribution: Attribution): { rule: BudgetRule; level: string; ownerName: string }[] {
    const levels: [OwnerType, OrgEntity | { id: string; name: string } | null, string][] = [
      ['customer', attribution.customer, 'customer'],
      ['team', attribution.team, 'team'],
      ['user', attribution.user, 'user'],
      ['virtual_key', { id: key.id, name: key.name }, 'virtual key'],
      [
        'provider_config',
        attribution.providerConfig && {
          id: String(attribution.providerConfig.id),
          name: attribution.providerConfig.provider,
        },
        'provider config',
      ],
    ];
    return levels.flatMap(([type, owner, noun]) =>
      owner ? this.budgets.rulesFor(type, owner.id).map((rule) => ({ rule, level: noun, ownerName: owner.name })) : [],
    );
  }

  /**
   * Who a request is attributed to: the key's user (or the one x-tollgate-user names), team and customer.
   * A header can only name a user the key already speaks for (see namableUsers); naming anyone else is
   * refused with one message whether that user exists or not, so the header is no way to probe for users.
   */
  /** `provider`: the provider the request goes to first, whose provider config (and its budgets) applies. */
  attribute(key: KeyRecord, userHeader: string | null, provider = 'anthropic'): Attribution {
    try {
      return this.resolveAttribution(key, userHeader, provider);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw governanceUnavailable();
    }
  }

  private resolveAttribution(key: KeyRecord, userHeader: string | null, provider: string): Attribution {
    let user = key.userId ? this.organisation.get('user', key.userId) : null;
    if (userHeader) {
      const named = this.findUser(this.namableUsers(key, user), userHeader);
      if (!named) throw userNotAllowed(key);
      user = named;
    }
    const teamId = key.teamId ?? user?.parentId ?? null;
    const team = teamId === null ? null : this.organisation.get('team', teamId);
    const customerId = key.customerId ?? team?.parentId ?? null;
    const customer = customerId === null ? null : this.organisation.get('customer', customerId);
    const providerConfig = key.providerConfigs.find((config) => config.provider === provider) ?? null;
    return { user, team, customer, providerConfig };
  }

  /**
   * The users x-tollgate-user may name on this key: its own user alone when it has one; else its team's
   * users; else the users of its customer's teams; else no one, because a key outside the hierarchy
   * would otherwise be a way to spend any user's budget.
   */
  private namableUsers(key: KeyRecord, own: OrgEntity | null): OrgEntity[] {
    if (key.userId !== null) return own ? [own] : [];
    if (key.teamId !== null) return this.organisation.all('user').filter((user) => user.parentId === key.teamId);
    if (key.customerId !== null) {
      const teams = new Set(
        this.organisation
          .all('team')
          .filter((team) => team.parentId === key.customerId)
          .map((team) => team.id),
      );
      return this.organisation.all('user').filter((user) => user.parentId !== null && teams.has(user.parentId));
    }
    return [];
  }

  // ---- internals ------------------------------------------------------------------------------

  private holdFactor(keyId: string, at: number): number {
    const recent = (this.calibration.get(keyId) ?? []).filter((sample) => sample.at > at - CALIBRATION_WINDOW_MS);
    if (recent.length === 0) return 1;
    const worst = Math.max(...recent.map((sample) => sample.ratio));
    return Math.min(MAX_HOLD_FACTOR, Math.max(1, worst * CALIBRATION_MARGIN));
  }

  private learn(keyId: string, ratio: number, at: number): void {
    const samples = this.calibration.get(keyId) ?? [];
    samples.push({ at, ratio });
    if (samples.length > CALIBRATION_SAMPLES) samples.shift();
    this.calibration.set(keyId, samples);
  }

  /** The user among `candidates` with this id, else this email, else this name (case-insensitive). */
  private findUser(candidates: OrgEntity[], idNameOrEmail: string): OrgEntity | null {
    const wanted = idNameOrEmail.toLowerCase();
    return (
      candidates.find((user) => user.id === idNameOrEmail) ??
      candidates.find((user) => user.email?.toLowerCase() === wanted) ??
      candidates.find((user) => user.name.toLowerCase() === wanted) ??
      null
    );
  }

  private budgetState(rule: BudgetRule, periodStart: number, at: number, sessionId: string | null) {
    const held = this.held.get(rule.id);
    const current = held && held.periodStart === periodStart ? held : null;
    const grantsMicros = this.budgets
      .activeGrants(rule.id, at)
      .filter((grant) => grant.sessionId === null || grant.sessionId === sessionId)
      .reduce((sum, grant) => sum + grant.amountMicros, 0);
    return {
      spentMicros: this.budgets.spent(rule.id, periodStart),
      heldMicros: current?.micros ?? 0,
      inFlight: current?.count ?? 0,
      grantsMicros,
    };
  }

  private hold(hold: Hold): void {
    const current = this.held.get(hold.budgetId);
    if (current && current.periodStart === hold.periodStart) {
      current.micros += hold.micros;
      current.count++;
    } else {
      this.held.set(hold.budgetId, { periodStart: hold.periodStart, micros: hold.micros, count: 1 });
    }
  }

  private release(hold: Hold): void {
    const current = this.held.get(hold.budgetId);
    if (!current || current.periodStart !== hold.periodStart) return; // the period rolled over meanwhile
    current.micros -= hold.micros;
    current.count--;
    if (current.count <= 0) this.held.delete(hold.budgetId);
  }

  private checkConcurrency(key: KeyRecord): void {
    const cap = key.policy.max_concurrent_requests;
    if (!cap) return;
    const running = this.inFlightByKey.get(key.id) ?? 0;
    if (running >= cap) {
      throw new GatewayError(
        429,
        'rate_limit_error',
        `The key "${key.name}" allows ${cap} request${cap === 1 ? '' : 's'} at a time and ${running} ${running === 1 ? 'is' : 'are'} running; retrying in a moment.`,
        { 'retry-after': '1' },
        'concurrency_limit',
      );
    }
  }

  private checkRateLimits(rules: readonly RateLimitRule[], at: number): void {
    for (const rule of rules) {
      const owner = rule.ownerType === 'virtual_key' ? 'this key' : 'this provider config';
      const requests = this.requestWindow(rule, at);
      if (requests && rule.requestMaxLimit !== null && requests.total(at) + 1 > rule.requestMaxLimit) {
        throw rateLimited(
          `${owner} allows ${rule.requestMaxLimit} requests per ${rule.requestResetDuration ?? ''}`,
          requests.roomAt(at, rule.requestMaxLimit, 1),
          at,
        );
      }
      const tokens = this.tokenWindow(rule, at);
      if (tokens && rule.tokenMaxLimit !== null && tokens.total(at) >= rule.tokenMaxLimit) {
        throw rateLimited(
          `${owner} allows ${rule.tokenMaxLimit.toLocaleString('en-US')} tokens per ${rule.tokenResetDuration ?? ''}`,
          tokens.roomAt(at, rule.tokenMaxLimit, 1),
          at,
        );
      }
    }
  }

  private requestWindow(rule: RateLimitRule, at?: number): SlidingWindow | null {
    return this.window(this.requestWindows, rule, rule.requestMaxLimit, rule.requestResetDuration, at, () => 1);
  }

  private tokenWindow(rule: RateLimitRule, at?: number): SlidingWindow | null {
    return this.window(
      this.tokenWindows,
      rule,
      rule.tokenMaxLimit,
      rule.tokenResetDuration,
      at,
      (entry) => entry.tokens,
    );
  }

  private window(
    windows: Map<string, SlidingWindow>,
    rule: RateLimitRule,
    limit: number | null,
    duration: string | null,
    at: number | undefined,
    amountOf: (entry: { at: number; tokens: number }) => number,
  ): SlidingWindow | null {
    if (limit === null || duration === null) return null;
    const ms = durationMs(duration);
    const key = `${rule.id}:${ms}`;
    let window = windows.get(key);
    if (!window) {
      window = new SlidingWindow(ms);
      if (at !== undefined) for (const entry of this.history(rule, at - ms)) window.add(entry.at, amountOf(entry));
      windows.set(key, window);
    }
    return window;
  }
}

/** Server tools (web search and fetch, code execution, tool search, an advisor), MCP servers or compaction:
 * the API then loops on its side, re-reading the conversation as it grows. */
export function serverLoopOf(body: Record<string, unknown> | null): { steps: number } | null {
  if (!body) return null;
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : [];
  let declared = false;
  let maxUses = 0;
  for (const tool of tools) {
    if (typeof tool !== 'object' || tool === null) continue;
    const { type, max_uses: uses } = tool as { type?: unknown; max_uses?: unknown };
    if (typeof type !== 'string' || !SERVER_TOOL_TYPE.test(type)) continue;
    declared = true;
    maxUses = typeof uses === 'number' && uses > 0 && maxUses !== Infinity ? maxUses + uses : Infinity;
  }
  const mcp = Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0;
  const compaction = compactionDeclared(body.context_management);
  if (!declared && !mcp && !compaction) return null;
  const toolSteps =
    !declared && !mcp ? 1 : mcp || maxUses === 0 ? SERVER_LOOP_MAX_STEPS : Math.min(SERVER_LOOP_MAX_STEPS, maxUses);
  // A compaction step summarises the conversation once, before the steps that answer.
  return { steps: toolSteps + (compaction ? 1 : 0) };
}

const SERVER_TOOL_TYPE = /^(web_search|web_fetch|code_execution|tool_search_tool|advisor)/;

/** Compaction edits (`compact_…`) run a summarising step; clearing tool uses or thinking does not loop. */
function compactionDeclared(contextManagement: unknown): boolean {
  if (typeof contextManagement !== 'object' || contextManagement === null) return false;
  const edits = (contextManagement as { edits?: unknown }).edits;
  return (
    Array.isArray(edits) &&
    edits.some(
      (edit) =>
        typeof (edit as { type?: unknown } | null)?.type === 'string' &&
        (edit as { type: string }).type.startsWith('compact'),
    )
  );
}
/** The API pauses a server-tool loop (stop_reason pause_turn) after this many steps. */
const SERVER_LOOP_MAX_STEPS = 10;

export function storeUnwritable(cause: string | null): GatewayError {
  return new GatewayError(
    503,
    'api_error',
    `Tollgate cannot write to its store${cause ? ` (${cause})` : ''}, so it cannot record what this request would spend; ` +
      "requests on keys with a budget are refused until it can. Tell your Tollgate admin (the gateway machine's disk may be full).",
    { 'x-should-retry': 'false' },
    'store_unwritable',
  );
}

/** Fail closed: a request is never waved through because its limits could not be read. */
function governanceUnavailable(): GatewayError {
  return new GatewayError(
    500,
    'api_error',
    'Tollgate could not read the budgets and limits for this key, so it refused the request rather than let it through unchecked. Retry shortly; if it persists, tell your Tollgate admin.',
    {},
    'governance_unavailable',
  );
}

/**
 * x-tollgate-user named someone the key may not speak for. The message depends on the key alone, never
 * on the name given, so it reads the same for a real user of another team and for a made-up name.
 */
function userNotAllowed(key: KeyRecord): GatewayError {
  const scope =
    key.userId !== null
      ? 'it belongs to one user and can be attributed to that user only'
      : key.teamId !== null
        ? 'it can name users of its own team only'
        : key.customerId !== null
          ? "it can name users of its customer's teams only"
          : 'it is in no team or customer, so it can name no user; ask your Tollgate admin to put it in a team or give it a user';
  return new GatewayError(
    403,
    'permission_error',
    `The key "${key.name}" may not attribute requests to the user x-tollgate-user names: ${scope}.`,
    {},
    'user_not_allowed',
  );
}

function conversationUsesTools(body: Record<string, unknown>): boolean {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  return messages.some(
    (message) =>
      typeof message === 'object' &&
      message !== null &&
      Array.isArray((message as { content?: unknown }).content) &&
      (message as { content: unknown[] }).content.some(
        (block) =>
          typeof block === 'object' &&
          block !== null &&
          ((block as { type?: unknown }).type === 'tool_use' || (block as { type?: unknown }).type === 'tool_result'),
      ),
  );
}

function rateLimited(what: string, roomAt: number, at: number): GatewayError {
  const seconds = Math.max(1, Math.ceil((roomAt - at) / 1000));
  return new GatewayError(
    429,
    'rate_limit_error',
    `Tollgate rate limit: ${what}. Room again at ${iso(roomAt)} (in ${seconds} s).`,
    {
      'retry-after': String(seconds),
      ...(seconds > RETRY_WORTHWHILE_SECONDS && { 'x-should-retry': 'false' }),
    },
    'rate_limit',
  );
}

/** A rate-limit window's length; months and years count at their longest, the stricter choice. */
function durationMs(duration: string): number {
  const parsed = parseResetDuration(duration);
  return parsed ? durationMsUpperBound(parsed) : 60_000;
}

function describeDuration(rule: BudgetRule): string {
  const parsed = parseResetDuration(rule.resetDuration);
  if (!parsed) return rule.resetDuration;
  const names: Record<'m' | 'h' | 'd' | 'w' | 'M' | 'Y', string> = {
    m: 'minute',
    h: 'hour',
    d: 'day',
    w: 'week',
    M: 'month',
    Y: 'year',
  };
  const noun = names[parsed.unit];
  const span = parsed.count === 1 ? noun : `${parsed.count} ${noun}s`;
  return rule.calendarAligned ? `${span} (${rule.timeZone})` : span;
}

const usd = (micros: number): string => `$${(micros / 1_000_000).toFixed(2)}`;
