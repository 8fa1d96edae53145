// What a developer blocked by governance sees in the real Claude Code CLI (the pinned
// @anthropic-ai/claude-code): a spent budget, a model the policy denies, and a rate limit that frees
// only much later must each end `claude -p` at once with the gateway's own message, after exactly one
// request, instead of minutes of retries or a misleading "Failed to authenticate".
import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CLAUDE, claudeCodeProcessEnv, untilExitOrRetry } from '../support/claude-code.js';
import { runProcess, startProcess, stopAllProcesses, type RunningProcess } from '../support/processes.js';

const PROMPT = 'REPLY WITH: tollgate-ok';
/** Past this the CLI is taken to be retrying for good and is killed; well inside vitest's own timeout. */
const CLI_DEADLINE_MS = 45_000;
const MODEL = 'claude-sonnet-4-6';

let handle: TestGateway;
let home: string;

beforeEach(async () => {
  handle = await startTestGateway();
  // A fresh HOME per test, also the working directory: no settings, credentials or CLAUDE.md steer the CLI.
  home = mkdtempSync(join(tmpdir(), 'tollgate-claude-home-'));
});

afterEach(async () => {
  await stopAllProcesses();
  await handle.close();
  rmSync(home, { recursive: true, force: true });
});

async function createKey(body: Record<string, unknown>): Promise<{ id: string; value: string }> {
  const { status, body: answer } = await handle.admin<{ virtual_key: { id: string; value: string } }>(
    'POST',
    '/api/governance/virtual-keys',
    { name: 'claude code', ...body },
  );
  expect(status, JSON.stringify(answer)).toBe(201);
  return answer.virtual_key;
}

async function logRows(keyId: string): Promise<LogEntry[]> {
  const { status, body } = await handle.admin<{ logs: LogEntry[] }>('GET', `/api/logs?vk=${keyId}&limit=1000`);
  expect(status).toBe(200);
  return body.logs;
}

/** One $0.018 request through the SDK (1,000 tokens in and out of Claude Sonnet 4.6), admitted. */
async function spendOnce(key: string): Promise<void> {
  handle.upstream.enqueue({ kind: 'message', usage: { input_tokens: 1000, output_tokens: 1000 } });
  await new Anthropic({ baseURL: handle.url, authToken: key, maxRetries: 0 }).messages.create({
    model: MODEL,
    max_tokens: 256,
    messages: [{ role: 'user', content: 'hi' }],
  });
}

/** Claude Code's environment as a developer has it (retries on), kept on loopback and quiet. */
function claudeEnv(key: string): NodeJS.ProcessEnv {
  return claudeCodeProcessEnv(home, { ANTHROPIC_BASE_URL: handle.url, ANTHROPIC_AUTH_TOKEN: key });
}

/** Runs `claude -p` with retries on until it exits, retries the refusal with `status`, or hangs. */
async function claudeUntilExitOrRetry(
  key: { id: string; value: string },
  status: number,
): Promise<{ outcome: 'exited' | 'retried' | 'hung'; cli: RunningProcess; refusals: number }> {
  const cli = startProcess(CLAUDE, ['-p', PROMPT], { cwd: home, name: 'claude', env: claudeEnv(key.value) });
  const refusals = async (): Promise<number> =>
    (await logRows(key.id)).filter((row) => row.status_code === status).length;
  const outcome = await untilExitOrRetry(cli, refusals, CLI_DEADLINE_MS);
  return { outcome, cli, refusals: await refusals() };
}

describe('Claude Code blocked by governance', () => {
  it('stops at once with "API Error: 402" and the budget message when the key’s budget is spent, after one request', async () => {
    const key = await createKey({ budget: { max_limit: 0.01, reset_duration: '1d' } });
    await spendOnce(key.value);

    const { outcome, cli, refusals } = await claudeUntilExitOrRetry(key, 402);

    expect(outcome, `Claude Code retried the budget refusal; output so far:\n${cli.output}`).toBe('exited');
    expect(cli.exit).not.toBeNull();
    expect(cli.exit?.code).not.toBe(0);
    expect(cli.exit?.code).not.toBeNull();
    expect(cli.output).toContain('API Error: 402');
    expect(cli.output).toContain('Tollgate budget reached');
    expect(cli.output).toContain('virtual key "claude code"');
    expect(refusals).toBe(1);
    const rows = await logRows(key.id);
    expect(rows).toHaveLength(2); // the SDK request that spent the budget, and the CLI's one refused request
    expect(rows.find((row) => row.status_code === 402)).toMatchObject({
      refusal_reason: 'budget_exhausted',
      client: expect.stringMatching(/^claude-cli\//) as unknown,
    });
    expect(handle.upstream.messageRequests()).toHaveLength(1);
  });

  it('prints the policy message plainly, without "Failed to authenticate", when the model is denied', async () => {
    const key = await createKey({ allowed_models: ['claude-haiku-*'] });

    // Claude Code 2.1.330 answers a 400 by trying again at once with fewer features (thinking display,
    // beta headers, a larger tool set): up to six quick attempts, each refused here, then it gives up.
    const result = await runProcess(CLAUDE, ['-p', PROMPT, '--model', 'claude-opus-4-8'], {
      cwd: home,
      name: 'claude',
      env: claudeEnv(key.value),
      timeoutMs: CLI_DEADLINE_MS,
    });

    expect(result.code, result.output).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.output).toContain('API Error: 400 Model "claude-opus-4-8" is not allowed');
    expect(result.output).toContain('claude-haiku-*');
    expect(result.output).not.toContain('Failed to authenticate');
    const rows = await logRows(key.id);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(row).toMatchObject({
        status_code: 400,
        refusal_reason: 'model_denied',
        requested_model: 'claude-opus-4-8',
      });
    expect(handle.upstream.messageRequests()).toHaveLength(0);
  });

  it('stops at once with the rate-limit message when the limit frees only in an hour', async () => {
    const key = await createKey({ rate_limit: { request_max_limit: 1, request_reset_duration: '1h' } });
    await spendOnce(key.value);

    const { outcome, cli, refusals } = await claudeUntilExitOrRetry(key, 429);

    expect(outcome, `Claude Code kept retrying a limit an hour away; output so far:\n${cli.output}`).toBe('exited');
    expect(cli.exit).not.toBeNull();
    expect(cli.exit?.code).not.toBe(0);
    // Claude Code prints a 429 as "API Error: Request rejected (429) · <message>".
    expect(cli.output).toMatch(/API Error: .*429.* · Tollgate rate limit: this key allows 1 requests per 1h/);
    expect(refusals).toBe(1);
    expect(handle.upstream.messageRequests()).toHaveLength(1);
  });
});
