// The overview's people over real HTTP into real SQLite: teammates signed in with /login spend through
// the gateway and their Claude Code exports its metrics to /v1/metrics (OTLP/JSON and protobuf, delta
// and cumulative), and GET /api/stats/overview lists each person's spend this month beside the lines
// of code, commits and pull requests reported for it, parsed with the contract's schema. The clock is
// the gateway's, set just after the turn of the month, so what happened in October stays out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminApi, type RouteResponse } from '../../shared/contract.js';
import { encodeExport } from '../../electron/gateway/otlp.js';
import { ManualClock } from '../support/clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { signInAs } from '../support/sign-in.js';

type Overview = RouteResponse<'getOverview'>;

const clock = new ManualClock('2026-10-31T23:50:00Z');
let gw: TestGateway;

beforeEach(async () => {
  clock.set('2026-10-31T23:50:00Z');
  gw = await startTestGateway({ gateway: { clock: clock.read } });
});

afterEach(async () => {
  await gw.close();
});

const at = (iso: string): number => Date.parse(iso);
const nanos = (ms: number): string => `${ms}000000`;

interface Point {
  name: string;
  at: number;
  value: number;
  attrs?: Record<string, string>;
  /** A cumulative series' start; delta when absent. */
  cumulativeFrom?: number;
}

/** An ExportMetricsServiceRequest in OTLP/JSON, shaped as Claude Code 2.1.330 exports its counters. */
function metricsExport(session: string, points: Point[]): Record<string, unknown> {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.330' },
            metrics: points.map((point) => ({
              name: point.name,
              sum: {
                aggregationTemporality: point.cumulativeFrom === undefined ? 1 : 2,
                isMonotonic: true,
                dataPoints: [
                  {
                    attributes: Object.entries({ 'session.id': session, ...point.attrs }).map(([key, value]) => ({
                      key,
                      value: { stringValue: value },
                    })),
                    startTimeUnixNano: nanos(point.cumulativeFrom ?? point.at - 1_000),
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

async function exportMetrics(token: string, body: Record<string, unknown>, encoding: 'json' | 'protobuf') {
  const response = await fetch(`${gw.url}/v1/metrics`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    },
    body: encoding === 'json' ? JSON.stringify(body) : encodeExport('metrics', body),
  });
  expect(response.status).toBe(200);
}

/** One Sonnet request ($3 in, $15 out per million tokens) with a bearer: a signed-in token or a key. */
async function spend(bearer: string, usage: { input_tokens: number; output_tokens: number }): Promise<void> {
  gw.upstream.enqueue({
    kind: 'message',
    usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...usage },
  });
  const response = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(response.status, await response.text()).toBe(200);
}

async function overview(): Promise<Overview> {
  const response = await fetch(`${gw.url}/api/stats/overview`, {
    headers: { authorization: `Bearer ${gw.gateway.adminToken}` },
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return adminApi.getOverview.response.parse(JSON.parse(text));
}

const LINES = 'claude_code.lines_of_code.count';

describe("the overview's people", () => {
  it('lists each person’s spend this month beside the lines, commits and pull requests their Claude Code reported', async () => {
    const priya = await signInAs(gw, { name: 'Priya Raman', email: 'priya@example.com' }, {}, clock);
    const tomas = await signInAs(gw, { name: 'Tomás Novak', email: 'tomas@example.com' }, {}, clock);
    const runner = await gw.createKey('ci runner');

    // October, the last minutes of it: spend and work that belong to last month.
    clock.set('2026-10-31T23:55:00Z');
    await spend(priya.accessToken, { input_tokens: 100_000, output_tokens: 10_000 });
    await exportMetrics(
      priya.accessToken,
      metricsExport('s-priya', [
        {
          name: LINES,
          at: at('2026-10-31T23:56:00Z'),
          value: 500,
          attrs: { type: 'added', model: 'claude-sonnet-4-6' },
        },
        // A running total of pull requests, begun in October with one already.
        {
          name: 'claude_code.pull_request.count',
          at: at('2026-10-31T23:56:00Z'),
          value: 1,
          cumulativeFrom: at('2026-10-31T23:00:00Z'),
        },
      ]),
      'json',
    );

    // November (UTC): $0.45 for Priya, $0.15 for Tomás, $0.90 on a key nobody signed in with.
    clock.set('2026-11-01T00:30:00Z');
    await spend(priya.accessToken, { input_tokens: 100_000, output_tokens: 10_000 });
    await spend(tomas.accessToken, { input_tokens: 50_000, output_tokens: 0 });
    await spend(runner.value, { input_tokens: 200_000, output_tokens: 20_000 });
    await exportMetrics(
      priya.accessToken,
      metricsExport('s-priya', [
        {
          name: LINES,
          at: at('2026-11-01T00:10:00Z'),
          value: 120,
          attrs: { type: 'added', model: 'claude-sonnet-4-6' },
        },
        {
          name: LINES,
          at: at('2026-11-01T00:10:00Z'),
          value: 30,
          attrs: { type: 'removed', model: 'claude-sonnet-4-6' },
        },
        { name: 'claude_code.commit.count', at: at('2026-11-01T00:20:00Z'), value: 1 },
        { name: 'claude_code.active_time.total', at: at('2026-11-01T00:20:00Z'), value: 600, attrs: { type: 'cli' } },
      ]),
      'json',
    );
    // The running total reaches 3: two pull requests opened in November.
    await exportMetrics(
      priya.accessToken,
      metricsExport('s-priya', [
        {
          name: 'claude_code.pull_request.count',
          at: at('2026-11-01T00:25:00Z'),
          value: 3,
          cumulativeFrom: at('2026-10-31T23:00:00Z'),
        },
      ]),
      'protobuf',
    );
    await exportMetrics(
      tomas.accessToken,
      metricsExport('s-tomas', [
        { name: LINES, at: at('2026-11-01T00:15:00Z'), value: 8, attrs: { type: 'added', model: 'claude-sonnet-4-6' } },
        { name: 'claude_code.commit.count', at: at('2026-11-01T00:15:00Z'), value: 2 },
      ]),
      'protobuf',
    );

    const { people } = await overview();

    expect(people).toEqual([
      {
        kind: 'key',
        id: runner.id,
        name: 'ci runner',
        spend: 0.9,
        requests: 1,
        lines_added: 0,
        lines_removed: 0,
        commits: 0,
        pull_requests: 0,
        active_time_seconds: 0,
      },
      {
        kind: 'user',
        id: priya.user.id,
        name: 'Priya Raman',
        spend: 0.45,
        requests: 1,
        lines_added: 120,
        lines_removed: 30,
        commits: 1,
        pull_requests: 2,
        active_time_seconds: 600,
      },
      {
        kind: 'user',
        id: tomas.user.id,
        name: 'Tomás Novak',
        spend: 0.15,
        requests: 1,
        lines_added: 8,
        lines_removed: 0,
        commits: 2,
        pull_requests: 0,
        active_time_seconds: 0,
      },
    ]);
  });

  it('lists people with zeros beside their spend when no telemetry arrived, and nobody on a fresh gateway', async () => {
    expect((await overview()).people).toEqual([]);

    const runner = await gw.createKey('ci runner');
    await spend(runner.value, { input_tokens: 100_000, output_tokens: 10_000 });

    expect((await overview()).people).toEqual([
      expect.objectContaining({
        kind: 'key',
        id: runner.id,
        spend: 0.45,
        lines_added: 0,
        commits: 0,
        pull_requests: 0,
      }),
    ]);
  });
});
