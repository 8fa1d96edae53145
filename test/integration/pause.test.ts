// Pausing the gateway: while paused every inference route answers a 503 the clients do not retry,
// each refusal is logged with refusal_reason "paused", probes still answer, and the pause outlives a
// restart until someone resumes. Real clients: the official SDK and the Claude Code CLI.
import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayStatus, LogEntry } from '../../shared/schemas.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CLAUDE, claudeCodeProcessEnv, untilExitOrRetry } from '../support/claude-code.js';
import { startProcess, stopAllProcesses } from '../support/processes.js';

const CLI_DEADLINE_MS = 45_000;
const MODEL = 'claude-sonnet-4-6';

let handle: TestGateway;
let key: { id: string; value: string };

beforeEach(async () => {
  handle = await startTestGateway();
  key = await handle.createKey('paused laptop');
});

afterEach(async () => {
  await stopAllProcesses();
  await handle.close();
});

const sdk = (baseURL = handle.url): Anthropic => new Anthropic({ baseURL, authToken: key.value, maxRetries: 2 });

async function logRows(): Promise<LogEntry[]> {
  const { status, body } = await handle.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=1000');
  expect(status).toBe(200);
  return body.logs;
}

async function pause(): Promise<GatewayStatus> {
  const { status, body } = await handle.admin<GatewayStatus>('POST', '/api/gateway/pause');
  expect(status).toBe(200);
  return body;
}

describe('a paused gateway', () => {
  it('refuses an SDK request with a 503 api_error that says how to resume, without retrying, and logs it as paused', async () => {
    const paused = await pause();
    expect(paused.paused).toBe(true);
    expect(Date.parse(paused.paused_at ?? '')).toBeGreaterThan(0);

    const error = await sdk()
      .messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'REPLY WITH: no' }] })
      .then(
        () => null,
        (caught: unknown) => caught,
      );

    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.headers?.get('x-should-retry')).toBe('false');
    expect(apiError.error).toMatchObject({
      type: 'error',
      error: {
        type: 'api_error',
        message: expect.stringMatching(/^Tollgate is paused.*resume it from the tray or the dashboard/) as unknown,
      },
    });
    // maxRetries 2, but x-should-retry: false: exactly one request reached the gateway.
    const rows = await logRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'blocked',
      status_code: 503,
      refusal_reason: 'paused',
      virtual_key_id: key.id,
      model: MODEL,
      error_type: 'api_error',
    });
    expect(handle.upstream.requests).toHaveLength(0);
  });

  it('refuses count_tokens and the model list, with and without the /anthropic prefix, while probes still answer', async () => {
    await pause();
    const paths = ['/v1/messages/count_tokens', '/anthropic/v1/messages/count_tokens'];
    for (const path of paths) {
      const response = await fetch(handle.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key.value, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'count me' }] }),
      });
      expect(response.status, path).toBe(503);
      expect(await response.json()).toMatchObject({ error: { type: 'api_error' } });
    }
    for (const path of ['/v1/models', '/anthropic/v1/models', '/anthropic/v1/messages']) {
      const response = await fetch(handle.url + path, {
        method: path.endsWith('messages') ? 'POST' : 'GET',
        headers: { 'x-api-key': key.value, 'content-type': 'application/json' },
        ...(path.endsWith('messages') && { body: JSON.stringify({ model: MODEL, max_tokens: 8, messages: [] }) }),
      });
      expect(response.status, path).toBe(503);
      await response.arrayBuffer();
    }

    expect((await fetch(handle.url, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${handle.url}/health`)).status).toBe(200);
    expect((await fetch(`${handle.url}/anthropic`, { method: 'HEAD' })).status).toBe(200);

    const rows = await logRows();
    expect(rows).toHaveLength(5);
    expect(rows.every((row) => row.refusal_reason === 'paused' && row.status_code === 503)).toBe(true);
    expect(rows.map((row) => row.endpoint).sort()).toEqual([
      'count_tokens',
      'count_tokens',
      'messages',
      'models',
      'models',
    ]);
    expect(handle.upstream.requests).toHaveLength(0);
  });

  it('forwards again once resumed, and stays paused across a restart until then', async () => {
    const paused = await pause();
    await handle.restart();

    const status = await handle.admin<GatewayStatus>('GET', '/api/gateway/status');
    expect(status.body).toMatchObject({ paused: true, paused_at: paused.paused_at });
    // Pausing again keeps the time of the first pause.
    expect((await pause()).paused_at).toBe(paused.paused_at);
    const refused = await sdk()
      .messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'REPLY WITH: no' }] })
      .then(
        () => 'answered',
        (error: unknown) => (error instanceof Anthropic.APIError ? (error.status as number) : error),
      );
    expect(refused).toBe(503);

    const resumed = await handle.admin<GatewayStatus>('POST', '/api/gateway/resume');
    expect(resumed.body).toMatchObject({ paused: false, paused_at: null });
    const message = await sdk(`${handle.url}/anthropic`).messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'REPLY WITH: resumed' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'resumed' }]);
    expect(handle.upstream.messageRequests()).toHaveLength(1);
  });

  it('audits pause and resume, from the admin API and from the desktop app alike', async () => {
    await pause();
    await handle.admin('POST', '/api/gateway/resume');
    expect(handle.gateway.setPaused(true)).toMatchObject({ paused: true });
    expect(handle.gateway.status().paused).toBe(true);
    expect(handle.gateway.setPaused(false)).toMatchObject({ paused: false, paused_at: null });

    const { body } = await handle.admin<{ entries: { actor: string; action: string; target_type: string | null }[] }>(
      'GET',
      '/api/audit?limit=20',
    );
    const changes = body.entries
      .filter((entry) => entry.action === 'pauseGateway' || entry.action === 'resumeGateway')
      .map((entry) => `${entry.actor} ${entry.action} ${entry.target_type ?? ''}`)
      .reverse();
    expect(changes).toEqual([
      'admin pauseGateway gateway',
      'admin resumeGateway gateway',
      'desktop app pauseGateway gateway',
      'desktop app resumeGateway gateway',
    ]);
    expect((await handle.admin<{ ok: boolean }>('GET', '/api/audit/verify')).body.ok).toBe(true);
  });

  it('makes Claude Code stop at once with an error that says the gateway is paused', async () => {
    await pause();
    const home = mkdtempSync(join(tmpdir(), 'tollgate-claude-home-'));
    try {
      // Claude Code's default settings: it retries an error unless the answer says x-should-retry: false.
      const cli = startProcess(CLAUDE, ['-p', 'REPLY WITH: no'], {
        cwd: home,
        name: 'claude',
        env: claudeCodeProcessEnv(home, { ANTHROPIC_BASE_URL: handle.url, ANTHROPIC_AUTH_TOKEN: key.value }),
      });
      const pausedRows = async (): Promise<number> =>
        (await logRows()).filter((row) => row.refusal_reason === 'paused').length;
      const outcome = await untilExitOrRetry(cli, pausedRows, CLI_DEADLINE_MS);

      expect(outcome, `Claude Code did not stop at the first refusal; output so far:\n${cli.output}`).toBe('exited');
      expect(cli.exit?.code).not.toBe(0);
      expect(cli.output).toMatch(/Tollgate is paused/);
      expect(await pausedRows()).toBe(1);
      expect(handle.upstream.messageRequests()).toHaveLength(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
