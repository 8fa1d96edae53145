// Claude Code's telemetry as the store keeps it: what an export is reduced to (otlp.ts), cumulative
// metrics counted once, and the log viewer's reconciliation join served by its index, no sort.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeExport, encodeExport, extractRecords, TELEMETRY_LIMITS } from '../../electron/gateway/otlp.js';
import { ContentStore } from '../../electron/store/content-store.js';
import { openDatabase, type Db } from '../../electron/store/database.js';
import { costsDiffer, RequestLog, type LogRecord } from '../../electron/store/request-log.js';
import { TelemetryStore } from '../../electron/store/telemetry.js';

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
    const record = (i: number): LogRecord => ({
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
    });
    for (let i = 0; i < 20; i++) log.appendQuietly(record(i));
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
