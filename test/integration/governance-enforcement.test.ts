// Governance enforcement through the real HTTP path, with the official Anthropic SDK as the client:
// budgets at every level of the hierarchy (and that 40 concurrent requests cannot overshoot one), rate
// limits with sliding windows, concurrency caps, model and tool policy, OAuth pass-through, expiry,
// user attribution, calendar resets in the admin's time zone, and failing closed. Time is a manual
// clock injected into the gateway, so windows and resets are crossed without waiting.
import Anthropic, { APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import type { Budget, GatewayStatus, LogEntry } from '../../shared/schemas.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';
import type { RecordedRequest, StandInOptions } from '../support/upstream.js';

type KeyView = RouteResponse<'getVirtualKey'>['virtual_key'];
type Entity = { id: string; name: string };

/** Claude Sonnet 4.6 at $3 / $15 per million tokens: the scripted 1,000 in and 1,000 out cost $0.018. */
const MODEL = 'claude-sonnet-4-6';
const REQUEST_COST_MICROS = 18_000;
const OAUTH_TOKEN = 'sk-ant-oat01-subscriber-own-sign-in-token';

let clock: ManualClock;
let handle: TestGateway | null = null;

afterEach(async () => {
  await handle?.close();
  handle = null;
});

/** A gateway on a fresh data dir with the clock at `at` (a weekday in New York winter by default). */
async function start(at = '2026-01-15T10:00:30.000Z', upstream?: StandInOptions): Promise<TestGateway> {
  clock = new ManualClock(at);
  handle = await startTestGateway({ gateway: { clock: clock.read }, ...(upstream && { upstream }) });
  return handle;
}

function gateway(): TestGateway {
  if (!handle) throw new Error('start() the gateway first');
  return handle;
}

// ---- admin helpers ---------------------------------------------------------------------------------

async function admin<T>(
  method: string,
  path: string,
  body?: unknown,
  status = method === 'POST' ? 201 : 200,
): Promise<T> {
  const response = await gateway().admin<T>(method, path, body);
  expect(response.status, `${method} ${path} → ${JSON.stringify(response.body)}`).toBe(status);
  return response.body;
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; value: string }> {
  const { virtual_key } = await admin<{ virtual_key: { id: string; value: string } }>(
    'POST',
    '/api/governance/virtual-keys',
    {
      name: 'dev key',
      ...body,
    },
  );
  return virtual_key;
}

async function createEntity(level: 'customers' | 'teams' | 'users', body: Record<string, unknown>): Promise<Entity> {
  const answer = await admin<Record<string, Entity>>('POST', `/api/governance/${level}`, body);
  const entity = Object.values(answer).find(
    (value): value is Entity => typeof value === 'object' && value !== null && 'id' in value,
  );
  if (!entity) throw new Error(`no entity in ${JSON.stringify(answer)}`);
  return entity;
}

async function keyBudgets(id: string): Promise<Budget[]> {
  return (await admin<{ virtual_key: KeyView }>('GET', `/api/governance/virtual-keys/${id}`)).virtual_key.budgets;
}

async function logRows(keyId?: string): Promise<LogEntry[]> {
  const query = keyId ? `vk=${keyId}&limit=1000` : 'limit=1000';
  return (await admin<{ logs: LogEntry[] }>('GET', `/api/logs?${query}`)).logs;
}

/** Polls for log rows until `predicate` holds (rows of an aborted request land once the gateway sees the close). */
async function logRowsUntil(keyId: string, predicate: (rows: LogEntry[]) => boolean): Promise<LogEntry[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = await logRows(keyId);
    if (predicate(rows)) return rows;
    if (Date.now() > deadline)
      throw new Error(`log rows never matched: ${JSON.stringify(rows.map((row) => row.status))}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls the gateway's status until `predicate` holds. */
async function statusUntil(predicate: (status: GatewayStatus) => boolean): Promise<GatewayStatus> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await admin<GatewayStatus>('GET', '/api/gateway/status');
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(status.store)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function withRawDatabase(work: (db: Database.Database) => void): void {
  const db = new Database(join(gateway().dataDir, 'tollgate.db'));
  try {
    work(db);
  } finally {
    db.close();
  }
}

// ---- client helpers --------------------------------------------------------------------------------

function sdk(key: string, options: ConstructorParameters<typeof Anthropic>[0] = {}): Anthropic {
  return new Anthropic({ baseURL: gateway().url, authToken: key, maxRetries: 0, ...options });
}

const hello: Anthropic.MessageParam[] = [{ role: 'user', content: 'hello' }];

/** Scripts the stand-in's next answer(s) to report 1,000 input and 1,000 output tokens. */
function scriptCost(times = 1): void {
  for (let i = 0; i < times; i++)
    gateway().upstream.enqueue({ kind: 'message', usage: { input_tokens: 1000, output_tokens: 1000 } });
}

/** One $0.018 request that must be admitted. */
async function spend(client: Anthropic, model = MODEL): Promise<Anthropic.Message> {
  scriptCost();
  return client.messages.create({ model, max_tokens: 256, messages: hello });
}

async function refusalOf(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error('the request was admitted; a refusal was expected');
}

function refusedCall(client: Anthropic, model = MODEL): Promise<APIError> {
  return refusalOf(client.messages.create({ model, max_tokens: 256, messages: hello }));
}

function header(request: RecordedRequest | undefined, name: string): string | undefined {
  const value = request?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function upstreamJson(request: RecordedRequest | undefined): Record<string, unknown> {
  const json = request?.json;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error('the upstream got no JSON body');
  return json as Record<string, unknown>;
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const event of stream) void event;
  } catch (error) {
    if (!(error instanceof APIUserAbortError)) throw error;
  }
}

const toolNames = (tools: unknown): unknown[] =>
  Array.isArray(tools) ? tools.map((tool: { name?: unknown }) => tool.name) : [];

// ---- budgets ---------------------------------------------------------------------------------------

type Level = 'customer' | 'team' | 'user' | 'virtual key' | 'provider config';
const LEVELS: [Level, string][] = [
  ['customer', 'customer "Acme"'],
  ['team', 'team "Platform"'],
  ['user', 'user "Alice"'],
  ['virtual key', 'virtual key "alice laptop"'],
  ['provider config', 'provider config "anthropic"'],
];

/** Customer > team > user > key > provider config, with a $0.01-a-day budget at one level only. */
async function hierarchyWithBudgetAt(level: Level): Promise<{ id: string; value: string }> {
  const budget = (at: Level) => (at === level ? { budget: { max_limit: 0.01, reset_duration: '1d' } } : {});
  const customer = await createEntity('customers', { name: 'Acme', ...budget('customer') });
  const team = await createEntity('teams', { name: 'Platform', customer_id: customer.id, ...budget('team') });
  const user = await createEntity('users', { name: 'Alice', team_id: team.id, ...budget('user') });
  return createKey({
    name: 'alice laptop',
    user_id: user.id,
    ...budget('virtual key'),
    provider_configs: [{ provider: 'anthropic', ...budget('provider config') }],
  });
}

describe('budgets', () => {
  it.each(LEVELS)(
    'refuses with 402 billing_error once the %s budget is spent, naming the level, limit, spend and reset time',
    async (level, named) => {
      await start();
      const key = await hierarchyWithBudgetAt(level);
      const client = sdk(key.value);

      await spend(client); // $0.018 against $0.01: admitted alone, and the budget is spent
      const refusal = await refusedCall(client);

      expect(refusal.status).toBe(402);
      expect(refusal.type).toBe('billing_error');
      const message = refusal.apiMessage ?? '';
      expect(message).toContain(named);
      expect(message).toContain('$0.01'); // the limit
      expect(message).toContain('$0.02'); // the spend, $0.018 to the cent
      expect(message).toContain('2026-01-16T10:00:30.000Z'); // a day after the budget was set
      expect(refusal.headers?.get('x-should-retry')).toBe('false');
      expect(gateway().upstream.messageRequests()).toHaveLength(1);
      const refused = (await logRows(key.id)).find((row) => row.status_code === 402);
      expect(refused).toMatchObject({
        status: 'blocked',
        refusal_reason: 'budget_exhausted',
        error_type: 'billing_error',
      });

      // The /anthropic prefix is the same route, not a way around the budget.
      const prefixed = await fetch(`${gateway().url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key.value, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: hello }),
      });
      expect(prefixed.status).toBe(402);

      // count_tokens is free: never refused by a budget, never charged.
      const counted = await client.messages.countTokens({ model: MODEL, messages: hello });
      expect(counted.input_tokens).toBeGreaterThan(0);
      expect(gateway().upstream.messageRequests()).toHaveLength(1);
    },
  );

  it('charges the actual cost at every level of the chain in one go', async () => {
    await start();
    const customer = await createEntity('customers', {
      name: 'Acme',
      budget: { max_limit: 100, reset_duration: '1M' },
    });
    const team = await createEntity('teams', {
      name: 'Platform',
      customer_id: customer.id,
      budget: { max_limit: 50, reset_duration: '1M' },
    });
    const user = await createEntity('users', {
      name: 'Alice',
      team_id: team.id,
      budget: { max_limit: 20, reset_duration: '1w' },
    });
    const key = await createKey({
      user_id: user.id,
      budget: { max_limit: 10, reset_duration: '1d' },
      provider_configs: [{ provider: 'anthropic', budget: { max_limit: 5, reset_duration: '1d' } }],
    });

    await spend(sdk(key.value));
    await spend(sdk(key.value));

    const usage = (await (
      await fetch(`${gateway().url}/v1/tollgate/usage`, { headers: { 'x-api-key': key.value } })
    ).json()) as {
      budgets: Budget[];
    };
    expect(usage.budgets.map((budget) => Math.round(budget.current_usage * 1e6))).toEqual(
      Array(5).fill(2 * REQUEST_COST_MICROS),
    );
    expect(usage.budgets.map((budget) => budget.reserved)).toEqual(Array(5).fill(0));
  });

  async function fireConcurrently(maxTokens: number): Promise<void> {
    await start();
    const key = await createKey({ name: 'edge of budget', budget: { max_limit: 0.09, reset_duration: '1d' } });
    const client = sdk(key.value);
    scriptCost(40);

    const outcomes = await Promise.all(
      Array.from({ length: 40 }, async () => {
        try {
          // Streamed, as Claude Code sends it (the SDK refuses a 128k max_tokens without streaming).
          const stream = await client.messages.create({
            model: MODEL,
            max_tokens: maxTokens,
            messages: hello,
            stream: true,
          });
          for await (const event of stream) void event;
          return 'admitted' as const;
        } catch (error) {
          if (error instanceof APIError) return error;
          throw error;
        }
      }),
    );

    const admitted = outcomes.filter((outcome) => outcome === 'admitted').length;
    const refusals = outcomes.filter((outcome): outcome is APIError => outcome !== 'admitted');
    const summary = `${admitted} admitted, ${refusals.length} refused`;
    expect(admitted, summary).toBeGreaterThanOrEqual(1);
    expect(admitted + refusals.length).toBe(40);
    for (const refusal of refusals) {
      expect(refusal.status, summary).toBe(402);
      expect(refusal.type, summary).toBe('billing_error');
    }
    expect(gateway().upstream.messageRequests()).toHaveLength(admitted);

    const [budget] = await keyBudgets(key.id);
    const spentMicros = Math.round((budget?.current_usage ?? Number.NaN) * 1e6);
    const rows = await logRows(key.id);
    const loggedMicros = rows.reduce((sum, row) => sum + row.cost_micros, 0);
    expect(rows.filter((row) => row.status === 'success')).toHaveLength(admitted);
    expect(rows.filter((row) => row.status === 'blocked')).toHaveLength(refusals.length);
    expect(loggedMicros, summary).toBe(spentMicros);
    expect(spentMicros, summary).toBe(admitted * REQUEST_COST_MICROS);
    // The acceptance bound: at or under the limit plus one request's actual cost.
    expect(spentMicros, summary).toBeLessThanOrEqual(90_000 + REQUEST_COST_MICROS);
    expect(budget?.reserved).toBe(0);
  }

  it('keeps 40 concurrent requests at a key with room for about five within the limit plus one request', async () => {
    await fireConcurrently(2000);
  });

  it('keeps the same bound when every request asks for 128k output tokens, as Claude Code does', async () => {
    await fireConcurrently(128_000);
  });

  // Server tools make a request read far more input than its body holds (a recorded web search grew from
  // 2,068 to 22,397 input tokens). Each request below is billed 30,000 input and 400 output tokens:
  // $0.096, about 6x what a body of "hello" with max_tokens 1,024 suggests. The budget has room for four.
  const HEAVY_USAGE = { input_tokens: 30_000, output_tokens: 400 };
  const HEAVY_COST_MICROS = 96_000;
  const HEAVY_LIMIT_MICROS = 400_000;

  async function burstAt(
    key: { id: string; value: string },
    count: number,
    params: Partial<Anthropic.MessageCreateParamsNonStreaming>,
  ) {
    for (let i = 0; i < count; i++) gateway().upstream.enqueue({ kind: 'message', usage: HEAVY_USAGE });
    const client = sdk(key.value, { maxRetries: 0 });
    const outcomes = await Promise.all(
      Array.from({ length: count }, () =>
        client.messages.create({ model: MODEL, max_tokens: 1024, messages: hello, ...params }).then(
          () => 'admitted' as const,
          (error: unknown) => {
            if (error instanceof APIError) return error;
            throw error;
          },
        ),
      ),
    );
    const refusals = outcomes.filter((outcome): outcome is APIError => outcome !== 'admitted');
    for (const refusal of refusals) expect(refusal.status).toBe(402);
    return { admitted: count - refusals.length, refusals: refusals.length };
  }

  async function expectWithinLimitPlusOneRequest(keyId: string): Promise<number> {
    const [budget] = await keyBudgets(keyId);
    const spentMicros = Math.round((budget?.current_usage ?? Number.NaN) * 1e6);
    const rows = await logRows(keyId);
    expect(rows.reduce((sum, row) => sum + row.cost_micros, 0)).toBe(spentMicros);
    expect(spentMicros).toBeLessThanOrEqual(HEAVY_LIMIT_MICROS + HEAVY_COST_MICROS);
    expect(budget?.reserved).toBe(0);
    return spentMicros;
  }

  it('keeps 40 concurrent web-search requests that use 6x the input their bodies show within the limit plus one request', async () => {
    await start();
    const key = await createKey({
      name: 'searching',
      budget: { max_limit: HEAVY_LIMIT_MICROS / 1e6, reset_duration: '1d' },
    });
    const { admitted } = await burstAt(key, 40, {
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }],
    });
    expect(admitted).toBeGreaterThanOrEqual(1);
    const spent = await expectWithinLimitPlusOneRequest(key.id);
    expect(spent).toBe(admitted * HEAVY_COST_MICROS);
  });

  it('holds a first burst on a new key to the limit plus one request when each request costs 6x its body', async () => {
    await start();
    const key = await createKey({
      name: 'fresh',
      budget: { max_limit: HEAVY_LIMIT_MICROS / 1e6, reset_duration: '1d' },
    });
    const { admitted } = await burstAt(key, 40, {});
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(await expectWithinLimitPlusOneRequest(key.id)).toBe(admitted * HEAVY_COST_MICROS);
  });

  it('learns from settled requests that cost more than their bodies suggested and holds the next burst to the limit plus one request', async () => {
    await start();
    const key = await createKey({
      name: 'learning',
      budget: { max_limit: HEAVY_LIMIT_MICROS / 1e6, reset_duration: '1d' },
    });
    await burstAt(key, 1, {});
    const { admitted } = await burstAt(key, 40, {});
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(await expectWithinLimitPlusOneRequest(key.id)).toBe((admitted + 1) * HEAVY_COST_MICROS);
  });

  it('holds a burst costing 6x its bodies to the limit plus one request even after a cheap request calibrated the key', async () => {
    await start();
    const key = await createKey({
      name: 'surprised',
      budget: { max_limit: HEAVY_LIMIT_MICROS / 1e6, reset_duration: '1d' },
    });
    gateway().upstream.enqueue({ kind: 'message', usage: { input_tokens: 10, output_tokens: 10 } });
    await sdk(key.value).messages.create({ model: MODEL, max_tokens: 1024, messages: hello });
    const { admitted } = await burstAt(key, 40, {});
    expect(admitted).toBeGreaterThanOrEqual(1);
    const spent = await expectWithinLimitPlusOneRequest(key.id);
    expect(spent).toBe(admitted * HEAVY_COST_MICROS + 180);
  });

  it('runs requests held out by running ones as soon as those settle, instead of refusing them', async () => {
    await start();
    // Each one's hold (its 16k-token worst case, scaled by what the first request really cost) is more
    // than the whole budget, so they can only run one at a time; the budget has room for all of them.
    const key = await createKey({ name: 'queued', budget: { max_limit: 1.5, reset_duration: '1d' } });
    await burstAt(key, 1, {});
    const { admitted, refusals } = await burstAt(key, 6, { max_tokens: 16_000 });
    expect(refusals).toBe(0);
    expect(admitted).toBe(6);
  });
});

// ---- rate limits -----------------------------------------------------------------------------------

describe('rate limits', () => {
  it('refuses the fourth request in a minute with 429 rate_limit_error and retry-after, and count_tokens never counts', async () => {
    await start();
    const key = await createKey({ rate_limit: { request_max_limit: 3, request_reset_duration: '1m' } });
    const client = sdk(key.value);

    for (let i = 0; i < 5; i++) await client.messages.countTokens({ model: MODEL, messages: hello });
    for (let i = 0; i < 3; i++) await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });
    const refusal = await refusedCall(client);

    expect(refusal.status).toBe(429);
    expect(refusal.type).toBe('rate_limit_error');
    expect(refusal.apiMessage).toContain('3 requests per 1m');
    const retryAfter = Number(refusal.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A limit that frees within the minute is worth retrying.
    expect(refusal.headers?.get('x-should-retry')).not.toBe('false');
    expect((await logRows(key.id)).find((row) => row.status_code === 429)).toMatchObject({
      status: 'blocked',
      refusal_reason: 'rate_limit',
    });
    expect(gateway().upstream.messageRequests()).toHaveLength(3);
    // Still free while the limit is reached.
    await client.messages.countTokens({ model: MODEL, messages: hello });
  });

  it('does not admit a second burst just after a window boundary, and admits again once the window has passed', async () => {
    await start('2026-01-15T10:00:59.900Z');
    const key = await createKey({ rate_limit: { request_max_limit: 3, request_reset_duration: '1m' } });
    const client = sdk(key.value);
    const call = () => client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });

    for (let i = 0; i < 3; i++) await call();
    clock.set('2026-01-15T10:01:00.100Z'); // a fixed minute window would have reset 0.2 s later
    for (let i = 0; i < 3; i++) {
      const refusal = await refusalOf(call());
      expect(refusal.status).toBe(429);
      expect(refusal.apiMessage).toContain('2026-01-15T10:01:59.900Z');
    }
    clock.set('2026-01-15T10:01:59.899Z');
    expect((await refusalOf(call())).status).toBe(429);

    clock.set('2026-01-15T10:02:00.000Z');
    for (let i = 0; i < 3; i++) await call();
    expect((await refusalOf(call())).status).toBe(429);
    expect(gateway().upstream.messageRequests()).toHaveLength(6);
  });

  it('tells clients not to retry a limit that frees in more than a minute', async () => {
    await start();
    const key = await createKey({ rate_limit: { request_max_limit: 1, request_reset_duration: '1h' } });
    const client = sdk(key.value);
    await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });

    const refusal = await refusedCall(client);

    expect(refusal.status).toBe(429);
    expect(refusal.type).toBe('rate_limit_error');
    expect(refusal.headers?.get('retry-after')).toBe('3600');
    expect(refusal.headers?.get('x-should-retry')).toBe('false');
  });

  it('refuses once the tokens of a window reach the key’s token limit, and admits when they leave it', async () => {
    await start();
    const key = await createKey({ rate_limit: { token_max_limit: 1500, token_reset_duration: '1m' } });
    const client = sdk(key.value);
    await spend(client); // 2,000 tokens

    const refusal = await refusedCall(client);

    expect(refusal.status).toBe(429);
    expect(refusal.type).toBe('rate_limit_error');
    expect(refusal.apiMessage).toContain('1,500 tokens per 1m');
    clock.advance(60_000);
    await spend(client);
  });

  it('applies a provider config’s own request limit', async () => {
    await start();
    const key = await createKey({
      provider_configs: [{ provider: 'anthropic', rate_limit: { request_max_limit: 2, request_reset_duration: '1h' } }],
    });
    const client = sdk(key.value);
    await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });
    await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });

    const refusal = await refusedCall(client);

    expect(refusal.status).toBe(429);
    expect(refusal.apiMessage).toContain('provider config allows 2 requests per 1h');
    expect(refusal.headers?.get('x-should-retry')).toBe('false');
  });

  it('refuses a second request while a slow stream is in flight on a key capped at one, and admits once it ends', async () => {
    await start();
    const key = await createKey({ max_concurrent_requests: 1 });
    const client = sdk(key.value);
    gateway().upstream.enqueue({ kind: 'slow', delayMsPerEvent: 60_000 }); // first event now, the rest never
    const hangUp = new AbortController();
    const first = await client.messages.create(
      { model: MODEL, max_tokens: 16, messages: hello, stream: true },
      { signal: hangUp.signal },
    );

    const refusal = await refusedCall(client);

    expect(refusal.status).toBe(429);
    expect(refusal.type).toBe('rate_limit_error');
    expect(refusal.apiMessage).toContain('1 request at a time');
    expect(refusal.headers?.get('retry-after')).toBe('1');
    hangUp.abort();
    await drain(first); // the SDK ends an aborted stream quietly
    await logRowsUntil(key.id, (rows) => rows.some((row) => row.status === 'aborted'));

    await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });
    const reasons = (await logRows(key.id)).map((row) => row.refusal_reason).filter(Boolean);
    expect(reasons).toEqual(['concurrency_limit']);
  });
});

// ---- model policy ----------------------------------------------------------------------------------

describe('model policy', () => {
  it('refuses a model outside the key’s allow list with 400 invalid_request_error naming the model and the rule', async () => {
    await start();
    const key = await createKey({ name: 'sonnet only', allowed_models: ['claude-sonnet-*'] });
    const client = sdk(key.value);

    const refusal = await refusedCall(client, 'claude-opus-4-8');

    expect(refusal.status).toBe(400);
    expect(refusal.type).toBe('invalid_request_error');
    expect(refusal.apiMessage).toContain('claude-opus-4-8');
    expect(refusal.apiMessage).toContain('claude-sonnet-*');
    expect(refusal.headers?.get('x-should-retry')).toBe('false');
    expect(gateway().upstream.messageRequests()).toHaveLength(0);
    expect((await logRows(key.id))[0]).toMatchObject({
      status: 'blocked',
      refusal_reason: 'model_denied',
      requested_model: 'claude-opus-4-8',
    });
    await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });
  });

  it('refuses a model on the key’s deny list, naming the rule', async () => {
    await start();
    const key = await createKey({ denied_models: ['claude-opus-*'] });
    const client = sdk(key.value);

    const refusal = await refusedCall(client, 'claude-opus-4-8');

    expect(refusal.status).toBe(400);
    expect(refusal.apiMessage).toContain('claude-opus-4-8');
    expect(refusal.apiMessage).toContain('claude-opus-*');
    await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });
  });

  it('applies a provider config’s allowed_models, matching dated model ids with globs', async () => {
    await start();
    const key = await createKey({ provider_configs: [{ provider: 'anthropic', allowed_models: ['claude-haiku-*'] }] });
    const client = sdk(key.value);

    await client.messages.create({ model: 'claude-haiku-4-5-20251001', max_tokens: 16, messages: hello });
    const refusal = await refusedCall(client, MODEL);

    expect(refusal.status).toBe(400);
    expect(refusal.apiMessage).toContain('provider config');
    expect(refusal.apiMessage).toContain('claude-haiku-*');
  });

  it('matches the dated ids Claude Code sends against undated names in allow and deny lists', async () => {
    await start();
    const allowed = await createKey({ allowed_models: ['claude-haiku-4-5'] });
    const denied = await createKey({ denied_models: ['claude-haiku-4-5'] });

    await sdk(allowed.value).messages.create({ model: 'claude-haiku-4-5-20251001', max_tokens: 16, messages: hello });
    const refusal = await refusedCall(sdk(denied.value), 'claude-haiku-4-5-20251001');

    expect(refusal.status).toBe(400);
    expect(refusal.apiMessage).toContain('claude-haiku-4-5-20251001');
  });

  it('downgrades a remapped model instead of refusing it: the upstream, the log and the price all see the target', async () => {
    await start();
    const key = await createKey({
      allowed_models: ['claude-sonnet-*'],
      model_remap: { 'claude-opus-*': 'claude-sonnet-4-5' },
    });

    const message = await spend(sdk(key.value), 'claude-opus-4-8');

    expect(message.model).toBe('claude-sonnet-4-5');
    expect(upstreamJson(gateway().upstream.messageRequests()[0]).model).toBe('claude-sonnet-4-5');
    expect((await logRows(key.id))[0]).toMatchObject({
      status: 'success',
      model: 'claude-sonnet-4-5',
      requested_model: 'claude-opus-4-8',
      cost_micros: REQUEST_COST_MICROS, // Opus 4.8 at $5 / $25 would be 30,000
    });
  });
});

// ---- tool policy -----------------------------------------------------------------------------------

const tool = (name: string): Anthropic.Tool => ({
  name,
  description: `${name} tool`,
  input_schema: { type: 'object', properties: {} },
});

describe('tool policy', () => {
  it('removes denied tools before forwarding, frees a tool_choice that forced one, and logs what it removed', async () => {
    await start();
    const key = await createKey({ tool_policy: { deny: ['Bash', 'mcp__github__*'] } });

    await sdk(key.value).messages.create({
      model: MODEL,
      max_tokens: 16,
      messages: hello,
      tools: ['Bash', 'Read', 'mcp__github__create_issue', 'mcp__github__list_prs', 'mcp__slack__post_message'].map(
        tool,
      ),
      tool_choice: { type: 'tool', name: 'Bash', disable_parallel_tool_use: true },
    });

    const forwarded = upstreamJson(gateway().upstream.messageRequests()[0]);
    expect(toolNames(forwarded.tools)).toEqual(['Read', 'mcp__slack__post_message']);
    expect(forwarded.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(forwarded.messages).toEqual(hello);
    expect((await logRows(key.id))[0]?.removed_tools).toEqual([
      'Bash',
      'mcp__github__create_issue',
      'mcp__github__list_prs',
    ]);
  });

  it('keeps only the tools an allow list names', async () => {
    await start();
    const key = await createKey({ tool_policy: { allow: ['Read', 'Grep', 'mcp__docs__*'] } });

    await sdk(key.value).messages.create({
      model: MODEL,
      max_tokens: 16,
      messages: hello,
      tools: ['Read', 'Bash', 'Grep', 'Write', 'mcp__docs__search'].map(tool),
    });

    expect(toolNames(upstreamJson(gateway().upstream.messageRequests()[0]).tools)).toEqual([
      'Read',
      'Grep',
      'mcp__docs__search',
    ]);
    expect((await logRows(key.id))[0]?.removed_tools).toEqual(['Bash', 'Write']);
  });

  it('forwards the client’s bytes untouched when the policy removes nothing', async () => {
    await start();
    const key = await createKey({ tool_policy: { deny: ['Bash'] } });
    const body = JSON.stringify({ model: MODEL, max_tokens: 16, messages: hello, tools: [tool('Read')] });

    const response = await fetch(`${gateway().url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key.value, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body,
    });

    expect(response.status).toBe(200);
    expect(gateway().upstream.messageRequests()[0]?.rawBody.toString('utf8')).toBe(body);
    expect((await logRows(key.id))[0]?.removed_tools).toEqual([]);
  });
});

// ---- who is asking ---------------------------------------------------------------------------------

describe('credentials and attribution', () => {
  it('forwards a subscriber’s own OAuth sign-in untouched when a Tollgate key rides along, and still governs and logs it', async () => {
    await start(undefined, { apiKey: undefined });
    const key = await createKey({
      name: 'max subscriber',
      allowed_models: ['claude-sonnet-*'],
      rate_limit: { request_max_limit: 1, request_reset_duration: '1h' },
    });
    const subscriber = sdk(OAUTH_TOKEN, { defaultHeaders: { 'x-tollgate-key': key.value } });

    await spend(subscriber);

    const received = gateway().upstream.messageRequests()[0];
    expect(header(received, 'authorization')).toBe(`Bearer ${OAUTH_TOKEN}`);
    expect(header(received, 'x-api-key')).toBeUndefined();
    expect(header(received, 'x-tollgate-key')).toBeUndefined();
    expect(JSON.stringify(received?.headers)).not.toContain(UPSTREAM_API_KEY);
    expect((await logRows(key.id))[0]).toMatchObject({
      status: 'success',
      virtual_key_id: key.id,
      cost_micros: REQUEST_COST_MICROS,
    });
    // Model policy and rate limits apply to the subscriber as to anyone.
    expect((await refusedCall(subscriber, 'claude-opus-4-8')).status).toBe(400);
    expect((await refusedCall(subscriber)).status).toBe(429);
    expect(gateway().upstream.messageRequests()).toHaveLength(1);
  });

  it('refuses a subscriber’s OAuth sign-in without a Tollgate key, pointing at ANTHROPIC_CUSTOM_HEADERS', async () => {
    await start(undefined, { apiKey: undefined });

    const refusal = await refusedCall(sdk(OAUTH_TOKEN));

    expect(refusal.status).toBe(401);
    expect(refusal.type).toBe('authentication_error');
    expect(refusal.apiMessage).toContain('ANTHROPIC_CUSTOM_HEADERS');
    expect(gateway().upstream.requests).toHaveLength(0);
  });

  it('refuses a key once its expiry has passed with 401 authentication_error', async () => {
    await start();
    const key = await createKey({ name: 'contractor', expires_at: new Date(clock.now + 3_600_000).toISOString() });
    const client = sdk(key.value);
    await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });

    clock.advance(2 * 3_600_000);
    const refusal = await refusedCall(client);

    expect(refusal.status).toBe(401);
    expect(refusal.type).toBe('authentication_error');
    expect(refusal.apiMessage).toContain('expired');
    expect(refusal.headers?.get('x-should-retry')).toBe('false');
    expect((await logRows(key.id)).find((row) => row.status_code === 401)).toMatchObject({
      refusal_reason: 'key_expired',
    });
    const stale = await createKey({ name: 'already expired', expires_at: new Date(clock.now - 1000).toISOString() });
    expect((await refusedCall(sdk(stale.value))).status).toBe(401);
    expect(gateway().upstream.messageRequests()).toHaveLength(1);
  });

  it('attributes a shared key’s request to the user named in x-tollgate-user, whose budget then applies', async () => {
    await start();
    const team = await createEntity('teams', { name: 'Platform' });
    const alice = await createEntity('users', {
      name: 'Alice',
      email: 'alice@example.com',
      team_id: team.id,
      budget: { max_limit: 0.01, reset_duration: '1d' },
    });
    const bob = await createEntity('users', { name: 'Bob', email: 'bob@example.com', team_id: team.id });
    const shared = await createKey({ name: 'shared', team_id: team.id });
    const as = (user: string) => sdk(shared.value, { defaultHeaders: { 'x-tollgate-user': user } });

    await spend(as(alice.id));
    const refusal = await refusedCall(as('alice@example.com'));
    await spend(as('bob@example.com'));

    expect(refusal.status).toBe(402);
    expect(refusal.apiMessage).toContain('user "Alice"');
    const rows = await logRows(shared.id);
    expect(
      rows
        .filter((row) => row.status === 'success')
        .map((row) => row.user_id)
        .sort(),
    ).toEqual([alice.id, bob.id].sort());
    expect(rows.every((row) => row.team_id === team.id)).toBe(true);
    for (const request of gateway().upstream.messageRequests())
      expect(header(request, 'x-tollgate-user')).toBeUndefined();
    // The refusal is Alice's too: the log viewer filtered to her must show it.
    expect(rows.find((row) => row.status_code === 402)?.user_id).toBe(alice.id);
  });

  it('answers 403 for an x-tollgate-user that names no user, or another user than the key’s own', async () => {
    await start();
    const alice = await createEntity('users', { name: 'Alice' });
    await createEntity('users', { name: 'Bob' });
    const shared = await createKey({ name: 'shared' });
    const personal = await createKey({ name: 'alice laptop', user_id: alice.id });

    const unknown = await refusedCall(
      sdk(shared.value, { defaultHeaders: { 'x-tollgate-user': 'mallory@example.com' } }),
    );
    const impostor = await refusedCall(sdk(personal.value, { defaultHeaders: { 'x-tollgate-user': 'Bob' } }));

    expect(unknown.status).toBe(403);
    expect(unknown.type).toBe('permission_error');
    // Never repeated back: the answer is the same whether that person exists or not.
    expect(unknown.apiMessage).not.toContain('mallory@example.com');
    expect(impostor.status).toBe(403);
    expect(impostor.type).toBe('permission_error');
    expect(gateway().upstream.messageRequests()).toHaveLength(0);
  });
});

// ---- calendar resets -------------------------------------------------------------------------------

describe('calendar-aligned budgets', () => {
  it('resets a daily budget at midnight in New York, not in UTC', async () => {
    await start('2026-01-15T04:30:00.000Z'); // 23:30 on 14 January in New York (UTC−5)
    const key = await createKey({
      budget: { max_limit: 0.01, reset_duration: '1d', calendar_aligned: true, time_zone: 'America/New_York' },
    });
    const client = sdk(key.value);
    expect((await keyBudgets(key.id))[0]).toMatchObject({
      time_zone: 'America/New_York',
      period_start: '2026-01-14T05:00:00.000Z',
      reset_at: '2026-01-15T05:00:00.000Z',
    });

    await spend(client);
    const refusal = await refusedCall(client);
    expect(refusal.status).toBe(402);
    expect(refusal.apiMessage).toContain('2026-01-15T05:00:00.000Z');
    clock.set('2026-01-15T04:59:59.999Z');
    expect((await refusedCall(client)).status).toBe(402);

    clock.set('2026-01-15T05:00:00.000Z'); // midnight in New York
    await spend(client);
    expect((await keyBudgets(key.id))[0]).toMatchObject({ current_usage: 0.018, reset_at: '2026-01-16T05:00:00.000Z' });
  });

  it('aligns budgets without a zone of their own on the budget_time_zone setting', async () => {
    await start('2026-01-15T14:30:00.000Z'); // 23:30 in Tokyo (UTC+9)
    const key = await createKey({ budget: { max_limit: 0.01, reset_duration: '1d', calendar_aligned: true } });
    await admin('PUT', '/api/config', { client_config: { budget_time_zone: 'Asia/Tokyo' } });
    const client = sdk(key.value);
    expect((await keyBudgets(key.id))[0]).toMatchObject({
      time_zone: 'Asia/Tokyo',
      reset_at: '2026-01-15T15:00:00.000Z',
    });

    await spend(client);
    expect((await refusedCall(client)).status).toBe(402);

    clock.set('2026-01-15T15:00:00.000Z'); // midnight in Tokyo
    await spend(client);
  });
});

// ---- failing closed --------------------------------------------------------------------------------

describe('failing closed', () => {
  it.each(['budgets', 'budget_spend', 'budget_grants', 'rate_limits'])(
    'refuses with api_error and forwards nothing when the %s table cannot be read',
    async (table) => {
      await start();
      const key = await createKey({
        budget: { max_limit: 10, reset_duration: '1d' },
        rate_limit: { request_max_limit: 100, request_reset_duration: '1m' },
      });
      const client = sdk(key.value);
      await client.messages.create({ model: MODEL, max_tokens: 16, messages: hello });

      withRawDatabase((db) => {
        db.pragma('foreign_keys = OFF');
        db.exec(`DROP TABLE ${table}`);
      });
      const refusal = await refusedCall(client);

      expect(refusal.status).toBe(500);
      expect(refusal.type).toBe('api_error');
      expect(gateway().upstream.messageRequests()).toHaveLength(1);
      expect((await logRows(key.id)).find((row) => row.status_code === 500)).toMatchObject({
        status: 'blocked',
        refusal_reason: 'governance_unavailable',
      });
    },
  );

  it('holds a request whose spend cannot be written with its row, refuses budgeted keys meanwhile, and writes both once it can', async () => {
    await start();
    const key = await createKey({ budget: { max_limit: 10, reset_duration: '1d' } });
    gateway().upstream.enqueue({
      kind: 'slow',
      delayMsPerEvent: 60_000,
      usage: { input_tokens: 1000, output_tokens: 1000 },
    });
    const hangUp = new AbortController();
    const stream = await sdk(key.value).messages.create(
      { model: MODEL, max_tokens: 16, messages: hello, stream: true },
      { signal: hangUp.signal },
    );

    // Writes fail from here on, as they do on a full disk; reads still work.
    withRawDatabase((db) => {
      db.exec(`CREATE TRIGGER refuse_spend BEFORE INSERT ON budget_spend
               BEGIN SELECT RAISE(ABORT, 'no room for budget_spend (a full disk, simulated)'); END;
               CREATE TRIGGER refuse_rows BEFORE INSERT ON request_logs
               BEGIN SELECT RAISE(ABORT, 'no room for request_logs (a full disk, simulated)'); END`);
    });
    hangUp.abort();
    await drain(stream);

    // Spend and its row are one fact: neither is written, both wait in memory, and the gateway says so.
    const unwritable = await statusUntil((status) => !status.store.writable);
    expect(unwritable.store.pending).toBeGreaterThanOrEqual(1);
    expect(unwritable.store.error).toContain('(a full disk, simulated)');
    expect(await logRows(key.id)).toEqual([]);
    const refusal = await refusedCall(sdk(key.value, { maxRetries: 0 }));
    expect(refusal.status).toBe(503);
    expect(refusal.type).toBe('api_error');
    expect(refusal.apiMessage).toContain('cannot write to its store');
    expect(refusal.headers?.get('x-should-retry')).toBe('false');

    withRawDatabase((db) => db.exec('DROP TRIGGER refuse_spend; DROP TRIGGER refuse_rows'));
    await statusUntil((status) => status.store.writable && status.store.pending === 0);
    const rows = await logRowsUntil(key.id, (found) => found.length === 2);
    const aborted = rows.find((row) => row.status === 'aborted');
    expect(aborted).toMatchObject({ virtual_key_id: key.id });
    expect(rows.find((row) => row.status === 'blocked')).toMatchObject({
      refusal_reason: 'store_unwritable',
      status_code: 503,
    });
    const [budget] = await keyBudgets(key.id);
    expect(Math.round((budget?.current_usage ?? Number.NaN) * 1e6)).toBe(aborted?.cost_micros);
    expect(aborted?.cost_micros).toBeGreaterThan(0);
  });
});
