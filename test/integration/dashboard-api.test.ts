// The dashboard's API over real HTTP against a real gateway on a temporary data directory, with the
// official SDK generating the traffic: the overview's figures in a chosen time zone against sums
// worked out by hand, spend over time per local hour and day, a session's timeline, key rotation,
// the provider connection test, the log's live tail and full-text search, the CSV and JSONL export,
// and the dashboard's files served to browsers. Answers are parsed with the contract's schemas.
import Anthropic from '@anthropic-ai/sdk';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminApi, type AdminApi, type RouteName, type RouteSpec } from '../../shared/contract.js';
import { logEntrySchema, type LogEntry } from '../../shared/schemas.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';
import type { ScriptedReply, Usage } from '../support/upstream.js';

const SONNET = 'claude-sonnet-4-6'; // $3 in, $15 out, $0.30 cache read per million tokens
const HAIKU = 'claude-haiku-4-5'; // $1 in, $5 out
/** $0.45 on Sonnet: 100k in at $3/M + 10k out at $15/M. */
const SONNET_045: Partial<Usage> = { input_tokens: 100_000, output_tokens: 10_000 };
/** $0.30 on Haiku: 200k in at $1/M + 20k out at $5/M. */
const HAIKU_030: Partial<Usage> = { input_tokens: 200_000, output_tokens: 20_000 };

const errorSchema = z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }) });
type Output<N extends RouteName> = z.output<AdminApi[N]['response']>;

let gateways: TestGateway[] = [];
let dirs: string[] = [];
/** The gateway's clock: each request is sent at a chosen instant. */
let now = Date.parse('2026-10-31T22:00:00Z');

async function start(options: Parameters<typeof startTestGateway>[0] = {}): Promise<TestGateway> {
  now = Date.parse('2026-10-31T22:00:00Z');
  const gw = await startTestGateway({ ...options, gateway: { clock: () => now, ...options.gateway } });
  gateways.push(gw);
  return gw;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-dashboard-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  gateways = [];
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** Calls an admin route, expects its success status, and parses the answer with the contract's schema. */
async function call<N extends RouteName>(gw: TestGateway, name: N, path: string, body?: unknown): Promise<Output<N>> {
  const spec: RouteSpec = adminApi[name];
  const response = await fetch(gw.url + path, {
    method: spec.method,
    headers: { authorization: `Bearer ${gw.gateway.adminToken}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(spec.status ?? 200);
  return (spec.response as z.ZodType<Output<N>>).parse(JSON.parse(text));
}

async function createTeam(gw: TestGateway, name: string, budgets: unknown[] = []): Promise<string> {
  const team = await call(gw, 'createTeam', '/api/governance/teams', { name, budgets });
  return team.team.id;
}

interface Send {
  at: string;
  model?: string;
  usage?: Partial<Usage>;
  reply?: ScriptedReply;
  session?: string;
  text?: string;
}

/** Sends one SDK request at a chosen instant and returns its log row. */
async function send(gw: TestGateway, key: string, options: Send): Promise<LogEntry> {
  now = Date.parse(options.at);
  if (options.reply) gw.upstream.enqueue(options.reply);
  else if (options.usage) {
    gw.upstream.enqueue({
      kind: 'message',
      usage: {
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        input_tokens: 0,
        output_tokens: 0,
        ...options.usage,
      },
    });
  }
  const sdk = new Anthropic({
    baseURL: gw.url,
    authToken: key,
    maxRetries: 0,
    defaultHeaders: options.session ? { 'x-claude-code-session-id': options.session } : {},
  });
  let requestId: string | null;
  try {
    const { response } = await sdk.messages
      .create({
        model: options.model ?? SONNET,
        max_tokens: 64,
        messages: [{ role: 'user', content: options.text ?? 'Hello' }],
      })
      .withResponse();
    requestId = response.headers.get('x-tollgate-request-id');
  } catch (error) {
    if (!(error instanceof Anthropic.APIError)) throw error;
    requestId = error.headers instanceof Headers ? error.headers.get('x-tollgate-request-id') : null;
  }
  return logRow(gw, requestId);
}

/** The log row of one request, polled for with a deadline (rows are written in small batches). */
async function logRow(gw: TestGateway, requestId: string | null): Promise<LogEntry> {
  if (requestId === null) throw new Error('the gateway answered without x-tollgate-request-id');
  const deadline = Date.now() + 5_000;
  for (;;) {
    const page = await call(gw, 'listLogs', '/api/logs?limit=1000');
    const row = page.logs.find((entry) => entry.request_id === requestId);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for ${requestId} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ---- overview -------------------------------------------------------------------------------------

/**
 * Traffic around the turn of October in Paris (UTC+1): a key in a team with a $2 monthly budget
 * aligned on Paris months, and a second key that refuses Opus and meets an overloaded upstream.
 * The clock ends on Wednesday 2026-11-18 at 10:00 UTC (11:00 in Paris).
 */
async function overviewScenario() {
  const gw = await start();
  const team = await createTeam(gw, 'Platform', [
    { max_limit: 2, reset_duration: '1M', calendar_aligned: true, time_zone: 'Europe/Paris' },
  ]);
  const main = await gw.createKey('platform laptop', { team_id: team });
  const other = await gw.createKey('ci runner', {
    denied_models: ['claude-opus-4-8'],
    budgets: [{ max_limit: 100, reset_duration: '1d' }],
  });
  const rows = {
    // Sat 31 Oct 23:30 in Paris: October, before every period of the overview.
    a: await send(gw, main.value, { at: '2026-10-31T22:30:00Z', usage: SONNET_045, session: 's-old' }),
    // Sun 1 Nov 00:30 in Paris (still 31 Oct in UTC): this month in Paris only.
    b: await send(gw, main.value, { at: '2026-10-31T23:30:00Z', model: HAIKU, usage: HAIKU_030, session: 's-2' }),
    // Mon 16 Nov 00:30 in Paris (Sunday in UTC): this week in Paris only.
    c: await send(gw, main.value, { at: '2026-11-15T23:30:00Z', usage: SONNET_045, session: 's-1' }),
    // Tue 17 Nov 23:30 in Paris: this week, not today.
    d: await send(gw, main.value, { at: '2026-11-17T22:30:00Z', model: HAIKU, usage: HAIKU_030, session: 's-2' }),
    // Today: a million tokens read from the prompt cache ($0.30), saving $2.70 against the input price.
    e: await send(gw, main.value, {
      at: '2026-11-18T09:00:00Z',
      usage: { cache_read_input_tokens: 1_000_000 },
      session: 's-1',
    }),
    // Today: refused by the key's model policy, then an overloaded upstream.
    f: await send(gw, other.value, { at: '2026-11-18T09:30:00Z', model: 'claude-opus-4-8' }),
    g: await send(gw, other.value, {
      at: '2026-11-18T09:40:00Z',
      reply: { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
    }),
  };
  now = Date.parse('2026-11-18T10:00:00Z');
  return { gw, team, main, other, rows };
}

describe('the overview', () => {
  it('sums spend and requests for today, this week from Monday and this month in the chosen time zone', async () => {
    const { gw, rows } = await overviewScenario();
    expect([rows.a.cost, rows.b.cost, rows.c.cost, rows.d.cost, rows.e.cost]).toEqual([0.45, 0.3, 0.45, 0.3, 0.3]);
    expect(rows.f.refusal_reason).toBe('model_denied');
    expect(rows.g.error_type).toBe('overloaded_error');

    const paris = await call(gw, 'getOverview', `/api/stats/overview?tz=${encodeURIComponent('Europe/Paris')}`);
    expect(paris.time_zone).toBe('Europe/Paris');
    expect(paris.spend.today).toBeCloseTo(0.3, 9); // e
    expect(paris.spend.week).toBeCloseTo(0.45 + 0.3 + 0.3, 9); // c d e
    expect(paris.spend.month).toBeCloseTo(0.3 + 0.45 + 0.3 + 0.3, 9); // b c d e
    expect(paris.requests).toEqual({ today: 3, week: 5, month: 6 });

    // In UTC, b falls in October, c on the Sunday before the week, d on yesterday.
    const utc = await call(gw, 'getOverview', '/api/stats/overview');
    expect(utc.time_zone).toBe('UTC');
    expect(utc.spend.today).toBeCloseTo(0.3, 9); // e
    expect(utc.spend.week).toBeCloseTo(0.3 + 0.3, 9); // d e
    expect(utc.spend.month).toBeCloseTo(0.45 + 0.3 + 0.3, 9); // c d e
    expect(utc.requests).toEqual({ today: 3, week: 4, month: 5 });
  });

  it('shows every budget with its owner, the share used and where the period ends at the current pace', async () => {
    const { gw, team, other } = await overviewScenario();

    const overview = await call(gw, 'getOverview', '/api/stats/overview?tz=Europe/Paris');

    expect(overview.budget_health.map((budget) => [budget.level, budget.owner_name, budget.owner_id])).toEqual([
      ['team', 'Platform', team],
      ['virtual key', 'ci runner', other.id],
    ]);
    const [monthly, daily] = overview.budget_health;
    // November in Paris: b c d e, $1.35 of $2, after 17 days and 11 hours of 30 days.
    expect(monthly?.current_usage).toBeCloseTo(1.35, 9);
    expect(monthly?.period_start).toBe('2026-10-31T23:00:00.000Z');
    expect(monthly?.reset_at).toBe('2026-11-30T23:00:00.000Z');
    expect(monthly?.used_fraction).toBeCloseTo(1.35 / 2, 9);
    expect(monthly?.projected_usage).toBeCloseTo((1.35 * 30 * 24) / (17 * 24 + 11), 6);
    expect(monthly?.will_cross).toBe(true);
    expect(daily).toMatchObject({ current_usage: 0, used_fraction: 0, projected_usage: 0, will_cross: false });
  });

  it('lists the costliest sessions of the month, the prompt cache share and savings, refusals and errors', async () => {
    const { gw, rows } = await overviewScenario();

    const overview = await call(gw, 'getOverview', '/api/stats/overview?tz=Europe/Paris');

    expect(overview.top_sessions).toEqual([
      { session_id: 's-1', virtual_key_name: 'platform laptop', requests: 2, cost: 0.75, last_at: rows.e.timestamp },
      { session_id: 's-2', virtual_key_name: 'platform laptop', requests: 2, cost: 0.6, last_at: rows.d.timestamp },
    ]);
    // Prompt tokens this month: b 200k + c 100k + d 200k + e 1M read from the cache.
    expect(overview.cache.read_share).toBeCloseTo(1_000_000 / 1_500_000, 9);
    expect(overview.cache.saved).toBeCloseTo(2.7, 9);
    expect(overview.refusals).toEqual([{ reason: 'model_denied', count: 1 }]);
    expect(overview.errors).toEqual([{ error_type: 'overloaded_error', count: 1 }]);
  });

  it('refuses a time zone it does not know', async () => {
    const gw = await start();
    const response = await fetch(`${gw.url}/api/stats/overview?tz=Mars/Olympus`, {
      headers: { authorization: `Bearer ${gw.gateway.adminToken}` },
    });
    expect(response.status).toBe(400);
    expect(errorSchema.parse(await response.json()).error.message).toMatch(/tz/);
  });
});

// ---- spend over time ------------------------------------------------------------------------------

/** Three teams' keys around midnight in Kolkata (UTC+5:30); the clock ends at 17:30 there on 18 Nov. */
async function seriesScenario() {
  const gw = await start();
  const search = await createTeam(gw, 'Search');
  const billing = await createTeam(gw, 'Billing');
  const alice = await gw.createKey('alice', { team_id: search });
  const bob = await gw.createKey('bob', { team_id: billing });
  const loose = await gw.createKey('loose key');
  const rows = [
    // 17 Nov 23:50 in Kolkata
    await send(gw, alice.value, { at: '2026-11-17T18:20:00Z', model: HAIKU, usage: HAIKU_030 }),
    // 18 Nov 00:10 in Kolkata (the same UTC day as the one before)
    await send(gw, alice.value, { at: '2026-11-17T18:40:00Z', model: HAIKU, usage: HAIKU_030 }),
    // 15:30, 15:59 and 16:01 in Kolkata
    await send(gw, bob.value, { at: '2026-11-18T10:00:00Z', usage: SONNET_045 }),
    await send(gw, loose.value, { at: '2026-11-18T10:29:00Z', model: HAIKU, usage: HAIKU_030 }),
    await send(gw, bob.value, { at: '2026-11-18T10:31:00Z', model: HAIKU, usage: HAIKU_030 }),
  ];
  now = Date.parse('2026-11-18T12:00:00Z');
  return { gw, search, billing, alice, bob, loose, rows };
}

const valuesAt = (series: Output<'getSpendSeries'>, start: string): Record<string, number> | undefined =>
  series.points.find((point) => point.start === start)?.values;

describe('spend over time', () => {
  it('buckets spend per local day of a non-UTC zone and stacks it by team, largest first', async () => {
    const { gw, search, billing } = await seriesScenario();

    const series = await call(gw, 'getSpendSeries', '/api/stats/spend?bucket=day&group=team&tz=Asia/Kolkata');

    expect(series.bucket).toBe('day');
    expect(series.group).toBe('team');
    expect(series.groups).toEqual([
      { id: billing, name: 'Billing', total: 0.75 },
      { id: search, name: 'Search', total: 0.6 },
      { id: '(none)', name: 'No team', total: 0.3 },
    ]);
    // The last 30 local days, each starting at midnight in Kolkata (18:30 UTC the day before).
    expect(series.points).toHaveLength(30);
    expect(series.points.every((point) => point.start.endsWith('T18:30:00.000Z'))).toBe(true);
    expect(series.points.at(-1)?.start).toBe('2026-11-17T18:30:00.000Z');
    expect(valuesAt(series, '2026-11-16T18:30:00.000Z')).toEqual({ [billing]: 0, [search]: 0.3, '(none)': 0 });
    expect(valuesAt(series, '2026-11-17T18:30:00.000Z')).toEqual({ [billing]: 0.75, [search]: 0.3, '(none)': 0.3 });
    const sum = series.points.reduce(
      (total, point) => total + Object.values(point.values).reduce((a, b) => a + b, 0),
      0,
    );
    expect(sum).toBeCloseTo(1.65, 9);

    // In UTC both of Search's requests fall on 17 November.
    const utc = await call(gw, 'getSpendSeries', '/api/stats/spend?bucket=day&group=team&tz=UTC');
    expect(valuesAt(utc, '2026-11-17T00:00:00.000Z')).toEqual({ [billing]: 0, [search]: 0.6, '(none)': 0 });
  });

  it('buckets per local hour on the half hour in Kolkata and names keys as the log recorded them', async () => {
    const { gw, alice, bob, loose } = await seriesScenario();

    const series = await call(gw, 'getSpendSeries', '/api/stats/spend?bucket=hour&group=key&tz=Asia/Kolkata');

    expect(series.groups).toEqual([
      { id: bob.id, name: 'bob', total: 0.75 },
      { id: alice.id, name: 'alice', total: 0.6 },
      { id: loose.id, name: 'loose key', total: 0.3 },
    ]);
    expect(series.points).toHaveLength(48);
    expect(series.points.at(-1)?.start).toBe('2026-11-18T11:30:00.000Z');
    expect(valuesAt(series, '2026-11-18T09:30:00.000Z')).toEqual({ [bob.id]: 0.45, [alice.id]: 0, [loose.id]: 0.3 });
    expect(valuesAt(series, '2026-11-18T10:30:00.000Z')).toEqual({ [bob.id]: 0.3, [alice.id]: 0, [loose.id]: 0 });

    const byModel = await call(gw, 'getSpendSeries', '/api/stats/spend?bucket=hour&group=model&tz=Asia/Kolkata');
    expect(byModel.groups).toEqual([
      { id: HAIKU, name: HAIKU, total: 1.2 },
      { id: SONNET, name: SONNET, total: 0.45 },
    ]);
  });

  it('names at most eight groups and adds up the rest as Other', async () => {
    const gw = await start();
    const keys = [];
    for (let i = 1; i <= 10; i++) keys.push(await gw.createKey(`key ${i}`));
    for (const [i, key] of keys.entries()) {
      // key n costs n cents: n × 10k Haiku input tokens at $1/M
      await send(gw, key.value, {
        at: '2026-11-18T10:00:00Z',
        model: HAIKU,
        usage: { input_tokens: (i + 1) * 10_000 },
      });
    }
    now = Date.parse('2026-11-18T12:00:00Z');

    const series = await call(gw, 'getSpendSeries', '/api/stats/spend?group=key');

    expect(series.groups.map((group) => group.name)).toEqual([
      'key 10',
      'key 9',
      'key 8',
      'key 7',
      'key 6',
      'key 5',
      'key 4',
      'key 3',
      'Other',
    ]);
    expect(series.groups.at(-1)).toEqual({ id: '(other)', name: 'Other', total: 0.03 });
    expect(valuesAt(series, '2026-11-18T00:00:00.000Z')?.['(other)']).toBeCloseTo(0.03, 9);
  });

  it('draws an explicit range and refuses one with more buckets than a chart can hold', async () => {
    const { gw, search } = await seriesScenario();

    const range = await call(
      gw,
      'getSpendSeries',
      '/api/stats/spend?bucket=hour&group=team&tz=Asia/Kolkata&start=2026-11-17T18:00:00Z&end=2026-11-17T19:30:00Z',
    );
    // Starts at the local hour containing `start` (23:30 in Kolkata), ends before `end`.
    expect(range.points.map((point) => point.start)).toEqual(['2026-11-17T17:30:00.000Z', '2026-11-17T18:30:00.000Z']);
    expect(range.points.map((point) => point.values[search])).toEqual([0.3, 0.3]);

    const response = await fetch(`${gw.url}/api/stats/spend?bucket=hour&start=2020-01-01T00:00:00Z`, {
      headers: { authorization: `Bearer ${gw.gateway.adminToken}` },
    });
    expect(response.status).toBe(400);
    expect(errorSchema.parse(await response.json()).error.message).toMatch(/more than 2000 hours/);
  });
});

// ---- session timeline -----------------------------------------------------------------------------

describe("a session's timeline", () => {
  it('lists the requests of one session oldest first with the running cost, and the session summary', async () => {
    const gw = await start();
    const key = await gw.createKey('timeline');
    const first = await send(gw, key.value, { at: '2026-11-18T10:00:00Z', usage: SONNET_045, session: 'sess-t' });
    await send(gw, key.value, { at: '2026-11-18T10:01:00Z', usage: SONNET_045, session: 'elsewhere' });
    const second = await send(gw, key.value, {
      at: '2026-11-18T10:02:00Z',
      model: HAIKU,
      usage: HAIKU_030,
      session: 'sess-t',
    });
    const third = await send(gw, key.value, { at: '2026-11-18T10:03:00Z', usage: SONNET_045, session: 'sess-t' });

    const timeline = await call(gw, 'getSessionTimeline', '/api/sessions/sess-t/requests');

    expect(timeline.entries.map((entry) => [entry.id, entry.cost, entry.running_cost])).toEqual([
      [first.id, 0.45, 0.45],
      [second.id, 0.3, 0.75],
      [third.id, 0.45, 1.2],
    ]);
    expect(timeline).toMatchObject({
      session_id: 'sess-t',
      requests: 3,
      cost: 1.2,
      first_at: '2026-11-18T10:00:00.000Z',
      last_at: '2026-11-18T10:03:00.000Z',
    });
  });

  it('answers 404 for a session with no requests', async () => {
    const gw = await start();
    const response = await fetch(`${gw.url}/api/sessions/nobody/requests`, {
      headers: { authorization: `Bearer ${gw.gateway.adminToken}` },
    });
    expect(response.status).toBe(404);
  });
});

// ---- key rotation ---------------------------------------------------------------------------------

describe('rotating a virtual key', () => {
  it('refuses the old secret from the next request, accepts the new one, keeps the key and its budgets, and audits it', async () => {
    const gw = await start();
    const created = await call(gw, 'createVirtualKey', '/api/governance/virtual-keys', {
      name: 'rotating',
      budgets: [{ max_limit: 50, reset_duration: '1M' }],
      allowed_models: [SONNET],
    });
    const old = created.virtual_key;
    expect((await send(gw, old.value, { at: '2026-11-18T10:00:00Z' })).status).toBe('success');

    const rotated = await call(gw, 'rotateVirtualKey', `/api/governance/virtual-keys/${old.id}/rotate`);

    expect(rotated.virtual_key.id).toBe(old.id);
    expect(rotated.virtual_key.value).toMatch(/^sk-tg-/);
    expect(rotated.virtual_key.value).not.toBe(old.value);
    expect(rotated.virtual_key.value_preview).toBe(`sk-tg-…${rotated.virtual_key.value.slice(-4)}`);
    expect(rotated.virtual_key.budgets.map((budget) => budget.id)).toEqual(old.budgets.map((budget) => budget.id));
    expect(rotated.virtual_key.allowed_models).toEqual([SONNET]);

    const refused = await send(gw, old.value, { at: '2026-11-18T10:01:00Z' });
    expect(refused).toMatchObject({ status_code: 401, refusal_reason: 'key_unknown' });
    const accepted = await send(gw, rotated.virtual_key.value, { at: '2026-11-18T10:02:00Z' });
    expect(accepted).toMatchObject({ status: 'success', virtual_key_id: old.id });

    const audit = await call(gw, 'listAudit', '/api/audit');
    const entry = audit.entries.find((candidate) => candidate.action === 'rotateVirtualKey');
    expect(entry).toMatchObject({ actor: 'admin', target_type: 'virtual-keys', target_id: old.id });
    expect(JSON.stringify(audit.entries)).not.toContain(rotated.virtual_key.value);
  });

  it('answers 404 for a key that does not exist', async () => {
    const gw = await start();
    const response = await fetch(`${gw.url}/api/governance/virtual-keys/no-such-key/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.gateway.adminToken}` },
    });
    expect(response.status).toBe(404);
  });
});

// ---- provider connection test ---------------------------------------------------------------------

describe('testing the provider connection', () => {
  it('lists one model with the stored key and reports the status and latency', async () => {
    const gw = await start();

    const result = await call(gw, 'testProvider', '/api/providers/anthropic/test');

    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.message).toBe(`Connected: the Anthropic API answered 200 in ${result.latency_ms} ms.`);
    const probe = gw.upstream.requests.at(-1);
    expect(probe).toMatchObject({ method: 'GET', path: '/v1/models?limit=1' });
    expect(probe?.headers['x-api-key']).toBe(UPSTREAM_API_KEY);
  });

  it('reports the upstream refusing the key with its status and message', async () => {
    const gw = await start();
    await call(gw, 'updateProvider', '/api/providers/anthropic', {
      keys: [{ name: 'typo', value: 'sk-ant-api03-wrong' }],
    });

    const result = await call(gw, 'testProvider', '/api/providers/anthropic/test');

    expect(result).toMatchObject({
      ok: false,
      status: 401,
      message: 'The Anthropic API refused the key (401): invalid x-api-key',
    });
  });

  it('reports an address nothing listens on', async () => {
    const gw = await start();
    const closed = await closedPort();
    await call(gw, 'updateProvider', '/api/providers/anthropic', { base_url: `http://127.0.0.1:${closed}` });

    const result = await call(gw, 'testProvider', '/api/providers/anthropic/test');

    expect(result).toMatchObject({
      ok: false,
      status: null,
      message: `Could not reach http://127.0.0.1:${closed}: ECONNREFUSED`,
    });
  });

  it('says so when no key is configured', async () => {
    const gw = await start({ seedProviderKey: false });
    const result = await call(gw, 'testProvider', '/api/providers/anthropic/test');
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.message).toMatch(/No Anthropic API key is configured/);
    expect(gw.upstream.requests).toEqual([]);
  });
});

/** A loopback port that was just free: listen on port 0, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- logs: live tail and search -------------------------------------------------------------------

describe('the log viewer', () => {
  it('tails the log: since_id returns only rows written after the highest id the client has seen', async () => {
    const gw = await start();
    const key = await gw.createKey('tail');
    const seen = await send(gw, key.value, { at: '2026-11-18T10:00:00Z' });

    expect((await call(gw, 'listLogs', `/api/logs?since_id=${seen.id}`)).logs).toEqual([]);
    const next = await send(gw, key.value, { at: '2026-11-18T10:01:00Z' });
    const last = await send(gw, key.value, { at: '2026-11-18T10:02:00Z' });

    const tail = await call(gw, 'listLogs', `/api/logs?since_id=${seen.id}`);
    expect(tail.logs.map((entry) => entry.id)).toEqual([last.id, next.id]);
    const one = await call(gw, 'listLogs', `/api/logs?since_id=${seen.id}&limit=1`);
    expect(one.logs.map((entry) => entry.id)).toEqual([last.id]);
    expect(one.has_more).toBe(true);
  });

  it('finds a word of a prompt with q, together with the other filters', async () => {
    const gw = await start();
    const alice = await gw.createKey('alice');
    const bob = await gw.createKey('bob');
    const aliceRow = await send(gw, alice.value, {
      at: '2026-11-18T10:00:00Z',
      text: 'Why is the flamingo exporter slow?',
      session: 'a',
    });
    const bobRow = await send(gw, bob.value, {
      at: '2026-11-18T10:01:00Z',
      text: 'Flamingo exporter again',
      session: 'b',
    });
    await send(gw, bob.value, { at: '2026-11-18T10:02:00Z', text: 'Something else entirely', session: 'c' });

    const ids = async (query: string): Promise<number[]> =>
      (await call(gw, 'listLogs', `/api/logs?${query}`)).logs.map((entry) => entry.id);
    expect(await ids('q=flamingo')).toEqual([bobRow.id, aliceRow.id]);
    expect(await ids(`q=flamingo&vk=${alice.id}`)).toEqual([aliceRow.id]);
    expect(await ids('q=flamingo&start=2026-11-18T10:00:30Z')).toEqual([bobRow.id]);
    expect(await ids('q=pangolin')).toEqual([]);
    // Not FTS5 syntax: searched as plain words rather than refused.
    expect(await ids(`q=${encodeURIComponent('flamingo-exporter "slow')}`)).toEqual([aliceRow.id]);
  });
});

// ---- export ---------------------------------------------------------------------------------------

/** RFC 4180: fields separated by commas, records by CRLF, quoted fields may hold both and "" for ". */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += char;
  }
  if (field !== '' || record.length) throw new Error('the CSV does not end with CRLF');
  return records;
}

async function exportLogs(gw: TestGateway, query: string): Promise<Response> {
  return fetch(`${gw.url}/api/logs/export?${query}`, { headers: { authorization: `Bearer ${gw.gateway.adminToken}` } });
}

describe('exporting the log', () => {
  async function exportScenario() {
    const gw = await start();
    const alice = await gw.createKey('alice, "the lead"');
    const bob = await gw.createKey('bob');
    const rows = [
      await send(gw, alice.value, { at: '2026-11-18T10:00:00Z', usage: SONNET_045, session: 's' }),
      await send(gw, alice.value, {
        at: '2026-11-18T10:01:00Z',
        reply: { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded, "try again"\nlater' },
      }),
      await send(gw, bob.value, { at: '2026-11-18T10:02:00Z', model: HAIKU, usage: HAIKU_030 }),
      await send(gw, alice.value, { at: '2026-11-18T10:03:00Z', model: HAIKU, usage: HAIKU_030 }),
    ];
    return { gw, alice, bob, rows };
  }

  it('streams the filtered rows as CSV: a header of the entry fields, RFC 4180 quoting, arrays joined with ;', async () => {
    const { gw, alice } = await exportScenario();
    const listed = await call(gw, 'listLogs', `/api/logs?vk=${alice.id}`);

    const response = await exportLogs(gw, `format=csv&vk=${alice.id}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="tollgate-logs-2026-11-18.csv"');
    const [header, ...records] = parseCsv(await response.text());
    expect(header).toEqual(Object.keys(logEntrySchema.shape));
    expect(records).toHaveLength(listed.logs.length);
    expect(records).toHaveLength(3);
    const column = (name: string): number => header?.indexOf(name) ?? -1;
    expect(records.map((record) => Number(record[column('id')]))).toEqual(listed.logs.map((entry) => entry.id));
    expect(records.map((record) => record[column('virtual_key_name')])).toEqual(Array(3).fill('alice, "the lead"'));
    const failed = records.find((record) => record[column('status')] === 'error');
    expect(failed?.[column('error_message')]).toBe('Overloaded, "try again"\nlater');
    expect(failed?.[column('ttfb_ms')]).toBe(
      listed.logs.find((entry) => entry.status === 'error')?.ttfb_ms?.toString() ?? '',
    );
    expect(records.map((record) => record[column('cost')])).toEqual(listed.logs.map((entry) => String(entry.cost)));
  });

  it('streams JSON Lines that parse back to the rows the log lists for the same filter', async () => {
    const { gw } = await exportScenario();
    const listed = await call(gw, 'listLogs', `/api/logs?model=${HAIKU}`);

    const response = await exportLogs(gw, `format=jsonl&model=${HAIKU}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="tollgate-logs-2026-11-18.jsonl"');
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => logEntrySchema.parse(JSON.parse(line)));
    expect(lines).toEqual(listed.logs);
    expect(lines).toHaveLength(2);
  });

  it('walks every page of a large log, newest first, up to the limit', async () => {
    const gw = await start();
    const key = await gw.createKey('bulk');
    const template = await send(gw, key.value, { at: '2026-11-18T10:00:00Z' });
    // Written through the request log itself: 2,500 rows, a second apart.
    const { requestLog } = gw.gateway.context;
    for (let i = 0; i < 2_500; i++) {
      requestLog.appendQuietly({
        ...templateRecord(template),
        request_id: `req_bulk_${i}`,
        created_at: Date.parse('2026-11-19T00:00:00Z') + i * 1_000,
      });
    }

    const all = (await (await exportLogs(gw, 'format=jsonl')).text()).trimEnd().split('\n');
    expect(all).toHaveLength(2_501);
    const ids = all.map((line) => logEntrySchema.parse(JSON.parse(line)).id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(2_501);

    const limited = (await (await exportLogs(gw, 'format=csv&limit=1500')).text()).split('\r\n').filter(Boolean);
    expect(limited).toHaveLength(1 + 1_500);
  });

  it('needs the admin token and a valid query', async () => {
    const { gw } = await exportScenario();

    const anonymous = await fetch(`${gw.url}/api/logs/export?format=csv`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${gw.url}/api/logs/export`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const badFormat = await exportLogs(gw, 'format=xml');
    expect(badFormat.status).toBe(400);
    expect(errorSchema.parse(await badFormat.json()).error.message).toMatch(/format/);
    const badCursor = await fetch(`${gw.url}/api/logs/export?status=teapot`, {
      headers: { authorization: `Bearer ${gw.gateway.adminToken}` },
    });
    expect(badCursor.status).toBe(400);
  });
});

/** A log record shaped like a real row, to bulk-load the log. */
function templateRecord(entry: LogEntry) {
  return {
    request_id: entry.request_id,
    created_at: entry.created_at_ms,
    virtual_key_id: entry.virtual_key_id,
    virtual_key_name: entry.virtual_key_name,
    user_id: null,
    team_id: null,
    customer_id: null,
    session_id: entry.session_id,
    client: entry.client,
    method: entry.method,
    path: entry.path,
    endpoint: entry.endpoint,
    model: entry.model,
    provider: entry.provider,
    status: entry.status,
    status_code: entry.status_code,
    error_type: null,
    error_message: null,
    stream: entry.stream,
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    cost_micros: 105,
    cost_estimated: false,
    price_id: null,
    latency_ms: 20,
    ttfb_ms: null,
    stop_reason: 'end_turn',
    tool_names: [],
    request_bytes: 100,
    response_bytes: 100,
    upstream_request_id: null,
    refusal_reason: null,
    requested_model: null,
    removed_tools: [],
    usage_by_model: [],
  };
}

// ---- the dashboard's files ------------------------------------------------------------------------

/** A stand-in renderer build: index.html, a script and a stylesheet under assets/. */
function fakeBuild(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Tollgate</title><script type="module" src="./assets/index-abc123.js"></script>',
  );
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("dashboard");');
  writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'body { color: black; }');
  writeFileSync(join(dir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

/** A request whose path goes out exactly as written: fetch would resolve the dot segments first. */
function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard for browsers', () => {
  it('serves index.html with a content security policy, and hashed assets with their types for a year', async () => {
    const gw = await start({ gateway: { dashboardDir: fakeBuild() } });

    const page = await fetch(`${gw.url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'self'",
      "connect-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(await page.text()).toContain('<title>Tollgate</title>');

    for (const [file, type] of [
      ['index-abc123.js', 'text/javascript; charset=utf-8'],
      ['index-abc123.css', 'text/css; charset=utf-8'],
      ['logo.svg', 'image/svg+xml'],
    ] as const) {
      const asset = await fetch(`${gw.url}/dashboard/assets/${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-type')).toBe(type);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-security-policy')).toBeNull();
    }
    expect(await (await fetch(`${gw.url}/dashboard/assets/index-abc123.js`)).text()).toBe('console.log("dashboard");');
  });

  it('answers page paths with index.html, sends nested ones to the top, and 404s a missing asset', async () => {
    const gw = await start({ gateway: { dashboardDir: fakeBuild() } });

    const spa = await fetch(`${gw.url}/dashboard/logs`);
    expect(spa.status).toBe(200);
    expect(await spa.text()).toContain('<title>Tollgate</title>');
    const bare = await fetch(`${gw.url}/dashboard`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([302, '/dashboard/']);
    const nested = await fetch(`${gw.url}/dashboard/keys/123`, { redirect: 'manual' });
    expect([nested.status, nested.headers.get('location')]).toEqual([302, '/dashboard/']);
    expect((await fetch(`${gw.url}/dashboard/assets/missing-000.js`)).status).toBe(404);
    expect((await fetch(`${gw.url}/dashboard/favicon.ico`)).status).toBe(404);
    const head = await fetch(`${gw.url}/dashboard/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect((await fetch(`${gw.url}/dashboard/`, { method: 'POST' })).status).toBe(405);
  });

  it('never serves a file outside the build, however the path is written', async () => {
    const build = fakeBuild();
    writeFileSync(join(build, '..', 'secret.txt'), 'outside the build');
    const gw = await start({ gateway: { dashboardDir: build } });

    for (const path of [
      '/dashboard/../../package.json',
      '/dashboard/../secret.txt',
      '/dashboard/%2e%2e/secret.txt',
      '/dashboard/%2e%2e%2fsecret.txt',
      '/dashboard/assets/..%2f..%2fsecret.txt',
      '/dashboard/..%5csecret.txt',
      '/dashboard/%2Fetc%2Fpasswd',
      '/dashboard/.%2e/secret.txt',
    ]) {
      const answer = await rawGet(gw.url, path);
      expect([400, 404], `${path} answered ${answer.status}`).toContain(answer.status);
      expect(answer.body, path).not.toContain('outside the build');
      expect(answer.body, path).not.toContain('"name": "tollgate"');
    }
  });

  it('answers 503 with the command to build it when there is no build', async () => {
    const gw = await start({ gateway: { dashboardDir: join(tempDir(), 'not-built') } });

    const response = await fetch(`${gw.url}/dashboard/`);

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toContain('Run npm run build to build the dashboard');
  });

  it('sends a browser at / to the dashboard, while HEAD / and other GET / keep the JSON probe', async () => {
    const gw = await start({ gateway: { dashboardDir: fakeBuild() } });

    const browser = await fetch(`${gw.url}/`, {
      redirect: 'manual',
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect([browser.status, browser.headers.get('location')]).toEqual([302, '/dashboard/']);

    const head = await fetch(`${gw.url}/`, { method: 'HEAD', headers: { accept: 'text/html' } });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'application/json']);
    const probe = await fetch(`${gw.url}/`, { headers: { accept: 'application/json' } });
    expect(await probe.json()).toEqual({ name: 'Tollgate', status: 'ok' });
    const anything = await fetch(`${gw.url}/`, { headers: { accept: '*/*' } });
    expect(await anything.json()).toEqual({ name: 'Tollgate', status: 'ok' });
  });
});
