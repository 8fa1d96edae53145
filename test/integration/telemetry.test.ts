// What the agent did: Claude Code's OTLP telemetry, exported to the gateway by a client signed in with
// /login, over real HTTP on loopback into real SQLite. JSON and protobuf (built with the same
// library the gateway decodes with), for logs and metrics; a session's events and totals on
// GET /api/sessions/:id/events; the protocol's "always 200" for what cannot be kept, and 401 for an
// ended sign-in; the log row's client_cost, joined on the request-id the client saw. Then the real
// Claude Code 2.1.330 in print mode, exporting in http/json and in http/protobuf.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouteResponse } from '../../shared/contract.js';
import type { LogEntry } from '../../shared/schemas.js';
import { loginSettings } from '../../shared/snippets.js';
import { encodeExport, type TelemetrySignal } from '../../electron/gateway/otlp.js';
import { CLAUDE, claudeCodeProcessEnv, prepareClaudeHome, storeGatewayCredential } from '../support/claude-code.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { signInAs, type SignedIn } from '../support/sign-in.js';
import { runProcess, stopAllProcesses } from '../support/processes.js';

type SessionEvents = RouteResponse<'getSessionEvents'>;

let gw: TestGateway;

beforeEach(async () => {
  gw = await startTestGateway();
});

afterEach(async () => {
  await stopAllProcesses();
  await gw.close();
});

const SESSION = '1e267b61-e171-43f4-924b-43c9b1154052';
const T0 = Date.now() - 60_000;
const nanos = (ms: number): string => `${ms}000000`;

type Attr = string | number | boolean;
const attributes = (values: Record<string, Attr>): { key: string; value: Record<string, Attr> }[] =>
  Object.entries(values).map(([key, value]): { key: string; value: Record<string, Attr> } => ({
    key,
    value:
      typeof value === 'string'
        ? { stringValue: value }
        : typeof value === 'boolean'
          ? { boolValue: value }
          : Number.isInteger(value)
            ? { intValue: value }
            : { doubleValue: value },
  }));

/** An ExportLogsServiceRequest in OTLP/JSON with Claude Code's events, as 2.1.330 shapes them. */
function logsExport(events: { name: string; at: number; attrs: Record<string, Attr> }[], session = SESSION) {
  return {
    resourceLogs: [
      {
        resource: { attributes: attributes({ 'service.name': 'claude-code', 'service.version': '2.1.330' }) },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events', version: '2.1.330' },
            logRecords: events.map((event, sequence) => ({
              timeUnixNano: nanos(event.at),
              observedTimeUnixNano: nanos(event.at),
              body: { stringValue: `claude_code.${event.name}` },
              attributes: attributes({
                'user.id': 'abc123',
                'session.id': session,
                'event.name': event.name,
                'event.timestamp': new Date(event.at).toISOString(),
                'event.sequence': sequence,
                ...event.attrs,
              }),
            })),
          },
        ],
      },
    ],
  };
}

/** An ExportMetricsServiceRequest in OTLP/JSON: delta sums, as Claude Code exports by default. */
function metricsExport(points: { name: string; at: number; value: number; attrs?: Record<string, Attr> }[]) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attributes({ 'service.name': 'claude-code' }) },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.330' },
            metrics: points.map((point) => ({
              name: point.name,
              unit: '',
              sum: {
                aggregationTemporality: 1,
                isMonotonic: true,
                dataPoints: [
                  {
                    attributes: attributes({ 'session.id': SESSION, ...point.attrs }),
                    startTimeUnixNano: nanos(point.at - 1000),
                    timeUnixNano: nanos(point.at),
                    asDouble: point.value,
                  },
                ],
              },
            })),
          },
        ],
      },
    ],
  };
}

async function post(
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(gw.url + path, { method: 'POST', headers, body });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function postJson(signal: TelemetrySignal, token: string | null, value: unknown) {
  return post(`/v1/${signal}`, JSON.stringify(value), {
    'content-type': 'application/json',
    ...(token && bearer(token)),
  });
}

function postProtobuf(signal: TelemetrySignal, token: string, value: Record<string, unknown>) {
  return post(`/v1/${signal}`, encodeExport(signal, value), {
    'content-type': 'application/x-protobuf',
    ...bearer(token),
  });
}

async function sessionEvents(session = SESSION, query = ''): Promise<SessionEvents> {
  const { status, body } = await gw.admin<SessionEvents>(
    'GET',
    `/api/sessions/${encodeURIComponent(session)}/events${query}`,
  );
  expect(status).toBe(200);
  return body;
}

async function logRows(): Promise<LogEntry[]> {
  return (await gw.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=100')).body.logs;
}

const priya = (): Promise<SignedIn> => signInAs(gw, { name: 'Priya Raman', email: 'priya@example.com' });

describe('OTLP export from a signed-in Claude Code', () => {
  it('keeps events sent as JSON and metrics as protobuf, and lists them for the session in time order with its totals', async () => {
    const signedIn = await priya();
    const logs = await postJson(
      'logs',
      signedIn.accessToken,
      logsExport([
        { name: 'user_prompt', at: T0, attrs: { 'prompt.id': 'p-1', prompt_length: '20', prompt: '<REDACTED>' } },
        {
          name: 'api_request',
          at: T0 + 1000,
          attrs: {
            'prompt.id': 'p-1',
            model: 'claude-sonnet-4-6',
            input_tokens: 94,
            output_tokens: 2,
            cache_read_tokens: 0,
            cache_creation_tokens: 21_747,
            cost_usd: 0.13643875,
            duration_ms: 60,
            request_id: 'req_011CQrMNQsH9SFUwTsbrsdSR',
          },
        },
        {
          name: 'tool_decision',
          at: T0 + 2000,
          attrs: { tool_name: 'Bash', decision: 'accept', source: 'config', tool_use_id: 'toolu_1' },
        },
        {
          name: 'tool_result',
          at: T0 + 3000,
          attrs: { tool_name: 'Bash', success: 'true', duration_ms: '41', tool_use_id: 'toolu_1' },
        },
        // Not kept: Claude Code's start-up events say nothing about what the agent did.
        { name: 'plugin_loaded', at: T0 + 500, attrs: { 'plugin.name': 'cc-plugin-privacy' } },
      ]),
    );
    expect(logs.status).toBe(200);
    expect(logs.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(logs.body.toString('utf8'))).toEqual({});

    const metrics = await postProtobuf(
      'metrics',
      signedIn.accessToken,
      metricsExport([
        { name: 'claude_code.lines_of_code.count', at: T0 + 4000, value: 12, attrs: { type: 'added', model: 'm' } },
        { name: 'claude_code.lines_of_code.count', at: T0 + 4000, value: 3, attrs: { type: 'removed', model: 'm' } },
        { name: 'claude_code.commit.count', at: T0 + 4000, value: 1 },
        { name: 'claude_code.pull_request.count', at: T0 + 4000, value: 1 },
        { name: 'claude_code.active_time.total', at: T0 + 4000, value: 2.5, attrs: { type: 'cli' } },
        { name: 'claude_code.cost.usage', at: T0 + 4000, value: 0.13 },
      ]),
    );
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('application/x-protobuf');
    // A second protobuf export: more lines, a later point.
    await postProtobuf(
      'metrics',
      signedIn.accessToken,
      metricsExport([
        { name: 'claude_code.lines_of_code.count', at: T0 + 9000, value: 5, attrs: { type: 'added', model: 'm' } },
      ]),
    );

    const listed = await sessionEvents();
    expect(listed.events.map((event) => event.name)).toEqual([
      'user_prompt',
      'api_request',
      'tool_decision',
      'tool_result',
      'claude_code.lines_of_code.count',
      'claude_code.lines_of_code.count',
      'claude_code.commit.count',
      'claude_code.pull_request.count',
      'claude_code.active_time.total',
      'claude_code.lines_of_code.count',
    ]);
    const times = listed.events.map((event) => event.created_at_ms);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const event of listed.events) {
      expect(event).toMatchObject({
        session_id: SESSION,
        virtual_key_id: signedIn.virtualKey.id,
        user_id: signedIn.user.id,
      });
    }
    const [prompt, request, decision, result] = listed.events;
    expect(prompt).toMatchObject({ kind: 'event', prompt_id: 'p-1', attributes: { prompt_length: 20 } });
    // Claude Code did not send the text (no OTEL_LOG_USER_PROMPTS): nothing is kept in its place.
    expect(prompt?.attributes).not.toHaveProperty('prompt');
    expect(request).toMatchObject({
      request_id: 'req_011CQrMNQsH9SFUwTsbrsdSR',
      model: 'claude-sonnet-4-6',
      client_cost: 0.136439,
      attributes: { input_tokens: 94, output_tokens: 2, cache_creation_tokens: 21_747, duration_ms: 60 },
    });
    expect(decision).toMatchObject({ tool_name: 'Bash', attributes: { decision: 'accept', source: 'config' } });
    expect(result).toMatchObject({ tool_name: 'Bash', attributes: { success: true, duration_ms: 41 } });
    expect(listed.events[4]).toMatchObject({
      kind: 'metric',
      value: 12,
      temporality: 'delta',
      attributes: { type: 'added' },
    });
    expect(listed.summary).toMatchObject({
      events: 10,
      api_requests: 1,
      client_cost: 0.136439,
      prompts: 1,
      tool_results: 1,
      tool_failures: 0,
      lines_added: 17,
      lines_removed: 3,
      commits: 1,
      pull_requests: 1,
      active_time_seconds: 2.5,
    });

    // Bounded pages, in the same order.
    const first = await sessionEvents(SESSION, '?limit=4');
    expect(first.events.map((event) => event.id)).toEqual(listed.events.slice(0, 4).map((event) => event.id));
    expect(first.has_more).toBe(true);
    const rest = await sessionEvents(SESSION, `?limit=1000&cursor=${first.next_cursor ?? ''}`);
    expect(rest.events.map((event) => event.id)).toEqual(listed.events.slice(4).map((event) => event.id));
    expect(rest.has_more).toBe(false);
    expect((await sessionEvents(SESSION, '?name=tool_result')).events).toHaveLength(1);
    for (const query of ['?limit=1001', '?limit=0', '?cursor=nope']) {
      expect((await gw.admin('GET', `/api/sessions/${SESSION}/events${query}`)).status, query).toBe(400);
    }
    expect((await sessionEvents('no-such-session')).events).toEqual([]);
  });

  it('keeps logs sent as protobuf and metrics as JSON, gzip too, and an exporter’s retry only once', async () => {
    const signedIn = await priya();
    const events = logsExport([
      { name: 'api_error', at: T0, attrs: { model: 'claude-sonnet-4-6', error: 'overloaded', status_code: '529' } },
    ]);
    expect((await postProtobuf('logs', signedIn.accessToken, events)).status).toBe(200);
    expect((await postProtobuf('logs', signedIn.accessToken, events)).status).toBe(200);
    const gzipped = await post(
      '/v1/metrics',
      gzipSync(JSON.stringify(metricsExport([{ name: 'claude_code.commit.count', at: T0 + 1, value: 2 }]))),
      {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        ...bearer(signedIn.accessToken),
      },
    );
    expect(gzipped.status).toBe(200);
    // Under the /anthropic prefix as well.
    const prefixed = await post(
      '/anthropic/v1/metrics',
      JSON.stringify(metricsExport([{ name: 'claude_code.pull_request.count', at: T0 + 2, value: 1 }])),
      {
        'content-type': 'application/json',
        ...bearer(signedIn.accessToken),
      },
    );
    expect(prefixed.status).toBe(200);

    const listed = await sessionEvents();
    expect(listed.events.map((event) => [event.name, event.value])).toEqual([
      ['api_error', null],
      ['claude_code.commit.count', 2],
      ['claude_code.pull_request.count', 1],
    ]);
    expect(listed.events[0]?.attributes).toEqual({ model: 'claude-sonnet-4-6', error: 'overloaded', status_code: 529 });
  });

  it('keeps the command, file and prompt text the client sent only while content capture is on', async () => {
    const signedIn = await priya();
    const withDetails = (session: string) =>
      logsExport(
        [
          {
            name: 'tool_result',
            at: T0,
            attrs: {
              tool_name: 'Bash',
              success: false,
              error: 'exit 1',
              tool_parameters: JSON.stringify({ bash_command: 'npm', full_command: 'npm test -- --run' }),
            },
          },
          {
            name: 'tool_decision',
            at: T0 + 1,
            attrs: {
              tool_name: 'Edit',
              decision: 'reject',
              source: 'user_reject',
              tool_input: JSON.stringify({ file_path: '/src/main.ts' }),
            },
          },
          { name: 'user_prompt', at: T0 + 2, attrs: { prompt_length: 13, prompt: 'fix the tests' } },
        ],
        session,
      );
    await postJson('logs', signedIn.accessToken, withDetails('captured'));
    const captured = await sessionEvents('captured');
    expect(captured.events.map((event) => event.attributes)).toEqual([
      { tool_name: 'Bash', success: false, error: 'exit 1', command: 'npm test -- --run' },
      { tool_name: 'Edit', decision: 'reject', source: 'user_reject', file: '/src/main.ts' },
      { prompt_length: 13, prompt: 'fix the tests' },
    ]);
    expect(captured.summary).toMatchObject({ tool_results: 1, tool_failures: 1 });

    // The key's switch off: the events stay, their content does not.
    const off = await gw.admin('PUT', `/api/governance/virtual-keys/${signedIn.virtualKey.id}`, {
      capture_content: false,
    });
    expect(off.status).toBe(200);
    await postJson('logs', signedIn.accessToken, withDetails('not-captured'));
    const plain = await sessionEvents('not-captured');
    expect(plain.events.map((event) => event.attributes)).toEqual([
      { tool_name: 'Bash', success: false, error: 'exit 1' },
      { tool_name: 'Edit', decision: 'reject', source: 'user_reject' },
      { prompt_length: 13 },
    ]);
  });

  it('answers 200 for what it cannot keep, and keeps none of it', async () => {
    const signedIn = await priya();
    const key = await gw.createKey('plain key');
    const valid = logsExport([{ name: 'user_prompt', at: T0, attrs: { prompt_length: 1 } }]);
    const cases: [string, Promise<{ status: number }>][] = [
      ['no bearer', postJson('logs', null, valid)],
      ['an unknown key', postJson('logs', 'sk-tg-not-a-key', valid)],
      [
        'JSON garbage',
        post('/v1/logs', '{"resourceLogs": [{"scopeLogs": 7', {
          'content-type': 'application/json',
          ...bearer(signedIn.accessToken),
        }),
      ],
      ['JSON of the wrong shape', postJson('logs', signedIn.accessToken, { resourceLogs: 'nope' })],
      [
        'protobuf garbage',
        post('/v1/logs', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), {
          'content-type': 'application/x-protobuf',
          ...bearer(signedIn.accessToken),
        }),
      ],
      ['random bytes', post('/v1/metrics', Buffer.from('not telemetry at all'), bearer(signedIn.accessToken))],
      [
        'an empty body',
        post('/v1/logs', '', { 'content-type': 'application/x-protobuf', ...bearer(signedIn.accessToken) }),
      ],
      [
        'gzip that is not',
        post('/v1/logs', JSON.stringify(valid), {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          ...bearer(signedIn.accessToken),
        }),
      ],
      [
        'an export over the size limit',
        post('/v1/logs', JSON.stringify({ ...valid, padding: 'x'.repeat(5 * 1024 * 1024) }), {
          'content-type': 'application/json',
          ...bearer(signedIn.accessToken),
        }),
      ],
      ['traces', postProtobuf('traces', signedIn.accessToken, { resourceSpans: [] })],
    ];
    for (const [what, sent] of cases) expect((await sent).status, what).toBe(200);
    // A plain virtual key's telemetry is kept like a sign-in's: the key is the credential.
    expect((await postJson('logs', key.value, valid)).status).toBe(200);
    const listed = await sessionEvents();
    expect(listed.events.map((event) => event.virtual_key_id)).toEqual([key.id]);

    // Never a 404, whatever the method.
    const get = await fetch(`${gw.url}/v1/logs`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    // And no request-log row: telemetry is not inference.
    expect((await logRows()).filter((row) => row.path.includes('/v1/logs'))).toEqual([]);
  });

  it('answers 401 with x-should-retry: false once the sign-in has ended, and keeps nothing', async () => {
    const signedIn = await priya();
    expect((await gw.admin('POST', `/api/sign-ins/${signedIn.signIn.id}/revoke`)).status).toBe(200);
    const answer = await postJson(
      'logs',
      signedIn.accessToken,
      logsExport([{ name: 'user_prompt', at: T0, attrs: {} }]),
    );
    expect(answer.status).toBe(401);
    expect(answer.headers.get('x-should-retry')).toBe('false');
    expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ error: { type: 'authentication_error' } });
    const unknown = await postJson('metrics', 'tg-at-never-issued', metricsExport([]));
    expect(unknown.status).toBe(401);
    expect((await sessionEvents()).events).toEqual([]);
  });

  it('shows Claude Code’s own cost on the log row, joined on the request-id the client saw', async () => {
    const signedIn = await priya();
    const ask = async (): Promise<string> => {
      const response = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: {
          ...bearer(signedIn.accessToken),
          'content-type': 'application/json',
          'x-claude-code-session-id': SESSION,
        },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(200);
      await response.text();
      return response.headers.get('request-id') ?? '';
    };
    const agreed = await ask();
    const disagreed = await ask();
    const unreported = await ask();
    const rowOf = async (requestId: string): Promise<LogEntry | undefined> =>
      (await logRows()).find((row) => row.upstream_request_id === requestId);
    const tollgate = (await rowOf(agreed))?.cost ?? Number.NaN;
    expect(tollgate).toBeGreaterThan(0);
    expect(await rowOf(agreed)).toMatchObject({ session_id: SESSION, client_cost: null, client_cost_differs: false });

    const apiRequest = (requestId: string, cost: number, at: number) => ({
      name: 'api_request',
      at,
      attrs: { model: 'claude-sonnet-4-6', cost_usd: cost, request_id: requestId },
    });
    // Claude Code prices in float dollars: a fraction of a micro-dollar off is the same price.
    await postJson(
      'logs',
      signedIn.accessToken,
      logsExport([apiRequest(agreed, tollgate + 0.0000004, T0), apiRequest(disagreed, tollgate * 2, T0 + 1)]),
    );
    // Another key's event naming the same request is not this row's client.
    const other = await signInAs(gw, { name: 'Sam', email: 'sam@example.com' });
    await postJson('logs', other.accessToken, logsExport([apiRequest(unreported, 99, T0 + 2)], 'elsewhere'));

    expect(await rowOf(agreed)).toMatchObject({ client_cost: tollgate, client_cost_differs: false });
    expect(await rowOf(disagreed)).toMatchObject({ client_cost: tollgate * 2, client_cost_differs: true });
    expect(await rowOf(unreported)).toMatchObject({ client_cost: null, client_cost_differs: false });
    const detail = await gw.admin<{ log: LogEntry }>('GET', `/api/logs/${(await rowOf(disagreed))?.id ?? 0}`);
    expect(detail.body.log).toMatchObject({ client_cost: tollgate * 2, client_cost_differs: true });
  });

  it('prunes telemetry with the request log’s retention', async () => {
    const signedIn = await priya();
    await postJson('logs', signedIn.accessToken, logsExport([{ name: 'user_prompt', at: T0, attrs: {} }]));
    const telemetry = gw.gateway.context.telemetry;
    expect(telemetry.prune(90, Date.now())).toBe(0);
    expect(telemetry.prune(0, Date.now() + 365 * 86_400_000)).toBe(0);
    expect(telemetry.prune(90, Date.now() + 91 * 86_400_000)).toBe(1);
    expect((await sessionEvents()).events).toEqual([]);
  });
});

describe('the real Claude Code 2.1.330 exporting to Tollgate', () => {
  let home: string;
  let work: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'tollgate-claude-telemetry-'));
    work = prepareClaudeHome(home);
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  });

  it.each(['http/json', 'http/protobuf'])(
    'in %s: its export arrives and the session’s events include the api_request of the logged request',
    async (protocol) => {
      // Signed in as /login leaves it: the CLI's stored credential, with the gateway trusted.
      const signedIn = await priya();
      storeGatewayCredential(home, gw.url, signedIn);
      // The snippet's settings, the protocol under test in their env.
      const settings = loginSettings({ baseUrl: gw.url }, null) as { env: Record<string, string> };
      writeFileSync(
        join(home, '.claude', 'settings.json'),
        JSON.stringify({ ...settings, env: { ...settings.env, OTEL_EXPORTER_OTLP_PROTOCOL: protocol } }),
      );
      const exports: string[] = [];
      gw.gateway.server.prependListener('request', (req: { url?: string; headers: Record<string, unknown> }) => {
        if (req.url?.startsWith('/v1/logs') || req.url?.startsWith('/v1/metrics'))
          exports.push(`${req.url} ${String(req.headers['content-type'])}`);
      });

      const printed = await runProcess(CLAUDE, ['-p', 'REPLY WITH: telemetry-ok'], {
        cwd: work,
        env: claudeCodeProcessEnv(home),
        name: 'claude -p',
        timeoutMs: 60_000,
      });
      expect(printed.stdout.trim(), printed.output).toBe('telemetry-ok');
      const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      expect(exports).toContain(`/v1/logs ${contentType}`);

      const row = (await logRows()).find((entry) => entry.endpoint === 'messages' && entry.status === 'success');
      expect(row?.session_id).toBeTruthy();
      expect(row?.upstream_request_id).toBeTruthy();
      // Claude Code flushes its exporters as it exits; the last export may land just after.
      let listed = await sessionEvents(row?.session_id ?? '');
      for (let tries = 0; tries < 50 && !listed.events.some((e) => e.name === 'api_request'); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        listed = await sessionEvents(row?.session_id ?? '');
      }
      const apiRequest = listed.events.find((event) => event.name === 'api_request');
      expect(apiRequest).toMatchObject({
        request_id: row?.upstream_request_id,
        virtual_key_id: signedIn.virtualKey.id,
        user_id: signedIn.user.id,
        model: row?.model,
      });
      expect(listed.events.map((event) => event.name)).toContain('user_prompt');
      expect(listed.summary.api_requests).toBeGreaterThanOrEqual(1);

      const reconciled = (await logRows()).find((entry) => entry.id === row?.id);
      // Claude Code priced the request itself; it agrees with what Tollgate charged, to rounding.
      expect(apiRequest?.client_cost).toBeGreaterThan(0);
      expect(reconciled?.client_cost).toBe(apiRequest?.client_cost);
      expect(reconciled?.client_cost).toBeCloseTo(reconciled?.cost ?? -1, 5);
      expect(reconciled?.client_cost_differs).toBe(false);
    },
    90_000,
  );
});
