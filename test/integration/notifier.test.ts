// The notifier against a real gateway: official SDK traffic against the stand-in upstream spends a
// key's budget past 80 % and 100 % and then gets refused, the upstream fails three times in a row and
// recovers; each check() (called directly, not on the timer) hands on exactly the notifications the
// rules promise, and the switches set through the admin API silence them. Time is a manual clock
// injected into the gateway, so the budget period resets without waiting. The request log's refusal
// query is checked to walk the rowid range rather than every refusal ever logged, and a notifier on a
// status feed (the desktop app's) judges the status it is handed.
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayControls } from '../../electron/desktop/controls.js';
import type { Notification } from '../../electron/desktop/notification-rules.js';
import { startNotifier, type Notifier } from '../../electron/desktop/notifier.js';
import type { StatusFeed, StatusListener } from '../../electron/desktop/status-feed.js';
import { REFUSALS_AFTER_SQL } from '../../electron/store/request-log.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** Claude Sonnet 4.6 at $3 / $15 per million tokens: the scripted 1,000 in and 1,000 out cost $0.018. */
const MODEL = 'claude-sonnet-4-6';
const DAY = 86_400_000;

let handle: TestGateway | null = null;
let notifier: Notifier | null = null;
let clock: ManualClock;
let notified: Notification[] = [];

afterEach(async () => {
  notifier?.stop();
  notifier = null;
  await handle?.close();
  handle = null;
  notified = [];
});

async function start(): Promise<TestGateway> {
  clock = new ManualClock('2026-01-15T10:00:30.000Z');
  handle = await startTestGateway({ gateway: { clock: clock.read } });
  return handle;
}

/** The notifier on the running gateway; an hour-long interval, so only check() polls. */
function watch(gateway: TestGateway): Notifier {
  // Typed as what the Electron shell hands the tray and the notifications: the real gateway must fit it.
  const controls: GatewayControls = gateway.gateway;
  notifier = startNotifier({ gateway: controls, notify: (n) => void notified.push(n), intervalMs: 3_600_000 });
  return notifier;
}

function sdk(gateway: TestGateway, key: string): Anthropic {
  return new Anthropic({ baseURL: gateway.url, authToken: key, maxRetries: 0 });
}

const hello: Anthropic.MessageParam[] = [{ role: 'user', content: 'hello' }];

/** One $0.018 request that must be admitted. */
async function spend(gateway: TestGateway, client: Anthropic): Promise<void> {
  gateway.upstream.enqueue({ kind: 'message', usage: { input_tokens: 1000, output_tokens: 1000 } });
  await client.messages.create({ model: MODEL, max_tokens: 256, messages: hello });
}

/** A request that must be refused; returns the HTTP status. */
async function refused(client: Anthropic): Promise<number> {
  try {
    await client.messages.create({ model: MODEL, max_tokens: 256, messages: hello });
  } catch (error) {
    const status: unknown = error instanceof APIError ? error.status : undefined;
    if (typeof status === 'number') return status;
    throw error;
  }
  throw new Error('the request was admitted; a refusal was expected');
}

const summary = (notifications: Notification[]): string[] => notifications.map((n) => `${n.kind}: ${n.title}`);

describe('budget thresholds', () => {
  it('notifies once at 80 %, once at 100 %, and again when the next period crosses', async () => {
    const gateway = await start();
    // $0.04 a day: $0.018 is 45 %, $0.036 is 90 %, $0.054 is spent.
    const key = await gateway.createKey('alice laptop', { budget: { max_limit: 0.04, reset_duration: '1d' } });
    const client = sdk(gateway, key.value);
    const { check } = watch(gateway);

    await spend(gateway, client);
    expect(check()).toEqual([]);

    await spend(gateway, client);
    const crossing = check();
    expect(summary(crossing)).toEqual(['budget_80: Budget at 90%: virtual key "alice laptop"']);
    expect(crossing[0]?.body).toBe('$0.036 of $0.04 used this period.');
    expect(check()).toEqual([]);

    await spend(gateway, client);
    expect(summary(check())).toEqual(['budget_100: Budget spent: virtual key "alice laptop"']);
    expect(check()).toEqual([]);

    // The next day the budget starts again from nothing, and its crossings count again.
    clock.advance(DAY);
    expect(check()).toEqual([]);
    await spend(gateway, client);
    await spend(gateway, client);
    expect(summary(check())).toEqual(['budget_80: Budget at 90%: virtual key "alice laptop"']);
    expect(notified.map((n) => n.kind)).toEqual(['budget_80', 'budget_100', 'budget_80']);
  });

  it('notifies only the 100 % crossing when one request takes a budget from under 80 % past its limit', async () => {
    const gateway = await start();
    const key = await gateway.createKey('ci', { budget: { max_limit: 0.01, reset_duration: '1d' } });
    const { check } = watch(gateway);

    await spend(gateway, sdk(gateway, key.value));
    expect(summary(check())).toEqual(['budget_100: Budget spent: virtual key "ci"']);
  });

  it('stays silent about budgets while the switch is off in the admin API', async () => {
    const gateway = await start();
    const key = await gateway.createKey('ci', { budget: { max_limit: 0.01, reset_duration: '1d' } });
    const { check } = watch(gateway);
    const off = await gateway.admin('PUT', '/api/notifications', { budget_thresholds: false });
    expect(off.status).toBe(200);

    await spend(gateway, sdk(gateway, key.value));
    expect(check()).toEqual([]);
  });
});

describe('a key refused again and again', () => {
  it('notifies once when a key is refused five times, naming the reason seen most, and not again within the hour', async () => {
    const gateway = await start();
    const key = await gateway.createKey('alice laptop', { budget: { max_limit: 0.01, reset_duration: '1d' } });
    const client = sdk(gateway, key.value);
    await spend(gateway, client);
    const { check } = watch(gateway);
    check(); // the budget's own notification

    for (let i = 0; i < 4; i++) expect(await refused(client)).toBe(402);
    expect(check()).toEqual([]);
    expect(await refused(client)).toBe(402);
    const [notification, ...rest] = check();
    expect(rest).toEqual([]);
    expect(notification).toMatchObject({
      kind: 'key_refusals',
      title: 'Key "alice laptop" keeps getting refused',
      body: '5 refusals in the last 10 minutes, mostly: its budget is spent.',
    });

    for (let i = 0; i < 5; i++) await refused(client);
    clock.advance(30 * 60_000);
    expect(check()).toEqual([]);
  });

  it('notifies about requests with keys Tollgate does not know', async () => {
    const gateway = await start();
    const stranger = sdk(gateway, 'sk-tg-not-a-real-key');
    const { check } = watch(gateway);

    for (let i = 0; i < 5; i++) expect(await refused(stranger)).toBe(401);
    expect(check()).toMatchObject([
      {
        kind: 'key_refusals',
        title: 'Requests without a valid key keep getting refused',
        body: '5 refusals in the last 10 minutes, mostly: not a Tollgate key.',
      },
    ]);
  });

  it('does not count the refusals of a paused gateway, which the admin asked for', async () => {
    const gateway = await start();
    const key = await gateway.createKey('alice laptop');
    const client = sdk(gateway, key.value);
    const { check } = watch(gateway);
    gateway.gateway.setPaused(true);

    for (let i = 0; i < 6; i++) expect(await refused(client)).toBe(503);
    expect(check()).toEqual([]);
  });

  it('does not count refusals logged before the notifier started', async () => {
    const gateway = await start();
    const stranger = sdk(gateway, 'sk-tg-not-a-real-key');
    for (let i = 0; i < 4; i++) await refused(stranger);
    const { check } = watch(gateway);

    await refused(stranger);
    expect(check()).toEqual([]);
  });
});

describe('the upstream failing', () => {
  it('notifies once after three failures in a row, and once when a request gets through again', async () => {
    const gateway = await start();
    const key = await gateway.createKey('alice laptop');
    const client = sdk(gateway, key.value);
    const { check } = watch(gateway);

    for (let i = 0; i < 3; i++) {
      gateway.upstream.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
      expect(await refused(client)).toBe(529);
      if (i < 2) expect(check()).toEqual([]);
    }
    const [failing, ...rest] = check();
    expect(rest).toEqual([]);
    expect(failing).toMatchObject({ kind: 'upstream_failing', title: 'The Anthropic API is failing' });
    expect(failing?.body).toBe(
      '3 requests in a row failed; the last: The Anthropic API answered 529: overloaded_error: Overloaded.',
    );

    gateway.upstream.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    await refused(client);
    expect(check()).toEqual([]);

    await spend(gateway, client);
    expect(summary(check())).toEqual(['upstream_recovered: The Anthropic API has recovered']);
  });
});

describe('polling on a status feed', () => {
  it('judges the status the feed hands it rather than reading its own, and leaves the feed when stopped', async () => {
    const gateway = await start();
    let listener: StatusListener | null = null;
    const feed: StatusFeed = {
      subscribe(next) {
        listener = next;
        return () => void (listener = null);
      },
      stop: () => undefined,
    };
    notifier = startNotifier({ gateway: gateway.gateway, notify: (n) => void notified.push(n), feed });
    const status = gateway.gateway.status();
    expect(status.upstream.consecutive_failures).toBe(0);
    const hand = listener as StatusListener | null;
    if (!hand) throw new Error('the notifier did not subscribe to the feed');
    hand({ ...status, upstream: { ...status.upstream, consecutive_failures: 3, last_error: 'Overloaded' } });
    expect(summary(notified)).toEqual(['upstream_failing: The Anthropic API is failing']);
    notifier.stop();
    expect(listener).toBeNull();
  });
});

describe('the refusal query', () => {
  it('walks the rowid range of the new rows instead of an index of every refusal', async () => {
    const gateway = await start();
    const db = new Database(gateway.gateway.databaseFile, { readonly: true });
    try {
      const plan = db
        .prepare<[number, number], { detail: string }>(`EXPLAIN QUERY PLAN ${REFUSALS_AFTER_SQL}`)
        .all(0, 0)
        .map((row) => row.detail);
      expect(plan.join('\n')).toMatch(/SEARCH request_logs USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
    } finally {
      db.close();
    }
  });
});
