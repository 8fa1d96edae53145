// The notifier against a real gateway: official SDK traffic against the stand-in upstream spends a
// key's budget past 80 % and 100 % and then gets refused, the upstream fails three times in a row and
// recovers; each check() (called directly, not on the timer) hands on exactly the notifications the
// rules promise, and the switches set through the admin API silence them. Time is a manual clock
// injected into the gateway, so the budget period resets without waiting. The request log's refusal
// query is checked to walk the rowid range rather than every refusal ever logged, and a notifier on a
// status feed (the desktop app's) judges the status it is handed. A teammate's /login, entered on
// /device over real HTTP, shows in GET /api/gateway/status's pending_sign_ins (newest first, live codes
// only, at most 20) and is announced once, naming them and the code, until the admin decides.
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { adminApi } from '../../shared/contract.js';
import { STATUS_PENDING_SIGN_INS_MAX, type GatewayStatus } from '../../shared/schemas.js';
import type { GatewayControls } from '../../electron/desktop/controls.js';
import type { Notification } from '../../electron/desktop/notification-rules.js';
import { startNotifier, type Notifier } from '../../electron/desktop/notifier.js';
import { startStatusFeed, type StatusFeed, type StatusListener } from '../../electron/desktop/status-feed.js';
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

describe('a teammate asks to sign in', () => {
  /** A form POST, as Claude Code's /login and the /device page send them. */
  async function form(gateway: TestGateway, path: string, fields: Record<string, string>): Promise<Response> {
    return fetch(gateway.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Claude Code asks for a code, and the teammate enters it on /device with their name and email. */
  async function askToSignIn(gateway: TestGateway, name: string, email: string): Promise<string> {
    const device = await form(gateway, '/oauth/device_authorization', { surface: 'claude_code' });
    expect(device.status).toBe(200);
    const { user_code } = (await device.json()) as { user_code: string };
    const entered = await form(gateway, '/device', { user_code, name, email });
    expect(entered.status).toBe(200);
    expect(await entered.text()).toContain('Waiting for your admin');
    return user_code;
  }

  async function statusOver(gateway: TestGateway): Promise<GatewayStatus> {
    const { status, body } = await gateway.admin('GET', '/api/gateway/status');
    expect(status).toBe(200);
    return adminApi.getGatewayStatus.response.parse(body);
  }

  it('lists the pending sign-in in the status and announces it once, naming the person and the code', async () => {
    const gateway = await start();
    const { check } = watch(gateway);
    expect(check()).toEqual([]);

    const code = await askToSignIn(gateway, 'Priya Raman', 'priya@example.com');
    const status = await statusOver(gateway);
    expect(status.pending_sign_ins).toEqual([
      {
        id: expect.stringMatching(/^si_/) as string,
        name: 'Priya Raman',
        email: 'priya@example.com',
        user_code: code,
        created_at: '2026-01-15T10:00:30.000Z',
        expires_at: '2026-01-15T10:15:30.000Z',
      },
    ]);
    const [signIn] = status.pending_sign_ins;
    if (!signIn) throw new Error('no pending sign-in');

    expect(check()).toEqual([
      {
        kind: 'sign_in_pending',
        title: 'Priya Raman wants to use Claude Code through Tollgate',
        body: `priya@example.com · code ${code} · approve or deny in Sign-ins`,
        key: `sign_in:${signIn.id}`,
        link: { page: 'sign-ins', params: { approve: signIn.id } },
      },
    ]);
    expect(check()).toEqual([]);

    // The admin approves: the status drops it at once, and nothing more is said.
    const approved = await gateway.admin('POST', `/api/sign-ins/${signIn.id}/approve`, {});
    expect(approved.status).toBe(200);
    expect((await statusOver(gateway)).pending_sign_ins).toEqual([]);
    expect(check()).toEqual([]);
    expect(notified.map((n) => n.kind)).toEqual(['sign_in_pending']);
  });

  it('shows the sign-in in the status as soon as the code is entered, though a status was read while it waited', async () => {
    const gateway = await start();
    const device = await form(gateway, '/oauth/device_authorization', { surface: 'claude_code' });
    const { user_code } = (await device.json()) as { user_code: string };
    // A code nobody has entered yet is not the admin's business.
    expect((await statusOver(gateway)).pending_sign_ins).toEqual([]);
    expect(gateway.gateway.status().pending_sign_ins).toEqual([]);
    const entered = await form(gateway, '/device', { user_code, name: 'Priya Raman', email: 'priya@example.com' });
    expect(entered.status).toBe(200);
    expect(gateway.gateway.status().pending_sign_ins.map((s) => s.user_code)).toEqual([user_code]);
  });

  it('reaches a notifier on the desktop status feed, as the tray app runs it', async () => {
    const gateway = await start();
    const feed = startStatusFeed({ gateway: gateway.gateway, intervalMs: 10 });
    try {
      notifier = startNotifier({ gateway: gateway.gateway, notify: (n) => void notified.push(n), feed });
      const code = await askToSignIn(gateway, 'Sam Lee', 'sam@example.com');
      const deadline = Date.now() + 5_000;
      while (notified.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(notified.map((n) => `${n.title}: ${n.body}`)).toEqual([
        `Sam Lee wants to use Claude Code through Tollgate: sam@example.com · code ${code} · approve or deny in Sign-ins`,
      ]);
      // Later readings of the same sign-in say nothing more.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(notified).toHaveLength(1);
    } finally {
      feed.stop();
    }
  });

  it('stays silent while the switch is off in the admin API, and does not replay it when switched on', async () => {
    const gateway = await start();
    const { check } = watch(gateway);
    expect((await gateway.admin('PUT', '/api/notifications', { sign_ins: false })).status).toBe(200);
    await askToSignIn(gateway, 'Priya Raman', 'priya@example.com');
    expect(check()).toEqual([]);
    expect((await gateway.admin('PUT', '/api/notifications', { sign_ins: true })).status).toBe(200);
    expect(check()).toEqual([]);
  });

  it('lists only live codes, newest first and at most 20; a denied or expired sign-in leaves the list', async () => {
    const gateway = await start();
    const codes: string[] = [];
    for (let i = 0; i <= STATUS_PENDING_SIGN_INS_MAX; i++) {
      codes.push(await askToSignIn(gateway, `Teammate ${i}`, `t${i}@example.com`));
      clock.advance(1_000);
    }
    const listed = (await statusOver(gateway)).pending_sign_ins;
    expect(listed.map((s) => s.user_code)).toEqual(codes.slice(1).reverse());

    const [newest] = listed;
    if (!newest) throw new Error('no pending sign-in');
    expect((await gateway.admin('POST', `/api/sign-ins/${newest.id}/deny`)).status).toBe(200);
    // The oldest comes back into view once the newest is decided.
    expect((await statusOver(gateway)).pending_sign_ins.map((s) => s.user_code)).toEqual(codes.slice(0, -1).reverse());

    // Fifteen minutes after the first code was made, it has expired; the rest follow a second apart.
    clock.set('2026-01-15T10:15:30.000Z');
    expect((await statusOver(gateway)).pending_sign_ins.map((s) => s.user_code)).toEqual(codes.slice(1, -1).reverse());
    clock.advance(60_000);
    expect((await statusOver(gateway)).pending_sign_ins).toEqual([]);
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
