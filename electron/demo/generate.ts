// Fills a fresh database with the demo organisation and a month of its Claude Code traffic, written
// through the same stores the gateway uses: customers, teams and users (OrganisationStore), keys with
// their policies and rate limits (VirtualKeyStore, BudgetStore), budgets whose limits are set from the
// priced traffic so some end near or past them, every request row with its captured content for recent
// sessions (RequestLog, ContentStore), the settled spend of every budget period (charged with each row),
// and an audit trail of the admin changes that set it all up. Costs come from the real price book.
import type { VirtualKeyCreate } from '../../shared/schemas.js';
import { periodAt } from '../governance/periods.js';
import type { BudgetRule, OwnerType } from '../governance/types.js';
import { loadBuiltinCatalog } from '../pricing/catalog.js';
import { costMicros, emptyUsage, microsToUsd, type TokenUsage } from '../pricing/cost.js';
import { PriceBook } from '../pricing/price-book.js';
import { AuditLog } from '../store/audit.js';
import { BudgetStore } from '../store/budgets.js';
import { ContentStore } from '../store/content-store.js';
import type { Db } from '../store/database.js';
import { OrganisationStore, type OrgLevel } from '../store/organisation.js';
import { PriceStore } from '../store/prices.js';
import { RequestLog, type Charge, type LogRecord } from '../store/request-log.js';
import { iso } from '../store/time.js';
import { VirtualKeyStore } from '../store/virtual-keys.js';
import { renderSession, type RenderedRequest } from './content.js';
import { Random } from './prng.js';
import { CUSTOMERS, KEYS, TEAMS, USERS, type BudgetPlan, type KeyPlan } from './scenario.js';
import { DAY_MS, planTraffic, type PlannedRequest, type PlannedSession, type RefusalReason } from './traffic.js';

export const DEFAULT_DEMO_SEED = 20_261_123;
const DEFAULT_DAYS = 30;
/** Sessions that started this recently keep their prompts and responses, as content capture would have. */
const CAPTURE_RECENT_MS = 36 * 3_600_000;
const ADMIN_ADDRESS = '127.0.0.1';

export interface DemoOptions {
  /** The moment the demo's month of traffic ends, epoch ms. */
  now: number;
  seed?: number;
  days?: number;
}

export interface DemoSummary {
  customers: number;
  teams: number;
  users: number;
  keys: number;
  sessions: number;
  requests: number;
  requestsWithContent: number;
  spendUsd: number;
  firstRequestAt: number;
  lastRequestAt: number;
  /** The secret of the demo-playground key, for trying the gateway. */
  playgroundKey: string;
}

interface KeyState {
  plan: KeyPlan;
  id: string;
  name: string;
  userId: string | null;
  teamId: string | null;
  customerId: string | null;
  /** Every budget a request of this key counts against, with when it was set. */
  budgets: { rule: BudgetRule; level: string; ownerName: string }[];
  remap: Record<string, string>;
  removedTools: string[];
  expiresAt: number | null;
}

export function generateDemoData(db: Db, options: DemoOptions): DemoSummary {
  const now = options.now;
  const days = options.days ?? DEFAULT_DAYS;
  const rng = new Random(options.seed ?? DEFAULT_DEMO_SEED);
  const daysAgo = (n: number): number => now - Math.round(n * DAY_MS);

  const catalog = loadBuiltinCatalog();
  const prices = new PriceStore(db);
  prices.seedBuiltins(catalog.prices, daysAgo(days + 60));
  const book = new PriceBook(catalog.models, prices.versions());
  const organisation = new OrganisationStore(db);
  const keys = new VirtualKeyStore(db);
  const budgets = new BudgetStore(db, () => 'UTC');
  const content = new ContentStore(db);
  const requestLog = new RequestLog(db, content, { batchSize: 2000, flushDelayMs: 60_000 });
  const audit = new AuditLog(db);
  const auditTrail: { at: number; action: string; targetType: string; targetId: string; after: unknown }[] = [];

  // ---- organisation -------------------------------------------------------------------------------
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  const createOrg = (
    level: OrgLevel,
    ref: string,
    input: { name: string; description?: string; parentId?: string | null; email?: string },
    at: number,
  ): string => {
    const entity = organisation.create(level, input, at);
    ids.set(`${level}:${ref}`, entity.id);
    names.set(entity.id, entity.name);
    const action = level === 'customer' ? 'createCustomer' : level === 'team' ? 'createTeam' : 'createUser';
    auditTrail.push({
      at,
      action,
      targetType: `${level}s`,
      targetId: entity.id,
      after: { [level]: { id: entity.id, name: entity.name } },
    });
    return entity.id;
  };
  const idOf = (level: OrgLevel, ref: string | null | undefined): string | null =>
    ref ? (ids.get(`${level}:${ref}`) ?? null) : null;
  db.transaction(() => {
    CUSTOMERS.forEach((customer, i) => createOrg('customer', customer.ref, customer, daysAgo(75 - i)));
    TEAMS.forEach((team, i) =>
      createOrg('team', team.ref, { ...team, parentId: idOf('customer', team.customer) }, daysAgo(74 - i * 0.5)),
    );
    USERS.forEach((user, i) =>
      createOrg('user', user.ref, { ...user, parentId: idOf('team', user.team) }, daysAgo(72 - i * 0.3)),
    );
  })();

  // ---- keys -------------------------------------------------------------------------------------
  let playgroundKey = '';
  const keyStates = new Map<string, KeyState>();
  db.transaction(() => {
    for (const plan of KEYS) {
      const createdAt = plan.createdDaysAgo === 0 ? now - 60_000 : daysAgo(plan.createdDaysAgo);
      const userId = idOf('user', plan.user);
      const userTeam = USERS.find((user) => user.ref === plan.user)?.team;
      const teamId = idOf('team', plan.team ?? userTeam);
      const customerRef = TEAMS.find((team) => team.ref === (plan.team ?? userTeam))?.customer ?? null;
      const input: VirtualKeyCreate = {
        name: plan.name,
        description: plan.description,
        user_id: userId,
        team_id: teamId,
        capture_content: plan.captureContent,
        ...(plan.expiredDaysAgo !== undefined && { expires_at: iso(daysAgo(plan.expiredDaysAgo)) }),
        ...(plan.policy.allowed_models && { allowed_models: plan.policy.allowed_models }),
        ...(plan.policy.denied_models && { denied_models: plan.policy.denied_models }),
        ...(plan.policy.model_remap && { model_remap: plan.policy.model_remap }),
        ...(plan.policy.tool_policy && { tool_policy: plan.policy.tool_policy }),
        ...(plan.policy.max_concurrent_requests && { max_concurrent_requests: plan.policy.max_concurrent_requests }),
      };
      const created = keys.create(input, createdAt);
      if (plan.ref === 'playground') playgroundKey = created.value;
      if (plan.rateLimit) budgets.applyRateLimit('virtual_key', created.id, plan.rateLimit, createdAt);
      auditTrail.push({
        at: createdAt,
        action: 'createVirtualKey',
        targetType: 'virtual-keys',
        targetId: created.id,
        after: { virtual_key: { id: created.id, name: plan.name, ...plan.policy } },
      });
      if (plan.revokedDaysAgo !== undefined) {
        keys.remove(created.id, daysAgo(plan.revokedDaysAgo));
        auditTrail.push({
          at: daysAgo(plan.revokedDaysAgo),
          action: 'deleteVirtualKey',
          targetType: 'virtual-keys',
          targetId: created.id,
          after: null,
        });
      }
      names.set(created.id, plan.name);
      keyStates.set(plan.ref, {
        plan,
        id: created.id,
        name: plan.name,
        userId,
        teamId,
        customerId: idOf('customer', customerRef),
        budgets: [],
        remap: plan.policy.model_remap ?? {},
        removedTools: ['WebFetch', 'WebSearch'].filter((tool) => plan.policy.tool_policy?.deny?.includes(tool)),
        expiresAt: plan.expiredDaysAgo === undefined ? null : daysAgo(plan.expiredDaysAgo),
      });
    }
  })();

  // ---- traffic, priced --------------------------------------------------------------------------
  const plan = planTraffic(rng.fork('traffic'), KEYS, { now, days });
  const served = (key: KeyState | null, model: string): string => {
    if (!key) return model;
    for (const [pattern, target] of Object.entries(key.remap)) {
      if (pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : model === pattern) return target;
    }
    return model;
  };
  const priceOf = (
    model: string,
    at: number,
    usage: TokenUsage,
  ): { micros: number; priceId: number; estimated: boolean } => {
    const resolution = book.resolve(model, at);
    return {
      micros: costMicros(resolution.version, usage),
      priceId: resolution.version.id,
      estimated: resolution.estimated,
    };
  };
  const keyOf = (request: PlannedRequest): KeyState | null =>
    request.keyRef ? (keyStates.get(request.keyRef) ?? null) : null;
  const plannedCost = (request: PlannedRequest): number => {
    if (request.outcome.kind === 'refused' || request.outcome.kind === 'upstream_error' || request.model === null)
      return 0;
    return priceOf(served(keyOf(request), request.model), request.at, partialUsage(request)).micros;
  };
  const costs = new Map<PlannedRequest, number>(plan.requests.map((request) => [request, plannedCost(request)]));

  // ---- budgets, sized from the traffic ------------------------------------------------------------
  const orgOwners = (
    type: 'customer' | 'team' | 'user',
    entities: readonly { ref: string; name: string; budgets: BudgetPlan[] }[],
  ) =>
    entities.map((entity) => ({
      type,
      ref: entity.ref,
      budgets: entity.budgets,
      id: idOf(type, entity.ref) ?? '',
      name: entity.name,
      level: type,
    }));
  const owners: {
    type: OwnerType;
    ref: string;
    budgets: BudgetPlan[];
    keysOf: (key: KeyState) => boolean;
    id: string;
    name: string;
    level: string;
  }[] = [
    ...orgOwners('customer', CUSTOMERS),
    ...orgOwners('team', TEAMS),
    ...orgOwners('user', USERS),
    ...[...keyStates.values()].map((k) => ({
      type: 'virtual_key' as const,
      ref: k.plan.ref,
      budgets: k.plan.budgets,
      id: k.id,
      name: k.name,
      level: 'virtual key',
    })),
  ].map((owner) => ({
    ...owner,
    keysOf: (key: KeyState): boolean =>
      owner.type === 'customer'
        ? key.customerId === owner.id
        : owner.type === 'team'
          ? key.teamId === owner.id
          : owner.type === 'user'
            ? key.userId === owner.id
            : key.id === owner.id,
  }));

  db.transaction(() => {
    for (const owner of owners) {
      if (owner.budgets.length === 0) continue;
      const requests = plan.requests.filter((request) => {
        const key = keyOf(request);
        return key !== null && owner.keysOf(key);
      });
      const anchor = budgetAnchor(owner.budgets, now, daysAgo(days + 5));
      const inputs = owner.budgets.map((budget) => ({
        max_limit: budget.limitUsd ?? sizeBudget(budget, anchor, now, days, requests, costs),
        reset_duration: budget.reset,
        calendar_aligned: budget.calendar,
      }));
      budgets.applyInput(owner.type, owner.id, { budgets: inputs }, anchor);
      auditTrail.push({
        at: anchor,
        action:
          owner.type === 'virtual_key'
            ? 'updateVirtualKey'
            : `update${owner.type.charAt(0).toUpperCase()}${owner.type.slice(1)}`,
        targetType: owner.type === 'virtual_key' ? 'virtual-keys' : `${owner.type}s`,
        targetId: owner.id,
        after: { budgets: inputs },
      });
      const rules = budgets.rulesFor(owner.type, owner.id);
      for (const key of keyStates.values()) {
        if (owner.keysOf(key))
          key.budgets.push(...rules.map((rule) => ({ rule, level: owner.level, ownerName: owner.name })));
      }
    }
  })();

  // ---- the log, with budgets enforced as the gateway would ----------------------------------------
  const spend = new Map<string, { budgetId: string; periodStart: number; micros: number }>();
  const halted = new Map<PlannedSession, number>();
  const reservedRefusals = new Map<string, number>();
  const rendered = new Map<PlannedRequest, RenderedRequest>();
  const captureFrom = now - CAPTURE_RECENT_MS;
  for (const session of plan.sessions) {
    const key = keyStates.get(session.keyRef);
    if (!key?.plan.captureContent || session.start < captureFrom) continue;
    const userName = USERS.find((user) => user.ref === key.plan.user)?.ref ?? 'ci';
    for (const [request, body] of renderSession(rng.fork(`content:${session.id}`), session, userName, (model) =>
      served(key, model),
    ))
      rendered.set(request, body);
  }

  let written = 0;
  let withContent = 0;
  let spendMicros = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  // Each row carries the charges of its cost, as the gateway writes them: budget spend is their sum.
  const write = (record: LogRecord, charges: readonly Charge[] = []): void => {
    requestLog.appendQuietly(record, charges);
    written++;
    if (record.content) withContent++;
    spendMicros += record.cost_micros;
    first = Math.min(first, record.created_at);
    last = Math.max(last, record.created_at);
  };
  const ids32 = rng.fork('request-ids');

  for (const request of plan.requests) {
    const key = keyOf(request);
    const session = request.session;
    if (session && halted.has(session)) {
      const left = halted.get(session) ?? 0;
      if (left <= 0) continue;
      halted.set(session, left - 1);
    }
    let refusal: { reason: RefusalReason; message: string } | null = null;
    let budgetHit: { budgetId: string; periodStart: number }[] = [];
    if (request.outcome.kind === 'refused') {
      refusal = { reason: request.outcome.reason, message: refusalMessage(request.outcome.reason, key, request) };
    } else if (key && request.model !== null) {
      const chain = key.budgets.filter(({ rule }) => rule.anchorMs <= request.at);
      for (const { rule, level, ownerName } of chain) {
        const period = periodAt(rule, request.at);
        const spent = spend.get(`${rule.id}:${period.start}`)?.micros ?? 0;
        if (spent >= rule.maxLimitMicros) {
          refusal = {
            reason: 'budget_exhausted',
            message:
              `Tollgate budget reached: the ${level} "${ownerName}" budget of ${usd(rule.maxLimitMicros)} per ${describe(rule.resetDuration)} ` +
              `has ${usd(spent)} spent. It resets at ${iso(period.end)}. Ask your Tollgate admin for a temporary increase if you need to continue now.`,
          };
          // Claude Code shows the refusal; the person tries once more, then stops for now.
          if (session && !halted.has(session)) halted.set(session, 1);
          break;
        }
        // Close to the limit, a parallel request is sometimes turned away while another one holds the rest.
        const reservedSoFar = reservedRefusals.get(rule.id) ?? 0;
        if (spent > rule.maxLimitMicros * 0.93 && reservedSoFar < 2 && ids32.chance(0.2)) {
          reservedRefusals.set(rule.id, reservedSoFar + 1);
          const left = rule.maxLimitMicros - spent;
          write(
            logRecord(
              ids32,
              { ...request, at: request.at - 800, outcome: { kind: 'refused', reason: 'budget_reserved' } },
              key,
              served,
              priceOf,
              {
                reason: 'budget_reserved',
                message:
                  `Tollgate budget nearly reached: the ${level} "${ownerName}" budget of ${usd(rule.maxLimitMicros)} per ${describe(rule.resetDuration)} ` +
                  `has ${usd(left)} left, and 1 running request may still use up to ${usd(Math.round(left * 0.9))} of it; this one could cost up to ${usd(Math.round(left * 0.6))}. ` +
                  `Try again when they finish; the budget resets at ${iso(period.end)}.`,
              },
              0,
              rendered.get(request),
            ),
          );
        }
        budgetHit.push({ budgetId: rule.id, periodStart: period.start });
      }
      if (refusal) budgetHit = [];
    }
    const cost = refusal ? 0 : (costs.get(request) ?? 0);
    const body = rendered.get(request);
    write(logRecord(ids32, request, key, served, priceOf, refusal, cost, body), cost > 0 ? budgetHit : []);
    if (cost > 0) {
      for (const hit of budgetHit) {
        const id = `${hit.budgetId}:${hit.periodStart}`;
        const entry = spend.get(id) ?? { ...hit, micros: 0 };
        entry.micros += cost;
        spend.set(id, entry);
      }
    }
  }
  requestLog.close();

  db.transaction(() => {
    // A temporary increase for the Web team's checkout launch.
    const web = idOf('team', 'web');
    const rule = web ? budgets.rulesFor('team', web)[0] : undefined;
    if (rule) {
      const period = periodAt(rule, now);
      const grantAt = Math.max(period.start, daysAgo(3));
      const grant = budgets.addGrant({
        budgetId: rule.id,
        amountMicros: 100_000_000,
        expiresAt: period.end,
        sessionId: null,
        reason: 'Checkout launch week: agreed with finance',
        createdBy: 'admin',
        createdAt: grantAt,
      });
      auditTrail.push({
        at: grantAt,
        action: 'grantBudgetIncrease',
        targetType: 'budgets',
        targetId: rule.id,
        after: { grant: { id: grant.id, amount: 100, reason: grant.reason } },
      });
    }
    auditTrail.sort((a, b) => a.at - b.at);
    for (const entry of auditTrail) {
      audit.record(
        {
          actor: 'admin',
          action: entry.action,
          targetType: entry.targetType,
          targetId: entry.targetId,
          after: entry.after,
          address: ADMIN_ADDRESS,
        },
        entry.at,
      );
    }
  })();

  return {
    customers: CUSTOMERS.length,
    teams: TEAMS.length,
    users: USERS.length,
    keys: KEYS.length,
    sessions: plan.sessions.length,
    requests: written,
    requestsWithContent: withContent,
    spendUsd: microsToUsd(spendMicros),
    firstRequestAt: first,
    lastRequestAt: last,
    playgroundKey,
  };
}

/**
 * When an owner's budgets were set. A counted budget was set `elapsed` of a period ago, so its first
 * period is the current one; calendar budgets have been in place since before the month of traffic.
 */
function budgetAnchor(plans: readonly BudgetPlan[], now: number, fallback: number): number {
  const counted = plans.find((plan) => !plan.calendar && plan.elapsed !== undefined);
  if (counted?.elapsed === undefined) return fallback;
  return now - Math.round(counted.elapsed * periodLengthMs(counted.reset));
}

function periodLengthMs(reset: BudgetPlan['reset']): number {
  return reset === '1d' ? DAY_MS : reset === '1w' ? 7 * DAY_MS : 30.4 * DAY_MS;
}

/** A limit in whole dollars (two significant figures) that puts the owner's spend at the plan's target. */
function sizeBudget(
  budget: BudgetPlan,
  anchor: number,
  now: number,
  days: number,
  requests: readonly PlannedRequest[],
  costs: ReadonlyMap<PlannedRequest, number>,
): number {
  const rule = { resetDuration: budget.reset, calendarAligned: budget.calendar, timeZone: 'UTC', anchorMs: anchor };
  let reference: number;
  if (budget.calendar) {
    // Calendar periods: the busiest whole period of the month, so a healthy budget stays healthy on a busy
    // day; a month has no whole month in it, so that is the month's average pace over a whole period.
    const windowStart = now - days * DAY_MS;
    const byPeriod = new Map<number, number>();
    for (const request of requests) {
      const period = periodAt(rule, request.at);
      if (period.start >= windowStart && period.end <= now)
        byPeriod.set(period.start, (byPeriod.get(period.start) ?? 0) + (costs.get(request) ?? 0));
    }
    const total = requests.reduce((sum, request) => sum + (costs.get(request) ?? 0), 0);
    reference =
      byPeriod.size > 0 ? Math.max(...byPeriod.values()) : (total / days) * (periodLengthMs(budget.reset) / DAY_MS);
  } else {
    const period = periodAt(rule, now);
    reference = requests.reduce(
      (sum, request) => sum + (request.at >= period.start ? (costs.get(request) ?? 0) : 0),
      0,
    );
  }
  const usdNeeded = microsToUsd(reference) / Math.max(budget.target, 0.01);
  if (usdNeeded < 1) return 5;
  const magnitude = 10 ** (Math.floor(Math.log10(usdNeeded)) - 1);
  return (budget.target > 1 ? Math.floor(usdNeeded / magnitude) : Math.ceil(usdNeeded / magnitude)) * magnitude;
}

/** The usage a request was charged for: all of it, or what arrived before the stream stopped. */
function partialUsage(request: PlannedRequest): TokenUsage {
  if (request.outcome.kind === 'success') return request.usage;
  if (request.outcome.kind === 'aborted' || request.outcome.kind === 'stream_error') {
    return { ...request.usage, output_tokens: Math.round(request.usage.output_tokens * request.completed) };
  }
  return emptyUsage();
}

const usd = (micros: number): string => `$${(micros / 1_000_000).toFixed(2)}`;
const describe = (reset: string): string => ({ '1d': 'day', '1w': 'week', '1M': 'month' })[reset] ?? reset;

const REFUSAL_STATUS: Record<RefusalReason, { status: number; type: string }> = {
  key_missing: { status: 401, type: 'authentication_error' },
  key_unknown: { status: 401, type: 'authentication_error' },
  key_revoked: { status: 401, type: 'authentication_error' },
  key_expired: { status: 401, type: 'authentication_error' },
  model_denied: { status: 400, type: 'invalid_request_error' },
  tool_denied: { status: 400, type: 'invalid_request_error' },
  rate_limit: { status: 429, type: 'rate_limit_error' },
  concurrency_limit: { status: 429, type: 'rate_limit_error' },
  budget_exhausted: { status: 402, type: 'billing_error' },
  budget_reserved: { status: 402, type: 'billing_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  too_large: { status: 413, type: 'request_too_large' },
};

/** The gateway's own wording for each refusal. */
function refusalMessage(reason: RefusalReason, key: KeyState | null, request: PlannedRequest): string {
  const name = key?.name ?? '';
  switch (reason) {
    case 'key_missing':
      return 'No Tollgate virtual key was sent. Set ANTHROPIC_AUTH_TOKEN to your sk-tg-… key (or send it in x-api-key or x-tollgate-key).';
    case 'key_unknown':
      return 'The key sk-ant…Qw8A is not a Tollgate virtual key. Ask your Tollgate admin for a key (sk-tg-…) and set it as ANTHROPIC_AUTH_TOKEN.';
    case 'key_revoked':
      return `The Tollgate virtual key "${name}" has been revoked or disabled. Ask your Tollgate admin for a new key.`;
    case 'key_expired':
      return `The Tollgate virtual key "${name}" expired at ${iso(key?.expiresAt ?? request.at)}. Ask your Tollgate admin to extend it or for a new key.`;
    case 'model_denied': {
      const rule = key?.plan.policy.denied_models?.[0];
      return rule
        ? `Model "${request.model ?? ''}" is denied for virtual key "${name}" by the rule "${rule}".`
        : `Model "${request.model ?? ''}" is not allowed for virtual key "${name}"; allowed models: ${(key?.plan.policy.allowed_models ?? []).map((p) => `"${p}"`).join(', ')}.`;
    }
    case 'tool_denied':
      return `The tool policy of key "${name}" removes every tool this request offers (WebFetch, WebSearch), but the conversation already contains tool calls, so it cannot continue without tools. Ask your Tollgate admin to allow the tools you need.`;
    case 'rate_limit': {
      const limit = key?.plan.rateLimit;
      const seconds = 1 + (request.at % 17);
      return `Tollgate rate limit: this key allows ${limit?.request_max_limit ?? 60} requests per ${limit?.request_reset_duration ?? '1m'}. Room again at ${iso(request.at + seconds * 1000)} (in ${seconds} s).`;
    }
    case 'concurrency_limit': {
      const cap = key?.plan.policy.max_concurrent_requests ?? 1;
      return `The key "${name}" allows ${cap} requests at a time and ${cap} are running; retrying in a moment.`;
    }
    case 'invalid_request':
      return 'The request body is not valid JSON (Unexpected end of JSON input).';
    case 'too_large':
      return "The request body is larger than Tollgate's limit of 32 MB. Shorten the conversation or attachments.";
    case 'budget_exhausted':
    case 'budget_reserved':
      return 'Tollgate budget reached.';
  }
}

function logRecord(
  rng: Random,
  request: PlannedRequest,
  key: KeyState | null,
  served: (key: KeyState | null, model: string) => string,
  priceOf: (model: string, at: number, usage: TokenUsage) => { micros: number; priceId: number; estimated: boolean },
  refusal: { reason: RefusalReason; message: string } | null,
  cost: number,
  body: RenderedRequest | undefined,
): LogRecord {
  const outcome = request.outcome;
  const forwarded = refusal === null;
  const model =
    request.model === null
      ? null
      : forwarded && outcome.kind !== 'upstream_error'
        ? served(key, request.model)
        : request.model;
  const usage = forwarded ? partialUsage(request) : emptyUsage();
  const price = model === null ? null : priceOf(model, request.at, usage);
  const promptTokens =
    request.usage.input_tokens + request.usage.cache_read_input_tokens + request.usage.cache_creation_input_tokens;
  const requestBytes =
    refusal?.reason === 'too_large'
      ? 0
      : refusal?.reason === 'invalid_request'
        ? 214
        : (body?.body.length ?? Math.round(promptTokens * 3.6));
  const succeeded = forwarded && outcome.kind === 'success';
  const partial = forwarded && (outcome.kind === 'aborted' || outcome.kind === 'stream_error');
  const status = refusal ? REFUSAL_STATUS[refusal.reason] : null;
  const toolNames = succeeded
    ? request.tools.map((tool) => tool.name)
    : partial
      ? request.tools.slice(0, Math.floor(request.tools.length * request.completed)).map((tool) => tool.name)
      : [];

  let statusFields: Pick<LogRecord, 'status' | 'status_code' | 'error_type' | 'error_message'>;
  if (refusal && status)
    statusFields = {
      status: 'blocked',
      status_code: status.status,
      error_type: status.type,
      error_message: refusal.message,
    };
  else if (outcome.kind === 'upstream_error')
    statusFields = {
      status: 'error',
      status_code: outcome.statusCode,
      error_type: outcome.errorType,
      error_message: outcome.message,
    };
  else if (outcome.kind === 'stream_error')
    statusFields = { status: 'error', status_code: 200, error_type: outcome.errorType, error_message: outcome.message };
  else if (outcome.kind === 'aborted')
    statusFields = {
      status: 'aborted',
      status_code: 499,
      error_type: 'client_closed_request',
      error_message: 'The client disconnected before the response was complete.',
    };
  else statusFields = { status: 'success', status_code: 200, error_type: null, error_message: null };

  const captured =
    body && key?.plan.captureContent && refusal?.reason !== 'too_large' && refusal?.reason !== 'invalid_request';
  return {
    request_id: `req_tg_${rng.hex(32)}`,
    created_at: request.at,
    virtual_key_id: key?.id ?? null,
    virtual_key_name: key?.name ?? null,
    user_id: key?.userId ?? null,
    team_id: key?.teamId ?? null,
    customer_id: key?.customerId ?? null,
    session_id: request.sessionId,
    client: request.client,
    method: 'POST',
    path: '/v1/messages?beta=true',
    endpoint: 'messages',
    model,
    provider: 'anthropic',
    ...statusFields,
    stream: request.stream,
    usage,
    cost_micros: cost,
    cost_estimated: price?.estimated ?? false,
    price_id: price?.priceId ?? null,
    latency_ms: forwarded ? request.durationMs : rng.int(0, 3),
    ttfb_ms: forwarded ? request.ttfbMs : null,
    stop_reason: succeeded ? (request.tools.length ? 'tool_use' : 'end_turn') : null,
    tool_names: toolNames,
    request_bytes: requestBytes,
    response_bytes: !forwarded
      ? 0
      : outcome.kind === 'upstream_error'
        ? rng.int(110, 420)
        : Math.round(usage.output_tokens * 9 + 1400),
    upstream_request_id: forwarded ? `req_011C${rng.base62(20)}` : null,
    refusal_reason: refusal?.reason ?? null,
    requested_model: request.model,
    removed_tools: forwarded && key && request.role === 'main' ? key.removedTools : [],
    usage_by_model: [],
    ...(captured && {
      content: { request: { body: body.body, parsed: body.parsed }, response: forwarded ? body.response : null },
    }),
  };
}
