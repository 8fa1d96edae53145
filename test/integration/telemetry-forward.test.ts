// Telemetry forwarding: with client_config.telemetry_forward_url set, what signed-in Claude Code
// exports reaches the operator's collector (a stand-in OTLP/HTTP receiver on loopback) at
// <url>/v1/<signal>, in the encoding it was sent in, every resource stamped with the key, user and
// team that sent it (a client's own tollgate.* attributes replaced), prompt text and tool inputs taken
// out when content capture is off for the key. A collector that is down costs the client nothing:
// it still gets its 200 at once, and /metrics counts the failure.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeExport, encodeExport, type TelemetrySignal } from '../../electron/gateway/otlp.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { signInAs } from '../support/sign-in.js';

interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

let gw: TestGateway;
let collector: Server;
let received: Received[];
let collectorUrl: string;

beforeEach(async () => {
  gw = await startTestGateway();
  received = [];
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/otel`;
});

afterEach(async () => {
  await gw.close();
  await new Promise((resolve) => collector.close(resolve));
});

const SESSION = '7d3a3f4e-8f0a-4b61-9d0e-0f1f7c1b2a11';
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

function logsExport(prompt: string) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [str('service.name', 'claude-code'), str('tollgate.user.id', 'someone-else')] },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events' },
            logRecords: [
              {
                timeUnixNano: `${Date.now()}000000`,
                traceId: TRACE_ID,
                body: { stringValue: 'claude_code.user_prompt' },
                attributes: [
                  str('event.name', 'user_prompt'),
                  str('session.id', SESSION),
                  str('prompt_length', String(prompt.length)),
                  str('prompt', prompt),
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

function metricsExport(value: number) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [str('service.name', 'claude-code')] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'claude_code.commit.count',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [
                    { attributes: [str('session.id', SESSION)], timeUnixNano: `${Date.now()}000000`, asDouble: value },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

async function forwardTo(url: string | null): Promise<void> {
  const answer = await gw.admin('PUT', '/api/config', { client_config: { telemetry_forward_url: url } });
  expect(answer.status).toBe(200);
}

async function exportAs(token: string, signal: TelemetrySignal, body: string | Uint8Array): Promise<number> {
  const response = await fetch(`${gw.url}/v1/${signal}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': typeof body === 'string' ? 'application/json' : 'application/x-protobuf',
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function arrivals(count: number): Promise<Received[]> {
  const deadline = Date.now() + 10_000;
  while (received.length < count) {
    if (Date.now() > deadline) throw new Error(`the collector received ${received.length} of ${count} exports`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return received;
}

type Attribute = { key: string; value: { stringValue?: string } };
const resourceAttributes = (resource: unknown): Record<string, string | undefined> =>
  Object.fromEntries(
    ((resource as { resource: { attributes: Attribute[] } }).resource.attributes ?? []).map((pair) => [
      pair.key,
      pair.value.stringValue,
    ]),
  );

async function signInPriya(captureContent: boolean) {
  const team = await gw.admin<{ team: { id: string } }>('POST', '/api/governance/teams', { name: 'Platform' });
  expect(team.status).toBe(201);
  return signInAs(
    gw,
    { name: 'Priya Raman', email: 'priya@example.com' },
    {
      user: { name: 'Priya Raman', email: 'priya@example.com', team_id: team.body.team.id },
      key: { capture_content: captureContent },
    },
  );
}

describe('forwarding telemetry to the operator’s collector', () => {
  it('sends JSON on as JSON and protobuf as protobuf, stamped with the key, user and team, and spoofed stamps replaced', async () => {
    await forwardTo(collectorUrl);
    const priya = await signInPriya(true);
    expect(await exportAs(priya.accessToken, 'logs', JSON.stringify(logsExport('fix the flaky test')))).toBe(200);
    expect(await exportAs(priya.accessToken, 'metrics', encodeExport('metrics', metricsExport(2)))).toBe(200);
    await arrivals(2);

    const logs = received.find((entry) => entry.path === '/otel/v1/logs');
    expect(logs?.contentType).toBe('application/json');
    const logsBody = JSON.parse(logs?.body.toString('utf8') ?? '{}') as ReturnType<typeof logsExport>;
    const stamped = resourceAttributes(logsBody.resourceLogs[0]);
    expect(stamped).toMatchObject({
      'service.name': 'claude-code',
      'tollgate.virtual_key.id': priya.virtualKey.id,
      'tollgate.virtual_key.name': priya.virtualKey.name,
      'tollgate.user.id': priya.user.id,
      'tollgate.user.email': 'priya@example.com',
      'tollgate.user.name': 'Priya Raman',
      'tollgate.team.name': 'Platform',
    });
    expect(stamped['tollgate.team.id']).toMatch(/.+/);
    const record = logsBody.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    // The JSON the client sent, ids in hex as OTLP/JSON writes them; the prompt kept with capture on.
    expect(record?.traceId).toBe(TRACE_ID);
    expect(record?.attributes).toContainEqual(str('prompt', 'fix the flaky test'));

    const metrics = received.find((entry) => entry.path === '/otel/v1/metrics');
    expect(metrics?.contentType).toBe('application/x-protobuf');
    const decoded = decodeExport('metrics', metrics?.body ?? Buffer.alloc(0), 'protobuf') as ReturnType<
      typeof metricsExport
    >;
    expect(resourceAttributes(decoded.resourceMetrics[0])).toMatchObject({
      'tollgate.virtual_key.id': priya.virtualKey.id,
      'tollgate.user.id': priya.user.id,
    });
    expect(decoded.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.sum.dataPoints[0]?.asDouble).toBe(2);

    // Tollgate keeps its own copy as before.
    const events = await gw.admin<{ events: { name: string }[] }>('GET', `/api/sessions/${SESSION}/events`);
    expect(events.body.events.map((event) => event.name).sort()).toEqual(['claude_code.commit.count', 'user_prompt']);
  });

  it('takes the prompt text and tool inputs out of what it forwards while content capture is off for the key', async () => {
    await forwardTo(collectorUrl);
    const priya = await signInPriya(false);
    expect(await exportAs(priya.accessToken, 'logs', encodeExport('logs', logsExport('the secret plan')))).toBe(200);
    const [logs] = await arrivals(1);
    const decoded = decodeExport('logs', logs?.body ?? Buffer.alloc(0), 'protobuf') as ReturnType<typeof logsExport>;
    const keys = decoded.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.attributes.map((pair) => pair.key);
    expect(keys).toEqual(['event.name', 'session.id', 'prompt_length']);
    expect(logs?.body.includes('the secret plan')).toBe(false);
  });

  it('forwards traces, which Tollgate itself does not keep', async () => {
    await forwardTo(collectorUrl);
    const priya = await signInPriya(true);
    const traces = {
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', 'claude-code')] },
          scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: '051581bf3cb55c13', name: 'claude_code.interaction' }] }],
        },
      ],
    };
    expect(await exportAs(priya.accessToken, 'traces', JSON.stringify(traces))).toBe(200);
    const [sent] = await arrivals(1);
    expect(sent?.path).toBe('/otel/v1/traces');
    const body = JSON.parse(sent?.body.toString('utf8') ?? '{}') as typeof traces;
    expect(body.resourceSpans[0]?.scopeSpans[0]?.spans[0]).toEqual(traces.resourceSpans[0]?.scopeSpans[0]?.spans[0]);
    expect(resourceAttributes(body.resourceSpans[0])['tollgate.user.email']).toBe('priya@example.com');
  });

  it('sends nothing while no collector is set', async () => {
    const priya = await signInPriya(true);
    expect(await exportAs(priya.accessToken, 'logs', JSON.stringify(logsExport('hello')))).toBe(200);
    await forwardTo(collectorUrl);
    await forwardTo(null);
    expect(await exportAs(priya.accessToken, 'logs', JSON.stringify(logsExport('hello again')))).toBe(200);
    // Give a stray post time to arrive before saying none did.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual([]);
  });

  it('answers the client 200 while the collector is down, and counts exports kept and forwards failed on /metrics', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    await forwardTo(`http://127.0.0.1:${port}`);
    const priya = await signInPriya(true);
    expect(await exportAs(priya.accessToken, 'logs', JSON.stringify(logsExport('hello')))).toBe(200);
    expect(await exportAs(priya.accessToken, 'logs', 'not an export')).toBe(200);

    const deadline = Date.now() + 10_000;
    let text = '';
    while (!/tollgate_telemetry_forwarded_total\{signal="logs",outcome="failed"\} 1/.test(text)) {
      if (Date.now() > deadline) throw new Error(`no failed forward counted:\n${text}`);
      text = await (await fetch(`${gw.url}/metrics`)).text();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(text).toMatch(/tollgate_telemetry_exports_total\{signal="logs",outcome="kept"\} 1/);
    expect(text).toMatch(/tollgate_telemetry_exports_total\{signal="logs",outcome="unreadable"\} 1/);
  });

  it('refuses a collector URL that is not http(s), or carries credentials or a query', async () => {
    for (const url of [
      'ftp://collector.example/otel',
      'http://user:secret@collector.example',
      'http://c.example/?k=v',
      'otel',
    ]) {
      const answer = await gw.admin<{ error: { message: string } }>('PUT', '/api/config', {
        client_config: { telemetry_forward_url: url },
      });
      expect(answer.status, url).toBe(400);
      expect(answer.body.error.message).toMatch(/telemetry_forward_url/);
    }
    await forwardTo('https://collector.example:4318');
    const config = await gw.admin<{ client_config: { telemetry_forward_url: string | null } }>('GET', '/api/config');
    expect(config.body.client_config.telemetry_forward_url).toBe('https://collector.example:4318');
  });
});
