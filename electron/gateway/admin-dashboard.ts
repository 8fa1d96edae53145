// Admin handlers behind the dashboard: overview statistics, spend over time, a session's timeline,
// key rotation and provider connection tests. Figures are summed by SQL in the request log (and, for
// what each person's Claude Code did, in the telemetry store); this module turns the calendar of the
// chosen time zone into instants and the sums into the API's shapes.
import { performance } from 'node:perf_hooks';
import type { RouteQuery, RouteResponse } from '../../shared/contract.js';
import { periodAt, type Period } from '../governance/periods.js';
import type { BudgetRule } from '../governance/types.js';
import { microsToUsd, usdToMicros } from '../pricing/cost.js';
import { SPEND_SLOT_MS, type SpendSlotRow } from '../store/request-log.js';
import type { ProviderRoute } from '../store/providers.js';
import type { PersonActivity } from '../store/telemetry.js';
import { authHeaderOf, providerLabel } from '../upstream/router.js';
import { iso } from '../store/time.js';
import { governanceHandlers } from './admin-governance.js';
import type { GatewayContext } from './context.js';
import { notFound } from './errors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Named series in the spend chart; the rest are added up as "Other". */
const NAMED_GROUPS = 8;
const MAX_BUCKETS = 2_000;
const TOP_SESSIONS = 10;
/** People listed on the overview, most spend first. */
const TOP_PEOPLE = 20;
const PROVIDER_TEST_TIMEOUT_MS = 15_000;

export const NO_GROUP_ID = '(none)';
export const OTHER_GROUP_ID = '(other)';

type Group = 'team' | 'key' | 'model';

/** The calendar day, week (from Monday) or month of `zone` that contains `at`. */
export function localPeriod(unit: '1h' | '1d' | '1w' | '1M', zone: string, at: number): Period {
  return periodAt({ resetDuration: unit, calendarAligned: true, timeZone: zone, anchorMs: 0 }, at);
}

/** Level and name of a budget's owner, as the usage endpoint words them; null when the owner is gone. */
function ownerOf(ctx: GatewayContext, rule: BudgetRule): { level: string; owner_name: string } | null {
  switch (rule.ownerType) {
    case 'customer':
    case 'team':
    case 'user': {
      const entity = ctx.organisation.get(rule.ownerType, rule.ownerId);
      return entity && { level: rule.ownerType, owner_name: entity.name };
    }
    case 'virtual_key': {
      const key = ctx.keys.get(rule.ownerId);
      return key && { level: 'virtual key', owner_name: key.name };
    }
    case 'provider_config': {
      const config = ctx.keys.providerConfig(Number(rule.ownerId));
      const key = config && ctx.keys.get(config.keyId);
      return key && config && { level: 'provider config', owner_name: `${key.name} (${config.provider})` };
    }
  }
}

/** Every budget with its owner, how full it is and where its period ends at the current pace, fullest first. */
export function budgetHealth(ctx: GatewayContext, at: number): RouteResponse<'getOverview'>['budget_health'] {
  return ctx.budgets
    .allRules()
    .flatMap((rule) => {
      const owner = ownerOf(ctx, rule);
      if (!owner) return [];
      const budget = ctx.ledger.describeBudget(rule, at);
      const period = periodAt(rule, at);
      const capMicros = rule.maxLimitMicros + usdToMicros(budget.granted);
      const spentMicros = usdToMicros(budget.current_usage);
      // Linear pace over the elapsed part of the period; the first hour counts as elapsed so that a
      // request in the period's first seconds does not project to thousands of dollars.
      const length = period.end - period.start;
      const elapsed = Math.min(length, Math.max(at - period.start, Math.min(HOUR, length)));
      const projectedMicros = Math.round((spentMicros * length) / elapsed);
      return [
        {
          ...budget,
          ...owner,
          used_fraction: capMicros > 0 ? spentMicros / capMicros : spentMicros > 0 ? 1 : 0,
          projected_usage: microsToUsd(projectedMicros),
          will_cross: projectedMicros > capMicros,
        },
      ];
    })
    .sort((a, b) => b.used_fraction - a.used_fraction);
}

export interface GroupTotal {
  id: string;
  micros: number;
  /** The key's most recent name in the range, when grouping by key. */
  name: string | null;
}

/** Adds spend slots up per group, biggest first (ties by id, so the order is stable). */
export function totalsByGroup(slots: readonly SpendSlotRow[]): GroupTotal[] {
  const totals = new Map<string, { micros: number; name: string | null; lastSlot: number }>();
  for (const slot of slots) {
    const id = slot.group_id ?? NO_GROUP_ID;
    const total = totals.get(id) ?? { micros: 0, name: null, lastSlot: -1 };
    total.micros += slot.cost_micros;
    if (slot.slot > total.lastSlot && slot.key_name !== null) {
      total.name = slot.key_name;
      total.lastSlot = slot.slot;
    }
    totals.set(id, total);
  }
  return [...totals]
    .map(([id, total]) => ({ id, micros: total.micros, name: total.name }))
    .sort((a, b) => b.micros - a.micros || a.id.localeCompare(b.id));
}

export function dashboardHandlers(ctx: GatewayContext) {
  const now = (): number => ctx.clock();
  const governance = governanceHandlers(ctx);
  const zoneOf = (query: { tz?: string | undefined }): string => query.tz ?? ctx.settings.config.budget_time_zone;

  const spendSeries = (query: RouteQuery<'getSpendSeries'>): RouteResponse<'getSpendSeries'> => {
    const zone = zoneOf(query);
    const unit = query.bucket === 'hour' ? '1h' : '1d';
    const at = now();
    const end = query.end === undefined ? localPeriod(unit, zone, at).end : toMs(query.end);
    const defaultStart = query.bucket === 'hour' ? end - 48 * HOUR : end - 30 * DAY;
    const start = localPeriod(unit, zone, query.start === undefined ? defaultStart : toMs(query.start)).start;
    if (!(start < end)) throw new RangeError('start: must be before end.');
    const starts: number[] = [];
    for (let cursor = start; cursor < end; cursor = localPeriod(unit, zone, cursor).end) {
      if (starts.length >= MAX_BUCKETS) {
        throw new RangeError(
          `The range holds more than ${MAX_BUCKETS} ${query.bucket}s; narrow it or use a larger bucket.`,
        );
      }
      starts.push(cursor);
    }

    const slots = ctx.requestLog.spendBySlot(query.group, start, end);
    const ranked = totalsByGroup(slots);
    const named = ranked.slice(0, NAMED_GROUPS);
    const rest = ranked.slice(NAMED_GROUPS);
    const seriesOf = new Map<string, string>(named.map(({ id }) => [id, id]));
    for (const { id } of rest) seriesOf.set(id, OTHER_GROUP_ID);
    const groups = named.map((total) => ({
      id: total.id,
      name: groupName(ctx, query.group, total.id, total.name),
      total: microsToUsd(total.micros),
    }));
    if (rest.length) {
      groups.push({
        id: OTHER_GROUP_ID,
        name: 'Other',
        total: microsToUsd(rest.reduce((sum, total) => sum + total.micros, 0)),
      });
    }

    const values = starts.map(() => new Map<string, number>(groups.map((group) => [group.id, 0])));
    for (const slot of slots) {
      const index = bucketIndex(starts, slot);
      const series = seriesOf.get(slot.group_id ?? NO_GROUP_ID);
      const bucket = values[index];
      if (bucket && series !== undefined) bucket.set(series, (bucket.get(series) ?? 0) + slot.cost_micros);
    }
    return {
      bucket: query.bucket,
      group: query.group,
      groups,
      points: starts.map((bucketStart, i) => ({
        start: iso(bucketStart),
        values: Object.fromEntries([...(values[i] ?? [])].map(([id, micros]) => [id, microsToUsd(micros)])),
      })),
    };
  };

  return {
    getOverview: ({ query }: { query: RouteQuery<'getOverview'> }): RouteResponse<'getOverview'> => {
      const zone = zoneOf(query);
      const at = now();
      const day = localPeriod('1d', zone, at).start;
      const week = localPeriod('1w', zone, at).start;
      const month = localPeriod('1M', zone, at).start;
      const to = at + 1;
      const totals = ctx.requestLog.periodTotals({ day, week, month, to });
      const outcomes = ctx.requestLog.outcomes(month, to);
      // The people query reads the request log's rows as written: none may still be queued.
      ctx.requestLog.flush();
      const people = ctx.telemetry.activityByPerson(month, to, TOP_PEOPLE);
      return {
        time_zone: zone,
        spend: {
          today: microsToUsd(totals.cost.day),
          week: microsToUsd(totals.cost.week),
          month: microsToUsd(totals.cost.month),
        },
        requests: { today: totals.requests.day, week: totals.requests.week, month: totals.requests.month },
        budget_health: budgetHealth(ctx, at),
        top_sessions: ctx.requestLog.topSessions(month, to, TOP_SESSIONS).map((session) => ({
          session_id: session.session_id,
          virtual_key_name: session.virtual_key_name,
          requests: session.requests,
          cost: microsToUsd(session.cost_micros),
          last_at: iso(session.last_at),
        })),
        cache: {
          read_share: totals.promptTokens > 0 ? totals.cacheReadTokens / totals.promptTokens : 0,
          saved: microsToUsd(totals.cacheSavedMicros),
        },
        refusals: outcomes.refusals,
        errors: outcomes.errors,
        people: people.map((person) => ({
          kind: person.kind,
          id: person.id,
          name: personName(ctx, person),
          spend: microsToUsd(person.costMicros),
          requests: person.requests,
          lines_added: person.linesAdded,
          lines_removed: person.linesRemoved,
          commits: person.commits,
          pull_requests: person.pullRequests,
          active_time_seconds: person.activeTimeSeconds,
        })),
      };
    },

    getSpendSeries: ({ query }: { query: RouteQuery<'getSpendSeries'> }) => spendSeries(query),

    getSessionTimeline: ({ params }: { params: { id: string } }): RouteResponse<'getSessionTimeline'> => {
      const entries = ctx.requestLog.sessionEntries(params.id);
      const summary = ctx.requestLog.session(params.id);
      if (!summary || entries.length === 0) throw notFound(`No requests were logged for session ${params.id}.`);
      let running = 0;
      return {
        ...summary,
        entries: entries.map((entry) => {
          running += entry.cost_micros;
          return { ...entry, running_cost: microsToUsd(running) };
        }),
      };
    },

    rotateVirtualKey: ({ params }: { params: { id: string } }): RouteResponse<'rotateVirtualKey'> => {
      const rotated = ctx.keys.rotate(params.id, now());
      if (!rotated) throw notFound(`No virtual key with id ${params.id}.`);
      const { virtual_key } = governance.getVirtualKey({ params });
      return {
        message:
          'Virtual key rotated: copy its new value now, it is not shown again. The old value is refused from the next request; budgets, limits and policy are unchanged.',
        virtual_key: { ...virtual_key, value: rotated.value },
      };
    },

    testProvider: async ({ params }: { params: { provider: string } }): Promise<RouteResponse<'testProvider'>> => {
      // Anthropic is always there to test, configured or not: without a key the test says so.
      const route =
        ctx.providers.routes().find((entry) => entry.name === params.provider) ??
        (params.provider === 'anthropic'
          ? {
              name: 'anthropic',
              type: 'anthropic' as const,
              baseUrl: ctx.providers.baseUrl('anthropic'),
              modelsMap: {},
              priceMultiplier: 1,
              keys: [],
            }
          : null);
      if (!route) throw notFound(`Provider ${params.provider} is not configured.`);
      return testProvider(ctx, route);
    },
  };
}

/** GET /v1/models?limit=1 with the provider's first usable key: proves the address, the network and the key. */
async function testProvider(ctx: GatewayContext, route: ProviderRoute): Promise<RouteResponse<'testProvider'>> {
  const label = providerLabel(route);
  const Label = label.charAt(0).toUpperCase() + label.slice(1);
  const header = authHeaderOf(route.type);
  if (!header) {
    return {
      ok: false,
      status: null,
      latency_ms: 0,
      message: `Tollgate cannot send requests to ${route.type} providers in this version.`,
    };
  }
  const key = route.keys.map((entry) => entry.secret()).find((secret): secret is string => Boolean(secret));
  const target = { baseUrl: route.baseUrl, apiKey: key ?? null };
  if (!target.apiKey) {
    return {
      ok: false,
      status: null,
      latency_ms: 0,
      message:
        route.type === 'anthropic'
          ? 'No Anthropic API key is configured (or its environment variable is unset), so only clients signed in with their own Claude account can get through. Add a key to test the connection.'
          : `${Label} has no key (or its environment variable is unset). Add a key to test the connection.`,
    };
  }
  const base = new URL(target.baseUrl);
  const address = `${base.origin}${base.pathname.replace(/\/$/, '')}`;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    const response = await ctx.dispatcher.request({
      origin: base.origin,
      path: `${base.pathname.replace(/\/$/, '')}/v1/models?limit=1`,
      method: 'GET',
      headers: { [header]: target.apiKey, 'anthropic-version': '2023-06-01', accept: 'application/json' },
      signal: AbortSignal.timeout(PROVIDER_TEST_TIMEOUT_MS),
    });
    const text = await response.body.text();
    const latency = elapsed();
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      return {
        ok: true,
        status,
        latency_ms: latency,
        message: `Connected: ${label} answered ${status} in ${latency} ms.`,
      };
    }
    const detail = upstreamMessage(text);
    const message =
      status === 401 || status === 403
        ? `${Label} refused the key (${status}): ${detail}`
        : `${Label} at ${address} answered ${status}: ${detail}`;
    return { ok: false, status, latency_ms: latency, message };
  } catch (error) {
    return {
      ok: false,
      status: null,
      latency_ms: elapsed(),
      message: `Could not reach ${address}: ${networkError(error)}`,
    };
  }
}

/** The `error.message` of an Anthropic error envelope, or the start of whatever else came back. */
function upstreamMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const error = parsed.error;
      if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
        return error.message;
      }
    }
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200) || 'no details in the answer';
}

function networkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${PROVIDER_TEST_TIMEOUT_MS / 1000} s`;
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as NodeJS.ErrnoException).code;
  const cause = error.cause instanceof Error ? error.cause : null;
  const causeCode = cause ? (cause as NodeJS.ErrnoException).code : undefined;
  if (code && !code.startsWith('UND_ERR')) return code;
  if (causeCode) return causeCode;
  return cause?.message ?? error.message;
}

export function groupName(ctx: GatewayContext, group: Group, id: string, keyName: string | null): string {
  if (id === NO_GROUP_ID) return group === 'team' ? 'No team' : group === 'key' ? 'No key' : 'No model';
  if (group === 'team') return ctx.organisation.get('team', id)?.name ?? `Deleted team ${id.slice(0, 8)}`;
  if (group === 'key') return keyName ?? ctx.keys.get(id)?.name ?? `Key ${id.slice(0, 8)}`;
  return id;
}

/** A user's name, or a key's (as it is now, else as its last request in the period had it). */
function personName(ctx: GatewayContext, person: PersonActivity): string {
  if (person.kind === 'user')
    return ctx.organisation.get('user', person.id)?.name ?? `Deleted user ${person.id.slice(0, 8)}`;
  return ctx.keys.get(person.id)?.name ?? person.keyName ?? `Key ${person.id.slice(0, 8)}`;
}

/** The bucket a slot falls in: buckets start on slot boundaries, so the last start at or before it. */
function bucketIndex(starts: readonly number[], slot: SpendSlotRow): number {
  const at = slot.slot * SPEND_SLOT_MS;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((starts[middle] ?? Infinity) <= at) low = middle;
    else high = middle - 1;
  }
  return low;
}

function toMs(value: number | string): number {
  return typeof value === 'number' ? value : Date.parse(value);
}
