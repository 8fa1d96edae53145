// The admin API over real HTTP against a real gateway on a temporary data directory: auth, virtual
// keys (whose secret is shown once and never stored), provider keys (masked, encrypted at rest or
// read from the environment), prices and overrides as requests are charged, the request log's
// filters and paging, captured content, and the client config. Responses are parsed with the
// contract's own schemas, so a shape that drifts from shared/contract.ts fails here too.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminApi, type AdminApi, type RouteName, type RouteSpec } from '../../shared/contract.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';

const errorSchema = z.object({
  type: z.literal('error'),
  error: z.object({ type: z.string(), message: z.string() }),
});
const messageSchema = z.looseObject({
  type: z.literal('message'),
  model: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  usage: z.looseObject({ input_tokens: z.number(), output_tokens: z.number() }),
});

type Output<N extends RouteName> = z.output<AdminApi[N]['response']>;

let gateways: TestGateway[] = [];
/** The gateway's clock: tests move it to give requests distinct, known times. */
let now = Date.parse('2026-11-20T09:00:00Z');

async function start(options: Parameters<typeof startTestGateway>[0] = {}): Promise<TestGateway> {
  now = Date.parse('2026-11-20T09:00:00Z');
  const gw = await startTestGateway({ ...options, gateway: { clock: () => now, ...options.gateway } });
  gateways.push(gw);
  return gw;
}

afterEach(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  gateways = [];
});

/** Calls an admin route, expects its success status, and parses the answer with the contract's schema. */
async function call<N extends RouteName>(
  gw: TestGateway,
  name: N,
  path: string,
  body?: unknown,
): Promise<{ body: Output<N>; text: string }> {
  const spec: RouteSpec = adminApi[name];
  const schema = spec.response as z.ZodType<Output<N>>;
  const response = await fetch(gw.url + path, {
    method: spec.method,
    headers: { authorization: `Bearer ${gw.gateway.adminToken}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(spec.status ?? 200);
  return { body: schema.parse(JSON.parse(text)), text };
}

/** Calls an admin route expecting a refusal; returns status and the Anthropic-shaped error. */
async function refused(
  gw: TestGateway,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = gw.gateway.adminToken,
): Promise<{ status: number; error: { type: string; message: string } }> {
  const response = await fetch(gw.url + path, {
    method,
    headers: { ...(token !== null && { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, error: errorSchema.parse(await response.json()).error };
}

interface Sent {
  status: number;
  requestId: string;
  text: string;
}

/** Sends one Messages request as Claude Code would, with a virtual key (or none). */
async function send(
  gw: TestGateway,
  key: string | null,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const response = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      ...(key !== null && { 'x-api-key': key }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // Relayed answers carry Tollgate's id beside the upstream's request-id; refusals carry it as request-id.
  const requestId = response.headers.get('x-tollgate-request-id') ?? response.headers.get('request-id') ?? '';
  return { status: response.status, requestId, text };
}

const ask = (model: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model,
  max_tokens: 64,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

/** Every file SQLite keeps for the database (main file and, if left, its WAL and shm). */
function databaseBytes(gw: TestGateway): Buffer {
  const files = readdirSync(gw.dataDir).filter((name) => name.startsWith('tollgate.db'));
  expect(files).toContain('tollgate.db');
  return Buffer.concat(files.map((name) => readFileSync(join(gw.dataDir, name))));
}

const logs = async (gw: TestGateway, query = ''): Promise<Output<'listLogs'>> =>
  (await call(gw, 'listLogs', `/api/logs${query}`)).body;

describe('admin authentication', () => {
  it('refuses the admin API without a token, in the Anthropic error shape', async () => {
    const gw = await start();
    const { status, error } = await refused(gw, 'GET', '/api/governance/virtual-keys', undefined, null);
    expect(status).toBe(401);
    expect(error.type).toBe('authentication_error');
    expect(error.message).toMatch(/admin token/);
  });

  it('refuses the admin API with a wrong token', async () => {
    const gw = await start();
    const { status, error } = await refused(gw, 'GET', '/api/config', undefined, `${gw.gateway.adminToken}x`);
    expect(status).toBe(401);
    expect(error.type).toBe('authentication_error');
  });

  it('does not accept a virtual key as the admin token', async () => {
    const gw = await start();
    const key = await gw.createKey('alice');
    expect((await refused(gw, 'GET', '/api/governance/virtual-keys', undefined, key.value)).status).toBe(401);
  });
});

describe('virtual keys', () => {
  it('creates a key and shows its sk-tg- value once, never in a list or a read', async () => {
    const gw = await start();
    const created = await call(gw, 'createVirtualKey', '/api/governance/virtual-keys', {
      name: 'alice laptop',
      description: 'Alice on her laptop',
      is_active: true,
    });
    const key = created.body.virtual_key;
    expect(key).toMatchObject({ name: 'alice laptop', description: 'Alice on her laptop', is_active: true });
    expect(key.value).toMatch(/^sk-tg-[A-Za-z0-9_-]{20,}$/);
    expect(key.value_preview.endsWith(key.value.slice(-4))).toBe(true);

    const list = await call(gw, 'listVirtualKeys', '/api/governance/virtual-keys');
    expect(list.body.count).toBe(1);
    expect(list.body.virtual_keys[0]).toMatchObject({ id: key.id, name: 'alice laptop' });
    expect(list.body.virtual_keys[0]).not.toHaveProperty('value');
    expect(list.text).not.toContain(key.value);

    const read = await call(gw, 'getVirtualKey', `/api/governance/virtual-keys/${key.id}`);
    expect(read.body.virtual_key).not.toHaveProperty('value');
    expect(read.text).not.toContain(key.value);
  });

  it('stores only the SHA-256 of a key: the database file never holds its value', async () => {
    const gw = await start();
    const key = await gw.createKey('bob');
    expect((await send(gw, key.value, ask('claude-haiku-4-5', 'hi'))).status).toBe(200);
    await gw.gateway.close();

    expect(databaseBytes(gw).includes(Buffer.from(key.value))).toBe(false);
    const db = new Database(gw.gateway.databaseFile, { readonly: true });
    try {
      const row = db
        .prepare<[string], { key_hash: string }>('SELECT key_hash FROM virtual_keys WHERE id = ?')
        .get(key.id);
      expect(row?.key_hash).toBe(createHash('sha256').update(key.value).digest('hex'));
    } finally {
      db.close();
    }
  });

  it('updates a key’s name and active flag, and refuses requests with a deactivated key', async () => {
    const gw = await start();
    const key = await gw.createKey('carol');
    const updated = await call(gw, 'updateVirtualKey', `/api/governance/virtual-keys/${key.id}`, {
      name: 'carol (contractor)',
      is_active: false,
    });
    expect(updated.body.virtual_key).toMatchObject({ id: key.id, name: 'carol (contractor)', is_active: false });
    expect(updated.text).not.toContain(key.value);
    const read = await call(gw, 'getVirtualKey', `/api/governance/virtual-keys/${key.id}`);
    expect(read.body.virtual_key).toMatchObject({ name: 'carol (contractor)', is_active: false });

    const sent = await send(gw, key.value, ask('claude-haiku-4-5', 'hi'));
    expect(sent.status).toBe(401);
    expect(errorSchema.parse(JSON.parse(sent.text)).error.message).toMatch(/revoked or disabled/);

    await call(gw, 'updateVirtualKey', `/api/governance/virtual-keys/${key.id}`, { is_active: true });
    expect((await send(gw, key.value, ask('claude-haiku-4-5', 'hi'))).status).toBe(200);
  });

  it('deletes a key: it is gone from reads and lists, and its requests are refused', async () => {
    const gw = await start();
    const key = await gw.createKey('dave');
    await call(gw, 'deleteVirtualKey', `/api/governance/virtual-keys/${key.id}`);

    const read = await refused(gw, 'GET', `/api/governance/virtual-keys/${key.id}`);
    expect(read.status).toBe(404);
    expect(read.error.type).toBe('not_found_error');
    expect((await call(gw, 'listVirtualKeys', '/api/governance/virtual-keys')).body.count).toBe(0);
    expect((await refused(gw, 'DELETE', `/api/governance/virtual-keys/${key.id}`)).status).toBe(404);
    expect((await refused(gw, 'PUT', `/api/governance/virtual-keys/${key.id}`, { name: 'x' })).status).toBe(404);
    expect((await send(gw, key.value, ask('claude-haiku-4-5', 'hi'))).status).toBe(401);
  });

  it.each([
    ['a missing name', {}, 'name'],
    ['an empty name', { name: '   ' }, 'name'],
    ['a name that is not a string', { name: 42 }, 'name'],
    ['is_active that is not a boolean', { name: 'x', is_active: 'yes' }, 'is_active'],
    ['a description that is not a string', { name: 'x', description: ['a'] }, 'description'],
    ['capture_content that is not a boolean', { name: 'x', capture_content: 1 }, 'capture_content'],
  ])('answers 400 invalid_request_error naming the field for %s', async (_what, body, field) => {
    const gw = await start();
    const { status, error } = await refused(gw, 'POST', '/api/governance/virtual-keys', body);
    expect(status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain(field);
    expect((await call(gw, 'listVirtualKeys', '/api/governance/virtual-keys')).body.count).toBe(0);
  });

  it('answers 400 for an update with a field of the wrong type, and for a body that is not JSON', async () => {
    const gw = await start();
    const key = await gw.createKey('erin');
    const wrongType = await refused(gw, 'PUT', `/api/governance/virtual-keys/${key.id}`, { is_active: 'no' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.error.message).toContain('is_active');
    const notJson = await refused(gw, 'POST', '/api/governance/virtual-keys', '{"name": ');
    expect(notJson.status).toBe(400);
    expect(notJson.error.type).toBe('invalid_request_error');
  });
});

describe('providers', () => {
  const SECRET = 'sk-ant-secret-xyz123456';

  it('masks a literal provider key in every answer and keeps it encrypted in the database', async () => {
    const gw = await start();
    const created = await call(gw, 'upsertProvider', '/api/providers', {
      provider: 'anthropic',
      keys: [{ name: 'k', value: SECRET, weight: 1 }],
      base_url: gw.upstream.url,
    });
    expect(created.text).not.toContain(SECRET);
    expect(created.body.keys).toEqual([
      expect.objectContaining({ name: 'k', value: 'sk-ant-…3456', weight: 1, source: 'literal' }),
    ]);
    expect(created.body.base_url).toBe(gw.upstream.url);

    const list = await call(gw, 'listProviders', '/api/providers');
    expect(list.text).not.toContain(SECRET);
    expect(list.body.providers[0]?.keys[0]?.value).toBe('sk-ant-…3456');
    const one = await call(gw, 'getProvider', '/api/providers/anthropic');
    expect(one.text).not.toContain(SECRET);

    await gw.gateway.close();
    const bytes = databaseBytes(gw);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    // Nor the key seeded from ANTHROPIC_API_KEY at start-up, which it replaced.
    expect(bytes.includes(Buffer.from(UPSTREAM_API_KEY))).toBe(false);
  });

  it('forwards with a literal key it stored encrypted', async () => {
    const gw = await start({ seedProviderKey: false });
    await call(gw, 'upsertProvider', '/api/providers', {
      provider: 'anthropic',
      keys: [{ name: 'team key', value: UPSTREAM_API_KEY }],
    });
    const key = await gw.createKey('frank');
    expect((await send(gw, key.value, ask('claude-haiku-4-5', 'hi'))).status).toBe(200);
    expect(gw.upstream.messageRequests().at(-1)?.headers['x-api-key']).toBe(UPSTREAM_API_KEY);

    await gw.gateway.close();
    expect(databaseBytes(gw).includes(Buffer.from(UPSTREAM_API_KEY))).toBe(false);
  });

  it('shows an env.VAR key by its name and forwards with the value from the gateway’s environment', async () => {
    const gw = await start({ gateway: { env: { MY_TEST_KEY: UPSTREAM_API_KEY } }, seedProviderKey: false });
    const key = await gw.createKey('grace');
    // Nothing seeded: with no provider key the request cannot be forwarded.
    const before = await send(gw, key.value, ask('claude-haiku-4-5', 'hi'));
    expect(before.status).toBe(500);
    expect(gw.upstream.messageRequests()).toHaveLength(0);

    const created = await call(gw, 'upsertProvider', '/api/providers', {
      provider: 'anthropic',
      keys: [{ name: 'from env', value: 'env.MY_TEST_KEY' }],
    });
    expect(created.body.keys).toEqual([expect.objectContaining({ value: 'env.MY_TEST_KEY', source: 'env' })]);
    expect(created.text).not.toContain(UPSTREAM_API_KEY);
    expect((await call(gw, 'getProvider', '/api/providers/anthropic')).body.keys[0]?.value).toBe('env.MY_TEST_KEY');

    const after = await send(gw, key.value, ask('claude-haiku-4-5', 'hi'));
    expect(after.status, after.text).toBe(200);
    expect(gw.upstream.messageRequests().at(-1)?.headers['x-api-key']).toBe(UPSTREAM_API_KEY);
  });

  it('answers 400 naming the field for a provider name it cannot take, a provider of its own without its address, or a key without a value', async () => {
    const gw = await start();
    const unknown = await refused(gw, 'POST', '/api/providers', { provider: 'Open AI!' });
    expect(unknown.status).toBe(400);
    expect(unknown.error.message).toContain('provider');
    const nowhere = await refused(gw, 'POST', '/api/providers', { provider: 'proxy', keys: [{ value: 'sk-x' }] });
    expect(nowhere.status).toBe(400);
    expect(nowhere.error.message).toContain('base_url is required');
    const wrongType = await refused(gw, 'POST', '/api/providers', { provider: 'anthropic', type: 'foundry' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.error.message).toContain('type');
    const empty = await refused(gw, 'POST', '/api/providers', { provider: 'anthropic', keys: [{ value: '' }] });
    expect(empty.status).toBe(400);
    expect(empty.error.message).toContain('keys.0.value');
  });
});

describe('pricing', () => {
  it('lists every catalogue model with the price in force now and its history', async () => {
    const gw = await start();
    const { body } = await call(gw, 'getPricing', '/api/pricing');
    expect(body.table_version).toMatch(/^anthropic-/);
    const byId = new Map(body.models.map((model) => [model.model, model]));
    expect(byId.get('claude-opus-4-8')?.current).toMatchObject({
      source: 'builtin',
      input: 5,
      output: 25,
      cache_write_5m: 6.25,
      cache_write_1h: 10,
      cache_read: 0.5,
    });
    const sonnet55 = byId.get('claude-sonnet-5-5');
    expect(sonnet55?.current.cache_read).toBe(0.1);
    expect(sonnet55?.history.map((version) => version.cache_read)).toEqual([0.2, 0.1]);
    expect(byId.get('claude-haiku-5-5')?.current.bands).toEqual([
      {
        above_prompt_tokens: 100_000,
        input: 0.5,
        output: 2.5,
        cache_write_5m: 0.625,
        cache_write_1h: 1,
        cache_read: 0.05,
      },
    ]);
    expect(byId.get('claude-haiku-4-5')?.aliases).toContain('claude-haiku-4-5-20251001');
  });

  it('charges requests at an override from the moment it is set, and at the built-in price again once it is removed', async () => {
    const gw = await start();
    const key = await gw.createKey('heidi');
    const model = 'claude-sonnet-4-5-20250929';

    const before = await send(gw, key.value, ask(model, 'before'));
    now += 60_000;
    await call(gw, 'setPriceOverride', '/api/pricing/overrides/claude-sonnet-4-5', {
      input: 1,
      output: 2,
      cache_write_5m: 1.25,
      cache_write_1h: 2,
      cache_read: 0.1,
      note: 'negotiated',
    });
    const pricing = await call(gw, 'getPricing', '/api/pricing');
    expect(pricing.body.models.find((m) => m.model === 'claude-sonnet-4-5')?.current).toMatchObject({
      source: 'override',
      input: 1,
      output: 2,
      note: 'negotiated',
    });
    const during = await send(gw, key.value, ask(model, 'during'));
    now += 60_000;
    await call(gw, 'deletePriceOverride', '/api/pricing/overrides/claude-sonnet-4-5');
    now += 1;
    const after = await send(gw, key.value, ask(model, 'after'));
    expect([before.status, during.status, after.status]).toEqual([200, 200, 200]);

    const entries = new Map((await logs(gw)).logs.map((entry) => [entry.request_id, entry]));
    const charged = (sent: Sent) => {
      const entry = entries.get(sent.requestId);
      if (!entry) throw new Error(`no log row for ${sent.requestId}`);
      // No cache_control in these requests, so only input and output tokens are charged.
      expect(entry.cache_creation_input_tokens + entry.cache_read_input_tokens).toBe(0);
      return entry;
    };
    const b = charged(before);
    expect(b.price_version).toBe('claude-sonnet-4-5@2026-04-30');
    expect(b.cost_micros).toBe(b.input_tokens * 3 + b.output_tokens * 15);
    const d = charged(during);
    expect(d.price_version).toMatch(/^claude-sonnet-4-5@override-\d+$/);
    expect(d.cost_micros).toBe(d.input_tokens * 1 + d.output_tokens * 2);
    expect(d.cost_estimated).toBe(false);
    const a = charged(after);
    expect(a.price_version).toBe('claude-sonnet-4-5@2026-04-30');
    expect(a.cost_micros).toBe(a.input_tokens * 3 + a.output_tokens * 15);

    expect((await refused(gw, 'DELETE', '/api/pricing/overrides/claude-sonnet-4-5')).status).toBe(404);
  });

  it('answers 400 naming the field for an override with a negative price', async () => {
    const gw = await start();
    const { status, error } = await refused(gw, 'PUT', '/api/pricing/overrides/claude-opus-4-8', {
      input: -1,
      output: 2,
      cache_write_5m: 1,
      cache_write_1h: 1,
      cache_read: 1,
    });
    expect(status).toBe(400);
    expect(error.message).toContain('input');
  });
});

describe('the request log', () => {
  /** Five requests a minute apart: two keys, two models, three sessions, one upstream error, one refusal. */
  async function fiveRequests(gw: TestGateway) {
    const alice = await gw.createKey('alice');
    const bob = await gw.createKey('bob');
    const haiku = 'claude-haiku-4-5-20251001';
    const sonnet = 'claude-sonnet-4-5-20250929';
    const t0 = now;
    const session = (id: string) => ({ 'x-claude-code-session-id': id });
    const r1 = await send(gw, alice.value, ask(haiku, 'one'), session('s-1'));
    now += 60_000;
    const r2 = await send(gw, alice.value, ask(sonnet, 'two'), session('s-2'));
    now += 60_000;
    const r3 = await send(gw, bob.value, ask(haiku, 'three'), session('s-1'));
    now += 60_000;
    gw.upstream.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const r4 = await send(gw, bob.value, ask(haiku, 'four'), session('s-3'));
    now += 60_000;
    const r5 = await send(gw, null, ask(haiku, 'five'), session('s-3'));
    expect([r1, r2, r3, r4, r5].map((r) => r.status)).toEqual([200, 200, 200, 529, 401]);
    return { alice, bob, haiku, sonnet, t0, ids: [r1, r2, r3, r4, r5].map((r) => r.requestId) };
  }

  const requestIds = (page: Output<'listLogs'>): string[] => page.logs.map((entry) => entry.request_id);

  it('lists every request newest first and narrows by key, model, status, outcome, session and time', async () => {
    const gw = await start();
    const { alice, bob, haiku, sonnet, t0, ids } = await fiveRequests(gw);
    const [r1, r2, r3, r4, r5] = ids;

    expect(requestIds(await logs(gw))).toEqual([r5, r4, r3, r2, r1]);
    expect(requestIds(await logs(gw, `?vk=${alice.id}`))).toEqual([r2, r1]);
    expect(requestIds(await logs(gw, `?vk=${bob.id}&status=success`))).toEqual([r3]);
    // The refusal (r5) still names the model it asked for.
    expect(requestIds(await logs(gw, `?model=${haiku}`))).toEqual([r5, r4, r3, r1]);
    expect(requestIds(await logs(gw, `?model=${sonnet}`))).toEqual([r2]);
    expect(requestIds(await logs(gw, '?status=529'))).toEqual([r4]);
    expect(requestIds(await logs(gw, '?status=401'))).toEqual([r5]);
    expect(requestIds(await logs(gw, '?status=error'))).toEqual([r4]);
    expect(requestIds(await logs(gw, '?status=blocked'))).toEqual([r5]);
    expect(requestIds(await logs(gw, '?status=success'))).toEqual([r3, r2, r1]);
    expect(requestIds(await logs(gw, '?session=s-1'))).toEqual([r3, r1]);
    expect(requestIds(await logs(gw, '?session=s-3'))).toEqual([r5, r4]);
    // start inclusive, end exclusive; epoch milliseconds or ISO 8601
    expect(requestIds(await logs(gw, `?start=${t0 + 60_000}&end=${t0 + 180_000}`))).toEqual([r3, r2]);
    const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    expect(requestIds(await logs(gw, `?start=${iso(t0 + 60_000)}&end=${iso(t0 + 180_000)}`))).toEqual([r3, r2]);

    const [refusal] = (await logs(gw, '?status=blocked')).logs;
    expect(refusal).toMatchObject({
      virtual_key_id: null,
      status_code: 401,
      error_type: 'authentication_error',
      cost_micros: 0,
    });
    const [overloaded] = (await logs(gw, '?status=error')).logs;
    expect(overloaded).toMatchObject({ virtual_key_name: 'bob', status_code: 529, error_type: 'overloaded_error' });
  });

  it('pages with limit and cursor, newest first, until there is no more', async () => {
    const gw = await start();
    const { ids } = await fiveRequests(gw);
    const [r1, r2, r3, r4, r5] = ids;

    const first = await logs(gw, '?limit=2');
    expect(requestIds(first)).toEqual([r5, r4]);
    expect(first.has_more).toBe(true);
    expect(first.next_cursor).not.toBeNull();
    const second = await logs(gw, `?limit=2&cursor=${first.next_cursor ?? ''}`);
    expect(requestIds(second)).toEqual([r3, r2]);
    expect(second.has_more).toBe(true);
    const third = await logs(gw, `?limit=2&cursor=${second.next_cursor ?? ''}`);
    expect(requestIds(third)).toEqual([r1]);
    expect(third.has_more).toBe(false);
    expect(third.next_cursor).toBeNull();
  });

  it('answers 400 for a cursor it never issued, an unknown outcome and a limit out of range', async () => {
    const gw = await start();
    for (const query of ['?cursor=abc', '?status=exploded', '?limit=0', '?limit=5000', '?start=yesterday']) {
      const { status, error } = await refused(gw, 'GET', `/api/logs${query}`);
      expect(status, query).toBe(400);
      expect(error.type).toBe('invalid_request_error');
    }
  });

  it('returns the captured request and response of a logged request', async () => {
    const gw = await start();
    const key = await gw.createKey('ivan');
    const body = ask('claude-haiku-4-5', 'REPLY WITH: captured!', {
      system: [{ type: 'text', text: 'You are terse.' }],
      metadata: { user_id: 'user_1_account__session_0f0e0d0c-1111-4222-8333-444455556666' },
    });
    const sent = await send(gw, key.value, body);
    expect(sent.status).toBe(200);
    const received = messageSchema.parse(JSON.parse(sent.text));

    const [entry] = (await logs(gw)).logs;
    expect(entry).toMatchObject({
      request_id: sent.requestId,
      has_content: true,
      session_id: '0f0e0d0c-1111-4222-8333-444455556666',
      virtual_key_name: 'ivan',
    });
    const detail = await call(gw, 'getLog', `/api/logs/${entry?.id ?? 0}`);
    expect(detail.body.request).toEqual(body);
    expect(detail.body.response).toEqual(received);
    expect(detail.body.log.input_tokens).toBe(received.usage.input_tokens);
    expect(detail.body.log.output_tokens).toBe(received.usage.output_tokens);
  });

  it('returns a streamed response as the message it describes', async () => {
    const gw = await start();
    const key = await gw.createKey('judy');
    const sent = await send(
      gw,
      key.value,
      ask('claude-haiku-4-5', 'REPLY WITH: streamed words here', { stream: true }),
    );
    expect(sent.status).toBe(200);
    const [entry] = (await logs(gw)).logs;
    expect(entry?.stream).toBe(true);
    const detail = await call(gw, 'getLog', `/api/logs/${entry?.id ?? 0}`);
    const message = messageSchema.parse(detail.body.response);
    expect(message.content).toEqual([{ type: 'text', text: 'streamed words here' }]);
    expect(message).toMatchObject({ stop_reason: 'end_turn' });
  });

  it('captures no content for a key with capture_content false, but still logs its usage', async () => {
    const gw = await start();
    const key = await gw.createKey('private', { capture_content: false });
    const sent = await send(gw, key.value, ask('claude-haiku-4-5', 'secret plans'));
    expect(sent.status).toBe(200);
    const [entry] = (await logs(gw)).logs;
    expect(entry).toMatchObject({ has_content: false, status: 'success' });
    expect(entry?.input_tokens).toBeGreaterThan(0);
    expect(entry?.cost_micros).toBeGreaterThan(0);
    const detail = await call(gw, 'getLog', `/api/logs/${entry?.id ?? 0}`);
    expect(detail.body.request).toBeNull();
    expect(detail.body.response).toBeNull();
    await gw.gateway.close();
    expect(databaseBytes(gw).includes(Buffer.from('secret plans'))).toBe(false);
  });

  it('answers 404 for a log entry that does not exist', async () => {
    const gw = await start();
    expect((await refused(gw, 'GET', '/api/logs/999')).status).toBe(404);
    expect((await refused(gw, 'GET', '/api/logs/not-a-number')).status).toBe(404);
  });
});

describe('client config', () => {
  it('reads the defaults of a fresh gateway', async () => {
    const gw = await start();
    const { body } = await call(gw, 'getConfig', '/api/config');
    expect(body.client_config).toEqual({
      enforce_auth_on_inference: true,
      capture_content: true,
      retention_days: 90,
      audit_retention_days: 365,
      budget_time_zone: 'UTC',
      sign_in_key_template: {},
      managed_settings_hint_headers: false,
      telemetry_forward_url: null,
    });
  });

  it('updates only the fields given, keeps them across a restart, and applies them to requests', async () => {
    const gw = await start();
    const updated = await call(gw, 'updateConfig', '/api/config', {
      client_config: { retention_days: 30, capture_content: false },
    });
    expect(updated.body.client_config).toEqual({
      enforce_auth_on_inference: true,
      capture_content: false,
      retention_days: 30,
      audit_retention_days: 365,
      budget_time_zone: 'UTC',
      sign_in_key_template: {},
      managed_settings_hint_headers: false,
      telemetry_forward_url: null,
    });

    await gw.restart();
    expect((await call(gw, 'getConfig', '/api/config')).body.client_config).toEqual(updated.body.client_config);

    const key = await gw.createKey('kim');
    expect((await send(gw, key.value, ask('claude-haiku-4-5', 'hi'))).status).toBe(200);
    expect((await logs(gw)).logs[0]?.has_content).toBe(false);

    await call(gw, 'updateConfig', '/api/config', { client_config: { enforce_auth_on_inference: false } });
    expect((await send(gw, null, ask('claude-haiku-4-5', 'no key'))).status).toBe(200);
  });

  it('answers 400 naming the field for a config value of the wrong type or out of range', async () => {
    const gw = await start();
    const wrongType = await refused(gw, 'PUT', '/api/config', { client_config: { capture_content: 'yes' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.error.message).toContain('capture_content');
    const outOfRange = await refused(gw, 'PUT', '/api/config', { client_config: { retention_days: -1 } });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.error.message).toContain('retention_days');
    expect((await call(gw, 'getConfig', '/api/config')).body.client_config.retention_days).toBe(90);
  });
});

describe('price overrides for models the catalogue does not know', () => {
  it('lists an override-only model in the price table so it can be edited', async () => {
    const { startTestGateway } = await import('../support/gateway.js');
    const gw = await startTestGateway();
    try {
      const set = await gw.admin('PUT', '/api/pricing/overrides/claude-nova-1', {
        input: 2,
        output: 8,
        cache_write_5m: 2.5,
        cache_write_1h: 4,
        cache_read: 0.2,
      });
      expect(set.status).toBe(200);
      const table = await gw.admin<{ models: { model: string; current: { source: string; output: number } }[] }>(
        'GET',
        '/api/pricing',
      );
      const nova = table.body.models.find((model) => model.model === 'claude-nova-1');
      expect(nova?.current).toMatchObject({ source: 'override', output: 8 });
    } finally {
      await gw.close();
    }
  });
});

describe('the request log’s estimated filter', () => {
  it('finds the requests priced by family with estimated=true and the exactly priced ones with estimated=false', async () => {
    const gw = await start();
    const key = await gw.createKey('alice');
    const known = await send(gw, key.value, ask('claude-haiku-4-5-20251001', 'priced exactly'));
    now += 60_000;
    const unknown = await send(gw, key.value, ask('claude-opus-9-9', 'priced by family'));
    expect([known.status, unknown.status]).toEqual([200, 200]);

    const estimated = await logs(gw, '?estimated=true');
    expect(estimated.logs.map((entry) => entry.request_id)).toEqual([unknown.requestId]);
    expect(estimated.logs[0]).toMatchObject({ model: 'claude-opus-9-9', cost_estimated: true });
    const exact = await logs(gw, '?estimated=false');
    expect(exact.logs.map((entry) => entry.request_id)).toEqual([known.requestId]);
    expect(exact.logs[0]?.cost_estimated).toBe(false);
    expect((await logs(gw)).logs).toHaveLength(2);
  });

  it('answers 400 for an estimated value that is not true or false', async () => {
    const gw = await start();
    expect((await refused(gw, 'GET', '/api/logs?estimated=yes')).status).toBe(400);
  });
});
