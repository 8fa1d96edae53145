// Claude Code's telemetry as the store keeps it: what an export is reduced to (otlp.ts), cumulative
// metrics counted once, the log viewer's reconciliation join served by its index, no sort, and the
// overview's per-person totals of a period beside spend, served by the metric indexes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeExport, encodeExport, extractRecords, TELEMETRY_LIMITS } from '../../electron/gateway/otlp.js';
import { ContentStore } from '../../electron/store/content-store.js';
import { openDatabase, type Db } from '../../electron/store/database.js';
import { costsDiffer, RequestLog, type LogRecord } from '../../electron/store/request-log.js';
import {
  PEOPLE_SQL,
  SESSION_METRICS_SQL,
  TelemetryStore,
  type TelemetrySender,
} from '../../electron/store/telemetry.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');
const sender = { virtualKeyId: 'key-1', userId: 'user-1', teamId: null };

let dir: string;
let db: Db;
let telemetry: TelemetryStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-telemetry-'));
  db = openDatabase(join(dir, 'tollgate.db'));
  telemetry = new TelemetryStore(db);
});

afterEach(() => {
  vi.restoreAllMocks();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** A request log row of key-1 at NOW + i, costing 100 micro-dollars unless told otherwise. */
function logRecord(i: number, overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    request_id: `req_${i}`,
    created_at: NOW + i,
    virtual_key_id: 'key-1',
    virtual_key_name: 'key 1',
    user_id: null,
    team_id: null,
    customer_id: null,
    session_id: 's-1',
    client: 'claude-cli/2.1.330',
    method: 'POST',
    path: '/v1/messages',
    endpoint: 'messages',
    model: 'claude-sonnet-4-6',
    provider: 'anthropic',
    status: 'success',
    status_code: 200,
    error_type: null,
    error_message: null,
    stream: true,
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    cost_micros: 100,
    cost_estimated: false,
    price_id: null,
    latency_ms: 50,
    ttfb_ms: 10,
    stop_reason: 'end_turn',
    tool_names: [],
    request_bytes: 100,
    response_bytes: 200,
    upstream_request_id: `upstream_${i}`,
    refusal_reason: null,
    requested_model: null,
    removed_tools: [],
    usage_by_model: [],
    ...overrides,
  };
}

function cumulative(value: number, at: number, start = NOW - 60_000) {
  return {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'claude_code.lines_of_code.count',
                sum: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: [kv('session.id', 's-1'), kv('type', 'added')],
                      startTimeUnixNano: `${start}000000`,
                      timeUnixNano: `${at}000000`,
                      asInt: String(value),
                    },
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

describe('what an export is reduced to', () => {
  it('decodes the same records from protobuf and JSON', () => {
    const value = cumulative(7, NOW);
    const fromJson = decodeExport('metrics', Buffer.from(JSON.stringify(value)), 'json');
    const fromProtobuf = decodeExport('metrics', encodeExport('metrics', value), 'protobuf');
    expect(fromProtobuf).toEqual(fromJson);
    const { records } = extractRecords('metrics', fromJson ?? {}, { captureContent: false, now: NOW });
    expect(records).toMatchObject([{ kind: 'metric', value: 7, temporality: 'cumulative', sessionId: 's-1' }]);
  });

  it('looks at a bounded number of records per export, and clips what it keeps', () => {
    const record = (i: number) => ({
      timeUnixNano: `${NOW}000000`,
      attributes: [
        kv('event.name', 'tool_decision'),
        kv('session.id', 'x'.repeat(5_000)),
        kv('tool_name', `tool-${i}`),
        kv('decision', 'y'.repeat(5_000)),
      ],
    });
    const request = {
      resourceLogs: [
        {
          scopeLogs: [
            { logRecords: Array.from({ length: TELEMETRY_LIMITS.recordsPerExport + 50 }, (_, i) => record(i)) },
          ],
        },
      ],
    };
    const { records, seen } = extractRecords('logs', request, { captureContent: true, now: NOW });
    expect(seen).toBe(TELEMETRY_LIMITS.recordsPerExport);
    expect(records).toHaveLength(TELEMETRY_LIMITS.recordsPerExport);
    expect(records[0]?.sessionId).toHaveLength(TELEMETRY_LIMITS.id);
    expect(String(records[0]?.attributes.decision)).toHaveLength(TELEMETRY_LIMITS.attribute);
  });

  it('moves a time more than a week off to when it arrived', () => {
    const request = {
      resourceLogs: [
        { scopeLogs: [{ logRecords: [{ timeUnixNano: '1000000', attributes: [kv('event.name', 'user_prompt')] }] }] },
      ],
    };
    expect(extractRecords('logs', request, { captureContent: false, now: NOW }).records[0]?.createdAt).toBe(NOW);
  });
});

describe('the store', () => {
  it('counts a cumulative series by its latest value, and ignores a record sent again', () => {
    const keep = (value: number, at: number): number => {
      const request = decodeExport('metrics', encodeExport('metrics', cumulative(value, at)), 'protobuf') ?? {};
      return telemetry.add(
        sender,
        extractRecords('metrics', request, { captureContent: false, now: NOW }).records,
        NOW,
      );
    };
    expect(keep(4, NOW - 30_000)).toBe(1);
    expect(keep(9, NOW)).toBe(1);
    expect(keep(9, NOW)).toBe(0);
    const listed = telemetry.sessionEvents('s-1', { limit: 10 });
    expect(listed.events.map((event) => event.value)).toEqual([4, 9]);
    expect(listed.summary.lines_added).toBe(9);
  });

  it('joins a log row to its api_request event through the index, with no sort', () => {
    const log = new RequestLog(db, new ContentStore(db), { flushDelayMs: 60_000 });
    for (let i = 0; i < 20; i++) log.appendQuietly(logRecord(i));
    log.flush();
    const request = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: `${NOW}000000`,
                  attributes: [
                    kv('event.name', 'api_request'),
                    kv('request_id', 'upstream_3'),
                    { key: 'cost_usd', value: { doubleValue: 0.000101 } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    telemetry.add(sender, extractRecords('logs', request, { captureContent: false, now: NOW }).records, NOW);

    const captured: string[] = [];
    const prepare = db.prepare.bind(db);
    vi.spyOn(db, 'prepare').mockImplementation((sql: string) => {
      captured.push(sql);
      return prepare(sql);
    });
    const page = log.query({ limit: 50 });
    expect(page.logs.find((entry) => entry.upstream_request_id === 'upstream_3')).toMatchObject({
      client_cost: 0.000101,
      client_cost_differs: false,
    });
    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${captured.at(-1) ?? ''}`)
      .all(51)
      .map((row) => row.detail)
      .join('\n');
    expect(plan).toMatch(/SEARCH e USING INDEX telemetry_events_by_request \(request_id=\? AND virtual_key_id=\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
    log.close();
  });

  it('tells a different price from rounding', () => {
    expect(costsDiffer(136_439, 136_439)).toBe(false);
    expect(costsDiffer(136_438, 136_440)).toBe(false);
    expect(costsDiffer(136_439, 136_500)).toBe(true);
    expect(costsDiffer(0, 3)).toBe(true);
  });
});

describe("the overview's people", () => {
  /** December so far, as the overview asks for it: from the month's start to just after now. */
  const FROM = Date.parse('2026-12-01T00:00:00Z');
  const TO = NOW + 1;
  const priya: TelemetrySender = { virtualKeyId: 'key-1', userId: 'user-1', teamId: null };
  const tomas: TelemetrySender = { virtualKeyId: 'key-2', userId: 'user-2', teamId: null };

  interface Point {
    name: string;
    value: number;
    at: number;
    temporality: 'delta' | 'cumulative';
    attrs?: Record<string, string>;
    /** A cumulative series' start. */
    start?: number;
    session?: string;
  }

  /** One metrics export of Claude Code's points, through the same decoding and extraction as /v1/metrics. */
  function report(who: TelemetrySender, points: Point[]): number {
    const request = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: points.map((point) => ({
                name: point.name,
                sum: {
                  aggregationTemporality: point.temporality === 'delta' ? 1 : 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      attributes: Object.entries({ 'session.id': point.session ?? 's-1', ...point.attrs }).map(
                        ([key, value]) => kv(key, value),
                      ),
                      startTimeUnixNano: `${point.start ?? point.at - 60_000}000000`,
                      timeUnixNano: `${point.at}000000`,
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
    const decoded = decodeExport('metrics', encodeExport('metrics', request), 'protobuf') ?? {};
    return telemetry.add(who, extractRecords('metrics', decoded, { captureContent: false, now: NOW }).records, NOW);
  }

  const lines = (type: 'added' | 'removed', value: number, at: number, extra: Partial<Point> = {}): Point => ({
    name: 'claude_code.lines_of_code.count',
    value,
    at,
    temporality: 'delta',
    attrs: { type, model: 'claude-sonnet-4-6' },
    ...extra,
  });

  it('totals each person’s lines, commits and pull requests of the period beside their spend, deltas and cumulative series alike', () => {
    const log = new RequestLog(db, new ContentStore(db), { flushDelayMs: 60_000 });
    // Priya: $0.30 in December, and $5 on 30 November, before the period.
    log.appendQuietly(logRecord(1, { user_id: 'user-1', created_at: NOW - 1_000, cost_micros: 300_000 }));
    log.appendQuietly(logRecord(2, { user_id: 'user-1', created_at: FROM - 1, cost_micros: 5_000_000 }));
    // Tomás: $0.10. A key without a user (the CI runner): $0.50, and no telemetry.
    log.appendQuietly(
      logRecord(3, { user_id: 'user-2', virtual_key_id: 'key-2', created_at: NOW - 1_000, cost_micros: 100_000 }),
    );
    log.appendQuietly(
      logRecord(4, {
        virtual_key_id: 'key-3',
        virtual_key_name: 'ci runner',
        created_at: NOW - 1_000,
        cost_micros: 500_000,
      }),
    );
    // A request at the period's (open) end counts in the next one.
    log.appendQuietly(logRecord(5, { virtual_key_id: 'key-3', created_at: TO, cost_micros: 9_000_000 }));
    log.flush();

    const seriesStart = FROM - 2 * 3_600_000;
    report(priya, [
      // Deltas: one before the period, one on its first millisecond, one in it, one at its (open) end.
      lines('added', 40, FROM - 1),
      lines('added', 10, FROM),
      lines('removed', 3, NOW - 5_000),
      lines('added', 1_000, TO),
      { name: 'claude_code.commit.count', value: 1, at: NOW - 5_000, temporality: 'delta' },
      {
        name: 'claude_code.active_time.total',
        value: 90.5,
        at: NOW - 5_000,
        temporality: 'delta',
        attrs: { type: 'cli' },
      },
    ]);
    // A cumulative series of lines added that began before the period: 5 before it, then 9 and 14
    // in it, so 9 of its lines were written in December.
    for (const [value, at] of [
      [5, FROM - 60_000],
      [9, FROM + 60_000],
      [14, NOW - 1_000],
    ] as const) {
      report(priya, [lines('added', value, at, { temporality: 'cumulative', start: seriesStart, session: 's-2' })]);
    }
    // A cumulative series of pull requests that began inside the period counts from zero.
    for (const [value, at] of [
      [1, NOW - 3_000],
      [2, NOW - 2_000],
    ] as const) {
      report(priya, [
        {
          name: 'claude_code.pull_request.count',
          value,
          at,
          temporality: 'cumulative',
          start: NOW - 4_000,
          session: 's-2',
        },
      ]);
    }
    // Tomás reports the same series shape from his own key: his counts are his alone.
    report(tomas, [
      lines('added', 7, NOW - 4_000, { temporality: 'cumulative', start: seriesStart, session: 's-2' }),
      lines('removed', 2, NOW - 4_000),
      { name: 'claude_code.commit.count', value: 2, at: NOW - 4_000, temporality: 'delta' },
    ]);

    expect(telemetry.activityByPerson(FROM, TO, 20)).toEqual([
      {
        kind: 'key',
        id: 'key-3',
        keyName: 'ci runner',
        costMicros: 500_000,
        requests: 1,
        linesAdded: 0,
        linesRemoved: 0,
        commits: 0,
        pullRequests: 0,
        activeTimeSeconds: 0,
      },
      {
        kind: 'user',
        id: 'user-1',
        keyName: null,
        costMicros: 300_000,
        requests: 1,
        linesAdded: 10 + 9,
        linesRemoved: 3,
        commits: 1,
        pullRequests: 2,
        activeTimeSeconds: 90.5,
      },
      {
        kind: 'user',
        id: 'user-2',
        keyName: null,
        costMicros: 100_000,
        requests: 1,
        linesAdded: 7,
        linesRemoved: 2,
        commits: 2,
        pullRequests: 0,
        activeTimeSeconds: 0,
      },
    ]);
    // The session view still counts its cumulative series whole, from the series' start.
    expect(telemetry.sessionEvents('s-2', { limit: 1 }).summary).toMatchObject({
      lines_added: 14 + 7,
      pull_requests: 2,
    });
    // Bounded: the most spend first.
    expect(telemetry.activityByPerson(FROM, TO, 1).map((person) => person.id)).toEqual(['key-3']);
    log.close();
  });

  it('lists someone whose Claude Code reported work but who spent nothing through the gateway, after those who did', () => {
    const log = new RequestLog(db, new ContentStore(db), { flushDelayMs: 60_000 });
    log.appendQuietly(
      logRecord(1, { user_id: 'user-2', virtual_key_id: 'key-2', created_at: NOW - 1_000, cost_micros: 100_000 }),
    );
    log.flush();
    report(priya, [lines('added', 25, NOW - 1_000), lines('removed', 5, NOW - 1_000)]);

    expect(
      telemetry.activityByPerson(FROM, TO, 20).map((p) => [p.id, p.costMicros, p.linesAdded, p.linesRemoved]),
    ).toEqual([
      ['user-2', 100_000, 0, 0],
      ['user-1', 0, 25, 5],
    ]);
    expect(telemetry.activityByPerson(NOW + 1, NOW + 2, 20)).toEqual([]);
    log.close();
  });

  it('finds the period’s metric points and each cumulative series’ earlier total through their indexes, never scanning the events', () => {
    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${PEOPLE_SQL}`)
      .all({ from: FROM, to: TO, limit: 20 })
      .map((row) => row.detail)
      .join('\n');
    expect(plan).toMatch(/SEARCH m USING INDEX telemetry_metrics_by_time \(created_at>\? AND created_at<\?\)/);
    expect(plan).toMatch(/SEARCH b USING INDEX telemetry_metrics_by_series \(series=\? AND created_at<\?\)/);
    expect(plan).toMatch(/SEARCH request_logs USING INDEX request_logs_by_time \(created_at>\? AND created_at<\?\)/);
    expect(plan).not.toMatch(/SCAN (m|b|request_logs|telemetry_events)\b/);

    // The session view's totals, worked out the same way, still start from the session's own points.
    const session = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${SESSION_METRICS_SQL}`)
      .all({ session: 's-1', from: 0 })
      .map((row) => row.detail)
      .join('\n');
    expect(session).toMatch(/SEARCH m USING INDEX telemetry_events_by_session \(session_id=\?\)/);
  });
});
