// The notification rules, a pure function of (memory, observation, settings, clock): budgets announce
// 80 % and 100 % once per crossing per period, a key refused again and again announces once an hour,
// an upstream outage announces once and its recovery once, a store that cannot write announces once
// and its recovery once (always, with no switch), a sign-in waiting for the admin announces once per
// id (naming the person and the code, opening the Sign-ins page), and each switch silences its rule
// without queueing what it silenced. The clock is a plain number moved by hand.
import { describe, expect, it } from 'vitest';
import { STATUS_PENDING_SIGN_INS_MAX, type GatewayStatus, type NotificationSettings } from '../../shared/schemas.js';
import {
  evaluateNotifications,
  initialMemory,
  REFUSAL_QUIET_MS,
  REFUSAL_WINDOW_MS,
  SIGN_IN_MEMORY_MAX,
  type Notification,
  type NotifierMemory,
  type Observation,
} from '../../electron/desktop/notification-rules.js';

type Warning = GatewayStatus['budget_warnings'][number];
type Refusals = Observation['refusals'][number];
type PendingSignIn = GatewayStatus['pending_sign_ins'][number];

const ALL_ON: NotificationSettings = {
  budget_thresholds: true,
  key_refusals: true,
  upstream_failures: true,
  sign_ins: true,
};
const MINUTE = 60_000;
const START = Date.parse('2026-01-15T10:00:00Z');

function warning(used_fraction: number, fields: Partial<Warning> = {}): Warning {
  return {
    budget_id: 'budget-1',
    level: 'team',
    owner_name: 'Platform',
    used_fraction,
    current_usage: used_fraction * 10,
    max_limit: 10,
    period_start: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}

function refused(count: number, fields: Partial<Refusals> = {}): Refusals {
  return {
    virtual_key_id: 'key-1',
    virtual_key_name: 'alice laptop',
    count,
    reasons: [{ reason: 'budget_exhausted', count }],
    ...fields,
  };
}

function signIn(fields: Partial<PendingSignIn> = {}): PendingSignIn {
  return {
    id: 'si_priya',
    name: 'Priya Raman',
    email: 'priya@example.com',
    user_code: 'WDJB-MJHT',
    created_at: '2026-01-15T09:58:00.000Z',
    expires_at: '2026-01-15T10:13:00.000Z',
    ...fields,
  };
}

const ANA = signIn({ id: 'si_ana', name: 'Ana', email: 'ana@example.com', user_code: 'BCDF-GHJK' });
const SAM_LATER = signIn({ id: 'si_sam', name: 'Sam Lee', email: 'sam@example.com', user_code: 'LMNP-QRST' });

interface Poll {
  warnings?: Warning[];
  refusals?: Refusals[];
  failures?: number;
  lastError?: string | null;
  store?: Partial<GatewayStatus['store']>;
  signIns?: PendingSignIn[];
  settings?: Partial<NotificationSettings>;
}

/** Feeds observations one poll at a time, carrying the memory along, as the notifier does. */
class Rules {
  memory: NotifierMemory = initialMemory();
  now = START;

  poll(poll: Poll = {}): Notification[] {
    const observation: Observation = {
      status: {
        budget_warnings: poll.warnings ?? [],
        upstream: {
          consecutive_failures: poll.failures ?? 0,
          last_error: poll.lastError ?? null,
          last_error_at: null,
        },
        store: { writable: true, error: null, since: null, pending: 0, ...poll.store },
        pending_sign_ins: poll.signIns ?? [],
      },
      refusals: poll.refusals ?? [],
    };
    const result = evaluateNotifications(this.memory, observation, { ...ALL_ON, ...poll.settings }, this.now);
    this.memory = result.memory;
    return result.notifications;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }
}

const kinds = (notifications: Notification[]): string[] => notifications.map((notification) => notification.kind);

describe('budget thresholds', () => {
  it('announces a budget crossing 80 % once, not again on every poll', () => {
    const rules = new Rules();
    expect(rules.poll()).toEqual([]);
    const [crossing, ...rest] = rules.poll({ warnings: [warning(0.85)] });
    expect(rest).toEqual([]);
    expect(crossing).toMatchObject({
      kind: 'budget_80',
      title: 'Budget at 85%: team "Platform"',
      body: '$8.50 of $10.00 used this period.',
    });
    expect(rules.poll({ warnings: [warning(0.86)] })).toEqual([]);
    expect(rules.poll({ warnings: [warning(0.95)] })).toEqual([]);
  });

  it('announces 100 % after 80 %, saying the budget is spent', () => {
    const rules = new Rules();
    rules.poll({ warnings: [warning(0.85)] });
    const [spent, ...rest] = rules.poll({ warnings: [warning(1.02)] });
    expect(rest).toEqual([]);
    expect(spent).toMatchObject({
      kind: 'budget_100',
      title: 'Budget spent: team "Platform"',
      body: '$10.20 of $10.00 used. Requests it covers are refused until it resets or an admin raises it.',
    });
    expect(rules.poll({ warnings: [warning(1.1)] })).toEqual([]);
  });

  it('announces only 100 % when a budget goes straight from under 80 % to spent', () => {
    const rules = new Rules();
    rules.poll();
    expect(kinds(rules.poll({ warnings: [warning(1)] }))).toEqual(['budget_100']);
    expect(rules.poll({ warnings: [warning(1)] })).toEqual([]);
  });

  it('announces again after the budget resets and crosses again', () => {
    const rules = new Rules();
    expect(kinds(rules.poll({ warnings: [warning(0.9)] }))).toEqual(['budget_80']);
    expect(kinds(rules.poll({ warnings: [warning(1)] }))).toEqual(['budget_100']);
    rules.poll(); // the period reset: under 80 % again
    expect(kinds(rules.poll({ warnings: [warning(0.8)] }))).toEqual(['budget_80']);
    expect(kinds(rules.poll({ warnings: [warning(1)] }))).toEqual(['budget_100']);
  });

  it('takes a drop in usage between two polls as a reset, even when both polls are above 80 %', () => {
    const rules = new Rules();
    expect(kinds(rules.poll({ warnings: [warning(1)] }))).toEqual(['budget_100']);
    expect(kinds(rules.poll({ warnings: [warning(0.9)] }))).toEqual(['budget_80']);
  });

  it('takes a new period start as a reset when the status gives one', () => {
    const rules = new Rules();
    const inPeriod = (start: string, fraction: number): Warning =>
      Object.assign(warning(fraction), { period_start: start });
    expect(kinds(rules.poll({ warnings: [inPeriod('2026-01-15T00:00:00Z', 1)] }))).toEqual(['budget_100']);
    expect(rules.poll({ warnings: [inPeriod('2026-01-15T00:00:00Z', 1.5)] })).toEqual([]);
    const [next] = rules.poll({ warnings: [inPeriod('2026-01-16T00:00:00Z', 1.5)] });
    expect(next).toMatchObject({ kind: 'budget_100', key: 'budget:budget-1:100:2026-01-16T00:00:00Z' });
  });

  it('tracks each budget on its own', () => {
    const rules = new Rules();
    const team = warning(0.85);
    const key = warning(0.9, { budget_id: 'budget-2', level: 'virtual key', owner_name: 'ci' });
    expect(rules.poll({ warnings: [team, key] }).map((n) => n.title)).toEqual([
      'Budget at 85%: team "Platform"',
      'Budget at 90%: virtual key "ci"',
    ]);
    expect(
      rules.poll({ warnings: [team, { ...key, used_fraction: 1, current_usage: 10 }] }).map((n) => n.title),
    ).toEqual(['Budget spent: virtual key "ci"']);
  });

  it('gives each crossing its own dedupe key', () => {
    const rules = new Rules();
    const first = rules.poll({ warnings: [warning(0.85)] });
    const second = rules.advance(MINUTE).poll({ warnings: [warning(1)] });
    rules.advance(MINUTE).poll();
    const third = rules
      .advance(MINUTE)
      .poll({ warnings: [warning(0.85, { period_start: '2026-02-01T00:00:00.000Z' })] });
    const keys = [...first, ...second, ...third].map((notification) => notification.key);
    expect(new Set(keys).size).toBe(3);
  });

  it('stays silent when switched off, and does not replay the crossing when switched back on', () => {
    const rules = new Rules();
    const off = { budget_thresholds: false };
    expect(rules.poll({ warnings: [warning(0.85)], settings: off })).toEqual([]);
    expect(rules.poll({ warnings: [warning(0.9)] })).toEqual([]);
    expect(kinds(rules.poll({ warnings: [warning(1)] }))).toEqual(['budget_100']);
  });
});

describe('a key refused again and again', () => {
  it('announces a key refused five times within ten minutes, with the reason seen most', () => {
    const rules = new Rules();
    expect(rules.poll({ refusals: [refused(2)] })).toEqual([]);
    rules.advance(4 * MINUTE);
    const notifications = rules.poll({
      refusals: [
        refused(3, {
          reasons: [
            { reason: 'rate_limit', count: 2 },
            { reason: 'budget_exhausted', count: 1 },
          ],
        }),
      ],
    });
    expect(notifications).toEqual([
      {
        kind: 'key_refusals',
        title: 'Key "alice laptop" keeps getting refused',
        body: '5 refusals in the last 10 minutes, mostly: its budget is spent.',
        key: `refusals:key-1:${rules.now}`,
      },
    ]);
  });

  it('does not announce four refusals', () => {
    const rules = new Rules();
    expect(rules.poll({ refusals: [refused(4)] })).toEqual([]);
  });

  it('does not count refusals that fell out of the ten-minute window', () => {
    const rules = new Rules();
    rules.poll({ refusals: [refused(4)] });
    rules.advance(REFUSAL_WINDOW_MS);
    expect(rules.poll({ refusals: [refused(1)] })).toEqual([]);
    rules.advance(MINUTE);
    expect(kinds(rules.poll({ refusals: [refused(4)] }))).toEqual(['key_refusals']);
  });

  it('does not repeat for the same key within an hour, and does after it', () => {
    const rules = new Rules();
    expect(kinds(rules.poll({ refusals: [refused(5)] }))).toEqual(['key_refusals']);
    for (let minute = 5; minute < 60; minute += 5) {
      expect(rules.advance(5 * MINUTE).poll({ refusals: [refused(10)] })).toEqual([]);
    }
    rules.advance(REFUSAL_QUIET_MS - 55 * MINUTE);
    expect(kinds(rules.poll({ refusals: [refused(5)] }))).toEqual(['key_refusals']);
  });

  it('tracks keys separately, so one quiet key does not silence another', () => {
    const rules = new Rules();
    rules.poll({ refusals: [refused(5)] });
    const other = rules.poll({
      refusals: [refused(5), refused(6, { virtual_key_id: 'key-2', virtual_key_name: 'ci' })],
    });
    expect(other.map((n) => n.title)).toEqual(['Key "ci" keeps getting refused']);
  });

  it('speaks of requests without a valid key when the refusals carry no key', () => {
    const rules = new Rules();
    const [notification] = rules.poll({
      refusals: [
        refused(7, {
          virtual_key_id: null,
          virtual_key_name: null,
          reasons: [{ reason: 'key_unknown', count: 7 }],
        }),
      ],
    });
    expect(notification).toMatchObject({
      title: 'Requests without a valid key keep getting refused',
      body: '7 refusals in the last 10 minutes, mostly: not a Tollgate key.',
    });
  });

  it('does not count refusals of a paused gateway, which the admin asked for', () => {
    const rules = new Rules();
    expect(rules.poll({ refusals: [refused(20, { reasons: [{ reason: 'paused', count: 20 }] })] })).toEqual([]);
    const [notification] = rules.poll({
      refusals: [
        refused(8, {
          reasons: [
            { reason: 'paused', count: 3 },
            { reason: 'rate_limit', count: 5 },
          ],
        }),
      ],
    });
    expect(notification?.body).toBe('5 refusals in the last 10 minutes, mostly: rate limit.');
  });

  it('stays silent when switched off, and does not replay the refusals when switched back on', () => {
    const rules = new Rules();
    expect(rules.poll({ refusals: [refused(9)], settings: { key_refusals: false } })).toEqual([]);
    expect(rules.advance(MINUTE).poll({ refusals: [refused(1)] })).toEqual([]);
  });

  it('forgets a key once its refusals and its quiet hour are over', () => {
    const rules = new Rules();
    rules.poll({ refusals: [refused(5), refused(1, { virtual_key_id: 'key-2' })] });
    rules.advance(REFUSAL_QUIET_MS).poll();
    expect(rules.memory.keys).toEqual({});
  });
});

describe('the upstream failing', () => {
  it('announces once when three requests in a row have failed, with the last error', () => {
    const rules = new Rules();
    expect(rules.poll({ failures: 2 })).toEqual([]);
    const [notification, ...rest] = rules.poll({ failures: 3, lastError: '529 overloaded_error: Overloaded' });
    expect(rest).toEqual([]);
    expect(notification).toMatchObject({
      kind: 'upstream_failing',
      title: 'The Anthropic API is failing',
      body: '3 requests in a row failed; the last: 529 overloaded_error: Overloaded.',
    });
    expect(rules.poll({ failures: 4 })).toEqual([]);
    expect(rules.poll({ failures: 40 })).toEqual([]);
  });

  it('announces the recovery once, and a new outage after it', () => {
    const rules = new Rules();
    rules.poll({ failures: 5 });
    expect(kinds(rules.poll({ failures: 0 }))).toEqual(['upstream_recovered']);
    expect(rules.poll({ failures: 0 })).toEqual([]);
    expect(kinds(rules.poll({ failures: 3 }))).toEqual(['upstream_failing']);
  });

  it('stays silent when switched off, the recovery included', () => {
    const rules = new Rules();
    const off = { upstream_failures: false };
    expect(rules.poll({ failures: 5, settings: off })).toEqual([]);
    expect(rules.poll({ failures: 0, settings: off })).toEqual([]);
  });

  it('does not announce an outage that began while switched off when switched back on', () => {
    const rules = new Rules();
    rules.poll({ failures: 5, settings: { upstream_failures: false } });
    expect(rules.poll({ failures: 6 })).toEqual([]);
  });
});

describe('the store cannot write', () => {
  const FULL = {
    writable: false,
    error: 'SQLITE_FULL: database or disk is full',
    since: '2026-01-15T10:00:00.000Z',
    pending: 3,
  };

  it('announces once when the store stops taking writes, with the error and the rows held', () => {
    const rules = new Rules();
    expect(rules.poll()).toEqual([]);
    expect(rules.poll({ store: FULL })).toEqual([
      {
        kind: 'store_unwritable',
        title: 'Tollgate cannot write its store',
        body: 'SQLITE_FULL: database or disk is full. Requests on keys with a budget are refused until it can write again. 3 rows wait in memory.',
        key: `store:unwritable:${rules.now}`,
      },
    ]);
    expect(rules.advance(MINUTE).poll({ store: { ...FULL, pending: 40 } })).toEqual([]);
    expect(rules.advance(MINUTE).poll({ store: FULL })).toEqual([]);
  });

  it('announces the recovery once, and a new failure after it', () => {
    const rules = new Rules();
    rules.poll({ store: FULL });
    const [recovered, ...rest] = rules.advance(MINUTE).poll();
    expect(rest).toEqual([]);
    expect(recovered).toMatchObject({
      kind: 'store_recovered',
      title: 'Tollgate can write its store again',
      body: 'Everything held in memory is written; requests on keys with a budget go through again.',
    });
    expect(rules.advance(MINUTE).poll()).toEqual([]);
    expect(kinds(rules.advance(MINUTE).poll({ store: FULL }))).toEqual(['store_unwritable']);
  });

  it('says the rows held are being written when it recovers before they all are', () => {
    const rules = new Rules();
    rules.poll({ store: { ...FULL, pending: 1 } });
    const [recovered] = rules.poll({ store: { writable: true, pending: 1 } });
    expect(recovered?.body).toBe(
      'Requests on keys with a budget go through again; the 1 row held in memory is being written.',
    );
  });

  it('says writes are failing when the gateway gives no error, and leaves out an empty queue', () => {
    const rules = new Rules();
    const [notification] = rules.poll({ store: { writable: false, error: null, pending: 0 } });
    expect(notification?.body).toBe(
      'Writes to the database are failing. Requests on keys with a budget are refused until it can write again.',
    );
  });

  it('speaks with every switch off: it has no switch of its own', () => {
    const rules = new Rules();
    const off = { budget_thresholds: false, key_refusals: false, upstream_failures: false, sign_ins: false };
    expect(kinds(rules.poll({ store: FULL, settings: off }))).toEqual(['store_unwritable']);
    expect(kinds(rules.poll({ settings: off }))).toEqual(['store_recovered']);
  });
});

describe('a teammate asks to sign in', () => {
  it('announces a pending sign-in once, naming the person, their email and the code, opening Sign-ins', () => {
    const rules = new Rules();
    expect(rules.poll()).toEqual([]);
    expect(rules.poll({ signIns: [signIn()] })).toEqual([
      {
        kind: 'sign_in_pending',
        title: 'Priya Raman wants to use Claude Code through Tollgate',
        body: 'priya@example.com · code WDJB-MJHT · approve or deny in Sign-ins',
        key: 'sign_in:si_priya',
        link: { page: 'sign-ins', params: { approve: 'si_priya' } },
      },
    ]);
    expect(rules.advance(MINUTE).poll({ signIns: [signIn()] })).toEqual([]);
    expect(rules.advance(MINUTE).poll({ signIns: [signIn()] })).toEqual([]);
  });

  it('announces each new sign-in beside the ones already announced, in the order they asked', () => {
    const rules = new Rules();
    rules.poll({ signIns: [signIn()] });
    // The status lists the newest first.
    const notifications = rules.poll({ signIns: [SAM_LATER, ANA, signIn()] });
    expect(notifications.map((n) => n.title)).toEqual([
      'Ana wants to use Claude Code through Tollgate',
      'Sam Lee wants to use Claude Code through Tollgate',
    ]);
    expect(notifications.map((n) => n.body)).toEqual([
      'ana@example.com · code BCDF-GHJK · approve or deny in Sign-ins',
      'sam@example.com · code LMNP-QRST · approve or deny in Sign-ins',
    ]);
  });

  it('announces pending sign-ins already waiting at the first poll: someone waits for the admin now', () => {
    expect(kinds(new Rules().poll({ signIns: [signIn()] }))).toEqual(['sign_in_pending']);
  });

  it('forgets an id the status no longer lists, and announces it again only were it listed anew', () => {
    const rules = new Rules();
    rules.poll({ signIns: [signIn(), ANA] });
    expect(Object.keys(rules.memory.sign_ins).sort()).toEqual(['si_ana', 'si_priya']);
    // Priya approved (or denied, or expired): she leaves the list and the memory.
    expect(rules.poll({ signIns: [ANA] })).toEqual([]);
    expect(Object.keys(rules.memory.sign_ins)).toEqual(['si_ana']);
    expect(rules.poll()).toEqual([]);
    expect(rules.memory.sign_ins).toEqual({});
    // The store never makes a decided sign-in pending again; were it listed, it would be news.
    expect(kinds(rules.poll({ signIns: [signIn()] }))).toEqual(['sign_in_pending']);
  });

  it('updates its memory while switched off, so switching on does not replay who asked meanwhile', () => {
    const rules = new Rules();
    expect(rules.poll({ signIns: [signIn()], settings: { sign_ins: false } })).toEqual([]);
    expect(Object.keys(rules.memory.sign_ins)).toEqual(['si_priya']);
    expect(rules.poll({ signIns: [signIn()] })).toEqual([]);
    expect(kinds(rules.poll({ signIns: [ANA, signIn()] }))).toEqual(['sign_in_pending']);
  });

  it('names the email when no name was given, and someone when neither was', () => {
    const rules = new Rules();
    const [byEmail, nobody] = rules.poll({
      signIns: [signIn({ id: 'si_2', name: null, email: null }), signIn({ id: 'si_1', name: '  ' })],
    });
    expect(byEmail?.title).toBe('priya@example.com wants to use Claude Code through Tollgate');
    expect(byEmail?.body).toBe('code WDJB-MJHT · approve or deny in Sign-ins');
    expect(nobody?.title).toBe('Someone wants to use Claude Code through Tollgate');
  });

  it('keeps what the teammate typed on one line: no line breaks, no reversed text, no endless name', () => {
    const rules = new Rules();
    const [notification] = rules.poll({
      signIns: [signIn({ name: 'Priya\nTollgate: all approved\u202e', email: 'p@example.com\r\n' })],
    });
    expect(notification?.title).toBe('Priya Tollgate: all approved wants to use Claude Code through Tollgate');
    expect(notification?.body).toBe('p@example.com · code WDJB-MJHT · approve or deny in Sign-ins');
    const [long] = new Rules().poll({ signIns: [signIn({ name: 'x'.repeat(100) })] });
    expect(long?.title).toBe(`${'x'.repeat(59)}… wants to use Claude Code through Tollgate`);
  });

  it('announces a burst together rather than burying the desktop in notifications', () => {
    const rules = new Rules();
    const burst = ['Ana', 'Ben', 'Cleo', 'Dev', 'Eli'].map((name, i) =>
      signIn({ id: `si_${i}`, name, email: `${name.toLowerCase()}@example.com`, user_code: `CODE-000${i}` }),
    );
    // Newest first, as the status lists them: Eli asked last.
    const notifications = rules.poll({ signIns: burst.reverse() });
    expect(notifications).toEqual([
      {
        kind: 'sign_in_pending',
        title: '5 teammates want to use Claude Code through Tollgate',
        body: 'Ana, Ben, Cleo and 2 more · approve or deny in Sign-ins',
        key: `sign_ins:${rules.now}`,
        link: { page: 'sign-ins' },
      },
    ]);
    expect(Object.keys(rules.memory.sign_ins)).toHaveLength(5);
    expect(rules.poll({ signIns: burst })).toEqual([]);
  });

  it('keeps an id that may only have dropped off the end of a full list until its code expires', () => {
    const rules = new Rules();
    const many = (from: number): PendingSignIn[] =>
      Array.from({ length: STATUS_PENDING_SIGN_INS_MAX }, (_, i) =>
        signIn({ id: `si_${from + i}`, expires_at: new Date(START + 15 * MINUTE).toISOString() }),
      );
    rules.poll({ signIns: many(0) });
    // A full list later: si_0…si_4 are no longer shown, but could still be pending behind the newest 20.
    expect(kinds(rules.poll({ signIns: many(5) }))).toEqual(['sign_in_pending']);
    expect(Object.keys(rules.memory.sign_ins)).toHaveLength(STATUS_PENDING_SIGN_INS_MAX + 5);
    // Listed again once newer ones are decided: already announced.
    expect(rules.poll({ signIns: many(0) })).toEqual([]);
    // Once their codes have expired they are forgotten, full list or not.
    rules.advance(16 * MINUTE);
    rules.poll({ signIns: many(100) });
    expect(Object.keys(rules.memory.sign_ins)).toHaveLength(STATUS_PENDING_SIGN_INS_MAX);
  });

  it('remembers at most SIGN_IN_MEMORY_MAX ids', () => {
    const rules = new Rules();
    const later = new Date(START + 15 * MINUTE).toISOString();
    for (let batch = 0; batch * STATUS_PENDING_SIGN_INS_MAX < SIGN_IN_MEMORY_MAX + 100; batch++) {
      rules.poll({
        signIns: Array.from({ length: STATUS_PENDING_SIGN_INS_MAX }, (_, i) =>
          signIn({ id: `si_${batch}_${i}`, expires_at: later }),
        ),
      });
    }
    expect(Object.keys(rules.memory.sign_ins)).toHaveLength(SIGN_IN_MEMORY_MAX);
  });
});

describe('the rules together', () => {
  it('returns every rule’s notifications from one poll, and leaves the memory it was given untouched', () => {
    const rules = new Rules();
    rules.poll({ refusals: [refused(2)] });
    const before = structuredClone(rules.memory);
    const given = rules.memory;
    const notifications = rules.poll({
      warnings: [warning(1)],
      refusals: [refused(3)],
      failures: 3,
      store: { writable: false },
      signIns: [signIn()],
    });
    expect(kinds(notifications)).toEqual([
      'store_unwritable',
      'budget_100',
      'key_refusals',
      'upstream_failing',
      'sign_in_pending',
    ]);
    expect(given).toEqual(before);
  });
});
