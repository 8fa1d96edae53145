// When Tollgate tells the user something unasked: a pure function of what it remembers from earlier
// polls, what it sees now (the gateway status and the refusals logged since the last poll), the
// notification switches and the clock. It returns the notifications to show and the new memory; the
// notifier (notifier.ts) does the polling and the showing.
//
// A rule that is switched off still updates the memory as if it had spoken, so switching it back on
// does not replay what happened while it was off. The store rule has no switch: a store that cannot
// write refuses requests and holds rows in memory, which the user must hear about.
import { STATUS_PENDING_SIGN_INS_MAX, type GatewayStatus, type NotificationSettings } from '../../shared/schemas.js';
import type { KeyRefusals } from '../store/request-log.js';
import {
  budgetTitle,
  formatBudgetFigures,
  personText,
  refusalReasonText,
  signInPerson,
  type BudgetWarning,
  type PendingSignIn,
} from './format.js';
import { UPSTREAM_FAILING, type DashboardLink } from './tray-menu.js';

/** Refusals of one key within this window… */
export const REFUSAL_WINDOW_MS = 10 * 60_000;
/** …at least this many of them… */
export const REFUSAL_THRESHOLD = 5;
/** …notify, and not again for that key within this long. */
export const REFUSAL_QUIET_MS = 60 * 60_000;
/** New sign-ins in one poll announced one by one; more than this are announced together. */
export const SIGN_INS_ANNOUNCED_SINGLY = 3;
/** Sign-in ids remembered at most, however many the status lists over time. */
export const SIGN_IN_MEMORY_MAX = 1_000;

export type NotificationKind =
  | 'budget_80'
  | 'budget_100'
  | 'key_refusals'
  | 'upstream_failing'
  | 'upstream_recovered'
  | 'store_unwritable'
  | 'store_recovered'
  | 'sign_in_pending';

export interface Notification {
  kind: NotificationKind;
  title: string;
  body: string;
  /** Identifies what the notification is about (one budget crossing, one outage…), for de-duplication. */
  key: string;
  /** Where in the dashboard a click leads; without it a click opens the dashboard as it was. */
  link?: DashboardLink;
}

export interface Observation {
  status: Pick<GatewayStatus, 'budget_warnings' | 'upstream' | 'store' | 'pending_sign_ins'>;
  /** Refusals per key logged since the previous observation. */
  refusals: readonly Pick<KeyRefusals, 'virtual_key_id' | 'virtual_key_name' | 'count' | 'reasons'>[];
}

interface BudgetMemory {
  /** The highest threshold already announced in this period. */
  announced: 80 | 100;
  /** Usage at the last poll: a drop means the period reset (or the spend was corrected). */
  usage: number;
  /** The period's start as the status says it. */
  period_start: string;
}

interface KeyMemory {
  name: string | null;
  /** Refusals seen per poll within the window, oldest first. */
  seen: { at: number; reasons: Record<string, number> }[];
  announced_at: number | null;
}

export interface NotifierMemory {
  budgets: Record<string, BudgetMemory>;
  keys: Record<string, KeyMemory>;
  /** True from the announced start of an upstream outage until it recovers. */
  upstream_outage: boolean;
  /** True from the announcement that the store cannot write until it can again. */
  store_unwritable: boolean;
  /** Sign-ins already announced, by id: when each one's code expires (epoch ms). */
  sign_ins: Record<string, number>;
}

export function initialMemory(): NotifierMemory {
  return { budgets: {}, keys: {}, upstream_outage: false, store_unwritable: false, sign_ins: {} };
}

export function evaluateNotifications(
  memory: NotifierMemory,
  observation: Observation,
  settings: NotificationSettings,
  now: number,
): { notifications: Notification[]; memory: NotifierMemory } {
  const budgets = budgetRule(memory.budgets, observation.status.budget_warnings);
  const keys = refusalRule(memory.keys, observation.refusals, now);
  const upstream = upstreamRule(memory.upstream_outage, observation.status.upstream, now);
  const store = storeRule(memory.store_unwritable, observation.status.store, now);
  const signIns = signInRule(memory.sign_ins, observation.status.pending_sign_ins, now);
  return {
    notifications: [
      ...store.notifications,
      ...(settings.budget_thresholds ? budgets.notifications : []),
      ...(settings.key_refusals ? keys.notifications : []),
      ...(settings.upstream_failures ? upstream.notifications : []),
      ...(settings.sign_ins ? signIns.notifications : []),
    ],
    memory: {
      budgets: budgets.memory,
      keys: keys.memory,
      upstream_outage: upstream.outage,
      store_unwritable: store.unwritable,
      sign_ins: signIns.memory,
    },
  };
}

// ---- budgets at 80 % and 100 % ---------------------------------------------------------------------

/**
 * The status lists budgets at 80 % or more. A budget announces each threshold once per period: it is
 * forgotten when it leaves the list (its period reset, or its limit was raised), or when its usage
 * drops or its period start changes between two polls, and announces again when it crosses again.
 * A budget first seen at 100 % announces only that.
 */
function budgetRule(
  memory: Record<string, BudgetMemory>,
  warnings: readonly BudgetWarning[],
): { notifications: Notification[]; memory: Record<string, BudgetMemory> } {
  const notifications: Notification[] = [];
  const next: Record<string, BudgetMemory> = {};
  for (const warning of warnings) {
    const known = memory[warning.budget_id];
    const samePeriod =
      known !== undefined && warning.current_usage >= known.usage && known.period_start === warning.period_start;
    const announced = samePeriod ? known.announced : null;
    const level = warning.used_fraction >= 1 ? 100 : 80;
    if (announced === null || level > announced) notifications.push(budgetNotification(warning, level));
    next[warning.budget_id] = {
      announced: announced === null ? level : (Math.max(announced, level) as 80 | 100),
      usage: warning.current_usage,
      period_start: warning.period_start,
    };
  }
  return { notifications, memory: next };
}

/** The key names the budget period by its start, so each crossing in each period is its own. */
function budgetNotification(warning: BudgetWarning, level: 80 | 100): Notification {
  const title = budgetTitle(warning);
  const figures = formatBudgetFigures(warning.current_usage, warning.max_limit);
  const key = `budget:${warning.budget_id}:${level}:${warning.period_start}`;
  return level === 100
    ? {
        kind: 'budget_100',
        title,
        body: `${figures} used. Requests it covers are refused until it resets or an admin raises it.`,
        key,
      }
    : {
        kind: 'budget_80',
        title,
        body: `${figures} used this period.`,
        key,
      };
}

// ---- a key refused again and again -----------------------------------------------------------------

const NO_KEY = '(no key)';
/** Refusals the admin asked for: a paused gateway refuses everyone, which is no news about a key. */
const UNREMARKABLE_REASONS = new Set(['paused']);

function refusalRule(
  memory: Record<string, KeyMemory>,
  refusals: Observation['refusals'],
  now: number,
): { notifications: Notification[]; memory: Record<string, KeyMemory> } {
  const next: Record<string, KeyMemory> = {};
  for (const [id, key] of Object.entries(memory)) {
    next[id] = { ...key, seen: key.seen.filter((poll) => poll.at > now - REFUSAL_WINDOW_MS) };
  }
  for (const refused of refusals) {
    const reasons = refused.reasons.filter((r) => !UNREMARKABLE_REASONS.has(r.reason));
    if (reasons.length === 0) continue;
    const id = refused.virtual_key_id ?? NO_KEY;
    const key = (next[id] ??= { name: null, seen: [], announced_at: null });
    key.name = refused.virtual_key_name ?? key.name;
    key.seen = [...key.seen, { at: now, reasons: Object.fromEntries(reasons.map((r) => [r.reason, r.count])) }];
  }

  const notifications: Notification[] = [];
  for (const [id, key] of Object.entries(next)) {
    const quiet = key.announced_at !== null && now - key.announced_at < REFUSAL_QUIET_MS;
    const reasons = tally(key.seen);
    const count = reasons.reduce((sum, [, n]) => sum + n, 0);
    if (!quiet && count >= REFUSAL_THRESHOLD) {
      key.announced_at = now;
      notifications.push(refusalNotification(id, key.name, count, reasons[0]?.[0] ?? 'unknown', now));
    }
    // Forget keys with nothing in the window once their quiet hour is over.
    if (key.seen.length === 0 && !quiet) delete next[id];
  }
  return { notifications, memory: next };
}

/** Refusals per reason over the window, most frequent first (ties alphabetical). */
function tally(seen: KeyMemory['seen']): [string, number][] {
  const totals = new Map<string, number>();
  for (const poll of seen)
    for (const [reason, n] of Object.entries(poll.reasons)) totals.set(reason, (totals.get(reason) ?? 0) + n);
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function refusalNotification(
  id: string,
  name: string | null,
  count: number,
  reason: string,
  now: number,
): Notification {
  const who = id === NO_KEY ? 'Requests without a valid key' : `Key "${name ?? id}"`;
  return {
    kind: 'key_refusals',
    title: id === NO_KEY ? 'Requests without a valid key keep getting refused' : `${who} keeps getting refused`,
    body: `${count} refusals in the last ${REFUSAL_WINDOW_MS / 60_000} minutes, mostly: ${refusalReasonText(reason)}.`,
    key: `refusals:${id}:${now}`,
  };
}

// ---- the upstream failing --------------------------------------------------------------------------

/**
 * One notification when consecutive failures reach UPSTREAM_FAILING, and one when they fall below it
 * again (the count only falls on a success, so that is a recovery).
 */
function upstreamRule(
  outage: boolean,
  upstream: GatewayStatus['upstream'],
  now: number,
): { notifications: Notification[]; outage: boolean } {
  const failing = upstream.consecutive_failures >= UPSTREAM_FAILING;
  if (failing && !outage) {
    return {
      notifications: [
        {
          kind: 'upstream_failing',
          title: 'The Anthropic API is failing',
          body: `${upstream.consecutive_failures} requests in a row failed${upstream.last_error ? `; the last: ${upstream.last_error}` : ''}.`,
          key: `upstream:failing:${now}`,
        },
      ],
      outage: true,
    };
  }
  if (!failing && outage) {
    return {
      notifications: [
        {
          kind: 'upstream_recovered',
          title: 'The Anthropic API has recovered',
          body: 'Requests are getting through again.',
          key: `upstream:recovered:${now}`,
        },
      ],
      outage: false,
    };
  }
  return { notifications: [], outage };
}

// ---- a teammate asks to sign in --------------------------------------------------------------------

/**
 * Each sign-in the status lists as pending is announced once, by id, the first time it is seen; up to
 * SIGN_INS_ANNOUNCED_SINGLY new ones in a poll each get their own notification, more get one together
 * (a burst must not bury the desktop). Pending sign-ins waiting when the notifier starts are announced:
 * someone is waiting for the admin now. An id the status no longer lists is forgotten (approved, denied
 * or expired: a sign-in never becomes pending again), except while the status's list is full, when an
 * id may only have dropped off its end: it is then kept until its code expires.
 */
function signInRule(
  memory: Record<string, number>,
  pending: readonly PendingSignIn[],
  now: number,
): { notifications: Notification[]; memory: Record<string, number> } {
  const next: Record<string, number> = {};
  const fresh: PendingSignIn[] = [];
  for (const signIn of pending) {
    if (!Object.hasOwn(memory, signIn.id)) fresh.push(signIn);
    next[signIn.id] = Date.parse(signIn.expires_at);
  }
  if (pending.length >= STATUS_PENDING_SIGN_INS_MAX) {
    const kept = Object.entries(memory)
      .filter(([id, expiresAt]) => !Object.hasOwn(next, id) && expiresAt > now)
      .sort((a, b) => b[1] - a[1])
      .slice(0, Math.max(0, SIGN_IN_MEMORY_MAX - pending.length));
    for (const [id, expiresAt] of kept) next[id] = expiresAt;
  }
  // The status lists the newest first; announce in the order they asked.
  fresh.reverse();
  const notifications =
    fresh.length > SIGN_INS_ANNOUNCED_SINGLY ? [signInsTogether(fresh, now)] : fresh.map(signInNotification);
  return { notifications, memory: next };
}

const DECIDE = 'approve or deny in Sign-ins';

/** `Priya Raman wants to use Claude Code through Tollgate` / `priya@example.com · code WDJB-MJHT · approve or deny in Sign-ins`. */
function signInNotification(signIn: PendingSignIn): Notification {
  const who = signInPerson(signIn);
  const email = personText(signIn.email, 100);
  return {
    kind: 'sign_in_pending',
    title: `${who} wants to use Claude Code through Tollgate`,
    body: [email && email !== who ? email : null, `code ${signIn.user_code}`, DECIDE].filter(Boolean).join(' · '),
    key: `sign_in:${signIn.id}`,
    // The Sign-ins page opens this one's approval panel.
    link: { page: 'sign-ins', params: { approve: signIn.id } },
  };
}

/** `4 teammates want to use Claude Code through Tollgate` / `Priya Raman, Sam Lee, Ana and 1 more · approve or deny in Sign-ins`. */
function signInsTogether(fresh: readonly PendingSignIn[], now: number): Notification {
  const named = fresh.slice(0, SIGN_INS_ANNOUNCED_SINGLY).map(signInPerson);
  const more = fresh.length - named.length;
  return {
    kind: 'sign_in_pending',
    title: `${fresh.length} teammates want to use Claude Code through Tollgate`,
    body: `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''} · ${DECIDE}`,
    key: `sign_ins:${now}`,
    link: { page: 'sign-ins' },
  };
}

// ---- the store cannot write ------------------------------------------------------------------------

/**
 * One notification when the store stops taking writes (a full disk), and one when it takes them again.
 * The status carries the state itself, so each transition is seen exactly once.
 */
function storeRule(
  unwritable: boolean,
  store: GatewayStatus['store'],
  now: number,
): { notifications: Notification[]; unwritable: boolean } {
  if (!store.writable && !unwritable) {
    const held =
      store.pending === 0 ? '' : ` ${rows(store.pending)} ${store.pending === 1 ? 'waits' : 'wait'} in memory.`;
    return {
      notifications: [
        {
          kind: 'store_unwritable',
          title: 'Tollgate cannot write its store',
          body: `${sentence(store.error ?? 'Writes to the database are failing')} Requests on keys with a budget are refused until it can write again.${held}`,
          key: `store:unwritable:${now}`,
        },
      ],
      unwritable: true,
    };
  }
  if (store.writable && unwritable) {
    return {
      notifications: [
        {
          kind: 'store_recovered',
          title: 'Tollgate can write its store again',
          body:
            store.pending === 0
              ? 'Everything held in memory is written; requests on keys with a budget go through again.'
              : `Requests on keys with a budget go through again; the ${rows(store.pending)} held in memory ${store.pending === 1 ? 'is' : 'are'} being written.`,
          key: `store:recovered:${now}`,
        },
      ],
      unwritable: false,
    };
  }
  return { notifications: [], unwritable };
}

function rows(count: number): string {
  return count === 1 ? '1 row' : `${count} rows`;
}

/** An error message as a sentence: `SQLITE_FULL: database or disk is full.` (one full stop, never two). */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
