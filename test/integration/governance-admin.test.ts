// The governance admin API through real HTTP: the customer > team > user > virtual key > provider
// config hierarchy in Bifrost's shapes (its published guide bodies must work as written), several
// budgets per owner, temporary increases, the hash-chained audit trail, and the self-service usage
// endpoint a key holder reads with their own key.
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import type { Budget, LogEntry } from '../../shared/schemas.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type KeyView = RouteResponse<'getVirtualKey'>['virtual_key'];
type CreatedKey = RouteResponse<'createVirtualKey'>['virtual_key'];
type CustomerView = RouteResponse<'getCustomer'>['customer'];
type TeamView = RouteResponse<'getTeam'>['team'];
type UserView = RouteResponse<'getUser'>['user'];
type AuditPage = RouteResponse<'listAudit'>;
type AuditVerification = RouteResponse<'verifyAudit'>;

/** Claude Sonnet 4.6 at $3 / $15 per million: 1,000 tokens in and 1,000 out cost $0.018. */
const MODEL = 'claude-sonnet-4-6';
const REQUEST_COST_MICROS = 18_000;
const START = '2026-06-15T12:00:00.000Z';

let clock: ManualClock;
let handle: TestGateway;

beforeEach(async () => {
  clock = new ManualClock(START);
  handle = await startTestGateway({ gateway: { clock: clock.read } });
});

afterEach(async () => {
  await handle.close();
});

// ---- helpers ---------------------------------------------------------------------------------------

/** Calls the admin API and insists on the status; returns the parsed body. */
async function admin<T>(method: string, path: string, body: unknown, status: number): Promise<T> {
  const response = await handle.admin<T>(method, path, body);
  expect(response.status, `${method} ${path} → ${JSON.stringify(response.body)}`).toBe(status);
  return response.body;
}

const post = <T>(path: string, body: unknown): Promise<T> => admin<T>('POST', path, body, 201);
const put = <T>(path: string, body: unknown): Promise<T> => admin<T>('PUT', path, body, 200);
const get = <T>(path: string): Promise<T> => admin<T>('GET', path, undefined, 200);

async function createKey(body: Record<string, unknown>): Promise<CreatedKey> {
  return (await post<{ virtual_key: CreatedKey }>('/api/governance/virtual-keys', body)).virtual_key;
}

async function readKey(id: string): Promise<KeyView> {
  return (await get<{ virtual_key: KeyView }>(`/api/governance/virtual-keys/${id}`)).virtual_key;
}

function sdk(key: string): Anthropic {
  return new Anthropic({ baseURL: handle.url, authToken: key, maxRetries: 0 });
}

/** One Messages request whose stand-in answer reports 1,000 input and 1,000 output tokens ($0.018). */
async function spend(key: string): Promise<void> {
  handle.upstream.enqueue({ kind: 'message', usage: { input_tokens: 1000, output_tokens: 1000 } });
  await sdk(key).messages.create({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] });
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

async function logRows(keyId: string): Promise<LogEntry[]> {
  return (await get<{ logs: LogEntry[] }>(`/api/logs?vk=${keyId}&limit=1000`)).logs;
}

async function auditEntries(): Promise<AuditPage['entries']> {
  return (await get<AuditPage>('/api/audit?limit=1000')).entries;
}

const micros = (usd: number): number => Math.round(usd * 1_000_000);

// ---- Bifrost's guides ------------------------------------------------------------------------------

describe("Bifrost's governance guides", () => {
  it('accepts the customer, team, virtual key and config bodies of the guides as written and shows their fields', async () => {
    // Customers (virtual-keys guide, "Create Customer" / "Update Customer").
    const { customer } = await post<{ customer: CustomerView }>('/api/governance/customers', {
      name: 'Acme Corporation',
      budget: { max_limit: 2000.0, reset_duration: '1M' },
    });
    expect(customer.budget).toMatchObject({ max_limit: 2000, reset_duration: '1M' });
    await put(`/api/governance/customers/${customer.id}`, {
      name: 'Acme Corp (Updated)',
      budget: { max_limit: 2500.0, reset_duration: '1M' },
    });
    const readCustomer = (await get<{ customer: CustomerView }>(`/api/governance/customers/${customer.id}`)).customer;
    expect(readCustomer.name).toBe('Acme Corp (Updated)');
    expect(readCustomer.budgets.map((budget) => [budget.max_limit, budget.reset_duration])).toEqual([[2500, '1M']]);

    // Teams: the guide's ids ("customer-acme-corp") stand for ids the gateway issued.
    const { team } = await post<{ team: TeamView }>('/api/governance/teams', {
      name: 'Engineering Team',
      customer_id: customer.id,
      budgets: [{ max_limit: 500.0, reset_duration: '1M' }],
    });
    expect(team.customer_id).toBe(customer.id);
    await put(`/api/governance/teams/${team.id}`, {
      name: 'Updated Engineering Team',
      budgets: [{ max_limit: 750.0, reset_duration: '1M' }],
    });
    const readTeam = (await get<{ team: TeamView }>(`/api/governance/teams/${team.id}`)).team;
    expect(readTeam).toMatchObject({ name: 'Updated Engineering Team', customer_id: customer.id });
    expect(readTeam.budgets.map((budget) => budget.max_limit)).toEqual([750]);

    // Virtual keys (virtual-keys guide): attached to a team, with provider configs, budgets and a rate limit.
    const engineering = await createKey({
      name: 'Engineering Team API',
      description: 'Main API key for engineering team',
      provider_configs: [
        {
          provider: 'openai',
          weight: 0.5,
          allowed_models: ['gpt-4o-mini'],
          key_ids: ['8c52039e-38c6-48b2-8016-0bd884b7befb'],
        },
        { provider: 'anthropic', weight: 0.5, allowed_models: ['claude-3-sonnet-20240229'], key_ids: ['*'] },
      ],
      team_id: team.id,
      budgets: [{ max_limit: 100.0, reset_duration: '1M' }],
      rate_limit: {
        token_max_limit: 10000,
        token_reset_duration: '1h',
        request_max_limit: 100,
        request_reset_duration: '1m',
      },
      is_active: true,
    });
    const engineeringRead = await readKey(engineering.id);
    expect(engineeringRead).toMatchObject({
      name: 'Engineering Team API',
      description: 'Main API key for engineering team',
      team_id: team.id,
      is_active: true,
      rate_limit: {
        token_max_limit: 10000,
        token_reset_duration: '1h',
        request_max_limit: 100,
        request_reset_duration: '1m',
      },
    });
    expect(engineeringRead.budgets.map((budget) => [budget.max_limit, budget.reset_duration])).toEqual([[100, '1M']]);
    expect(
      engineeringRead.provider_configs.map((config) => [config.provider, config.weight, config.allowed_models]),
    ).toEqual([
      ['openai', 0.5, ['gpt-4o-mini']],
      ['anthropic', 0.5, ['claude-3-sonnet-20240229']],
    ]);
    // "Update Virtual Key"
    await put(`/api/governance/virtual-keys/${engineering.id}`, {
      description: 'Updated description',
      budgets: [{ max_limit: 150.0, reset_duration: '1M' }],
    });
    const updated = await readKey(engineering.id);
    expect(updated.description).toBe('Updated description');
    expect(updated.budgets.map((budget) => budget.max_limit)).toEqual([150]);

    // Directly attached to a customer.
    const executive = await createKey({
      name: 'Executive API Key',
      description: 'Direct customer-level API access',
      provider_configs: [
        { provider: 'openai', weight: 0.5, allowed_models: ['gpt-4o'], key_ids: ['*'] },
        { provider: 'anthropic', weight: 0.5, allowed_models: ['claude-3-opus-20240229'], key_ids: ['*'] },
      ],
      customer_id: customer.id,
      budgets: [{ max_limit: 500.0, reset_duration: '1M' }],
      is_active: true,
    });
    expect((await readKey(executive.id)).customer_id).toBe(customer.id);

    // Budget-and-limits guide, the single-budget shape: provider configs with their own budget and rate limit.
    const marketing = await createKey({
      name: 'marketing-team-vk',
      description: 'Marketing team virtual key with provider-specific limits',
      provider_configs: [
        {
          provider: 'openai',
          weight: 0.7,
          allowed_models: ['gpt-4', 'gpt-3.5-turbo'],
          budget: { max_limit: 500.0, reset_duration: '1M' },
          rate_limit: {
            token_max_limit: 1000000,
            token_reset_duration: '1h',
            request_max_limit: 1000,
            request_reset_duration: '1h',
          },
        },
        {
          provider: 'anthropic',
          weight: 0.3,
          allowed_models: ['claude-3-opus', 'claude-3-sonnet'],
          budget: { max_limit: 200.0, reset_duration: '1M' },
          rate_limit: {
            token_max_limit: 500000,
            token_reset_duration: '1h',
            request_max_limit: 500,
            request_reset_duration: '1h',
          },
        },
      ],
      budget: { max_limit: 1000.0, reset_duration: '1M' },
      is_active: true,
    });
    const marketingRead = await readKey(marketing.id);
    expect(marketingRead.budget).toMatchObject({ max_limit: 1000, reset_duration: '1M' });
    expect(marketingRead.provider_configs).toMatchObject([
      {
        provider: 'openai',
        weight: 0.7,
        allowed_models: ['gpt-4', 'gpt-3.5-turbo'],
        budget: { max_limit: 500, reset_duration: '1M' },
        rate_limit: {
          token_max_limit: 1000000,
          token_reset_duration: '1h',
          request_max_limit: 1000,
          request_reset_duration: '1h',
        },
      },
      {
        provider: 'anthropic',
        weight: 0.3,
        budget: { max_limit: 200, reset_duration: '1M' },
        rate_limit: { token_max_limit: 500000, request_max_limit: 500 },
      },
    ]);
    // "Update Provider Configuration"
    await put(`/api/governance/virtual-keys/${marketing.id}`, {
      provider_configs: [
        {
          id: 1,
          provider: 'openai',
          weight: 0.8,
          budget: { max_limit: 600.0, reset_duration: '1M' },
          rate_limit: { token_max_limit: 1200000, token_reset_duration: '1h' },
        },
      ],
    });
    expect((await readKey(marketing.id)).provider_configs).toMatchObject([
      {
        provider: 'openai',
        weight: 0.8,
        budget: { max_limit: 600 },
        rate_limit: { token_max_limit: 1200000, token_reset_duration: '1h' },
      },
    ]);

    // The same guide's current shape: `budgets` arrays and calendar alignment.
    const aligned = await createKey({
      name: 'marketing-team-vk',
      description: 'Marketing team virtual key with provider-specific limits',
      provider_configs: [
        {
          provider: 'openai',
          weight: 0.7,
          allowed_models: ['gpt-4', 'gpt-3.5-turbo'],
          key_ids: ['*'],
          budgets: [{ max_limit: 500.0, reset_duration: '1M', calendar_aligned: true }],
          rate_limit: {
            token_max_limit: 1000000,
            token_reset_duration: '1h',
            request_max_limit: 1000,
            request_reset_duration: '1h',
          },
        },
        {
          provider: 'anthropic',
          weight: 0.3,
          allowed_models: ['claude-3-opus', 'claude-3-sonnet'],
          key_ids: ['*'],
          budgets: [{ max_limit: 200.0, reset_duration: '1M' }],
          rate_limit: {
            token_max_limit: 500000,
            token_reset_duration: '1h',
            request_max_limit: 500,
            request_reset_duration: '1h',
          },
        },
      ],
      budgets: [{ max_limit: 1000.0, reset_duration: '1M', calendar_aligned: true }],
      is_active: true,
    });
    const alignedRead = await readKey(aligned.id);
    expect(alignedRead.budgets).toMatchObject([
      { max_limit: 1000, calendar_aligned: true, reset_at: '2026-07-01T00:00:00.000Z' },
    ]);
    expect(alignedRead.provider_configs[0]?.budgets).toMatchObject([{ max_limit: 500, calendar_aligned: true }]);

    // "Provider-Level Governance Examples" 1 and 2.
    const mixed = await createKey({
      name: 'marketing-team-vk',
      budget: { max_limit: 100, reset_duration: '1M' },
      provider_configs: [
        { provider: 'openai', weight: 0.7, budget: { max_limit: 50, reset_duration: '1M' } },
        { provider: 'anthropic', weight: 0.3, budget: { max_limit: 30, reset_duration: '1M' } },
      ],
    });
    expect((await readKey(mixed.id)).provider_configs.map((config) => config.budget?.max_limit)).toEqual([50, 30]);
    const highVolume = await createKey({
      name: 'high-volume-vk',
      provider_configs: [
        {
          provider: 'openai',
          rate_limit: {
            request_max_limit: 1000,
            request_reset_duration: '1h',
            token_max_limit: 1000000,
            token_reset_duration: '1h',
          },
        },
        {
          provider: 'anthropic',
          rate_limit: {
            request_max_limit: 500,
            request_reset_duration: '1h',
            token_max_limit: 500000,
            token_reset_duration: '1h',
          },
        },
      ],
    });
    expect(
      (await readKey(highVolume.id)).provider_configs.map((config) => config.rate_limit?.request_max_limit),
    ).toEqual([1000, 500]);

    // Content logging, provider access and key expiry sections.
    await createKey({
      name: 'support-bot',
      disable_content_logging: true,
      provider_configs: [{ provider: 'openai', allowed_models: ['*'], key_ids: ['*'] }],
    });
    const allProviders = await createKey({
      name: 'All Providers Key',
      allow_all_providers: true,
      team_id: team.id,
      is_active: true,
    });
    expect((await readKey(allProviders.id)).team_id).toBe(team.id);
    const contractor = await createKey({
      name: 'Contractor API Key',
      provider_configs: [{ provider: 'openai', allowed_models: ['gpt-4o-mini'], key_ids: ['*'] }],
      expires_at: '2027-01-01T00:00:00Z',
      delete_after_expire: true,
    });
    expect((await readKey(contractor.id)).expires_at).toBe('2027-01-01T00:00:00.000Z');
    await put(`/api/governance/virtual-keys/${contractor.id}`, { expires_at: '2027-02-01T00:00:00Z' });
    expect((await readKey(contractor.id)).expires_at).toBe('2027-02-01T00:00:00.000Z');

    // "Making Virtual Keys Mandatory" (turned off first, so the guide's body visibly turns it on)
    await put('/api/config', { client_config: { enforce_auth_on_inference: false } });
    await put('/api/config', { client_config: { enforce_auth_on_inference: true } });
    expect((await get<RouteResponse<'getConfig'>>('/api/config')).client_config.enforce_auth_on_inference).toBe(true);

    // "Delete Virtual Key / Team / Customer"
    await admin('DELETE', `/api/governance/virtual-keys/${contractor.id}`, undefined, 200);
    await admin('DELETE', `/api/governance/teams/${team.id}`, undefined, 200);
    await admin('DELETE', `/api/governance/customers/${customer.id}`, undefined, 200);
    await admin('GET', `/api/governance/customers/${customer.id}`, undefined, 404);
  });

  it('clears a key’s expiry with the empty expires_at the virtual-keys guide sends', async () => {
    const contractor = await createKey({ name: 'Contractor API Key', expires_at: '2027-01-01T00:00:00Z' });

    const cleared = await handle.admin<{ virtual_key: KeyView }>(
      'PUT',
      `/api/governance/virtual-keys/${contractor.id}`,
      { expires_at: '' },
    );

    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect((await readKey(contractor.id)).expires_at).toBeNull();
  });
});

// ---- the hierarchy ---------------------------------------------------------------------------------

describe('the governance hierarchy', () => {
  it('creates, reads, lists, updates and deletes customers, teams, users and keys that point at each other', async () => {
    const { customer } = await post<{ customer: CustomerView }>('/api/governance/customers', {
      name: 'Acme',
      description: 'business unit',
    });
    const { team } = await post<{ team: TeamView }>('/api/governance/teams', {
      name: 'Platform',
      customer_id: customer.id,
    });
    const { user } = await post<{ user: UserView }>('/api/governance/users', {
      name: 'Alice',
      email: 'alice@example.com',
      team_id: team.id,
    });
    const key = await createKey({
      name: 'alice laptop',
      team_id: team.id,
      customer_id: customer.id,
      user_id: user.id,
      budgets: [{ max_limit: 5, reset_duration: '1d' }],
      expires_at: '2026-12-31T23:59:59Z',
    });

    expect(await get(`/api/governance/customers/${customer.id}`)).toMatchObject({
      customer: { name: 'Acme', description: 'business unit' },
    });
    expect(await get(`/api/governance/teams/${team.id}`)).toMatchObject({
      team: { name: 'Platform', customer_id: customer.id },
    });
    expect(await get(`/api/governance/users/${user.id}`)).toMatchObject({
      user: { name: 'Alice', email: 'alice@example.com', team_id: team.id },
    });
    expect(await readKey(key.id)).toMatchObject({
      team_id: team.id,
      customer_id: customer.id,
      user_id: user.id,
      expires_at: '2026-12-31T23:59:59.000Z',
      budgets: [{ max_limit: 5, reset_duration: '1d' }],
    });
    expect(await get('/api/governance/customers')).toMatchObject({ count: 1, customers: [{ id: customer.id }] });
    expect(await get('/api/governance/teams')).toMatchObject({ count: 1, teams: [{ id: team.id }] });
    expect(await get('/api/governance/users')).toMatchObject({ count: 1, users: [{ id: user.id }] });
    expect(await get('/api/governance/virtual-keys')).toMatchObject({ count: 1, virtual_keys: [{ id: key.id }] });

    await put(`/api/governance/customers/${customer.id}`, { name: 'Acme Inc' });
    await put(`/api/governance/teams/${team.id}`, { description: 'runs the platform' });
    await put(`/api/governance/users/${user.id}`, { email: 'alice@acme.example' });
    await put(`/api/governance/virtual-keys/${key.id}`, { expires_at: null, user_id: null });
    expect(await get(`/api/governance/customers/${customer.id}`)).toMatchObject({ customer: { name: 'Acme Inc' } });
    expect(await get(`/api/governance/teams/${team.id}`)).toMatchObject({
      team: { name: 'Platform', description: 'runs the platform', customer_id: customer.id },
    });
    expect(await get(`/api/governance/users/${user.id}`)).toMatchObject({
      user: { name: 'Alice', email: 'alice@acme.example', team_id: team.id },
    });
    expect(await readKey(key.id)).toMatchObject({ expires_at: null, user_id: null, team_id: team.id });

    // Deleting a level leaves what pointed at it unattached rather than deleting it.
    await admin('DELETE', `/api/governance/users/${user.id}`, undefined, 200);
    await admin('GET', `/api/governance/users/${user.id}`, undefined, 404);
    await admin('DELETE', `/api/governance/teams/${team.id}`, undefined, 200);
    await admin('GET', `/api/governance/teams/${team.id}`, undefined, 404);
    expect((await readKey(key.id)).team_id).toBeNull();
    await admin('DELETE', `/api/governance/customers/${customer.id}`, undefined, 200);
    expect((await readKey(key.id)).customer_id).toBeNull();
    await admin('DELETE', `/api/governance/virtual-keys/${key.id}`, undefined, 200);
    await admin('GET', `/api/governance/virtual-keys/${key.id}`, undefined, 404);
    expect(await get('/api/governance/customers')).toMatchObject({ count: 0 });
  });

  it('answers 400 naming the field when a team, user or key points at a customer, team or user that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const refusals: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/governance/teams', { name: 'orphan team', customer_id: missing }, 'customer_id'],
      ['POST', '/api/governance/users', { name: 'orphan user', team_id: missing }, 'team_id'],
      ['POST', '/api/governance/virtual-keys', { name: 'k', team_id: missing }, 'team_id'],
      ['POST', '/api/governance/virtual-keys', { name: 'k', customer_id: missing }, 'customer_id'],
      ['POST', '/api/governance/virtual-keys', { name: 'k', user_id: missing }, 'user_id'],
    ];
    for (const [method, path, body, field] of refusals) {
      const { status, body: answer } = await handle.admin<{ type: string; error: { type: string; message: string } }>(
        method,
        path,
        body,
      );
      expect(status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.error.type).toBe('invalid_request_error');
      expect(answer.error.message).toContain(field);
      expect(answer.error.message).toContain(missing);
    }
    // Nothing was created by the refused requests.
    expect(await get('/api/governance/teams')).toMatchObject({ count: 0 });
    expect(await get('/api/governance/users')).toMatchObject({ count: 0 });
    expect(await get('/api/governance/virtual-keys')).toMatchObject({ count: 0 });

    // The same on update.
    const { team } = await post<{ team: TeamView }>('/api/governance/teams', { name: 'Platform' });
    const key = await createKey({ name: 'k', team_id: team.id });
    const teamUpdate = await handle.admin<{ error: { message: string } }>('PUT', `/api/governance/teams/${team.id}`, {
      customer_id: missing,
    });
    expect(teamUpdate.status).toBe(400);
    expect(teamUpdate.body.error.message).toContain('customer_id');
    const keyUpdate = await handle.admin<{ error: { message: string } }>(
      'PUT',
      `/api/governance/virtual-keys/${key.id}`,
      { user_id: missing },
    );
    expect(keyUpdate.status).toBe(400);
    expect(keyUpdate.body.error.message).toContain('user_id');
    expect((await readKey(key.id)).user_id).toBeNull();
  });

  it('keeps several budgets per owner ($20 a day and $300 a month) and shows each with its usage, remaining and reset time', async () => {
    const twoBudgets = [
      { max_limit: 20, reset_duration: '1d' },
      { max_limit: 300, reset_duration: '1M' },
    ];
    const { team } = await post<{ team: TeamView }>('/api/governance/teams', { name: 'Platform', budgets: twoBudgets });
    const key = await createKey({ name: 'two budgets', team_id: team.id, budgets: twoBudgets });

    await spend(key.value);

    const expected = [
      {
        max_limit: 20,
        reset_duration: '1d',
        current_usage: 0.018,
        remaining: 19.982,
        reset_at: '2026-06-16T12:00:00.000Z',
      },
      {
        max_limit: 300,
        reset_duration: '1M',
        current_usage: 0.018,
        remaining: 299.982,
        reset_at: '2026-07-15T12:00:00.000Z',
      },
    ];
    // Order is the subject of the next test; here each budget is found by its limit.
    const byLimit = (budgets: Budget[]) => budgets.map(summary).sort((a, b) => a.max_limit - b.max_limit);
    const keyBudgets = (await readKey(key.id)).budgets;
    expect(byLimit(keyBudgets)).toEqual(expected);
    const teamBudgets = (await get<{ team: TeamView }>(`/api/governance/teams/${team.id}`)).team.budgets;
    expect(byLimit(teamBudgets)).toEqual(expected);
    // Each budget is also readable on its own.
    const daily = keyBudgets.find((budget) => budget.reset_duration === '1d');
    if (!daily) throw new Error('the key shows no budget');
    expect(summary((await get<{ budget: Budget }>(`/api/governance/budgets/${daily.id}`)).budget)).toEqual(expected[0]);
  });

  // Six budgets saved in one request: a store that loses their order matches it by chance once in 720.
  const sixBudgets = [
    { max_limit: 5, reset_duration: '1h' },
    { max_limit: 20, reset_duration: '1d' },
    { max_limit: 100, reset_duration: '1w' },
    { max_limit: 300, reset_duration: '1M' },
    { max_limit: 800, reset_duration: '3M' },
    { max_limit: 3000, reset_duration: '1Y' },
  ];

  it('shows an owner’s budgets in the order they were given, the first as Bifrost’s single `budget`', async () => {
    const key = await createKey({ name: 'six budgets', budgets: sixBudgets });

    const read = await readKey(key.id);

    expect(read.budgets.map((budget) => budget.max_limit)).toEqual([5, 20, 100, 300, 800, 3000]);
    expect(read.budget?.max_limit).toBe(5);
  });

  it('keeps the ids and spend of budgets that an edit resends unchanged', async () => {
    const key = await createKey({ name: 'six budgets', budgets: sixBudgets });
    await spend(key.value);
    const before = (await readKey(key.id)).budgets;
    expect(before.map((budget) => budget.current_usage)).toEqual(Array(6).fill(0.018));

    // An admin screen saving the key resends its budgets as they are.
    await put(`/api/governance/virtual-keys/${key.id}`, { name: 'six budgets, renamed', budgets: sixBudgets });

    const after = (await readKey(key.id)).budgets;
    const idsAndSpend = (budgets: Budget[]) => budgets.map((budget) => [budget.id, budget.current_usage]).sort();
    expect(idsAndSpend(after)).toEqual(idsAndSpend(before));
  });

  it('grants a temporary increase that is shown on the budget, admits a request the spent budget refused, and is audited', async () => {
    const key = await createKey({ name: 'needs more', budget: { max_limit: 0.01, reset_duration: '1d' } });
    await spend(key.value); // $0.018 against $0.01: spent
    const refused = await refusalOf(
      sdk(key.value).messages.create({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(refused.status).toBe(402);
    expect((await logRows(key.id)).map((row) => row.refusal_reason)).toContain('budget_exhausted');
    const budgetId = (await readKey(key.id)).budgets[0]?.id;
    if (!budgetId) throw new Error('the key shows no budget');

    const granted = await post<{ budget: Budget }>(`/api/governance/budgets/${budgetId}/grants`, {
      amount: 5,
      reason: 'release day',
    });

    expect(granted.budget).toMatchObject({ granted: 5, max_limit: 0.01, current_usage: 0.018 });
    expect(granted.budget.grants).toMatchObject([
      { amount: 5, reason: 'release day', expires_at: granted.budget.reset_at },
    ]);
    expect(granted.budget.remaining).toBeCloseTo(5.01 - 0.018, 6);
    const shown = (await readKey(key.id)).budgets[0];
    expect(shown).toMatchObject({ granted: 5, grants: [{ amount: 5 }] });

    await spend(key.value);
    expect((await readKey(key.id)).budgets[0]?.current_usage).toBeCloseTo(0.036, 6);

    const entry = (await auditEntries()).find((candidate) => candidate.action === 'grantBudgetIncrease');
    expect(entry).toMatchObject({ actor: 'admin', target_type: 'budgets', target_id: budgetId });
    expect(entry?.after).toMatchObject({ budget: { granted: 5 } });
    expect(entry?.address).toMatch(/127\.0\.0\.1/);
  });
});

function summary(budget: Budget) {
  return {
    max_limit: budget.max_limit,
    reset_duration: budget.reset_duration,
    current_usage: budget.current_usage,
    remaining: budget.remaining,
    reset_at: budget.reset_at,
  };
}

// ---- audit -----------------------------------------------------------------------------------------

describe('the audit log', () => {
  it('records every admin change with actor, action, before, after and address, and never a key’s secret', async () => {
    const key = await createKey({ name: 'audited', budget: { max_limit: 10, reset_duration: '1M' } });
    await put(`/api/governance/virtual-keys/${key.id}`, { name: 'audited, renamed' });
    const { customer } = await post<{ customer: CustomerView }>('/api/governance/customers', { name: 'Acme' });
    await put('/api/config', { client_config: { retention_days: 30 } });
    await admin('DELETE', `/api/governance/virtual-keys/${key.id}`, undefined, 200);

    const entries = await auditEntries();
    const actions = entries.map((entry) => entry.action).reverse(); // the API lists newest first
    expect(actions).toEqual([
      'createVirtualKey',
      'updateVirtualKey',
      'createCustomer',
      'updateConfig',
      'deleteVirtualKey',
    ]);
    for (const entry of entries) {
      expect(entry.actor).toBe('admin');
      expect(entry.address).toMatch(/127\.0\.0\.1/);
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isNaN(Date.parse(entry.at))).toBe(false);
    }
    const byAction = (action: string) => entries.find((entry) => entry.action === action);
    expect(byAction('createVirtualKey')).toMatchObject({
      target_id: key.id,
      before: null,
      after: { virtual_key: { name: 'audited' } },
    });
    expect(byAction('updateVirtualKey')).toMatchObject({
      target_id: key.id,
      before: { virtual_key: { name: 'audited' } },
      after: { virtual_key: { name: 'audited, renamed' } },
    });
    expect(byAction('createCustomer')).toMatchObject({ target_id: customer.id, after: { customer: { name: 'Acme' } } });
    expect(byAction('updateConfig')).toMatchObject({ after: { client_config: { retention_days: 30 } } });
    expect(byAction('deleteVirtualKey')).toMatchObject({
      target_id: key.id,
      before: { virtual_key: { name: 'audited, renamed' } },
      after: null,
    });

    const raw = JSON.stringify(await get('/api/audit?limit=1000'));
    expect(raw).not.toContain(key.value);
    expect(raw).not.toContain(key.value.slice('sk-tg-'.length));
  });

  it('audits a failed admin sign-in with the address it came from, and reads are not audited', async () => {
    const attempt = await fetch(`${handle.url}/api/governance/virtual-keys`, {
      method: 'POST',
      headers: { authorization: 'Bearer tg-admin-guessed', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'intruder' }),
    });
    expect(attempt.status).toBe(401);
    await get('/api/governance/virtual-keys');

    const entries = await auditEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'unknown',
      action: 'admin.sign_in_failed',
      target_id: 'POST /api/governance/virtual-keys',
    });
    expect(entries[0]?.address).toMatch(/127\.0\.0\.1/);
    expect(JSON.stringify(entries)).not.toContain('tg-admin-guessed');
    expect(await get('/api/governance/virtual-keys')).toMatchObject({ count: 0 });
  });

  it('verifies an intact chain, and reports the first entry altered behind its back', async () => {
    await createKey({ name: 'first' });
    const { customer } = await post<{ customer: CustomerView }>('/api/governance/customers', { name: 'Acme' });
    await put(`/api/governance/customers/${customer.id}`, { name: 'Acme Inc' });
    const intact = await get<AuditVerification>('/api/audit/verify');
    expect(intact).toMatchObject({ ok: true, entries: 3 });

    const target = (await auditEntries()).find((entry) => entry.action === 'createCustomer');
    if (!target) throw new Error('no audit entry for the customer');
    // An attacker with the database file: drop the guard trigger, rewrite history.
    const raw = new Database(join(handle.dataDir, 'tollgate.db'));
    try {
      raw.exec('DROP TRIGGER audit_log_no_update');
      raw
        .prepare('UPDATE audit_log SET after = ? WHERE id = ?')
        .run(JSON.stringify({ customer: { name: 'Someone Else' } }), target.id);
    } finally {
      raw.close();
    }

    const broken = await get<AuditVerification>('/api/audit/verify');
    expect(broken).toMatchObject({ ok: false, broken_at: target.id });
  });

  it('refuses to update or delete audit rows through SQL while its triggers stand', async () => {
    await createKey({ name: 'first' });
    const raw = new Database(join(handle.dataDir, 'tollgate.db'));
    try {
      expect(() => raw.prepare("UPDATE audit_log SET actor = 'someone'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    expect(await get('/api/audit/verify')).toMatchObject({ ok: true, entries: 1 });
  });
});

// ---- self-service usage ----------------------------------------------------------------------------

describe('GET /v1/tollgate/usage', () => {
  it('shows a key holder the budgets up the chain and the rate-limit state, authenticated by the key itself', async () => {
    const { customer } = await post<{ customer: CustomerView }>('/api/governance/customers', {
      name: 'Acme',
      budget: { max_limit: 1000, reset_duration: '1M' },
    });
    const { team } = await post<{ team: TeamView }>('/api/governance/teams', {
      name: 'Platform',
      customer_id: customer.id,
      budget: { max_limit: 300, reset_duration: '1M' },
    });
    const { user } = await post<{ user: UserView }>('/api/governance/users', {
      name: 'Alice',
      team_id: team.id,
      budget: { max_limit: 50, reset_duration: '1w' },
    });
    const key = await createKey({
      name: 'alice laptop',
      user_id: user.id,
      budget: { max_limit: 20, reset_duration: '1d' },
      rate_limit: {
        request_max_limit: 100,
        request_reset_duration: '1m',
        token_max_limit: 100000,
        token_reset_duration: '1h',
      },
      provider_configs: [
        {
          provider: 'anthropic',
          budget: { max_limit: 10, reset_duration: '1d' },
          rate_limit: { request_max_limit: 50, request_reset_duration: '1h' },
        },
      ],
    });
    await spend(key.value);

    const response = await fetch(`${handle.url}/v1/tollgate/usage`, {
      headers: { authorization: `Bearer ${key.value}` },
    });

    expect(response.status).toBe(200);
    const usage = (await response.json()) as {
      virtual_key: { id: string };
      user: { id: string } | null;
      team: { id: string } | null;
      customer: { id: string } | null;
      budgets: (Budget & { level: string })[];
      rate_limits: {
        level: string;
        request_max_limit: number | null;
        request_current_usage: number;
        token_current_usage: number;
      }[];
    };
    expect(usage).toMatchObject({
      virtual_key: { id: key.id },
      user: { id: user.id },
      team: { id: team.id },
      customer: { id: customer.id },
    });
    expect(
      usage.budgets.map((budget) => [budget.level.split(' "')[0], budget.max_limit, budget.current_usage]),
    ).toEqual([
      ['customer', 1000, 0.018],
      ['team', 300, 0.018],
      ['user', 50, 0.018],
      ['virtual key', 20, 0.018],
      ['provider config', 10, 0.018],
    ]);
    for (const budget of usage.budgets) {
      expect(micros(budget.remaining)).toBe(micros(budget.max_limit) - REQUEST_COST_MICROS);
      expect(Date.parse(budget.reset_at)).toBeGreaterThan(clock.now);
    }
    expect(usage.budgets.find((budget) => budget.level.startsWith('virtual key'))?.reset_at).toBe(
      '2026-06-16T12:00:00.000Z',
    );
    expect(usage.rate_limits).toMatchObject([
      { level: 'virtual key', request_max_limit: 100, request_current_usage: 1, token_current_usage: 2000 },
      { level: 'provider config', request_max_limit: 50, request_current_usage: 1 },
    ]);
  });

  it('answers 401 without a key, and with a key it never issued', async () => {
    const without = await fetch(`${handle.url}/v1/tollgate/usage`);
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const unknown = await fetch(`${handle.url}/v1/tollgate/usage`, {
      headers: { authorization: 'Bearer sk-tg-never-issued' },
    });
    expect(unknown.status).toBe(401);
  });
});
