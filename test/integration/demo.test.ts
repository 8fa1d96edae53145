// The demo data behind `npm run serve -- --demo`: generated into a temporary directory and read back
// through the admin API of a real gateway started on it, as the dashboard reads it. Then the CLI itself:
// it labels the demo, serves it as a working gateway, keeps it on restart, and refuses a directory that
// holds real data. Only the upstream is a stand-in.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readServeConfig } from '../../electron/config.js';
import { NotDemoDataError, prepareDemoDataDir } from '../../electron/demo/demo-dir.js';
import { startGateway, type Gateway } from '../../electron/gateway/gateway.js';
import { silentLogger } from '../../electron/gateway/logger.js';
import type { Budget, LogEntry, VirtualKey } from '../../shared/schemas.js';
import { UPSTREAM_API_KEY } from '../support/gateway.js';
import { childEnv, runProcess, startProcess, stopAllProcesses, type RunningProcess } from '../support/processes.js';
import { startStandIn, type StandIn } from '../support/upstream.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NOW = Date.parse('2026-11-23T16:00:00Z');
const DAY = 86_400_000;
const MODELS = ['claude-opus-4-8', 'claude-opus-5-5', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001'];
const REFUSAL_REASONS = [
  'key_missing',
  'key_unknown',
  'key_revoked',
  'key_expired',
  'model_denied',
  'tool_denied',
  'rate_limit',
  'concurrency_limit',
  'budget_exhausted',
  'budget_reserved',
  'invalid_request',
  'too_large',
];

interface LogPage {
  logs: LogEntry[];
  next_cursor: string | null;
  has_more: boolean;
}

function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
}

async function adminGet<T>(url: string, token: string, path: string): Promise<T> {
  const response = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

describe('demo data', () => {
  let dataDir: string;
  let gateway: Gateway;
  const get = <T>(path: string): Promise<T> => adminGet<T>(gateway.url, gateway.adminToken, path);
  const logs = (query: string): Promise<LogPage> => get<LogPage>(`/api/logs?${query}`);

  beforeAll(async () => {
    dataDir = scratchDir();
    prepareDemoDataDir(dataDir, { now: NOW });
    gateway = await startGateway({ dataDir, port: 0, env: {}, logger: silentLogger, clock: () => NOW });
  });

  afterAll(async () => {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sets up customers, teams, people and a dozen keys with budgets, rate limits and model policies', async () => {
    const { customers } = await get<{ customers: { id: string }[] }>('/api/governance/customers');
    const { teams } = await get<{ teams: { id: string; customer_id: string | null; budgets: Budget[] }[] }>(
      '/api/governance/teams',
    );
    const { users } = await get<{ users: { id: string; team_id: string | null }[] }>('/api/governance/users');
    const { virtual_keys: keys } = await get<{ virtual_keys: VirtualKey[] }>('/api/governance/virtual-keys');

    expect(customers).toHaveLength(2);
    expect(teams.length).toBeGreaterThanOrEqual(3);
    expect(teams.filter((team) => team.customer_id !== null).length).toBeGreaterThanOrEqual(2);
    expect(users.length).toBeGreaterThanOrEqual(8);
    expect(users.every((user) => teams.some((team) => team.id === user.team_id))).toBe(true);
    expect(keys.length).toBeGreaterThanOrEqual(12);
    expect(keys.filter((key) => key.budgets.length > 0).length).toBeGreaterThanOrEqual(10);
    expect(keys.some((key) => key.budgets.some((budget) => budget.calendar_aligned))).toBe(true);
    expect(keys.some((key) => key.budgets.some((budget) => !budget.calendar_aligned))).toBe(true);
    expect(keys.filter((key) => key.rate_limit !== null).length).toBeGreaterThanOrEqual(2);
    expect(keys.some((key) => Object.keys(key.model_remap).length > 0)).toBe(true);
    expect(keys.some((key) => key.denied_models.length > 0)).toBe(true);
    expect(keys.some((key) => (key.tool_policy?.deny ?? []).length > 0)).toBe(true);
    expect(keys.some((key) => key.expires_at !== null && Date.parse(key.expires_at) < NOW)).toBe(true);
  });

  it('holds thirty days of traffic, newest first, up to the moment it was generated', async () => {
    const newest = (await logs('limit=1')).logs[0];
    expect(newest).toBeDefined();
    expect(newest?.created_at_ms).toBeLessThanOrEqual(NOW);
    expect(newest?.created_at_ms).toBeGreaterThan(NOW - 3 * 3_600_000);

    expect((await logs(`limit=1&start=${NOW - 30 * DAY}&end=${NOW - 28 * DAY}`)).logs).toHaveLength(1);
    expect((await logs(`limit=1&end=${NOW - 31 * DAY}`)).logs).toHaveLength(0);
    for (let day = 1; day <= 29; day += 7) {
      expect(
        (await logs(`limit=1&start=${NOW - (day + 1) * DAY}&end=${NOW - day * DAY}`)).logs,
        `day -${day}`,
      ).toHaveLength(1);
    }
  });

  it('mixes the four Claude Code models, with cache reads making up most of the prompt', async () => {
    for (const model of MODELS) {
      expect((await logs(`limit=1&model=${model}`)).logs, model).toHaveLength(1);
    }
    const page = (await logs('limit=1000&status=success')).logs;
    const read = page.reduce((sum, row) => sum + row.cache_read_input_tokens, 0);
    const written = page.reduce((sum, row) => sum + row.cache_creation_input_tokens, 0);
    const uncached = page.reduce((sum, row) => sum + row.input_tokens, 0);
    expect(read / (read + written + uncached)).toBeGreaterThan(0.7);
    expect(written).toBeGreaterThan(0);
    expect(page.some((row) => row.tool_names.includes('Bash'))).toBe(true);
    expect(page.some((row) => row.tool_names.includes('Read'))).toBe(true);
    expect(page.some((row) => row.tool_names.includes('Edit'))).toBe(true);
    expect(page.some((row) => row.requested_model !== row.model)).toBe(true);
  });

  it('includes refusals of every reason, upstream 429 and 529 errors, and interrupted streams', async () => {
    for (const reason of REFUSAL_REASONS) {
      const found = (await logs(`limit=5&status=blocked&reason=${reason}`)).logs;
      expect(found.length, reason).toBeGreaterThan(0);
      expect(found.every((row) => row.cost_micros === 0 && row.error_message !== null)).toBe(true);
    }
    expect((await logs('limit=1&status=529')).logs).toHaveLength(1);
    expect((await logs('limit=1&status=429')).logs).toHaveLength(1);
    const aborted = (await logs('limit=5&status=aborted')).logs;
    expect(aborted.length).toBeGreaterThan(0);
    expect(aborted.every((row) => row.status_code === 499)).toBe(true);
  });

  it('prices each request at the rates of the price table in force', async () => {
    const pricing = await get<{
      models: {
        model: string;
        aliases: string[];
        current: Record<'input' | 'output' | 'cache_write_5m' | 'cache_read', number>;
      }[];
    }>('/api/pricing');
    for (const model of MODELS) {
      const [row] = (await logs(`limit=1&status=success&model=${model}`)).logs;
      const rates = pricing.models.find((entry) => entry.model === model || entry.aliases.includes(model))?.current;
      if (!row || !rates) throw new Error(`no priced row or price for ${model}`);
      // Rates are USD per million tokens.
      const expected =
        (row.input_tokens * rates.input +
          row.output_tokens * rates.output +
          row.cache_creation_5m_input_tokens * rates.cache_write_5m +
          row.cache_read_input_tokens * rates.cache_read) /
        1_000_000;
      expect(row.cost, model).toBeCloseTo(expected, 5);
      expect(row.cost_estimated).toBe(false);
      expect(row.price_version).toMatch(/^claude-/);
    }
  });

  it('shows spend on the budgets, with some near their limit and one run out', async () => {
    const { virtual_keys: keys } = await get<{ virtual_keys: VirtualKey[] }>('/api/governance/virtual-keys');
    const { teams } = await get<{ teams: { budgets: Budget[] }[] }>('/api/governance/teams');
    const budgets = [...keys.flatMap((key) => key.budgets), ...teams.flatMap((team) => team.budgets)];
    const used = budgets.map((budget) => budget.current_usage / budget.max_limit);
    expect(budgets.filter((budget) => budget.current_usage > 0).length).toBeGreaterThanOrEqual(budgets.length - 2);
    expect(used.filter((share) => share >= 0.75 && share < 1).length).toBeGreaterThanOrEqual(2);
    expect(used.some((share) => share >= 1)).toBe(true);
    expect(used.some((share) => share < 0.5)).toBe(true);
  });

  it('groups a Claude Code session: its requests, running cost and cache share', async () => {
    const row = (await logs('limit=200&status=success')).logs.find(
      (entry) => entry.session_id !== null && entry.virtual_key_name !== 'ci-review-bot',
    );
    if (!row?.session_id) throw new Error('no recent session');
    const session = await get<{
      requests: number;
      cost: number;
      cache_read_share: number;
      first_at: string;
      last_at: string;
    }>(`/api/sessions/${row.session_id}`);
    expect(session.requests).toBeGreaterThanOrEqual(2);
    expect(session.cost).toBeGreaterThan(0);
    expect(session.cache_read_share).toBeGreaterThan(0.5);
    const inSession = await logs(`limit=1000&session=${row.session_id}`);
    expect(inSession.logs).toHaveLength(session.requests);
    expect(new Set(inSession.logs.map((entry) => entry.virtual_key_id)).size).toBe(1);
  });

  it('keeps the conversation of recent requests, searchable, as content capture would have', async () => {
    const recent = (await logs('limit=300&status=success')).logs.filter(
      (entry) => entry.has_content && entry.tool_names.length > 0,
    );
    const row = recent.find((entry) => entry.input_tokens + entry.cache_read_input_tokens > 30_000) ?? recent[0];
    if (!row) throw new Error('no recent row with captured content');
    const detail = await get<{ log: LogEntry; request: unknown; response: unknown }>(`/api/logs/${row.id}`);
    const request = detail.request as {
      model?: unknown;
      messages?: { role: string; content: unknown }[];
      tools?: { name: string }[];
    };
    const response = detail.response as { content?: { type: string; name?: string }[]; model?: unknown };
    expect(request.model).toBe(row.requested_model);
    expect(request.messages?.[0]?.role).toBe('user');
    expect(request.tools?.map((tool) => tool.name)).toContain('Bash');
    expect(response.model).toBe(row.model);
    expect(response.content?.filter((block) => block.type === 'tool_use').map((block) => block.name)).toEqual(
      row.tool_names,
    );

    const found = (await logs('limit=20&q=idempotency')).logs;
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((entry) => entry.has_content)).toBe(true);

    const old = (await logs(`limit=50&status=success&end=${NOW - 10 * DAY}`)).logs;
    expect(old.length).toBeGreaterThan(0);
    expect(old.every((entry) => !entry.has_content)).toBe(true);
  });
});

describe('demo data generation', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is the same every time for the same seed and moment', () => {
    const rows = (): unknown[] => {
      const dir = scratchDir();
      dirs.push(dir);
      prepareDemoDataDir(dir, { now: NOW, seed: 7, days: 7 });
      const db = new Database(join(dir, 'tollgate.db'), { readonly: true });
      try {
        return db
          .prepare(
            'SELECT created_at, virtual_key_name, session_id, model, status, refusal_reason, cost_micros, cache_read_tokens FROM request_logs ORDER BY id',
          )
          .all();
      } finally {
        db.close();
      }
    };
    const first = rows();
    expect(first.length).toBeGreaterThan(2000);
    expect(rows()).toEqual(first);
  });

  it('refuses to write into a directory whose database is not demo data', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const real = await startGateway({ dataDir: dir, port: 0, env: {}, logger: silentLogger });
    await real.close();

    expect(() => prepareDemoDataDir(dir, { now: NOW })).toThrow(NotDemoDataError);
    const db = new Database(join(dir, 'tollgate.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM virtual_keys').get()).toEqual({ n: 0 });
      expect(db.prepare("SELECT count(*) AS n FROM settings WHERE key = 'demo'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

describe('--demo configuration', () => {
  it('puts demo data beside the real data directory, never in it, and listens on a port of its own', () => {
    const env = { TOLLGATE_DATA_DIR: '/srv/tollgate', TOLLGATE_PORT: '9000' };
    expect(readServeConfig([], env)).toMatchObject({ dataDir: '/srv/tollgate', port: 9000, demo: false });
    expect(readServeConfig(['--demo'], env)).toMatchObject({ dataDir: '/srv/tollgate-demo', port: 8788, demo: true });
    expect(readServeConfig(['--demo', '--data-dir', '/tmp/x', '--port', '0'], env)).toMatchObject({
      dataDir: '/tmp/x',
      port: 0,
    });
  });
});

describe('npm run serve -- --demo', () => {
  let upstream: StandIn;
  let scratch: string;

  beforeAll(async () => {
    upstream = await startStandIn({ apiKey: UPSTREAM_API_KEY });
    scratch = scratchDir();
  });

  afterAll(async () => {
    await stopAllProcesses();
    await upstream.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const serve = (args: string[]): RunningProcess =>
    startProcess(
      SERVE.command,
      [...SERVE.args, '--demo', '--port', '0', '--anthropic-base-url', upstream.url, ...args],
      {
        cwd: ROOT,
        env: childEnv({ ANTHROPIC_API_KEY: UPSTREAM_API_KEY }),
        name: 'tollgate serve --demo',
      },
    );

  it('labels the demo, serves it as a working gateway, and keeps it on restart', async () => {
    const dataDir = join(scratch, 'demo');
    const first = serve(['--data-dir', dataDir]);
    await first.waitForLine(/^DEMO DATA/, 60_000);
    await first.waitForLine(new RegExp(`demo data directory: ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    await first.waitForLine(/generated now in/);
    const [, url] = await first.waitForLine(/^Tollgate gateway listening on (http:\/\/\S+)$/);
    await first.waitForLine(/^Ready\. DEMO DATA/);
    if (!url) throw new Error('no url in the banner');
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const { virtual_keys: keys } = await adminGet<{ virtual_keys: VirtualKey[] }>(
      url,
      token,
      '/api/governance/virtual-keys',
    );
    expect(keys.length).toBeGreaterThanOrEqual(12);

    // The playground key works against the upstream like any other key.
    const demoKey = readFileSync(join(dataDir, 'demo-key'), 'utf8').trim();
    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': demoKey },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5-20250929',
        max_tokens: 32,
        messages: [{ role: 'user', content: 'hello from the demo' }],
      }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-tollgate-request-id');
    const newest = await adminGet<LogPage>(url, token, '/api/logs?limit=1');
    expect(newest.logs[0]?.request_id).toBe(requestId);
    expect(newest.logs[0]?.virtual_key_name).toBe('demo-playground');
    expect((await first.stop()).code).toBe(0);

    const second = serve(['--data-dir', dataDir]);
    await second.waitForLine(/^DEMO DATA/, 60_000);
    await second.waitForLine(/generated 2\d{3}-\d\d-\d\dT/);
    const [, again] = await second.waitForLine(/^Tollgate gateway listening on (http:\/\/\S+)$/);
    if (!again) throw new Error('no url in the banner');
    const kept = await adminGet<LogPage>(again, token, '/api/logs?limit=1');
    expect(kept.logs[0]?.request_id).toBe(requestId);
    expect((await second.stop()).code).toBe(0);
  });

  it('refuses a data directory that holds real data, and leaves it as it was', async () => {
    const dataDir = join(scratch, 'real');
    const real = await startGateway({ dataDir, port: 0, env: {}, logger: silentLogger });
    await real.close();

    const run = await runProcess(SERVE.command, [...SERVE.args, '--demo', '--port', '0', '--data-dir', dataDir], {
      cwd: ROOT,
      env: childEnv({}),
      name: 'tollgate serve --demo',
    });
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toContain('not demo data');
    expect(run.stdout).not.toContain('listening');
    const db = new Database(join(dataDir, 'tollgate.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM request_logs').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

/** `npm run serve --` without npm in between: the script's own command line. */
const SERVE = ((): { command: string; args: string[] } => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = manifest.scripts?.serve;
  if (!script || /["'`$&|;<>()]/.test(script))
    throw new Error(`cannot run the "serve" script directly: ${String(script)}`);
  const [bin, ...args] = script.trim().split(/\s+/);
  if (bin === undefined) throw new Error('the "serve" script is empty');
  return { command: bin === 'node' ? process.execPath : join(ROOT, 'node_modules', '.bin', bin), args };
})();
