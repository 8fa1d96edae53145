// The real Claude Code CLI (the pinned @anthropic-ai/claude-code, a native binary) through the gateway
// to the stand-in upstream: what a developer gets with ANTHROPIC_BASE_URL pointed at Tollgate and a
// virtual key as ANTHROPIC_AUTH_TOKEN, and what the request log records about it.
//
// What Claude Code 2.1.330 sends in print mode (`claude -p`) with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1:
// exactly one `POST /v1/messages?beta=true`, streamed, with `Authorization: Bearer <ANTHROPIC_AUTH_TOKEN>`,
// `x-claude-code-session-id`, `metadata.user_id` (JSON carrying the same session_id), `anthropic-beta`
// (claude-code-20250219 and others) and `user-agent: claude-cli/2.1.330 (external, sdk-cli)`. No HEAD
// probe, no count_tokens, no /v1/models unless CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY is set.
// Without the nonessential-traffic switch it also sends `HEAD /api/hello` to the base URL and looks up
// api.anthropic.com; the switch keeps these tests on loopback.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';
import { CLAUDE, claudeCodeProcessEnv, untilExitOrRetry } from '../support/claude-code.js';
import { runProcess, startProcess, stopAllProcesses, type FinishedProcess } from '../support/processes.js';
import type { RecordedRequest } from '../support/upstream.js';

const PROMPT = 'REPLY WITH: tollgate-ok';
/** Kills a CLI that hangs (it retries for minutes on some errors) well inside vitest's own timeout. */
const CLI_DEADLINE_MS = 45_000;

let handle: TestGateway;
let key: { id: string; value: string };
let home: string;

beforeEach(async () => {
  handle = await startTestGateway();
  key = await handle.createKey('claude code');
  // A fresh HOME per test: no settings, credentials or caches from the machine running the tests. It is
  // also the working directory, so no CLAUDE.md or .claude/ of this repository steers the CLI.
  home = mkdtempSync(join(tmpdir(), 'tollgate-claude-home-'));
});

afterEach(async () => {
  await stopAllProcesses();
  await handle.close();
  rmSync(home, { recursive: true, force: true });
});

/** The CLI's environment: only loopback, no update checks, telemetry or error reports, nothing interactive. */
function claudeEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return claudeCodeProcessEnv(home, { ANTHROPIC_BASE_URL: handle.url, ANTHROPIC_AUTH_TOKEN: key.value, ...overrides });
}

function claude(args: string[], overrides: Record<string, string> = {}): Promise<FinishedProcess> {
  return runProcess(CLAUDE, args, { cwd: home, env: claudeEnv(overrides), name: 'claude', timeoutMs: CLI_DEADLINE_MS });
}

async function logRows(): Promise<LogEntry[]> {
  const { status, body } = await handle.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000');
  expect(status).toBe(200);
  return body.logs;
}

function header(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The Messages request Claude Code sent for the prompt, as the upstream received it. */
function mainRequest(): { request: RecordedRequest; model: string } {
  const request = handle.upstream
    .messageRequests()
    .find((candidate) => candidate.rawBody.toString('utf8').includes(PROMPT));
  if (!request)
    throw new Error(
      `the upstream saw no Messages request carrying the prompt (${handle.upstream.requests.length} requests)`,
    );
  const body = request.json;
  const model = typeof body === 'object' && body !== null && 'model' in body ? body.model : undefined;
  if (typeof model !== 'string') throw new Error('the Messages request names no model');
  return { request, model };
}

function logRowOf(rows: LogEntry[], sessionId: string | undefined): LogEntry {
  const row = rows.find((entry) => entry.endpoint === 'messages' && entry.session_id === sessionId);
  if (!row) throw new Error(`no Messages log row for session ${sessionId ?? '(none)'}: ${JSON.stringify(rows)}`);
  return row;
}

describe('Claude Code through the gateway', () => {
  it('answers a print-mode prompt and logs the request against the virtual key with model, tokens, cost and session', async () => {
    const result = await claude(['-p', PROMPT]);

    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('tollgate-ok');

    // What arrived upstream: one streamed Messages request, with the provider key and without the virtual key.
    expect(handle.upstream.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /v1/messages?beta=true',
    ]);
    const { request, model } = mainRequest();
    expect(header(request, 'x-api-key')).toBe(UPSTREAM_API_KEY);
    expect(header(request, 'authorization')).toBeUndefined();
    expect(request.rawBody.toString('utf8')).not.toContain(key.value);
    expect(header(request, 'anthropic-beta')).toContain('claude-code-20250219');
    const sessionId = header(request, 'x-claude-code-session-id');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    const row = logRowOf(await logRows(), sessionId);
    expect(row).toMatchObject({
      virtual_key_id: key.id,
      virtual_key_name: 'claude code',
      model,
      status: 'success',
      status_code: 200,
      stream: true,
      method: 'POST',
      path: '/v1/messages?beta=true',
      cost_estimated: false,
    });
    expect(row.client).toMatch(/^claude-cli\/2\.1\.330 /);
    expect(row.input_tokens).toBeGreaterThan(0);
    expect(row.output_tokens).toBeGreaterThan(0);
    expect(row.cost).toBeGreaterThan(0);
    expect(row.cost_micros).toBeGreaterThan(0);
  });

  it('returns a successful JSON result whose session, usage and cost agree with the log row', async () => {
    const result = await claude(['-p', PROMPT, '--output-format', 'json']);

    expect(result.code, result.output).toBe(0);
    const parsed: unknown = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({ type: 'result', subtype: 'success', is_error: false, result: 'tollgate-ok' });
    const report = parsed as {
      session_id: string;
      total_cost_usd: number;
      usage: {
        input_tokens: number;
        output_tokens: number;
        cache_read_input_tokens: number;
        cache_creation_input_tokens: number;
      };
    };

    const row = logRowOf(await logRows(), report.session_id);
    expect(row).toMatchObject({
      virtual_key_id: key.id,
      model: mainRequest().model,
      status: 'success',
      input_tokens: report.usage.input_tokens,
      output_tokens: report.usage.output_tokens,
      cache_read_input_tokens: report.usage.cache_read_input_tokens,
      cache_creation_input_tokens: report.usage.cache_creation_input_tokens,
    });
    // Claude Code prices the turn with its own table; the gateway's bill must come to the same amount
    // (to the micro-dollar: the CLI sums floats, the gateway rounds once).
    expect(Math.abs(Math.round(report.total_cost_usd * 1_000_000) - row.cost_micros)).toBeLessThanOrEqual(1);
  });

  it('works with the /anthropic prefix in ANTHROPIC_BASE_URL', async () => {
    const result = await claude(['-p', PROMPT], { ANTHROPIC_BASE_URL: `${handle.url}/anthropic` });

    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('tollgate-ok');
    const { request } = mainRequest();
    expect(request.path).toBe('/v1/messages?beta=true');
    const row = logRowOf(await logRows(), header(request, 'x-claude-code-session-id'));
    expect(row).toMatchObject({ virtual_key_id: key.id, status: 'success', path: '/anthropic/v1/messages?beta=true' });
  });

  it("relays the upstream's model list when Claude Code discovers models from the gateway", async () => {
    const result = await claude(['-p', PROMPT], { CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' });

    expect(result.code, result.output).toBe(0);
    const discovery = handle.upstream.requests.find((request) => request.method === 'GET');
    if (!discovery) throw new Error('Claude Code did not ask the gateway for its models');
    expect(discovery.path).toBe('/v1/models?limit=1000');
    expect(header(discovery, 'x-api-key')).toBe(UPSTREAM_API_KEY);
    expect(header(discovery, 'authorization')).toBeUndefined();
    const row = (await logRows()).find((entry) => entry.endpoint === 'models');
    expect(row).toMatchObject({ virtual_key_id: key.id, status: 'success', status_code: 200, method: 'GET', cost: 0 });
    // Claude Code keeps what it discovered for its model picker; the stand-in's catalogue must be in it.
    const cached: unknown = JSON.parse(readFileSync(join(home, '.claude', 'cache', 'gateway-models.json'), 'utf8'));
    expect(cached).toMatchObject({
      models: expect.arrayContaining([expect.objectContaining({ id: 'claude-sonnet-4-5-20250929' })]) as unknown,
    });
  });

  it("fails with the gateway's message and a non-zero exit code when the key is unknown", async () => {
    // Retries off: this test is about what the user is told; the next one is about retrying.
    const result = await claude(['-p', PROMPT], {
      ANTHROPIC_AUTH_TOKEN: 'sk-tg-this-key-was-never-issued',
      CLAUDE_CODE_MAX_RETRIES: '0',
    });

    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.output).toMatch(/401/);
    expect(result.output).toContain('is not a Tollgate virtual key');
    expect(result.output).toContain('ANTHROPIC_AUTH_TOKEN');
    expect(handle.upstream.messageRequests()).toHaveLength(0);
    const refusals = (await logRows()).filter((entry) => entry.status_code === 401);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((entry) => entry.status === 'blocked' && entry.virtual_key_id === null)).toBe(true);
  });

  it("stops at once with the gateway's message when the key is revoked, instead of retrying the refusal", async () => {
    const revoked = await handle.admin('PUT', `/api/governance/virtual-keys/${key.id}`, { is_active: false });
    expect(revoked.status).toBe(200);

    // Claude Code's default settings, as a developer has them. It retries an error unless the answer
    // says `x-should-retry: false`; a retried refusal shows up as a second refused row, so the race
    // below ends as soon as either the CLI gives up or it tries again.
    const cli = startProcess(CLAUDE, ['-p', PROMPT], { cwd: home, env: claudeEnv(), name: 'claude' });
    const refusedRows = async (): Promise<number> =>
      (await logRows()).filter((entry) => entry.virtual_key_id === key.id && entry.status_code === 401).length;
    const outcome = await untilExitOrRetry(cli, refusedRows, CLI_DEADLINE_MS);

    expect(
      outcome,
      `Claude Code tried again after the refusal (it gives up at once only on an answer with x-should-retry: false); output so far:\n${cli.output}`,
    ).toBe('exited');
    expect(cli.exit?.code).not.toBe(0);
    expect(cli.output).toContain('has been revoked or disabled');
    expect(await refusedRows()).toBe(1);
    expect(handle.upstream.messageRequests()).toHaveLength(0);
  });
});
